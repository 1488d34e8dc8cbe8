// What a patch run (patch.ts) needs to know of the entries folder's layout: a single story (one
// `_story.md`, entries at the root) or a newsroom (`_newsroom.md`, entries in story folders named by
// `<slug>/a.md`). It names the settings the index is keyed on, the story each entry is parsed
// with (and whose defaults its cache record leaves out), and the folder its documents live in.

import { cacheDefaults, cacheKey, hashText, type CacheDefaults } from './state/cache.js';
import { CacheLines, type LineFilter } from './state/cache-lines.js';
import type { TocRun } from './state/cache-toc.js';
import { readBookkeeping, readBookkeepingBytes, withBookkeepingFile } from './state/read-bookkeeping.js';
import { CACHE_PATH, OVERLAY_PATH } from '../io/state-folder.js';
import { NEWSROOM_FILE, STORY_FILE } from '../core/links.js';
import type { SourceFile, Story } from '../core/types.js';
import { listNamed, readListed } from '../io/read-sources.js';
import type { Parser, StorySettingsParser } from './parse/pool.js';
import type { ParsedFile } from './parse/wire.js';

/** The index's key of a newsroom: its entries depend on `_newsroom.md` (each story inherits it) and on storyfeed's version. */
export const newsroomKey = (text: string) => cacheKey(`newsroom\0${text}`);

/** The folder of a qualified path (`<slug>/a.md` → `<slug>`), or undefined at the root. */
export const slugOf = (p: string): string | undefined => (p.includes('/') ? p.slice(0, p.indexOf('/')) : undefined);

export interface PatchLayout {
  /** The settings files read (the story's, or the newsroom's and the edited stories'). */
  readonly filesRead: number;
  /** Is this file an entry (not a settings file) that a patch may take? */
  isEntry(path: string): boolean;
  /** The index is the one these settings give (its key, and in a newsroom each edited story's `_story.md` record). */
  vouches(index: CacheLines): boolean;
  /** The story an entry is parsed with, and the folder prefix of its path (`''` in a single story). */
  storyOf(path: string): { readonly story: Story; readonly prefix: string } | undefined;
  defaultsOf(path: string): CacheDefaults;
  /** The folder of an output (`<slug>/`, `''` for a single story's or the newsroom's own files). */
  folderOf(output: string): string;
  /** May this output hold an edited entry? (In a newsroom, only the edited stories' and the newsroom's own.) */
  mayHold(output: string): boolean;
}

/** The part of the index a newsroom's patch run reads (keepLines): the runs of its table it wants, and of their lines those it keeps. */
export interface IndexPart {
  readonly wants: (run: TocRun) => boolean;
  readonly keep: LineFilter;
}

/** A single story: the manifest's story, vouched for by the index's key on `_story.md`'s text. */
export function storyLayout(story: Story, storyText: string): PatchLayout {
  const defaults = cacheDefaults(story);
  return {
    filesRead: 1,
    isEntry: (p) => p !== STORY_FILE,
    vouches: (index) => index.header.key === cacheKey(storyText),
    storyOf: () => ({ story, prefix: '' }),
    defaultsOf: () => defaults,
    folderOf: () => '',
    mayHold: () => true,
  };
}

/**
 * A newsroom: `_newsroom.md` and the `_story.md` of each story an entry changed in are read, and
 * parsed as the full build parses them (newsroom.ts readSettings) by `parseSettings` — on the warm
 * parse worker when there is one (parse/settings.ts): the layout comes once they are, and meanwhile
 * the run may read the part of the index it needs (`indexPart`). The index must be keyed on the former and
 * hold each of the latter's hash. Another story's entries are never asked for: a patch touches only
 * documents of the edited entries' own stories.
 */
export async function newsroomLayout(root: string, changed: readonly string[], parseSettings: StorySettingsParser): Promise<{ readonly indexPart: IndexPart; readonly layout: Promise<PatchLayout | undefined> } | undefined> {
  const slugs = [...new Set(changed.map((p) => slugOf(p) ?? ''))];
  if (slugs.includes('')) return undefined;
  const listing = listNamed(root, [NEWSROOM_FILE, ...slugs.map((s) => `${s}/${STORY_FILE}`)]);
  if (!listing || listing.diagnostics.length > 0) return undefined;
  const read = await readListed(listing.root, listing.stamps);
  if (read.diagnostics.length > 0 || read.sources.length !== slugs.length + 1) return undefined;
  const byPath = new Map<string, SourceFile>(read.sources.map((s) => [s.path, s]));
  const parsing = parseSettings(byPath.get(NEWSROOM_FILE)!, slugs.map((slug) => ({ slug, file: byPath.get(`${slug}/${STORY_FILE}`)! })));
  const layout = parsing.then((parsed) => parsed && settledLayout(parsed, byPath), () => undefined);
  return { indexPart: keepLines(slugs), layout };
}

function settledLayout(parsed: readonly [string, Story][], byPath: ReadonlyMap<string, SourceFile>): PatchLayout {
  const newsroomFile = byPath.get(NEWSROOM_FILE)!;
  const stories = new Map<string, { story: Story; defaults: CacheDefaults; hash: string }>();
  for (const [slug, story] of parsed) stories.set(slug, { story, defaults: cacheDefaults(story), hash: hashText(byPath.get(`${slug}/${STORY_FILE}`)!.text) });
  const own = (p: string) => stories.get(slugOf(p) ?? '');
  return {
    filesRead: byPath.size,
    isEntry: (p) => own(p) !== undefined && !p.endsWith(`/${STORY_FILE}`),
    vouches: (index) => {
      if (index.header.key !== newsroomKey(newsroomFile.text)) return false;
      for (const [slug, s] of stories) {
        const ordinal = index.ordinal(`${slug}/${STORY_FILE}`);
        if (ordinal === undefined || index.entry(ordinal, s.defaults)?.hash !== s.hash) return false;
      }
      return true;
    },
    storyOf: (p) => {
      const s = own(p);
      return s && { story: s.story, prefix: `${slugOf(p)}/` };
    },
    // Decoding a record of another story with these defaults would be wrong: a patch asks only for its own stories'.
    defaultsOf: (p) => {
      const s = own(p);
      if (!s) throw new Error(`a newsroom patch asked for the defaults of ${p}, outside the edited stories`);
      return s.defaults;
    },
    folderOf: (output) => (slugOf(output) === undefined ? '' : `${slugOf(output)}/`),
    // A story's documents are made from its own entries alone (core/newsroom-compile.ts underFolder).
    mayHold: (output) => {
      const slug = slugOf(output);
      return slug === undefined || stories.has(slug);
    },
  };
}

const SLASH = 0x2f;
const TAB = 9;
const OUTPUT = 0x6f;

/**
 * In a newsroom, the index lines a patch run needs: the edited stories' entries and outputs and the
 * newsroom's own outputs (a superset of `mayHold`'s), as runs of the index's table of contents
 * (cache-toc.ts) and as lines, by kind (`e`, `o`) and path as JSON bytes. The index is then read in
 * part (CacheLines.readPart); a single story's is read whole.
 *
 * Index lines of these story folders (their paths, as JSON, start as `"<slug>/` does: JSON encodes
 * a string a character at a time), and outputs at the root (no `/` in the path, which JSON leaves
 * as it is, before the tab after it: a tab in a path is escaped). `from`: the path; `to`: the line's end.
 */
export function keepLines(slugs: readonly string[]): IndexPart {
  const prefixes = slugs.map((slug) => Buffer.from(JSON.stringify(`${slug}/`).slice(0, -1)));
  const wants = (run: TocRun) => slugs.includes(run.group) || (run.group === '' && run.kind === 'o');
  const keep: LineFilter = (kind, bytes, from, to) => {
    for (let k = 0; k < prefixes.length; k++) {
      const p = prefixes[k]!;
      if (to - from < p.length) continue;
      let i = 0;
      while (i < p.length && bytes[from + i] === p[i]) i++;
      if (i === p.length) return true;
    }
    if (kind !== OUTPUT) return false;
    for (let i = from; i < to; i++) {
      if (bytes[i] === SLASH) return false;
      if (bytes[i] === TAB) return true;
    }
    return true;
  };
  return { wants, keep };
}

/** The cache index and its overlay: whole, or in a newsroom only the part it asks for (CacheLines.readPart; whole when its table of contents does not add up). */
export function loadIndex(outDir: string, part?: IndexPart): CacheLines | undefined {
  const [overlay, readWhole] = [readBookkeeping(outDir, OVERLAY_PATH), () => readBookkeepingBytes(outDir, CACHE_PATH)];
  const read = part && withBookkeepingFile(outDir, CACHE_PATH, (size, at) => CacheLines.readPart(size, at, part.wants, part.keep, readWhole, overlay));
  return read ?? CacheLines.parse(readWhole(), overlay);
}

/**
 * The changed files parsed as the full build parses them: each with its story, named as its
 * story's compile knows it (`a.md`) and given back by its qualified path (`<slug>/a.md`).
 */
export async function parseByStory(parser: Parser, sources: readonly SourceFile[], layout: PatchLayout): Promise<ParsedFile[]> {
  const groups = new Map<string, SourceFile[]>();
  for (const s of sources) {
    const { prefix } = layout.storyOf(s.path)!;
    let group = groups.get(prefix);
    if (!group) groups.set(prefix, (group = []));
    group.push(s);
  }
  const parsed = await Promise.all(
    [...groups].map(async ([prefix, group]) => {
      if (prefix === '') return parser.parse(group);
      const files = await parser.parse(group.map((s) => ({ ...s, path: s.path.slice(prefix.length) })), layout.storyOf(group[0]!.path)!.story);
      return files.map((f) => {
        const entry = f.parsed.entry;
        return { ...f, parsed: { ...f.parsed, path: prefix + f.parsed.path, ...(entry ? { entry: { ...entry, path: prefix + entry.path } } : {}) } };
      });
    }),
  );
  return parsed.flat();
}
