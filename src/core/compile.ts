// The pure core in one call: SourceFile[] + now → diagnostics, the Feed and the RenderedFiles.
// No I/O, no clock, no logging: src/build.ts wraps it with reading and writing.

import { diagnostic, FILE_START, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { parseFrontMatter } from './front-matter.js';
import { buildFeed } from './model.js';
import { normalizeEntry, normalizeStory, STORY_FILE, validateEntries } from './normalize.js';
import { renderAtom } from './render/atom.js';
import { OUTPUT_FILES } from './render/feed-options.js';
import { renderJsonFeed } from './render/json-feed.js';
import { renderRss } from './render/rss.js';
import type { Entry, Feed, RawEntry, RenderedFile, SourceFile, Story } from './types.js';

export const MEDIA_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
} as const;

export interface ParsedSources {
  readonly story?: Story;
  readonly entries: readonly Entry[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Parse, normalize and validate every source; collects every problem, not just the first. */
export function parseSources(sources: readonly SourceFile[], readDiagnostics: readonly Diagnostic[] = []): ParsedSources {
  const diagnostics: Diagnostic[] = [...readDiagnostics];
  const raws = new Map<string, RawEntry>();
  let storyRaw: RawEntry | undefined;
  for (const source of sources) {
    const parsed = parseFrontMatter(source);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.entry) continue;
    if (source.path === STORY_FILE) storyRaw = parsed.entry;
    else raws.set(source.path, parsed.entry);
  }
  if (!sources.some((s) => s.path === STORY_FILE) && !readDiagnostics.some((d) => d.file === STORY_FILE)) {
    diagnostics.push(diagnostic(STORY_FILE, FILE_START, 'E_STORY_MISSING', 'the entries folder has no `_story.md`', 'add `_story.md` with the story\'s id, title, description, home_page, feed_base and authors (see README)'));
  }
  const story = storyRaw ? normalizeStory(storyRaw) : undefined;
  if (story) diagnostics.push(...story.diagnostics);
  const entries: Entry[] = [];
  if (story?.value) {
    for (const raw of raws.values()) {
      const entry = normalizeEntry(raw, story.value);
      diagnostics.push(...entry.diagnostics);
      if (entry.value) entries.push(entry.value);
    }
    diagnostics.push(...validateEntries(entries, raws));
  }
  return { ...(story?.value ? { story: story.value } : {}), entries, diagnostics: sortDiagnostics(diagnostics) };
}

export function renderFeedFiles(feed: Feed): RenderedFile[] {
  const history = feed.complete ? ('complete' as const) : undefined;
  return [
    { path: OUTPUT_FILES.rss, contents: renderRss(feed, { history }), mediaType: MEDIA_TYPES.rss },
    { path: OUTPUT_FILES.atom, contents: renderAtom(feed, { history }), mediaType: MEDIA_TYPES.atom },
    { path: OUTPUT_FILES.json, contents: renderJsonFeed(feed), mediaType: MEDIA_TYPES.json },
  ];
}

export interface CompileResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
  readonly story?: Story;
  readonly entries: readonly Entry[];
  readonly feed?: Feed;
  readonly files: readonly RenderedFile[];
}

/** Everything from sources to rendered files. With any error, nothing is rendered. */
export function compile(sources: readonly SourceFile[], now: Date, readDiagnostics: readonly Diagnostic[] = []): CompileResult {
  const parsed = parseSources(sources, readDiagnostics);
  if (hasErrors(parsed.diagnostics) || !parsed.story) {
    return { diagnostics: parsed.diagnostics, ok: false, entries: parsed.entries, files: [], ...(parsed.story ? { story: parsed.story } : {}) };
  }
  const feed = buildFeed(parsed.story, parsed.entries, now);
  return { diagnostics: parsed.diagnostics, ok: true, story: parsed.story, entries: parsed.entries, feed, files: renderFeedFiles(feed) };
}
