// One run: read sources → pure core → write outputs. Returns a result; prints nothing.

import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { compile, type CompileResult } from './core/compile.js';
import { CACHE_PATH, cacheKey, EMPTY_CACHE, parseCache, serializeCache, type BuildCache } from './core/cache.js';
import { hasErrors, type Diagnostic } from './core/diagnostics.js';
import { LEDGER_PATH } from './core/ledger.js';
import { MANIFEST_PATH, publishWindow, renderManifest } from './core/manifest.js';
import { STORY_FILE } from './core/normalize.js';
import type { SourceFile } from './core/types.js';
import { readSources } from './io/read-sources.js';
import { BuildAbortedError, removeStaleTemps, writeOutputs, writePlanned } from './io/write-outputs.js';

export { BuildAbortedError };

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
  /** Progress of rendering and writing, for long builds (called once per rendered output). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Abandon the build (shutdown): it stops before publishing anything and rejects with BuildAbortedError. */
  readonly signal?: AbortSignal;
}

export interface BuildResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly compiled: CompileResult;
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  /** Files read from the entries folder, entries parsed anew (not from the cache), outputs rendered. */
  readonly entriesRead: number;
  readonly entriesParsed: number;
  readonly rendered: number;
  readonly durationMs: number;
}

export const LOCK_FILE = '.storyfeed.lock';

/** Another builder holds the output folder and did not let go in time. */
export class LockBusyError extends Error {}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const run = async (): Promise<BuildResult> => {
    const read = await readSources(options.entriesDir);
    const ledgerText = await readFile(path.join(options.outDir, LEDGER_PATH), 'utf8').catch(() => undefined);
    const storyText = read.sources.find((s) => s.path === STORY_FILE)?.text ?? '';
    const useCache = options.cache !== false && !options.dryRun;
    const cache = useCache ? parseCache(await readFile(path.join(options.outDir, CACHE_PATH), 'utf8').catch(() => undefined), cacheKey(storyText)) : EMPTY_CACHE;
    const compiled = compile({
      sources: read.sources,
      now: options.now,
      readDiagnostics: read.diagnostics,
      ...(ledgerText === undefined ? {} : { ledgerText }),
      mode: options.mode ?? 'strict',
      ...(options.lastGood ? { lastGood: options.lastGood } : {}),
      ...(useCache ? { cached: cache.entries } : {}),
    });
    let written: string[] = [];
    let unchanged: string[] = [];
    let rendered = 0;
    // Nothing lost: with any error nothing is written, so the published feeds stay as they were.
    if (compiled.ok && !options.dryRun) {
      await removeStaleTemps(options.outDir);
      if (options.signal?.aborted) throw new BuildAbortedError();
      const result = await writePlanned(options.outDir, compiled.planned, cache.outputs, options.onProgress, options.signal);
      ({ written, unchanged, rendered } = result);
      const parsesChanged =
        compiled.parses.size !== cache.entries.size || [...compiled.parses].some(([p, record]) => cache.entries.get(p) !== record);
      const bookkeeping = [];
      if (useCache && (written.length > 0 || rendered > 0 || parsesChanged || cache.key === '')) {
        const next: BuildCache = { key: cacheKey(storyText), entries: compiled.parses, outputs: result.records };
        bookkeeping.push({ path: CACHE_PATH, contents: serializeCache(next), mediaType: 'application/json' });
      }
      // Only a clean run (no entry held back or kept at a last good version) may vouch that a
      // later build would write the same bytes.
      if (useCache && !hasErrors(compiled.diagnostics)) {
        const manifest = renderManifest({
          entries: Object.fromEntries(read.sources.map((s) => [s.path, [s.size ?? 0, s.mtimeMs ?? 0] as const])),
          outputs: Object.fromEntries([...result.records].map(([p, r]) => [p, [r.size, r.mtimeMs] as const])),
          window: publishWindow(compiled.entries, options.now),
        });
        bookkeeping.push({ path: MANIFEST_PATH, contents: manifest, mediaType: 'application/json' });
      }
      if (bookkeeping.length > 0) await writeOutputs(options.outDir, bookkeeping);
    }
    return {
      ok: compiled.ok,
      diagnostics: compiled.diagnostics,
      compiled,
      written,
      unchanged,
      entriesRead: read.sources.length,
      entriesParsed: compiled.parsedCount,
      rendered,
      durationMs: performance.now() - started,
    };
  };
  // check only reads; a build reads, compiles and writes under the lock, so the ledger it reads
  // is the one the previous builder wrote.
  return options.dryRun ? run() : withOutputLock(options.outDir, options.lockWaitMs ?? 10_000, run);
}

/**
 * One builder at a time per output folder, across processes: a lock directory inside the output
 * folder holding the holder's pid, taken over at once when that process is gone (or, as a last
 * resort, when it has not been refreshed for 10 minutes).
 */
export async function withOutputLock<T>(outDir: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  await mkdir(outDir, { recursive: true });
  const lockPath = path.join(outDir, LOCK_FILE);
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
        update: 60_000,
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
  // Who holds the lock, so that a lock left by a killed builder can be recovered at once.
  await writeFile(path.join(lockPath, 'pid'), `${process.pid}\n`).catch(() => undefined);
  try {
    const result = await work();
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
