// The one way in for the CLI and the service: lock → fast path → patch | full. A build with the
// fast path (`storyfeed build`) first checks with stat calls alone whether the last build is still
// what a build now would write; only then are the patch (src/build/patch.ts) and the full build
// (src/build/full.ts) loaded, each only when it runs. Returns a result; prints nothing.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { LOCK_NAME, MANIFEST_PATH } from '../io/state-folder.js';
import { unfinishedRun } from '../io/output-folder.js';
import { isNewsroomSync } from '../io/read-sources.js';
import { isUserError } from '../errors.js';
import { checkUpToDate, type ChangedSince } from './fast-path.js';
import { startWarmParser, type WarmParser } from './parse/pool.js';
import type { BuildOptions, BuildResult } from './types.js';

export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  // A newsroom (build/newsroom.ts) has the fast path over its story folders, and a patch run as a story has.
  const newsroom = isNewsroomSync(options.entriesDir);
  const ahead = options.fastPath && !options.dryRun ? checkFastPath(options, started, newsroom) : undefined;
  if (ahead && 'upToDate' in ahead) return upToDate(options, ahead.upToDate, newsroom);
  // check only reads; a build reads, compiles and writes under the lock, so the ledger it reads
  // is the one the previous builder wrote.
  try {
    const run = (afterOther = true) => runLocked(options, started, afterOther, ahead, newsroom);
    if (options.dryRun) return await run(false);
    // Loaded past the fast path, as everything below is: a run with nothing to do needs none of it.
    const { withOutputLock } = await import('../io/output-lock.js');
    return await withOutputLock(options.outDir, options.lockWaitMs ?? 10_000, run);
  } finally {
    await ahead?.warm?.close();
  }
}

/**
 * Nothing to do. A builder killed after it published but before it let go leaves its lock (and
 * perhaps temp files) behind: this run, which found nothing to do, takes a lock whose holder is
 * dead over and sweeps what it left, when it can. A live holder is left to finish: never waited for.
 */
async function upToDate(options: BuildOptions, result: BuildResult, newsroom: boolean): Promise<BuildResult> {
  if (!existsSync(path.join(options.outDir, LOCK_NAME))) return result;
  const { heldByDeadBuilder, withOutputLock } = await import('../io/output-lock.js');
  if (!(await heldByDeadBuilder(options.outDir))) return result;
  try {
    return await withOutputLock(options.outDir, options.lockWaitMs ?? 10_000, async (afterOther) => {
      await sweepLeftovers(options, afterOther, newsroom);
      return result;
    });
  } catch (error) {
    // Clearing up is a courtesy of this run: an output folder it cannot write to (read-only, a
    // takeover lost to another builder) is left as it was, and nothing is still nothing to do.
    if (isUserError(error) || typeof (error as NodeJS.ErrnoException).code === 'string') return result;
    throw error;
  }
}

/**
 * Temp files are left only by a builder that did not finish (its lock stays behind: see
 * withOutputLock; its run folder too: see write-outputs.ts), or by a version that kept no
 * manifest (a story's); otherwise the walk is not needed.
 */
async function sweepLeftovers(options: BuildOptions, afterOther: boolean, newsroom: boolean): Promise<void> {
  if (options.dryRun) return;
  if (afterOther || unfinishedRun(options.outDir) || (!newsroom && !existsSync(path.join(options.outDir, MANIFEST_PATH)))) {
    const { removeStaleTemps } = await import('../io/sweep-outputs.js');
    await removeStaleTemps(options.outDir);
  }
}

/** What the fast path found for the run: the few entries changed, and a parser warming up for them. */
interface Ahead {
  readonly changedSince?: ChangedSince;
  readonly warm?: WarmParser;
}

/**
 * A cron tick with nothing to do costs a few stat calls: the compiler is not even loaded. At the
 * first changed entry, a parse worker starts loading the parsers on the other core while the fast
 * path finishes (and the patch run prepares).
 */
function checkFastPath(options: BuildOptions, started: number, newsroom: boolean): Ahead | { readonly upToDate: BuildResult } {
  let warm: WarmParser | undefined;
  const onChange = () => {
    warm = startWarmParser();
  };
  const fast = checkUpToDate(options.entriesDir, options.outDir, options.now, { onChange, ...(newsroom ? { newsroom } : {}) });
  if (fast.upToDate) {
    const counts = fast.counts ?? { entries: 0, visible: 0, scheduled: 0, drafts: 0, nextScheduled: null, outputs: 0, diagnostics: 0 };
    const durationMs = performance.now() - started;
    return { upToDate: { ok: true, upToDate: true, diagnostics: [], counts, patched: false, written: [], entriesRead: fast.entries, filesRead: 0, entriesParsed: 0, rendered: 0, durationMs, timings: [] } };
  }
  if (!fast.changedSince) {
    // Nothing, or too much, to patch: a full build has workers of its own when it needs them.
    void warm?.close();
    return {};
  }
  return { changedSince: fast.changedSince, ...(warm ? { warm } : {}) };
}

/**
 * One run under the lock, a story's or a newsroom's: stale temps swept, a patch run tried (a few
 * entry bodies changed: patched in place), else the full build — started over without the cache
 * when a stored fragment does not check out.
 */
async function runLocked(options: BuildOptions, started: number, afterOther: boolean, ahead: Ahead | undefined, newsroom = false): Promise<BuildResult> {
  const { CacheCorruptError } = await import('./state/fragment-pack.js');
  const useCache = options.cache !== false && !options.dryRun;
  let notPatched: string | undefined;
  let withCache = useCache;
  await sweepLeftovers(options, afterOther, newsroom);
  // A strict build with the cache may get away with patching a few entry bodies in place (a
  // newsroom only when the fast path found which: its patch never lists the story folders).
  if (useCache && (!newsroom || ahead?.changedSince) && options.patch !== false && (options.mode ?? 'strict') === 'strict' && !options.lastGood) {
    try {
      const { patchBuild } = await import('./patch.js');
      const patched = await patchBuild({ ...options, ...ahead, ...(newsroom ? { newsroom: true } : {}) }, started);
      if (!('skipped' in patched)) return patched;
      notPatched = patched.skipped;
    } catch (error) {
      if (!(error instanceof CacheCorruptError)) throw error;
      notPatched = 'a stored fragment failed its checksum';
      withCache = false;
    }
  }
  // The full build has a pool of its own (when it is large enough for one).
  await ahead?.warm?.close();
  const build = newsroom ? (await import('./newsroom.js')).newsroomBuild : (await import('./full.js')).fullBuild;
  const full = async (cache: boolean) => ({ ...(await build(options, cache, started)), ...(notPatched ? { notPatched } : {}) });
  try {
    return await full(withCache);
  } catch (error) {
    // A fragment pack that does not check out is never trusted: the run starts over without the cache.
    if (error instanceof CacheCorruptError && withCache) return full(false);
    throw error;
  }
}
