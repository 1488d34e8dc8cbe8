// One run, under the output folder's lock: a patch run (src/patch.ts) when only a few entry bodies
// changed, the full build (src/full-build.ts, loaded only then) otherwise. Returns a result; prints
// nothing.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CompileResult } from './core/compile.js';
import type { Diagnostic } from './core/diagnostics.js';
import { MANIFEST_PATH, type BuildCounts } from './core/manifest.js';
import type { SourceFile } from './core/types.js';
import type { ChangedSince } from './io/fast-path.js';
import { CacheCorruptError } from './io/fragment-store.js';
import { LOCK_FILE, LockBusyError, withOutputLock } from './io/output-lock.js';
import { BuildAbortedError, removeStaleTemps } from './io/write-outputs.js';
import { patchBuild } from './patch.js';
import type { WarmParser } from './parse-pool.js';

export { BuildAbortedError, LOCK_FILE, LockBusyError, withOutputLock };

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
  /** A parse worker the caller started ahead of need; the build closes it. */
  readonly warm?: WarmParser;
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

export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const useCache = options.cache !== false && !options.dryRun;
  const run = async (afterOther = true): Promise<BuildResult> => {
    let notPatched: string | undefined;
    let withCache = useCache;
    // Temp files are left only by a builder that did not finish (its lock stays behind: see
    // withOutputLock), or by a version that kept no manifest; otherwise the walk is not needed.
    if (!options.dryRun && (afterOther || !existsSync(path.join(options.outDir, MANIFEST_PATH)))) await removeStaleTemps(options.outDir);
    // A strict build with the cache may get away with patching a few entry bodies in place.
    if (useCache && options.patch !== false && (options.mode ?? 'strict') === 'strict' && !options.lastGood) {
      try {
        const patched = await patchBuild(options, started);
        if (!('skipped' in patched)) return patched;
        notPatched = patched.skipped;
      } catch (error) {
        if (!(error instanceof CacheCorruptError)) throw error;
        notPatched = 'a stored fragment failed its checksum';
        withCache = false;
      }
    }
    // The full build has a pool of its own (when it is large enough for one).
    await options.warm?.close();
    const { runOnce } = await import('./full-build.js');
    const full = async (cache: boolean) => ({ ...(await runOnce(options, cache, started)), ...(notPatched ? { notPatched } : {}) });
    try {
      return await full(withCache);
    } catch (error) {
      // A fragment pack that does not check out is never trusted: the run starts over without the cache.
      if (error instanceof CacheCorruptError && withCache) return full(false);
      throw error;
    }
  };
  // check only reads; a build reads, compiles and writes under the lock, so the ledger it reads
  // is the one the previous builder wrote.
  try {
    return await (options.dryRun ? run(false) : withOutputLock(options.outDir, options.lockWaitMs ?? 10_000, run));
  } finally {
    await options.warm?.close();
  }
}


