// A newsroom's settings files as its last run built with them (`_newsroom.md`, and the `_story.md`
// of each story that is out), kept in `.storyfeed/settings.json`. A service started while one of
// them is broken builds with this version, as a running service builds with the one it holds in
// memory; without it, a story whose `_story.md` broke before a restart was left out of the
// newsroom's feeds, front page, stories.json, OPML and sitemaps until fixed. A held story's
// `_story.md` is not kept (nothing unpublished is stored in the output folder).

import { compareStrings } from '../../core/diagnostics.js';
import { NEWSROOM_FILE, STORY_FILE } from '../../core/links.js';
import { STORY_SLUG } from '../../core/newsroom.js';
import type { SourceFile } from '../../core/types.js';
import { SETTINGS_PATH } from '../../io/state-folder.js';
import { readBookkeeping } from './read-bookkeeping.js';

const VERSION = 1;

/** `_newsroom.md` or `<slug>/_story.md`: the only names the file may give. */
function isSettingsPath(p: string): boolean {
  if (p === NEWSROOM_FILE) return true;
  const slash = p.indexOf('/');
  return slash > 0 && p.slice(slash + 1) === STORY_FILE && STORY_SLUG.test(p.slice(0, slash));
}

/** The kept settings by path, and the file's text as read (undefined: none). A damaged file keeps nothing. */
export function readLastSettings(outDir: string): { readonly text: string | undefined; readonly files: ReadonlyMap<string, SourceFile> } {
  const text = readBookkeeping(outDir, SETTINGS_PATH);
  const files = new Map<string, SourceFile>();
  if (text === undefined) return { text, files };
  try {
    const data = JSON.parse(text) as { version?: unknown; files?: unknown };
    if (data.version === VERSION && typeof data.files === 'object' && data.files !== null) {
      for (const [p, t] of Object.entries(data.files)) if (typeof t === 'string' && isSettingsPath(p)) files.set(p, { path: p, text: t });
    }
  } catch {
    // Not JSON: a run builds as if there were none, and writes it anew.
  }
  return { text, files };
}

export function renderLastSettings(files: readonly SourceFile[]): string {
  const sorted = [...files].sort((a, b) => compareStrings(a.path, b.path));
  return `${JSON.stringify({ version: VERSION, files: Object.fromEntries(sorted.map((f) => [f.path, f.text])) }, null, 1)}\n`;
}

/** Service mode: the kept settings under what the service holds in memory (its own are newer). */
export function withLastSettings(kept: ReadonlyMap<string, SourceFile>, inMemory: ReadonlyMap<string, SourceFile> | undefined): ReadonlyMap<string, SourceFile> | undefined {
  if (kept.size === 0) return inMemory;
  return new Map([...kept, ...(inMemory ?? [])]);
}
