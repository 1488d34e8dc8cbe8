// The full build (src/build.ts decides when it runs): list and read sources → pure core → write
// outputs. Loaded on demand, with the parsers and renderers it needs: a patch run does without.
//
// The build cache makes a run cost what changed: an entry file whose stamp (size, mtime) is as the
// cache recorded is not even read; one whose text hashes the same is not parsed; documents whose
// key is unchanged are not rendered; files whose bytes are unchanged are not rewritten; and a
// document that is rendered takes its unchanged entries' fragments from the fragment pack.

import { removeOverlay } from './state/cache-lines.js';
import { buildAborted } from '../errors.js';
import type { BuildOptions, BuildResult } from './types.js';
import { cacheDefaults, cacheKey, EMPTY_CACHE, hashText, parseCache, serializeCache, type BlobLocation, type BuildCache, type CachedParse } from './state/cache.js';
import { CACHE_PATH, LEDGER_PATH, MANIFEST_PATH, newGeneration, OVERLAY_PATH } from '../io/state-folder.js';
import { ledgerOverrides, planAnchors, type AnchorPlan } from '../core/anchors.js';
import { compile, parseStory, type CompileInput, type CompileResult } from '../core/compile.js';
import type { ParsedSource } from '../core/parse-sources.js';
import { hasErrors, type Diagnostic } from '../core/diagnostics.js';
import { STORY_FILE } from '../core/links.js';
import { parseLedger } from '../core/ledger.js';
import { publishWindow, renderManifest, type BuildCounts, type FileStamp } from './state/manifest.js';
import { isPublished, isScheduled, isVisible, nextEmbargo, selectVisible } from '../core/model.js';
import { encodeFragments, slotBytes } from '../core/render/fragments.js';
import type { EntrySlot, SourceFile, Story } from '../core/types.js';
import { FragmentStore } from './state/fragment-pack.js';
import { readBookkeeping } from './state/read-bookkeeping.js';
import { listSources, readListed, type SourceStamp } from '../io/read-sources.js';
import { previousPublished } from '../io/output-folder.js';
import { writeBookkeeping, writePlanned } from '../io/write-outputs.js';
import type { ParsedFile } from './parse/wire.js';
import { createParser, workerCount } from './parse/pool.js';
import { phaseTimer } from './timings.js';
import { withSitemaps } from './sitemaps.js';

/** Files read and parsed per batch (per message to a worker). */
const BATCH = 32;

/** From this many files to parse, a build reports its parsing progress. */
const PARSE_PROGRESS_FROM = 400;

export async function fullBuild(options: BuildOptions, useCache: boolean, started: number): Promise<BuildResult> {
  const { timings, phase } = phaseTimer();
  const input = await readStoryAndLedger(options);
  phase('list');
  const finish = (compiled: CompileResult, extra: Partial<BuildResult> = {}): BuildResult => ({
    ok: compiled.ok,
    diagnostics: compiled.diagnostics,
    compiled,
    counts: countsOf(compiled, options.now),
    patched: false,
    written: [],
    unchanged: [],
    entriesRead: input.listing.stamps.length,
    filesRead: input.storyRead.sources.length,
    entriesParsed: compiled.parsedCount,
    rendered: 0,
    durationMs: performance.now() - started,
    timings,
    ...extra,
  });
  // Without a valid story nothing is built; compile says why.
  if (!input.story) return finish(compile({ ...input.base, sources: input.storyRead.sources, readDiagnostics: input.readDiagnostics }));
  const story = input.story;

  const defaults = cacheDefaults(story);
  const cache = useCache ? parseCache(readBookkeeping(options.outDir, CACHE_PATH), cacheKey(input.storyText), defaults, readBookkeeping(options.outDir, OVERLAY_PATH)) : EMPTY_CACHE;
  const locations = new Map<string, BlobLocation>();
  for (const [p, c] of cache.entries) if (c.blob) locations.set(p, c.blob);
  const store = await FragmentStore.open(options.outDir, useCache ? cache.pack : undefined, locations, options.fragmentMemory === undefined ? {} : { memoryBudget: options.fragmentMemory });
  phase('load cache');
  try {
    const sources = await readAndParseEntries(options, input, story, cache, store);
    phase('read and parse');
    const parsed = new Map<string, ParsedSource>();
    for (const [p, c] of sources.hits) parsed.set(p, { path: p, diagnostics: c.diagnostics, ...(c.idAt ? { idAt: c.idAt } : {}), ...(c.entry ? { entry: c.entry } : {}) });
    for (const [p, f] of sources.fresh) parsed.set(p, f.parsed);
    const { anchors } = sources;
    const compiled = compile({ ...input.base, sources: [...input.storyRead.sources, ...sources.texts], readDiagnostics: input.readDiagnostics, parsed, ...(anchors ? { anchors } : {}) });
    phase('plan');
    const counts = { filesRead: sources.filesRead, entriesParsed: sources.parsedCount };
    // Nothing lost: with any error nothing is written, so the published feeds stay as they were.
    if (!compiled.ok || options.dryRun) {
      await store.discard();
      return finish(compiled, counts);
    }
    if (options.signal?.aborted) throw buildAborted();
    const written = await writeDocuments(options, compiled, cache, store);
    phase('render and write');
    const writtenCounts = { ...counts, written: written.written, unchanged: written.unchanged, rendered: written.rendered, removed: written.removed };
    if (!useCache) {
      await store.discard();
      return finish(compiled, writtenCounts);
    }
    await saveCache(options, { input, story, cache, store, sources, compiled, written });
    phase('save cache');
    return finish(compiled, writtenCounts);
  } catch (error) {
    await store.discard();
    throw error;
  }
}

/** What a run reads before it touches the entries: the listing, the story file and the ledger. */
interface RunInput {
  readonly listing: Awaited<ReturnType<typeof listSources>>;
  readonly storyRead: Awaited<ReturnType<typeof readListed>>;
  readonly storyText: string;
  /** Read problems so far; the entries' read problems join them as they are read. */
  readonly readDiagnostics: Diagnostic[];
  readonly ledger: ReturnType<typeof parseLedger>;
  /** What every compile of the run is given. */
  readonly base: Omit<CompileInput, 'sources'>;
  readonly story: Story | undefined;
}

async function readStoryAndLedger(options: BuildOptions): Promise<RunInput> {
  const { now, outDir } = options;
  const listing = await listSources(options.entriesDir);
  const storyStamp = listing.stamps.find((s) => s.path === STORY_FILE);
  const storyRead = await readListed(listing.root, storyStamp ? [storyStamp] : []);
  const storyText = storyRead.sources[0]?.text ?? '';
  const readDiagnostics: Diagnostic[] = [...listing.diagnostics, ...storyRead.diagnostics];
  const ledgerText = readBookkeeping(outDir, LEDGER_PATH);
  // Parsed here already: entries are parsed with the anchors it records (core/anchors.ts).
  const ledger = parseLedger(ledgerText);
  const base = { now, ledgerPath: LEDGER_PATH, ...(ledgerText === undefined ? {} : { ledgerText }), ledger, mode: options.mode ?? 'strict', ...(options.lastGood ? { lastGood: options.lastGood } : {}) };
  const { story } = parseStory(storyRead.sources, readDiagnostics);
  return { listing, storyRead, storyText, readDiagnostics, ledger, base, story };
}

type FreshParse = Omit<ParsedFile, 'blob'> & { readonly hasBlob: boolean };

/** The entries of a run: those the cache vouches for (hits) and those parsed now (fresh). */
interface EntrySources {
  readonly hits: Map<string, CachedParse>;
  readonly fresh: Map<string, FreshParse>;
  /** The texts the service keeps (last good versions); empty in strict mode. */
  readonly texts: SourceFile[];
  readonly filesRead: number;
  readonly parsedCount: number;
  /** The anchors planned from the parse, unless compile must plan them again. */
  readonly anchors: AnchorPlan | undefined;
}

async function readAndParseEntries(options: BuildOptions, input: RunInput, story: Story, cache: BuildCache, store: FragmentStore): Promise<EntrySources> {
  const { now } = options;
  const mode = options.mode ?? 'strict';
  const { listing, readDiagnostics, ledger } = input;
  // A cached parse stands for the file if its entry's fragments are there whenever the entry is
  // visible now (an entry cached while retracted, rehearsed with an earlier --now, is not).
  const usable = (c: CachedParse | undefined, p: string): c is CachedParse =>
    c !== undefined && (!c.entry || !isVisible(c.entry, now) || (c.blob !== undefined && store.has(p)));
  const entryStamps = listing.stamps.filter((s) => s.path !== STORY_FILE);
  const { hits, toRead } = stampHits(entryStamps, cache, usable, mode);

  const fresh = new Map<string, FreshParse>();
  const texts: SourceFile[] = [];
  let filesRead = input.storyRead.sources.length;
  const recorded = ledgerOverrides(ledger.ledger);
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
        fresh.set(f.parsed.path, { ...f, hasBlob: blob !== undefined });
        if (blob && !options.dryRun) await store.add(f.parsed.path, blob, f.crc!);
      }
    },
    story,
    now,
    anchors: recorded,
    workers: options.workers,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  let parsedCount = await readAndParse(listing.root, toRead, parsing);

  // An entry whose plain anchor another new entry of this run took first (or, after the ledger was
  // deleted, one cached with an anchor planned otherwise) is parsed again with the planned anchors.
  const parsedEntries = [...[...hits.values()].flatMap((c) => c.entry ?? []), ...[...fresh.values()].flatMap((f) => f.parsed.entry ?? [])];
  let anchors: AnchorPlan | undefined = planAnchors(ledger.ledger, parsedEntries, now, recorded);
  if (anchors.mismatched.length > 0) {
    const again = new Set(anchors.mismatched);
    for (const p of again) hits.delete(p);
    const reparse = { ...parsing, onRead: (sources: SourceFile[], diagnostics: Diagnostic[]) => (readDiagnostics.push(...diagnostics), sources), anchors: anchors.overrides };
    parsedCount += await readAndParse(listing.root, entryStamps.filter((s) => again.has(s.path)), reparse);
    anchors = undefined; // compile plans them again, from what was parsed now
  }
  return { hits, fresh, texts, filesRead, parsedCount, anchors };
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

/** Render what changed and publish the documents (the pack and the run's fresh fragments fill the slots). */
async function writeDocuments(options: BuildOptions, compiled: CompileResult, cache: BuildCache, store: FragmentStore) {
  const resolve = async (slot: EntrySlot): Promise<readonly Uint8Array[]> => {
    // A last good version (service mode) is rendered by compile itself, in memory.
    const own = compiled.fragments.get(slot.entry);
    return slotBytes(own ? encodeFragments(own) : await store.read(slot.entry), slot.format);
  };
  const renderProgress = options.onProgress && ((done: number, total: number) => options.onProgress!(done, total, 'rendering'));
  // What earlier runs published (for a folder an older version built: what its bookkeeping names):
  // whatever of it this run no longer plans is deleted once the new feeds are in place.
  const published = previousPublished(options.outDir, cache.outputs.keys());
  return writePlanned(options.outDir, withSitemaps(compiled.planned, compiled.sitemaps), cache.outputs, resolve, { ...(renderProgress ? { onProgress: renderProgress } : {}), ...(options.signal ? { signal: options.signal } : {}), published });
}

interface Written {
  input: RunInput;
  story: Story;
  cache: BuildCache;
  store: FragmentStore;
  sources: EntrySources;
  compiled: CompileResult;
  written: Awaited<ReturnType<typeof writePlanned>>;
}

/** What the next run may take as it is: the cache index, the fragment pack and the manifest. */
async function saveCache(options: BuildOptions, run: Written): Promise<void> {
  const { now, outDir } = options;
  const { cache, store, sources, compiled, written } = run;
  const { records, live } = cacheRecords(sources, now);
  const pack = await store.commit(live);
  for (const p of live) {
    const loc = pack.locations.get(p);
    const r = records.get(p)!;
    const { blob: _old, ...rest } = r;
    records.set(p, loc ? { ...rest, blob: loc } : rest);
  }

  const bookkeeping = [];
  const changedParses = records.size !== cache.entries.size || [...records].some(([p, r]) => cache.entries.get(p) !== r);
  let generation = cache.generation;
  if (written.written.length > 0 || written.rendered > 0 || changedParses || cache.key === '' || !generation) {
    const next: BuildCache = { key: cacheKey(run.input.storyText), pack: pack.info, entries: records, outputs: written.records };
    generation = newGeneration();
    bookkeeping.push({ path: CACHE_PATH, contents: serializeCache(next, cacheDefaults(run.story), generation) });
  }
  // Only a clean run (no entry held back or kept at a last good version) may vouch that a
  // later build would write the same bytes.
  if (!hasErrors(compiled.diagnostics)) {
    const stamps: Record<string, FileStamp> = {};
    for (const s of run.input.listing.stamps) stamps[s.path] = [s.size, s.mtimeMs];
    for (const [p, f] of sources.fresh) stamps[p] = [f.size, f.mtimeMs];
    for (const [p, c] of sources.hits) stamps[p] = [c.size, c.mtimeMs];
    const manifest = renderManifest({
      entries: stamps,
      outputs: Object.fromEntries([...written.records].map(([p, r]) => [p, [r.size, r.mtimeMs] as const])),
      window: publishWindow(compiled.entries, now),
      generation,
      counts: countsOf(compiled, now),
      story: run.story,
    });
    bookkeeping.push({ path: MANIFEST_PATH, contents: manifest });
  }
  if (bookkeeping.length > 0) await writeBookkeeping(outDir, bookkeeping, { durable: false });
  // A new index takes in what a patch run's overlay held (which no longer matches it anyway).
  if (generation !== cache.generation) await removeOverlay(outDir);
}

/**
 * The parses the next run may take as they are, and the entries whose fragments are kept. Drafts
 * and embargoed entries are never cached: nothing unpublished is stored in the output folder, even
 * in a file that is not served.
 */
function cacheRecords(sources: EntrySources, now: Date): { records: Map<string, CachedParse>; live: Set<string> } {
  const records = new Map<string, CachedParse>();
  for (const [p, c] of sources.hits) if (!c.entry || isPublished(c.entry, now)) records.set(p, c);
  for (const [p, f] of sources.fresh) {
    if (f.parsed.entry && !isPublished(f.parsed.entry, now)) continue;
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

const countsMade = new WeakMap<CompileResult, BuildCounts>();

/** The summary line's numbers, from a compiled run (once per run: the result and the manifest both want them). */
function countsOf(compiled: CompileResult, now: Date): BuildCounts {
  const made = countsMade.get(compiled);
  if (made) return made;
  const next = nextEmbargo(compiled.entries, now);
  const counts: BuildCounts = {
    entries: compiled.entries.length,
    visible: selectVisible(compiled.entries, now).length,
    scheduled: compiled.entries.filter((e) => isScheduled(e, now)).length,
    nextScheduled: next ? next.getTime() : null,
    outputs: compiled.planned.length + compiled.sitemaps.length,
    diagnostics: compiled.diagnostics.length,
  };
  countsMade.set(compiled, counts);
  return counts;
}

interface ReadAndParse {
  /** Sources read in a batch → the ones that need parsing. */
  readonly onRead: (sources: SourceFile[], diagnostics: Diagnostic[]) => SourceFile[];
  readonly onParsed: (files: ParsedFile[]) => Promise<void>;
  readonly story: NonNullable<ReturnType<typeof parseStory>['story']>;
  readonly now: Date;
  /** Entry anchors that are not the plain form, by id (core/anchors.ts). */
  readonly anchors: ReadonlyMap<string, string>;
  readonly workers: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: BuildOptions['onProgress'];
}

/**
 * Read the files in batches and parse those that need it, on worker threads for large builds;
 * memory holds a few batches of text, never the whole folder. Returns how many were parsed.
 */
async function readAndParse(root: string, stamps: readonly SourceStamp[], r: ReadAndParse): Promise<number> {
  if (stamps.length === 0) return 0;
  const parser = createParser(r.story, r.now, r.workers ?? workerCount(stamps.length), r.anchors);
  let next = 0;
  let parsed = 0;
  let done = 0;
  const report = stamps.length >= PARSE_PROGRESS_FROM && r.onProgress ? r.onProgress : undefined;
  try {
    const lane = async (): Promise<void> => {
      while (next < stamps.length) {
        if (r.signal?.aborted) throw buildAborted();
        const batch = stamps.slice(next, (next += BATCH));
        const read = await readListed(root, batch);
        const sources = r.onRead(read.sources, read.diagnostics);
        if (sources.length > 0) {
          const files = await parser.parse(sources);
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
