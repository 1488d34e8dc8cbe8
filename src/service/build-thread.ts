// Runs builds for the service on a worker thread (build-worker.ts), one at a time, and turns the
// worker's answers back into summaries or the errors build() would have thrown.

import { Worker } from 'node:worker_threads';
import { fromWire, type WireError } from '../errors.js';
import type { BuildSummary, PlainBuildOptions } from './build-summary.js';

interface Pending {
  resolve: (s: BuildSummary) => void;
  reject: (e: Error) => void;
}

export class BuildRunner {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // Not tracking its descriptors: a build hands the temps it opens to the sync thread, which closes
    // them (io/sync-thread.ts), and Node warned of each number opened again here ("File descriptor N
    // opened in unmanaged mode twice": 35,579 lines on stderr for a cold 10,000-entry newsroom).
    const worker = new Worker(new URL('./build-worker.js', import.meta.url), { trackUnmanagedFds: false });
    worker.on('message', (m: { id: number; summary?: BuildSummary; error?: WireError }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.summary) p.resolve(m.summary);
      else p.reject(fromWire(m.error ?? { message: 'unknown worker error' }));
    });
    // A worker that dies (a bug, out of memory) fails the builds it held; the next run starts a new one.
    const fail = (error: Error) => {
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.worker === worker) fail(new Error(`the build thread exited (${code})`));
    });
    this.worker = worker;
    return worker;
  }

  run(options: PlainBuildOptions): Promise<BuildSummary> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'build', id, options });
    });
  }

  /** Abandon the running build before it publishes. */
  abort(): void {
    this.worker?.postMessage({ type: 'abort' });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}

