// One run, under the output folder's lock: a patch run (src/patch.ts) when only a few entry bodies
// changed, the full build (src/full-build.ts, loaded only then) otherwise. Returns a result; prints
// nothing.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_PATH } from '../io/state-folder.js';
import { CacheCorruptError } from './state/fragment-pack.js';
import { UserError } from '../errors.js';
import { unfinishedRun } from '../io/output-folder.js';
import { removeStaleTemps } from '../io/sweep-outputs.js';
import { withOutputLock } from '../io/output-lock.js';
import { patchBuild } from './patch.js';
import type { BuildOptions, BuildResult } from './types.js';

export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const useCache = options.cache !== false && !options.dryRun;
  const run = async (afterOther = true): Promise<BuildResult> => {
    let notPatched: string | undefined;
    let withCache = useCache;
    // Temp files are left only by a builder that did not finish (its lock stays behind: see
    // withOutputLock; its run folder too: see write-outputs.ts), or by a version that kept no
    // manifest; otherwise the walk is not needed.
    if (!options.dryRun && (afterOther || unfinishedRun(options.outDir) || !existsSync(path.join(options.outDir, MANIFEST_PATH)))) await removeStaleTemps(options.outDir);
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
    const { fullBuild } = await import('./full.js');
    const full = async (cache: boolean) => ({ ...(await fullBuild(options, cache, started)), ...(notPatched ? { notPatched } : {}) });
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


