// The shells of a large build's RSS and Atom documents rendered on worker threads (issue 17): a
// shell is `feed` and the DOM over a one-item document, ~0.5–1 ms of CPU each, ~2,000 of them in a
// cold 10,000-entry build. On the build's thread they were a third of its rendering, done in turn
// with writing; on workers they use the other core while this thread fills slots and writes. The
// worker runs the same function on the same data (core/render/shells.ts; the job is the document's
// feed reduced to what its shell reads), so the bytes are the same, and until a worker has loaded
// its code the build's thread renders shells itself rather than wait.

import { availableParallelism } from 'node:os';
import { renderShell } from '../core/render/shells.js';
import type { PlannedFile, ShellJob, ShellRender, ShellText } from '../core/types.js';
import type { OutputRecord } from '../io/output-record.js';
import type { WritableFile } from '../io/write-outputs.js';
import { startShellWorkers, workerCount, WorkerGone, type Parser } from './parse/pool.js';

/** From this many shells to render, workers take them: one costs ~0.2 s to load on the other core. */
export const SHELLS_ON_WORKERS_FROM = 1000;

export interface ShellRendering {
  /** The planned files, those with a shell rendering it on a worker when one is ready. */
  readonly planned: readonly WritableFile[];
  close(): Promise<void>;
}

/**
 * `previous`: the cache's output records (a document whose key is unchanged is not rendered, so
 * its shell does not count). Workers: none when STORYFEED_WORKERS is 0 (or the program runs from
 * its sources), else shellWorkers() — from any number of shells when STORYFEED_WORKERS is set.
 */
export function renderShellsOnWorkers(planned: readonly PlannedFile[], previous: ReadonlyMap<string, OutputRecord>, env: NodeJS.ProcessEnv = process.env): ShellRendering {
  let shells = 0;
  for (const p of planned) if (p.shell && previous.get(p.path)?.key !== p.key) shells += 1;
  const set = env['STORYFEED_WORKERS'] !== undefined;
  const workers = shells === 0 || (!set && shells < SHELLS_ON_WORKERS_FROM) ? 0 : Math.min(workerCount(Number.MAX_SAFE_INTEGER, env), shellWorkers());
  if (workers === 0) return { planned, close: async () => undefined };
  const pool = startShellWorkers(workers);
  return { planned: planned.map((p) => (p.shell ? { ...p, ...viaPool(pool, p.shell) } : p)), close: () => pool.close() };
}

/** `write` given the planned files, their shells on workers when there are many; the workers closed after, whatever happens. */
export async function withShellWorkers<T>(planned: readonly PlannedFile[], previous: ReadonlyMap<string, OutputRecord>, write: (planned: readonly WritableFile[]) => Promise<T>): Promise<T> {
  const shells = renderShellsOnWorkers(planned, previous);
  try {
    return await write(shells.planned);
  } finally {
    await shells.close();
  }
}

/**
 * One core is this thread's, which fills slots and writes: one worker per other core (at least one,
 * at most 4). Measured on 2 cores (10,000 entries, load ~6): one worker took render and write from
 * 22–27 s to ~18.7 s; two took 4 s more CPU than one and were slower than none.
 */
function shellWorkers(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 4));
}

/**
 * A document's render through the pool: its shell from a ready worker, or rendered here when none
 * is. `prepare` posts the shell before the writer reaches the document (io/stage-order.ts
 * prepareAhead), so that the worker renders shells while this thread writes other files; it says
 * false when no worker has room (the writer tries again at its next file).
 */
export function viaPool(pool: Parser, shell: ShellRender): { render(): ReturnType<WritableFile['render']>; prepare(): boolean } {
  let job: ShellJob | undefined;
  let early: Promise<ShellText> | undefined;
  return {
    prepare: () => {
      early ??= pool.shell((job ??= shell.job()), true);
      // A worker that dies first fails this promise before the writer awaits it: render() reports it.
      early?.catch(() => undefined);
      return early !== undefined;
    },
    render: () => {
      const mine = (job ??= shell.job());
      const remote = early ?? pool.shell(mine);
      job = early = undefined; // rendered once: nothing held for the rest of the build
      if (!remote) return shell.fill(renderShell(mine));
      // A worker that died after it was ready (a crash, killed for memory) fails its shells with
      // WorkerGone: each is rendered here instead, the same bytes (found from outside: the build
      // failed). An error the worker answered with is a bug, and still fails the build.
      return remote.then(
        (t) => shell.fill(t),
        (error: unknown) => (error instanceof WorkerGone ? shell.fill(renderShell(mine)) : Promise.reject(error)),
      );
    },
  };
}
