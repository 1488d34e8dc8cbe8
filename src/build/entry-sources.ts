// The entries of a full run, from the build cache or parsed now: shared by a story's full build
// (full.ts) and a newsroom's (newsroom.ts). A file whose stamp is as the cache index recorded is not
// read; one whose text hashes as recorded is not parsed; the rest are read in batches and parsed,
// on worker threads for large runs, their fragments going to the fragment pack's store. A newsroom
// is one scope of story folders: paths are qualified (`<slug>/a.md`) in the cache, the store and
// what this returns, while each file is parsed as its story's compile would parse it (`a.md`, with
// that story's settings), so the bytes are those of a build without the cache.

import { buildAborted } from '../errors.js';
import type { BuildOptions } from './types.js';
import { hashText, type BuildCache, type CachedParse } from './state/cache.js';
import type { AnchorPlan } from '../core/anchors.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { isPublished, isVisible } from '../core/model.js';
import type { ParsedSource } from '../core/parse-sources.js';
import type { EntryMeta, SourceFile, Story } from '../core/types.js';
import type { FragmentStore } from './state/fragment-pack.js';
import { readListed, type SourceStamp } from '../io/read-sources.js';
import type { Stamped } from './state/manifest.js';
import type { ParsedFile } from './parse/wire.js';
import { createParser, workerCount } from './parse/pool.js';
import { withFields } from '../core/objects.js';

/** Files read and parsed per batch (per message to a worker). */
const BATCH = 32;

/** From this many files to parse, a build reports its parsing progress. */
const PARSE_PROGRESS_FROM = 400;

export type FreshParse = Omit<ParsedFile, 'blob'> & { readonly hasBlob: boolean };

/** The entries of a run: those the cache vouches for (hits) and those parsed now (fresh). */
export interface EntrySources {
  readonly hits: Map<string, CachedParse>;
  readonly fresh: Map<string, FreshParse>;
  /** The texts the service keeps (last good versions); empty in strict mode. */
  readonly texts: SourceFile[];
  readonly filesRead: number;
  readonly parsedCount: number;
  /** The anchors planned from the parse, unless compile must plan them again. */
  readonly anchors: AnchorPlan | undefined;
}

/** What entries a run parses, and with which story: one story, or a newsroom's story folders. */
export interface ParseScope {
  /** The entries folder, resolved. */
  readonly root: string;
  /** The entry files (not the story or newsroom files), sorted by path. */
  readonly stamps: readonly SourceStamp[];
  /** Read problems so far; the entries' read problems join them as they are read. */
  readonly readDiagnostics: Diagnostic[];
  /** Files read before the entries (the story file, a newsroom's settings files). */
  readonly filesRead: number;
  /** A single story's (its parser knows it from the start). */
  readonly story?: Story;
  /** A newsroom's: the story a file belongs to, and its folder (`<slug>/`). */
  readonly storyOf?: (path: string) => { readonly story: Story; readonly prefix: string };
  /** Entry anchors the ledger records that are not the plain form, by id (core/anchors.ts). */
  readonly recorded: ReadonlyMap<string, string>;
  /** The anchors of the parsed entries (paths as in the scope): those parsed with another are parsed again. */
  readonly planAnchors: (entries: readonly EntryMeta[]) => Pick<AnchorPlan, 'mismatched' | 'overrides'> & { readonly plan?: AnchorPlan };
}

export async function readAndParseEntries(options: BuildOptions, scope: ParseScope, cache: BuildCache, store: FragmentStore): Promise<EntrySources> {
  const { now } = options;
  const mode = options.mode ?? 'strict';
  const { root, readDiagnostics, recorded } = scope;
  // A cached parse stands for the file if its entry's fragments are there whenever the entry is
  // visible now (an entry cached while retracted, rehearsed with an earlier --now, is not).
  const usable = (c: CachedParse | undefined, p: string): c is CachedParse =>
    c !== undefined && (!c.entry || !isVisible(c.entry, now) || (c.blob !== undefined && store.has(p)));
  const { hits, toRead } = stampHits(scope.stamps, cache, usable, mode);

  const fresh = new Map<string, FreshParse>();
  const texts: SourceFile[] = [];
  let filesRead = scope.filesRead;
  const parsing: ReadAndParse = {
    onRead: (sources, diagnostics) => {
      filesRead += sources.length;
      readDiagnostics.push(...diagnostics);
      if (mode === 'service') texts.push(...sources);
      // Touched but not changed: the same text, the same parse (its stamp is updated).
      return sources.filter((s) => {
        if (hits.has(s.path)) return false;
        const c = cache.entries.get(s.path);
        if (!usable(c, s.path) || c.hash !== hashText(s.text)) return true;
        hits.set(s.path, { ...c, size: s.size ?? c.size, mtimeMs: s.mtimeMs ?? c.mtimeMs });
        return false;
      });
    },
    onParsed: async (files) => {
      for (const { blob, ...f } of files) {
        // The blob goes to the store (which bounds the memory it takes); only the parse stays here.
        fresh.set(f.parsed.path, withFields(f, { hasBlob: blob !== undefined }));
        if (blob && !options.dryRun) await store.add(f.parsed.path, blob, f.crc!);
      }
    },
    scope,
    now,
    anchors: recorded,
    workers: options.workers,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  let parsedCount = await readAndParse(root, toRead, parsing);

  // An entry whose plain anchor another new entry of this run took first (or, after the ledger was
  // deleted, one cached with an anchor planned otherwise) is parsed again with the planned anchors.
  const parsedEntries = [...[...hits.values()].flatMap((c) => c.entry ?? []), ...[...fresh.values()].flatMap((f) => f.parsed.entry ?? [])];
  const planned = scope.planAnchors(parsedEntries);
  let anchors = planned.plan;
  if (planned.mismatched.length > 0) {
    const again = new Set(planned.mismatched);
    for (const p of again) hits.delete(p);
    const reparse = { ...parsing, onRead: (sources: SourceFile[], diagnostics: Diagnostic[]) => (readDiagnostics.push(...diagnostics), sources), anchors: planned.overrides };
    parsedCount += await readAndParse(root, scope.stamps.filter((s) => again.has(s.path)), reparse);
    anchors = undefined; // compile plans them again, from what was parsed now
  }
  await store.parsed();
  return { hits, fresh, texts, filesRead, parsedCount, anchors };
}

/** The parses of a run as compile takes them (`parsed`), by path. */
export function parsedSources(sources: EntrySources): Map<string, ParsedSource> {
  const parsed = new Map<string, ParsedSource>();
  for (const [p, c] of sources.hits) parsed.set(p, { path: p, diagnostics: c.diagnostics, ...(c.idAt ? { idAt: c.idAt } : {}), ...(c.entry ? { entry: c.entry } : {}) });
  for (const [p, f] of sources.fresh) parsed.set(p, f.parsed);
  return parsed;
}

/**
 * Service mode, for compile's `lastGoodParsed`: the last clean version the cache recorded of each
 * entry file that gives no entry now and whose last good text the service does not hold (it started
 * while the file was broken). Its fragments are the pack's: the store must have them if it is out.
 */
export function lastGoodFromCache(sources: EntrySources, cache: BuildCache, store: FragmentStore, options: BuildOptions): Map<string, ParsedSource> | undefined {
  if (options.mode !== 'service') return undefined;
  const found = new Map<string, ParsedSource>();
  for (const [p, f] of sources.fresh) {
    const c = f.parsed.entry || options.lastGood?.has(p) ? undefined : cache.entries.get(p);
    if (!c?.entry || (isVisible(c.entry, options.now) && !store.has(p))) continue;
    found.set(p, { path: p, diagnostics: [], ...(c.idAt ? { idAt: c.idAt } : {}), entry: c.entry });
  }
  return found.size > 0 ? found : undefined;
}

/** Files whose stamp (size, mtime) is as the cache recorded are not even read; the rest are. */
function stampHits(stamps: readonly SourceStamp[], cache: BuildCache, usable: (c: CachedParse | undefined, p: string) => c is CachedParse, mode: 'strict' | 'service') {
  const hits = new Map<string, CachedParse>();
  const toRead: SourceStamp[] = [];
  for (const stamp of stamps) {
    const c = cache.entries.get(stamp.path);
    const sameStamp = c !== undefined && c.size === stamp.size && c.mtimeMs === stamp.mtimeMs;
    if (usable(c, stamp.path) && sameStamp) hits.set(stamp.path, c);
    // The service remembers every good file's text (last good versions): it reads them all.
    if (!hits.has(stamp.path) || mode === 'service') toRead.push(stamp);
  }
  return { hits, toRead };
}

/**
 * The parses the next run may take as they are, and the entries whose fragments are kept. Drafts
 * and embargoed entries are never cached: nothing unpublished is stored in the output folder, even
 * in a file that is not served.
 */
export function cacheRecords(sources: EntrySources, now: Date, previous: ReadonlyMap<string, CachedParse>): { records: Map<string, CachedParse>; live: Set<string> } {
  const records = new Map<string, CachedParse>();
  // An entry dated ahead of the clock (E_DATE_AHEAD) is parsed again while it is: its problem is
  // said where the field stands, which a record does not keep (core/normalize.ts validateDatesAhead).
  const kept = (e: EntryMeta | undefined) => !e || (isPublished(e, now) && e.updated.getTime() <= now.getTime());
  for (const [p, c] of sources.hits) if (kept(c.entry)) records.set(p, c);
  for (const [p, f] of sources.fresh) {
    // A file that gives no entry now (service mode: a strict run with one saves nothing) keeps the
    // record of its last clean version, and that version's fragments stay in the pack: what stands
    // in for it after a restart (lastGoodFromCache).
    const last = f.parsed.entry ? undefined : previous.get(p);
    if (last?.entry) {
      records.set(p, last);
      continue;
    }
    if (!kept(f.parsed.entry)) continue;
    records.set(p, {
      size: f.size,
      mtimeMs: f.mtimeMs,
      hash: f.hash,
      diagnostics: f.parsed.diagnostics,
      ...(f.parsed.idAt ? { idAt: f.parsed.idAt } : {}),
      ...(f.parsed.entry ? { entry: f.parsed.entry } : {}),
    });
  }
  // Only entries in the documents keep their fragments (a retracted entry's body is not kept).
  const live = new Set<string>();
  for (const [p, c] of records) if (c.entry && isVisible(c.entry, now) && (c.blob || sources.fresh.get(p)?.hasBlob)) live.add(p);
  return { records, live };
}

interface ReadAndParse {
  /** Sources read in a batch → the ones that need parsing. */
  readonly onRead: (sources: SourceFile[], diagnostics: Diagnostic[]) => SourceFile[];
  readonly onParsed: (files: ParsedFile[]) => Promise<void>;
  readonly scope: ParseScope;
  readonly now: Date;
  /** Entry anchors that are not the plain form, by id (core/anchors.ts). */
  readonly anchors: ReadonlyMap<string, string>;
  readonly workers: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: BuildOptions['onProgress'];
}

/** The files in batches of one story each (a newsroom's batch goes to the parser with its story). */
function batches(stamps: readonly SourceStamp[], scope: ParseScope): SourceStamp[][] {
  const out: SourceStamp[][] = [];
  let batch: SourceStamp[] = [];
  let prefix: string | undefined;
  for (const stamp of stamps) {
    const own = scope.storyOf?.(stamp.path).prefix ?? '';
    if (batch.length === BATCH || (batch.length > 0 && own !== prefix)) {
      out.push(batch);
      batch = [];
    }
    prefix = own;
    batch.push(stamp);
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/** A newsroom's file parsed as its story's compile would (`a.md`), then named by its qualified path again. */
async function parseInStory(parser: ReturnType<typeof createParser>, sources: SourceFile[], scope: ParseScope): Promise<ParsedFile[]> {
  const first = sources[0];
  if (!scope.storyOf || !first) return parser.parse(sources);
  const { story, prefix } = scope.storyOf(first.path);
  const files = await parser.parse(sources.map((s) => ({ ...s, path: s.path.slice(prefix.length) })), story);
  return files.map((f) => {
    const { entry } = f.parsed;
    return { ...f, parsed: { ...f.parsed, path: prefix + f.parsed.path, ...(entry ? { entry: { ...entry, path: prefix + entry.path } } : {}) } };
  });
}

/**
 * Read the files in batches and parse those that need it, on worker threads for large builds;
 * memory holds a few batches of text, never the whole folder. Returns how many were parsed.
 */
async function readAndParse(root: string, stamps: readonly SourceStamp[], r: ReadAndParse): Promise<number> {
  if (stamps.length === 0) return 0;
  const parser = createParser(r.scope.story, r.now, r.workers ?? workerCount(stamps.length), r.anchors);
  const queue = batches(stamps, r.scope);
  let next = 0;
  let parsed = 0;
  let done = 0;
  const report = stamps.length >= PARSE_PROGRESS_FROM && r.onProgress ? r.onProgress : undefined;
  try {
    const lane = async (): Promise<void> => {
      while (next < queue.length) {
        if (r.signal?.aborted) throw buildAborted();
        const batch = queue[next++]!;
        const read = await readListed(root, batch);
        const sources = r.onRead(read.sources, read.diagnostics);
        if (sources.length > 0) {
          const files = await parseInStory(parser, sources, r.scope);
          parsed += files.length;
          await r.onParsed(files);
        }
        report?.((done += batch.length), stamps.length, 'parsing');
      }
    };
    await Promise.all(Array.from({ length: parser.parallelism }, lane));
  } finally {
    await parser.close();
  }
  return parsed;
}

/** Every entry file's size and mtime as this run last saw it (listed, then read or found in the cache), for the manifest: the files' own stamps, no copy each. */
export function sourceStamps(listed: readonly SourceStamp[], sources: EntrySources): Map<string, Stamped> {
  const stamps = new Map<string, Stamped>();
  for (const s of listed) stamps.set(s.path, s);
  for (const [p, f] of sources.fresh) stamps.set(p, f);
  for (const [p, c] of sources.hits) stamps.set(p, c);
  return stamps;
}
