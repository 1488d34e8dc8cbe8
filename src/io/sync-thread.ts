// A cold build's fsyncs, off the build's thread (issue 17). Each temp file is fsynced before it is
// renamed into place, but the renames come only once every file is staged: nothing waits on a
// file's fsync until the end of staging. Sent to libuv's pool one by one, each fsync cost the
// build's thread a wake-up going and another coming back (~80 µs of its CPU per file on this kind
// of virtual machine: ~1 s of a cold 10,000-entry build's 13,026 files) and a turn of its lanes.
// Here the descriptors go in batches to a thread of their own, which fsyncs them in parallel on the
// pool, closes each, and answers once per batch.
//
// The thread lives as long as the program (a service builds again and again) and is never
// terminated: it holds the program open only while it has descriptors to sync (ref'd while busy,
// unref'd when idle), and Node stops it at exit. A thread that dies takes its batches with it: their
// promises reject (the build fails, its temps are removed) and the next call starts a new thread.

import { Worker } from 'node:worker_threads';
import { closeQuietly, poolFileSyncs, type FileSyncs } from './file-calls.js';

/** The thread's code: plain CommonJS, so that it needs no file of its own beside the bundle. */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { fsync, fstatSync, closeSync } = require('node:fs');
parentPort.on('message', ({ id, fds }) => {
  const failed = [];
  const mtimes = new Float64Array(fds.length).fill(-1);
  let left = fds.length;
  fds.forEach((fd, i) => fsync(fd, (e) => {
    if (e) failed.push([i, String(e.code), String(e.message)]);
    else try { mtimes[i] = fstatSync(fd).mtimeMs; } catch {}
    try { closeSync(fd); } catch {}
    if ((left -= 1) === 0) parentPort.postMessage({ id, failed, mtimes });
  }));
});`;

/** Descriptors sent at once: few enough that the thread starts early, enough to make a message cheap. */
const BATCH = 32;

type Waiter = { resolve: (mtimeMs: number | undefined) => void; reject: (error: Error) => void };

/** The program's sync thread, started on first use; the pool when no thread can be started. */
export function fileSyncThread(): FileSyncs {
  try {
    thread ??= startSyncThread(() => (thread = undefined));
  } catch {
    return poolFileSyncs(); // a thread limit, say: the run goes on without the thread
  }
  return thread;
}

let thread: FileSyncs | undefined;

function startSyncThread(onDeath: () => void): FileSyncs {
  // Its descriptors are opened here: it closes them as a plain thread, not as a Worker owning them.
  const worker = new Worker(SOURCE, { eval: true, trackUnmanagedFds: false });
  let started = false;
  worker.once('online', () => (started = true));
  let pending: number[] = [];
  let waiters: Waiter[] = [];
  const sent = new Map<number, { fds: number[]; waiters: Waiter[] }>();
  let nextId = 0;
  let backlog = 0;
  let scheduled = false;
  let dead: Error | undefined;
  let fallback: FileSyncs | undefined;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0 || dead) return;
    sent.set((nextId += 1), { fds: pending, waiters });
    worker.postMessage({ id: nextId, fds: pending });
    pending = [];
    waiters = [];
  };
  const die = (error: Error): void => {
    if (dead) return;
    dead = error;
    onDeath();
    const batches = [...sent.values(), { fds: pending, waiters }];
    if (!started) {
      // It never ran (it could not start): every descriptor is untouched, and the pool syncs them,
      // these and any its run hands over after.
      const pool = (fallback = poolFileSyncs());
      for (const b of batches) b.fds.forEach((fd, i) => pool.syncAndClose(fd).then(b.waiters[i]!.resolve, b.waiters[i]!.reject));
    } else {
      // A descriptor sent, the thread may have closed or not: it is not closed here, where its number
      // may already belong to a file opened since. One not sent yet is still ours to close.
      for (const fd of pending) closeQuietly(fd);
      for (const b of batches) for (const w of b.waiters) w.reject(error);
    }
    sent.clear();
    pending = [];
    waiters = [];
    backlog = 0;
    worker.unref();
  };
  worker.on('message', ({ id, failed, mtimes }: { id: number; failed: Array<[number, string, string]>; mtimes: Float64Array }) => {
    const batch = sent.get(id)?.waiters;
    if (!batch) return;
    sent.delete(id);
    const errors = new Map(failed.map(([i, code, message]) => [i, Object.assign(new Error(message), { code })]));
    batch.forEach((w, i) => {
      const error = errors.get(i);
      if (error) w.reject(error);
      else w.resolve(mtimes[i]! >= 0 ? mtimes[i] : undefined);
    });
    backlog -= batch.length;
    if (backlog === 0) worker.unref();
  });
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`the fsync thread stopped (exit code ${code})`)));
  // Unref'd after its 'message' listener is added, never before: adding one refs the thread's port
  // again (Node's worker.js setupPortReferencing). Found from outside: a build that started the
  // thread and then had nothing to sync (every output unchanged, the cache gone) never exited.
  worker.unref();
  return {
    get backlog() {
      return fallback?.backlog ?? backlog;
    },
    syncAndClose(fd) {
      if (fallback) return fallback.syncAndClose(fd);
      return new Promise<number | undefined>((resolve, reject) => {
        if (dead) return reject(dead);
        pending.push(fd);
        waiters.push({ resolve, reject });
        if ((backlog += 1) === 1) worker.ref(); // the program waits for these answers
        if (pending.length >= BATCH) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
