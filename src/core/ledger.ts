// The identity ledger: which ids storyfeed has published, from which file, since when. Readers
// key items on ids (core/standards.md "Identity"): an id that vanishes without a retraction, or a file
// whose id changed, would make readers lose an item or show it twice. The ledger is an output file
// (`.storyfeed/ledger.json`, never served), written with the feeds, atomically.

import { JSON_TYPE } from './formats.js';
import { formatRfc3339 } from './dates.js';
import { compareStrings, diagnostic, FILE_START, type Diagnostic } from './diagnostics.js';
import type { EntryMeta, Position, RenderedFile } from './types.js';
import { withFields } from './objects.js';
import { isCleanAnchor } from './links.js';

export const LEDGER_VERSION = 1;

export interface LedgerRecord {
  readonly path: string;
  readonly published: string;
  /**
   * The entry's anchor on the story page (anchors.ts), fixed when it was first published. Ledgers
   * written before anchors were recorded lack it; the next successful run adds it.
   */
  readonly anchor?: string;
  /**
   * Every tag the entry carried while it was published, sorted ([] for none). An entry that is
   * withdrawn, or loses a tag, keeps its place in those tags' archives (outputs.ts), so that their
   * later pages do not shift. Absent in ledgers written before this field: "not known".
   */
  readonly tags?: readonly string[];
}

export interface Ledger {
  readonly version: typeof LEDGER_VERSION;
  readonly ids: Readonly<Record<string, LedgerRecord>>;
  /**
   * The id each story's feeds went out with, by slug (read with Object.hasOwn): a newsroom's story
   * folders, and a single story under SINGLE_STORY (''). When an edit gives a story another's id,
   * the story that published it keeps it (newsroom-compile.ts).
   */
  readonly stories?: Readonly<Record<string, string>>;
  /** The id a newsroom's own feeds (at the root) went out with. */
  readonly newsroom?: string;
}

/** The key of `stories` for a single story, whose folder is the entries folder itself (no slug is empty). */
export const SINGLE_STORY = '';

/** The id the feeds of the story at `slug` went out with (SINGLE_STORY: a single story's). */
export function recordedStoryId(ledger: Ledger, slug: string): string | undefined {
  return ledger.stories && Object.hasOwn(ledger.stories, slug) ? ledger.stories[slug] : undefined;
}

/**
 * Feed ids the ledger records, with whose feeds they are: the stories' (`stories`, a single
 * story's under '') that `story` keeps, and the newsroom's own when `newsroom` says so (the rest
 * are checked elsewhere).
 */
export function recordedFeedIds(ledger: Ledger, keep: { readonly story: (slug: string) => boolean; readonly newsroom: boolean }): Map<string, string> {
  const feeds = new Map<string, string>();
  for (const [slug, id] of Object.entries(ledger.stories ?? {})) if (keep.story(slug)) feeds.set(id, slug === SINGLE_STORY ? 'the single story this folder held' : `the story \`${slug}/\``);
  if (ledger.newsroom !== undefined && keep.newsroom) feeds.set(ledger.newsroom, 'the newsroom');
  return feeds;
}

/**
 * An entry may not take an id a story's or a newsroom's feeds went out with (found from outside: an
 * entries folder that changed layout let an entry take the other layout's feed id, and the folder
 * could not go back). Readers would take the entry for that feed, or the feed for the entry.
 */
export function feedIdsTaken(feeds: ReadonlyMap<string, string>, entries: readonly { readonly path: string; readonly id: string }[], idAt: ReadonlyMap<string, Position>): Diagnostic[] {
  return entries.flatMap((e) => {
    const whose = feeds.get(e.id);
    return whose === undefined ? [] : [diagnostic(e.path, idAt.get(e.path) ?? FILE_START, 'E_ID_DUPLICATE', `id \`${e.id}\` is the id the feeds of ${whose} went out with`, 'give this development an id of its own: a feed id is never an entry\'s', 'id')];
  });
}

/**
 * E_ID_CHANGED when `file` (a single story's `_story.md`, `_newsroom.md`) gives the feeds at the
 * root another id than the one they went out with (`was`). RFC 4287 §4.2.6: a feed's id is
 * permanent; to readers and aggregators another id is another feed, its items all new again. Each
 * layout keeps its own record (a single story's `stories['']`, a newsroom's `newsroom`): a folder
 * that changes layout is checked against the record of the layout it has now, if it had it before.
 */
export function rootIdChanged(was: string | undefined, id: string, file: string, at: Position): Diagnostic | undefined {
  if (was === undefined || was === id) return undefined;
  return diagnostic(file, at, 'E_ID_CHANGED', `the feeds went out with the id \`${was}\`; ${file} now says \`${id}\``, `put the id back to \`${was}\`: readers and aggregators know these feeds by it, and would take another id for another feed`, 'id');
}

export const EMPTY_LEDGER: Ledger = { version: LEDGER_VERSION, ids: {} };

/** A ledger that does not parse is a problem of the output folder, reported, never trusted. */
export function parseLedger(text: string | undefined): { ledger: Ledger; problem?: string } {
  if (text === undefined) return { ledger: EMPTY_LEDGER };
  try {
    const data = JSON.parse(text) as unknown;
    if (isLedger(data)) return { ledger: data };
    return { ledger: EMPTY_LEDGER, problem: 'the ledger has an unknown shape or version' };
  } catch (error) {
    return { ledger: EMPTY_LEDGER, problem: `the ledger is not valid JSON (${(error as Error).message})` };
  }
}

function isLedger(data: unknown): data is Ledger {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as { version?: unknown; ids?: unknown; stories?: unknown; newsroom?: unknown };
  if (d.version !== LEDGER_VERSION || typeof d.ids !== 'object' || d.ids === null) return false;
  // Ids are never empty; `stories` is a mapping (an array would read as one keyed "0", "1", …).
  const isId = (v: unknown) => typeof v === 'string' && v !== '';
  if (d.newsroom !== undefined && !isId(d.newsroom)) return false;
  if (d.stories !== undefined && (typeof d.stories !== 'object' || d.stories === null || Array.isArray(d.stories) || !Object.values(d.stories).every(isId))) return false;
  return Object.values(d.ids as Record<string, unknown>).every((value) => {
    const r = value as Partial<LedgerRecord> | null;
    return (
      typeof r === 'object' &&
      r !== null &&
      typeof r.path === 'string' &&
      typeof r.published === 'string' &&
      // An anchor is the folder of the entry's page: one storyfeed did not write (`.`, `../x`, `rss.xml`) would put the page elsewhere.
      (r.anchor === undefined || (typeof r.anchor === 'string' && isCleanAnchor(r.anchor))) &&
      (r.tags === undefined || (Array.isArray(r.tags) && r.tags.every((t) => typeof t === 'string')))
    );
  });
}

/**
 * The order in which files sharing an id are judged (the first keeps it, the others are
 * E_ID_DUPLICATE): the file the ledger published the id from first, then by path. Told to give
 * "this one" an id of its own, an editor would otherwise change a published id (E_ID_CHANGED).
 */
export function publishedFirst(ledger: Ledger): (a: { readonly id: string; readonly path: string }, b: { readonly id: string; readonly path: string }) => number {
  const from = publishedFrom(ledger);
  return (a, b) => from(b) - from(a) || compareStrings(a.path, b.path);
}

/** 1 for the file the ledger says published its id, else 0: publishedFirst's first key, for a sort that ranks each item once. */
export function publishedFrom(ledger: Ledger): (e: { readonly id: string; readonly path: string }) => number {
  return (e) => Number(ledger.ids[e.id]?.path === e.path);
}

/**
 * Identity checks against what was published before. `entries` are all entries that parsed
 * (drafts and embargoed included); a retracted entry keeps its file, so it never vanishes.
 */
export function validateIdentity(ledger: Ledger, entries: readonly EntryMeta[], idAt: ReadonlyMap<string, Position>, failed: ReadonlySet<string> = new Set()): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const byId = new Map(entries.map((e) => [e.id, e]));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const [id, record] of Object.entries(ledger.ids)) {
    // Its file is there but did not parse or could not be read (`failed`): that error is its own; "gone" would be false.
    if (byId.has(id) || failed.has(record.path)) continue;
    const successor = byPath.get(record.path);
    if (successor && !ledger.ids[successor.id]) {
      const at = idAt.get(successor.path) ?? FILE_START;
      diagnostics.push(
        diagnostic(successor.path, at, 'E_ID_CHANGED', `the id of this published entry changed from \`${id}\` to \`${successor.id}\``, `put the id back to \`${id}\`: readers would show the entry again as new. A new development is a new file with a new id`, 'id'),
      );
    } else {
      diagnostics.push(
        diagnostic(record.path, FILE_START, 'E_ID_VANISHED', `the entry \`${id}\`, published ${record.published}, is gone from the entries folder`, 'restore the file; to withdraw a published entry keep it and add `retracted: {at, reason}` (readers then get a tombstone)', 'id'),
      );
    }
  }
  return diagnostics;
}

/**
 * The ledger after a successful run: every id ever published, with where it lives now, its anchor
 * (`anchors`: anchors.ts planAnchors, which keeps every anchor the ledger had) and the tags it was
 * published with.
 */
export function updateLedger(ledger: Ledger, published: readonly EntryMeta[], anchors: ReadonlyMap<string, string> = new Map()): Ledger {
  const ids: Record<string, LedgerRecord> = { ...ledger.ids };
  // The feeds' records (`stories`, `newsroom`) are their compile's to change.
  for (const e of published) {
    const before = ledger.ids[e.id];
    const tags = mergeTags(before?.tags, e.tags);
    ids[e.id] = withFields(before ?? {}, { path: e.path, published: before?.published ?? formatRfc3339(e.published), tags });
  }
  for (const [id, anchor] of anchors) {
    const record = ids[id];
    if (record && record.anchor !== anchor) ids[id] = withFields(record, { anchor });
  }
  return { ...ledger, ids };
}

function mergeTags(known: readonly string[] | undefined, current: readonly string[]): readonly string[] {
  if (known && current.every((t) => known.includes(t))) return known;
  return [...new Set([...(known ?? []), ...current])].sort(compareStrings);
}

/** The ledger's text, as a file at `path` (where the build keeps its state: io/state-folder.ts). */
export function renderLedger(ledger: Ledger, path: string): RenderedFile {
  const sorted = Object.fromEntries(Object.entries(ledger.ids).sort(([a], [b]) => compareStrings(a, b)));
  return {
    path,
    contents: `${JSON.stringify({ version: ledger.version, ids: sorted, ...(ledger.stories ? { stories: Object.fromEntries(Object.entries(ledger.stories).sort(([a], [b]) => compareStrings(a, b))) } : {}), ...(ledger.newsroom !== undefined ? { newsroom: ledger.newsroom } : {}) }, null, 2)}\n`,
    mediaType: JSON_TYPE,
  };
}
