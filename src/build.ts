// One run: list and read sources → pure core → write outputs. Returns a result; prints nothing.
//
// The build cache makes a run cost what changed: an entry file whose stamp (size, mtime) is as the
// cache recorded is not even read; one whose text hashes the same is not parsed; documents whose
// key is unchanged are not rendered; files whose bytes are unchanged are not rewritten; and a
// document that is rendered takes its unchanged entries' fragments from the fragment pack.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { CACHE_PATH, OVERLAY_PATH, cacheDefaults, cacheKey, EMPTY_CACHE, hashText, newGeneration, parseCache, serializeCache, type BlobLocation, type BuildCache, type CachedParse } from './core/cache.js';
import { compile, parseStory, type CompileResult, type ParsedSource } from './core/compile.js';
import { hasErrors, type Diagnostic } from './core/diagnostics.js';
import { LEDGER_PATH } from './core/ledger.js';
import { MANIFEST_PATH, publishWindow, renderManifest, type BuildCounts, type FileStamp } from './core/manifest.js';
import { isPublished, isVisible, nextEmbargo, selectVisible } from './core/model.js';
import { STORY_FILE } from './core/normalize.js';
import { encodeFragments, slotBytes } from './core/render/fragments.js';
import type { EntrySlot, SourceFile } from './core/types.js';
import type { ChangedSince } from './io/fast-path.js';
import { CacheCorruptError, FragmentStore } from './io/fragment-store.js';
import { readBookkeeping } from './io/read-bookkeeping.js';
import { listSources, readListed, type SourceStamp } from './io/read-sources.js';
import { BuildAbortedError, removeStaleTemps, writeOutputs, writePlanned } from './io/write-outputs.js';
import type { ParsedFile } from './parse-batch.js';
import { createParser, workerCount } from './parse-pool.js';
import { patchBuild } from './patch.js';

export { BuildAbortedError };

export type BuildPhase = 'parsing' | 'rendering';

export interface BuildOptions {
  readonly entriesDir: string;
  readonly outDir: string;
  readonly now: Date;
  /** Validate only: nothing is written, no lock is taken. */
  readonly dryRun?: boolean;
  /** How long to wait for another builder's lock before giving up (ms). */
  readonly lockWaitMs?: number;
  /** 'service' holds bad entries back instead of failing the run (see compile.ts). */
  readonly mode?: 'strict' | 'service';
  readonly lastGood?: ReadonlyMap<string, SourceFile>;
  /** Use the build cache in the output folder (default true); it never changes the output. */
  readonly cache?: boolean;
  /**
   * Progress of long builds: files parsed (only when there are many) and outputs rendered
   * (called once per rendered output).
   */
  readonly onProgress?: (done: number, total: number, phase: BuildPhase) => void;
  /** Abandon the build (shutdown): it stops before publishing anything and rejects with BuildAbortedError. */
  readonly signal?: AbortSignal;
  /** Parse workers (default: by size, see parse-pool.ts; 0 = parse on this thread). */
  readonly workers?: number;
  /** Bytes of new entry fragments held in memory before they spill to disk (default 128 MiB). */
  readonly fragmentMemory?: number;
  /** Patch entry bodies in place when that is all that changed (default true; src/patch.ts). */
  readonly patch?: boolean;
  /** What the CLI's fast path found changed since the last build (spares the patch a listing). */
  readonly changedSince?: ChangedSince;
}

export interface BuildResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** What the core made of the entries; absent when the run patched the outputs (src/patch.ts) and compiled nothing. */
  readonly compiled?: CompileResult;
  /** What the run published (the summary line's numbers). */
  readonly counts: BuildCounts;
  /** The run changed only entry bodies, in place, without compiling the story (src/patch.ts). */
  readonly patched: boolean;
  /** Why a build with the cache could not patch (`--timings` prints it). */
  readonly notPatched?: string;
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  /** Files in the entries folder, files read (the rest were unchanged by stamp), entries parsed, outputs rendered. */
  readonly entriesRead: number;
  readonly filesRead: number;
  readonly entriesParsed: number;
  readonly rendered: number;
  readonly durationMs: number;
  /** Milliseconds spent in each phase, in order (`storyfeed build --timings`). */
  readonly timings: ReadonlyArray<readonly [phase: string, ms: number]>;
}

export const LOCK_FILE = '.storyfeed.lock';

/** Another builder holds the output folder and did not let go in time. */
export class LockBusyError extends Error {}

/** Files read and parsed per batch (per message to a worker). */
const BATCH = 32;

/** From this many files to parse, a build reports its parsing progress. */
const PARSE_PROGRESS_FROM = 400;

export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const useCache = options.cache !== false && !options.dryRun;
  const run = async (afterOther = true): Promise<BuildResult> => {
    let notPatched: string | undefined;
    // Temp files are left only by a builder that did not finish (its lock stays behind: see
    // withOutputLock), or by a version that kept no manifest; otherwise the walk is not needed.
    if (!options.dryRun && (afterOther || !existsSync(path.join(options.outDir, MANIFEST_PATH)))) await removeStaleTemps(options.outDir);
    try {
      // A strict build with the cache may get away with patching a few entry bodies in place.
      if (useCache && options.patch !== false && (options.mode ?? 'strict') === 'strict' && !options.lastGood) {
        const patched = await patchBuild(options, started);
        if (!('skipped' in patched)) return patched;
        notPatched = patched.skipped;
      }
      return { ...(await runOnce(options, useCache, started)), ...(notPatched ? { notPatched } : {}) };
    } catch (error) {
      // A fragment pack that does not check out is never trusted: the run starts over without the cache.
      if (error instanceof CacheCorruptError && useCache) return runOnce(options, false, started);
      throw error;
    }
  };
  // check only reads; a build reads, compiles and writes under the lock, so the ledger it reads
  // is the one the previous builder wrote.
  return options.dryRun ? run(false) : withOutputLock(options.outDir, options.lockWaitMs ?? 10_000, run);
}

async function runOnce(options: BuildOptions, useCache: boolean, started: number): Promise<BuildResult> {
  const { now, outDir } = options;
  const mode = options.mode ?? 'strict';
  const timings: Array<readonly [string, number]> = [];
  let lap = performance.now();
  const phase = (name: string) => {
    const t = performance.now();
    timings.push([name, Math.round(t - lap)]);
    lap = t;
  };
  const listing = await listSources(options.entriesDir);
  const storyStamp = listing.stamps.find((s) => s.path === STORY_FILE);
  const storyRead = await readListed(listing.root, storyStamp ? [storyStamp] : []);
  const storyText = storyRead.sources[0]?.text ?? '';
  const readDiagnostics: Diagnostic[] = [...listing.diagnostics, ...storyRead.diagnostics];
  const ledgerText = await readFile(path.join(outDir, LEDGER_PATH), 'utf8').catch(() => undefined);
  const base = { now, ...(ledgerText === undefined ? {} : { ledgerText }), mode, ...(options.lastGood ? { lastGood: options.lastGood } : {}) };
  const { story } = parseStory(storyRead.sources, readDiagnostics);
  phase('list');
  const result = (compiled: CompileResult, extra: Partial<BuildResult> = {}): BuildResult => ({
    ok: compiled.ok,
    diagnostics: compiled.diagnostics,
    compiled,
    counts: countsOf(compiled, now),
    patched: false,
    written: [],
    unchanged: [],
    entriesRead: listing.stamps.length,
    filesRead: storyRead.sources.length,
    entriesParsed: compiled.parsedCount,
    rendered: 0,
    durationMs: performance.now() - started,
    timings,
    ...extra,
  });
  // Without a valid story nothing is built; compile says why.
  if (!story) return result(compile({ ...base, sources: storyRead.sources, readDiagnostics }));

  const defaults = cacheDefaults(story);
  const cache = useCache ? parseCache(readBookkeeping(outDir, CACHE_PATH), cacheKey(storyText), defaults, readBookkeeping(outDir, OVERLAY_PATH)) : EMPTY_CACHE;
  const locations = new Map<string, BlobLocation>();
  for (const [p, c] of cache.entries) if (c.blob) locations.set(p, c.blob);
  const store = await FragmentStore.open(outDir, useCache ? cache.pack : undefined, locations, options.fragmentMemory === undefined ? {} : { memoryBudget: options.fragmentMemory });
  phase('load cache');
  try {
    // A cached parse stands for the file if its entry's fragments are there whenever the entry is
    // visible now (an entry cached while retracted, rehearsed with an earlier --now, is not).
    const usable = (c: CachedParse | undefined, p: string): c is CachedParse =>
      c !== undefined && (!c.entry || !isVisible(c.entry, now) || (c.blob !== undefined && store.has(p)));
    const entryStamps = listing.stamps.filter((s) => s.path !== STORY_FILE);
    const hits = new Map<string, CachedParse>();
    const toRead: SourceStamp[] = [];
    for (const stamp of entryStamps) {
      const c = cache.entries.get(stamp.path);
      const sameStamp = c !== undefined && c.size === stamp.size && c.mtimeMs === stamp.mtimeMs;
      if (usable(c, stamp.path) && sameStamp) hits.set(stamp.path, c);
      // The service remembers every good file's text (last good versions): it reads them all.
      if (!hits.has(stamp.path) || mode === 'service') toRead.push(stamp);
    }

    const fresh = new Map<string, Omit<ParsedFile, 'blob'> & { readonly hasBlob: boolean }>();
    const texts: SourceFile[] = [];
    let filesRead = storyRead.sources.length;
    const toParse = await readAndParse(listing.root, toRead, {
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
      workers: options.workers,
      signal: options.signal,
      onProgress: options.onProgress,
    });

    phase('read and parse');
    const parsed = new Map<string, ParsedSource>();
    for (const [p, c] of hits) parsed.set(p, { path: p, diagnostics: c.diagnostics, ...(c.idAt ? { idAt: c.idAt } : {}), ...(c.entry ? { entry: c.entry } : {}) });
    for (const [p, f] of fresh) parsed.set(p, f.parsed);
    const compiled = compile({ ...base, sources: [...storyRead.sources, ...texts], readDiagnostics, parsed });
    phase('plan');
    const counts = { filesRead, entriesParsed: toParse };
    // Nothing lost: with any error nothing is written, so the published feeds stay as they were.
    if (!compiled.ok || options.dryRun) {
      await store.discard();
      return result(compiled, counts);
    }
    if (options.signal?.aborted) throw new BuildAbortedError();

    const resolve = async (slot: EntrySlot): Promise<readonly Uint8Array[]> => {
      // A last good version (service mode) is rendered by compile itself, in memory.
      const own = compiled.fragments.get(slot.entry);
      return slotBytes(own ? encodeFragments(own) : await store.read(slot.entry), slot.format);
    };
    const renderProgress = options.onProgress && ((done: number, total: number) => options.onProgress!(done, total, 'rendering'));
    const written = await writePlanned(outDir, compiled.planned, cache.outputs, resolve, { ...(renderProgress ? { onProgress: renderProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) });

    phase('render and write');
    // What the next run may take as it is. Drafts and embargoed entries are never cached: nothing
    // unpublished is stored in the output folder, even in a file that is not served.
    const records = new Map<string, CachedParse>();
    for (const [p, c] of hits) if (!c.entry || isPublished(c.entry, now)) records.set(p, c);
    for (const [p, f] of fresh) {
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
    for (const [p, c] of records) if (c.entry && isVisible(c.entry, now) && (c.blob || fresh.get(p)?.hasBlob)) live.add(p);
    if (!useCache) {
      await store.discard();
      return result(compiled, { ...counts, written: written.written, unchanged: written.unchanged, rendered: written.rendered });
    }
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
    if (useCache && (written.written.length > 0 || written.rendered > 0 || changedParses || cache.key === '' || !generation)) {
      const next: BuildCache = { key: cacheKey(storyText), pack: pack.info, entries: records, outputs: written.records };
      generation = newGeneration();
      bookkeeping.push({ path: CACHE_PATH, contents: serializeCache(next, defaults, generation), mediaType: 'application/json' });
    }
    // Only a clean run (no entry held back or kept at a last good version) may vouch that a
    // later build would write the same bytes.
    if (useCache && !hasErrors(compiled.diagnostics)) {
      const stamps: Record<string, FileStamp> = {};
      for (const s of listing.stamps) stamps[s.path] = [s.size, s.mtimeMs];
      for (const [p, f] of fresh) stamps[p] = [f.size, f.mtimeMs];
      for (const [p, c] of hits) stamps[p] = [c.size, c.mtimeMs];
      const manifest = renderManifest({
        entries: stamps,
        outputs: Object.fromEntries([...written.records].map(([p, r]) => [p, [r.size, r.mtimeMs] as const])),
        window: publishWindow(compiled.entries, now),
        generation,
        counts: countsOf(compiled, now),
      });
      bookkeeping.push({ path: MANIFEST_PATH, contents: manifest, mediaType: 'application/json' });
    }
    if (bookkeeping.length > 0) await writeOutputs(outDir, bookkeeping, { durable: false });
    // A new index takes in what a patch run's overlay held (which no longer matches it anyway).
    if (generation !== cache.generation) await rm(path.join(outDir, OVERLAY_PATH), { force: true });
    phase('save cache');
    return result(compiled, { ...counts, written: written.written, unchanged: written.unchanged, rendered: written.rendered });
  } catch (error) {
    await store.discard();
    throw error;
  }
}

/** The summary line's numbers, from a compiled run. */
function countsOf(compiled: CompileResult, now: Date): BuildCounts {
  const next = nextEmbargo(compiled.entries, now);
  return {
    entries: compiled.entries.length,
    visible: selectVisible(compiled.entries, now).length,
    scheduled: compiled.entries.filter((e) => !e.draft && e.published.getTime() > now.getTime()).length,
    nextScheduled: next ? next.getTime() : null,
    outputs: compiled.planned.length,
    diagnostics: compiled.diagnostics.length,
  };
}

interface ReadAndParse {
  /** Sources read in a batch → the ones that need parsing. */
  readonly onRead: (sources: SourceFile[], diagnostics: Diagnostic[]) => SourceFile[];
  readonly onParsed: (files: ParsedFile[]) => Promise<void>;
  readonly story: NonNullable<ReturnType<typeof parseStory>['story']>;
  readonly now: Date;
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
  const parser = createParser(r.story, r.now, r.workers ?? workerCount(stamps.length));
  let next = 0;
  let parsed = 0;
  let done = 0;
  const report = stamps.length >= PARSE_PROGRESS_FROM && r.onProgress ? r.onProgress : undefined;
  try {
    const lane = async (): Promise<void> => {
      while (next < stamps.length) {
        if (r.signal?.aborted) throw new BuildAbortedError();
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

/**
 * One builder at a time per output folder, across processes: a lock directory inside the output
 * folder holding the holder's pid, taken over at once when that process is gone (or, as a last
 * resort, when it has not been refreshed for 10 minutes).
 */
/**
 * `work` learns whether the lock was there when it first looked: another builder held it, or one
 * that was killed left it (a holder removes it only after its last write, and a killed one cannot:
 * proper-lockfile's exit handler fails on the pid file inside).
 */
export async function withOutputLock<T>(outDir: string, waitMs: number, work: (afterOther: boolean) => Promise<T>, refreshMs = 60_000): Promise<T> {
  await mkdir(outDir, { recursive: true });
  const lockPath = path.join(outDir, LOCK_FILE);
  const afterOther = existsSync(lockPath);
  let compromised: Error | undefined;
  let release: (() => Promise<void>) | undefined;
  const deadline = Date.now() + waitMs;
  while (!release) {
    await recoverDeadLock(lockPath);
    try {
      release = await lockfile.lock(outDir, {
        lockfilePath: lockPath,
        // A holder that died is detected by its pid (recoverDeadLock); staleness only backs that up
        // (another machine on a shared disk). It must outlast the longest build: the event loop is
        // busy while a large archive renders, and a late refresh would count as a lost lock.
        stale: 10 * 60_000,
        update: refreshMs,
        realpath: false,
        retries: 0,
        // proper-lockfile's default throws from a timer and kills the process; record it instead
        // and fail this build, leaving the other holder's work alone.
        onCompromised: (error) => {
          compromised = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        throw new LockBusyError(`another storyfeed build is writing ${outDir} (lock ${lockPath}); try again when it has finished`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // Who holds the lock, so that a lock left by a killed builder can be recovered at once. Writing
  // into the lock folder moves its mtime, which proper-lockfile takes for someone else's lock at
  // its next refresh (a build longer than `refreshMs` would lose its lock): put the mtime back to
  // what proper-lockfile recorded when it made the folder.
  const made = await stat(lockPath).catch(() => undefined);
  await writeFile(path.join(lockPath, 'pid'), `${process.pid}\n`).catch(() => undefined);
  if (made) await utimes(lockPath, made.atime, made.mtime).catch(() => undefined);
  try {
    const result = await work(afterOther);
    if (compromised) throw new LockBusyError(`the lock on ${outDir} was lost during the build: ${compromised.message}`);
    return result;
  } finally {
    // proper-lockfile removes the lock with rmdir: empty it first.
    await rm(path.join(lockPath, 'pid'), { force: true }).catch(() => undefined);
    await release().catch(() => undefined);
  }
}

/**
 * A lock whose holder process is gone (killed mid-build) is removed right away instead of waiting
 * for it to go stale. Only locks that name a pid on this machine are judged; others age out.
 */
async function recoverDeadLock(lockPath: string): Promise<void> {
  const text = await readFile(path.join(lockPath, 'pid'), 'utf8').catch(() => undefined);
  const pid = text === undefined ? NaN : Number(text.trim());
  if (text === undefined || text.trim() === '' || !Number.isInteger(pid) || pid <= 0) {
    // A holder writes its pid right after taking the lock; a lock that has had no pid (or a pid
    // file cut short: killed between creating and writing it) for seconds belongs to a process
    // killed in between.
    const info = await stat(lockPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 2_000) await rm(lockPath, { recursive: true, force: true });
    return;
  }
  if (pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') await rm(lockPath, { recursive: true, force: true });
  }
}
