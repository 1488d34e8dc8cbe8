// The folders a large run makes, made on a thread of their own: a cold build makes one per page
// (12,000 in a newsroom of 10,000 entries), each mkdir 40-50 µs of the build's thread, which has
// rendering and writing to do meanwhile, while the other core idles half the time. The writer
// plans every folder first (file-calls.ts folderMaker, `defer`); the thread makes them in that
// order; before a file goes into a folder, the writer makes sure that folder is there.
//
// Each mkdir is claimed (compare-and-swap) by whichever thread makes it: the writer takes one the
// thread has not reached (the thread not started yet, or behind), and the thread then goes on past
// it, so that no folder is made twice and none waits on a thread that never came (a thread limit:
// the Worker constructor throws, or the thread fails before it runs). A folder's mkdir waits for
// the one before it (its parent, if any, is earlier). A mkdir that fails on the thread is made
// again by the writer, so its error is thrown where the folder is needed.
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** done[i]: 0 not yet, 1 made, 2 failed on the thread. claimed[i]: 0 free, 1 the thread's, 2 the writer's. */
const SOURCE = `const { workerData } = require('node:worker_threads');
const { mkdirSync } = require('node:fs');
const { ops } = workerData;
const done = new Int32Array(workerData.done), claimed = new Int32Array(workerData.claimed);
const after = (i) => { while (i > 0 && Atomics.load(done, i - 1) === 0) Atomics.wait(done, i - 1, 0, 1000); };
for (let i = 0; i < ops.length; i += 1) {
  if (Atomics.compareExchange(claimed, i, 0, 1) !== 0) continue;
  after(i);
  let made = 1;
  try { mkdirSync(ops[i]); } catch { made = 2; }
  Atomics.store(done, i, made);
  Atomics.notify(done, i);
  if (made === 2) break;
}`;

/** How long the writer waits on a mkdir the thread claimed before making it itself (a thread that died mid-way). */
const STALL_MS = 5000;

export interface FolderThread {
  /** A folder to make once those added before it are: its number, for `ready`. */
  add(folder: string): number;
  /** Start making them (none added later). */
  start(): void;
  /** Returns once folder `op` (and every one before it) is made; a failure throws here. */
  ready(op: number): void;
  /** The thread gone (before a failed run removes the staged folders it may still be filling). */
  close(): Promise<void>;
}

export function folderThread(): FolderThread {
  const ops: string[] = [];
  let done = new Int32Array(new SharedArrayBuffer(0)), claimed = done;
  let worker: Worker | undefined;
  let next = 0; // every op before this one is made
  const makeHere = (i: number, tolerate: boolean): void => {
    try {
      mkdirSync(ops[i]!);
    } catch (error) {
      // Our own staged name: there already means the thread made it after all.
      if (!(tolerate && (error as NodeJS.ErrnoException).code === 'EEXIST')) throw error;
    }
    Atomics.store(done, i, 1);
    Atomics.notify(done, i);
  };
  return {
    add(folder) {
      ops.push(folder);
      return ops.length - 1;
    },
    start() {
      done = new Int32Array(new SharedArrayBuffer(4 * ops.length));
      claimed = new Int32Array(new SharedArrayBuffer(4 * ops.length));
      if (ops.length === 0) return;
      try {
        worker = new Worker(SOURCE, { eval: true, workerData: { ops, done: done.buffer, claimed: claimed.buffer } });
        worker.on('error', () => undefined); // a thread that fails to start: the writer makes every folder
        worker.unref();
      } catch {
        worker = undefined;
      }
    },
    ready(op) {
      for (; next <= op; next += 1) {
        const i = next;
        if (Atomics.compareExchange(claimed, i, 0, 2) === 0) {
          makeHere(i, false);
          continue;
        }
        const since = Date.now();
        while (Atomics.load(done, i) === 0 && Atomics.load(claimed, i) === 1) {
          if (Date.now() - since > STALL_MS) break;
          Atomics.wait(done, i, 0, 50);
        }
        const state = Atomics.load(done, i);
        if (state === 2) makeHere(i, false); // failed there: made (or failing) here, with its own error
        else if (state === 0) makeHere(i, true);
      }
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  };
}
