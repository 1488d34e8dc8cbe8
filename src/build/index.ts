// One run, under the output folder's lock: a patch run (src/patch.ts) when only a few entry bodies
// changed, the full build (src/full-build.ts, loaded only then) otherwise. Returns a result; prints
// nothing.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { MANIFEST_PATH } from '../io/state-folder.js';
import { CacheCorruptError } from './state/fragment-pack.js';
import { UserError } from '../errors.js';
import { unfinishedRun } from '../io/output-folder.js';
import { removeStaleTemps } from '../io/sweep-outputs.js';
import { patchBuild } from './patch.js';
import type { BuildOptions, BuildResult } from './types.js';


export const LOCK_FILE = '.storyfeed.lock';


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
    const { runOnce } = await import('./full.js');
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
        throw new UserError('lock-busy', `another storyfeed build is writing ${outDir} (lock ${lockPath}); try again when it has finished`);
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
    if (compromised) throw new UserError('lock-busy', `the lock on ${outDir} was lost during the build: ${compromised.message}`);
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
