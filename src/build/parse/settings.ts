// A newsroom's settings as a patch run needs them: `_newsroom.md` and the `_story.md` of each story
// an entry changed in, parsed as the full build parses them (newsroom.ts readSettings). Run where
// the entries are parsed — on the warm parse worker when the CLI started one — so that the build's
// thread of a patch run never loads the parsers (front matter, YAML, Markdown: most of the bundle).

import { parseNewsroom, parseStoryConfig } from '../../core/newsroom.js';
import { STORY_FILE } from '../../core/links.js';
import type { SourceFile, Story } from '../../core/types.js';

/** Each story's settings, by slug; undefined when any of the files has a problem (a full build reports it). */
export function parseStorySettings(newsroomFile: SourceFile, stories: readonly { readonly slug: string; readonly file: SourceFile }[]): [slug: string, story: Story][] | undefined {
  const parsed = parseNewsroom(newsroomFile);
  if (!parsed.newsroom || !parsed.raw || parsed.diagnostics.length > 0) return undefined;
  const out: [string, Story][] = [];
  for (const { slug, file } of stories) {
    const { config } = parseStoryConfig({ ...file, path: STORY_FILE }, slug, parsed.newsroom, parsed.raw);
    if (!config) return undefined;
    out.push([slug, config.story]);
  }
  return out;
}
