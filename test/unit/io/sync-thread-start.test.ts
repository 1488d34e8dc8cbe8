// A sync thread that cannot start (io/sync-thread.ts): the Worker constructor throws, or the
// thread fails before it runs any code (ERR_WORKER_INIT_FAILED, as with a thread limit). The
// descriptors it was given are untouched then, so the pool fsyncs and closes them, and a build
// goes on: its files are published whole. The folder thread (io/folder-thread.ts) cannot start
// either: the writer makes every folder itself, and never waits on it.
import { openSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const start = vi.hoisted(() => ({ mode: 'throws' as 'throws' | 'fails-to-start', made: 0 }));

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  const { EventEmitter } = await import('node:events');
  class Worker extends EventEmitter {
    constructor() {
      super();
      start.made += 1;
      if (start.mode === 'throws') throw Object.assign(new Error('Resource temporarily unavailable'), { code: 'EAGAIN' });
      setImmediate(() => this.emit('error', Object.assign(new Error('Worker initialization failure: 11'), { code: 'ERR_WORKER_INIT_FAILED' })));
    }
    postMessage(): void {}
    ref(): void {}
    unref(): void {}
    terminate(): Promise<number> {
      return Promise.resolve(1);
    }
  }
  return { ...real, Worker, default: { ...real, Worker } };
});

// As on a machine where no flush of the file system is trusted (io/file-system-flush.ts): a run
// of 600 files fsyncs each on the sync thread.
vi.mock('../../../src/io/file-system-flush.js', async (importOriginal) => ({ ...(await importOriginal<object>()), flushCommand: () => undefined }));

const { fileSyncThread } = await import('../../../src/io/sync-thread.js');
const { writeBookkeeping } = await import('../../../src/io/write-outputs.js');
const { tempFolder } = await import('../../helpers/story.js');
const { isOpenDescriptor } = await import('../../helpers/files.js');

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
afterEach(() => {
  start.made = 0;
});

describe.each(['throws', 'fails-to-start'] as const)('a sync thread that %s', (mode) => {
  it('leaves its descriptors to the pool: each fsynced and closed, none failed', async () => {
    start.mode = mode;
    const { dir, cleanup } = await tempFolder();
    cleanups.push(cleanup);
    const fds = Array.from({ length: 40 }, (_, i) => {
      const fd = openSync(path.join(dir, `f${i}`), 'wx');
      writeFileSync(fd, `file ${i}`);
      return fd;
    });
    const syncs = fileSyncThread();
    await expect(Promise.all(fds.map((fd) => syncs.syncAndClose(fd)))).resolves.toHaveLength(40);
    expect(fds.filter(isOpenDescriptor)).toEqual([]);
    // A later run asks again: a thread that could not start is not kept.
    fileSyncThread();
    expect(start.made).toBe(2);
  });

  it('does not fail a build: 600 files (enough for the thread) are published whole', async () => {
    start.mode = mode;
    const { dir, cleanup } = await tempFolder({ 'out/old.xml': 'old' });
    cleanups.push(cleanup);
    const out = path.join(dir, 'out');
    const files = Array.from({ length: 600 }, (_, i) => ({ path: `d${i % 5}/f${i}.xml`, contents: `file ${i}` }));
    await writeBookkeeping(out, files);
    for (const f of files.filter((_, i) => i % 97 === 0)) expect(await readFile(path.join(out, f.path), 'utf8')).toBe(f.contents);
    expect(start.made).toBe(2); // the sync thread and the folder thread, each once
  });
});
