// The sync thread (io/sync-thread.ts): a cold build's temp files are fsynced and closed there, in
// batches. Every descriptor handed over is fsynced and closed, in whatever batch; one that cannot be
// fsynced fails alone, with its code; a thread that dies fails what it held and the next call gets a
// new one; and the thread holds the program open while, and only while, it has work.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { poolFileSyncs, type FileSyncs } from '../../../src/io/file-calls.js';
import { fileSyncThread } from '../../../src/io/sync-thread.js';
import { isOpenDescriptor } from '../../helpers/files.js';
import { tempFolders } from '../../helpers/story.js';

const folder = tempFolders();

/** Descriptors of `n` new files in `dir`, each written to. */
function openFiles(dir: string, n: number, prefix = 'f'): number[] {
  return Array.from({ length: n }, (_, i) => {
    const fd = openSync(path.join(dir, `${prefix}${i}`), 'wx');
    writeFileSync(fd, `file ${i}`);
    return fd;
  });
}

/** A descriptor fsync refuses (EINVAL): a FIFO's, opened read-write so that the open does not wait. */
function fifoDescriptor(dir: string): number {
  const fifo = path.join(dir, `fifo-${readdirSync(dir).length}`);
  execFileSync('mkfifo', [fifo]);
  return openSync(fifo, 'r+');
}

describe('the sync thread’s stamps', () => {
  it('give each file’s mtime as stat gives it after the descriptor is closed and the file renamed', async () => {
    const dir = await folder();
    const fds = openFiles(dir, 40);
    const mtimes = await Promise.all(fds.map((fd) => fileSyncThread().syncAndClose(fd)));
    fds.forEach((_, i) => renameSync(path.join(dir, `f${i}`), path.join(dir, `g${i}`)));
    expect(mtimes).toEqual(fds.map((_, i) => statSync(path.join(dir, `g${i}`)).mtimeMs));
    // The pool reads none: the writer stats those files itself.
    const [fd] = openFiles(dir, 1, 'p');
    expect(await poolFileSyncs().syncAndClose(fd!)).toBeUndefined();
  });
});

describe.each<[string, () => FileSyncs]>([
  ['the sync thread', fileSyncThread],
  ['the pool (a run of a few files)', poolFileSyncs],
])('%s', (_, syncs) => {
  it('fsyncs and closes every descriptor handed over, across batches', async () => {
    const dir = await folder();
    const fds = openFiles(dir, 100); // more than three batches of 32
    const s = syncs();
    const done = Promise.all(fds.map((fd) => s.syncAndClose(fd)));
    expect(s.backlog).toBeGreaterThanOrEqual(100);
    await done;
    expect(s.backlog).toBe(0);
    // Closed (checked before anything else here opens a file, which could take a freed number).
    expect(fds.filter(isOpenDescriptor)).toEqual([]);
  });

  it('a descriptor that cannot be fsynced fails alone, with its code, and is closed too', async () => {
    const dir = await folder();
    const good = openFiles(dir, 10);
    const bad = fifoDescriptor(dir);
    const s = syncs();
    const results = await Promise.allSettled([...good.slice(0, 5), bad, ...good.slice(5)].map((fd) => s.syncAndClose(fd)));
    expect(results.map((r) => r.status)).toEqual([...Array(5).fill('fulfilled'), 'rejected', ...Array(5).fill('fulfilled')]);
    expect((results[5] as PromiseRejectedResult).reason).toMatchObject({ code: 'EINVAL' });
    expect([...good, bad].filter(isOpenDescriptor)).toEqual([]);
  });
});

describe('a sync thread that dies', () => {
  it('fails what it held, and the next call gets a thread that works', async () => {
    const dir = await folder();
    const before = fileSyncThread();
    const fds = openFiles(dir, 3);
    // A descriptor number fsync refuses before it starts (-1: out of range) throws on the thread: it dies.
    const held = [before.syncAndClose(fds[0]!), before.syncAndClose(-1), before.syncAndClose(fds[1]!)];
    for (const p of held) await expect(p).rejects.toThrow();
    await expect(before.syncAndClose(fds[2]!)).rejects.toThrow(/fsync thread stopped|out of range|ERR_OUT_OF_RANGE/);
    const after = fileSyncThread();
    expect(after).not.toBe(before);
    const more = openFiles(dir, 40, 'g');
    await Promise.all(more.map((fd) => after.syncAndClose(fd)));
    expect(more.filter(isOpenDescriptor)).toEqual([]);
    for (const fd of fds) if (isOpenDescriptor(fd)) closeSync(fd); // the dead thread's: closed or not, ours to tidy here
  });
});

describe('the program and its sync thread', () => {
  // The module bundled alone, run in a program of its own.
  async function run(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const dir = await folder();
    buildSync({
      entryPoints: [fileURLToPath(new URL('../../../src/io/sync-thread.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: path.join(dir, 'sync-thread.mjs'),
      logLevel: 'warning',
    });
    writeFileSync(path.join(dir, 'main.mjs'), script);
    const r = spawnSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('stays open until its descriptors are synced, though nothing else holds it open', async () => {
    // No await, no timer: only the thread's pending answers keep the program alive.
    const r = await run(`
      import { openSync } from 'node:fs';
      import { fileSyncThread } from './sync-thread.mjs';
      const s = fileSyncThread();
      let n = 0;
      for (let i = 0; i < 200; i += 1) s.syncAndClose(openSync('t' + i, 'wx')).then(() => { if (++n === 200) console.log('synced 200'); });
    `);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('synced 200');
  });

  it('then exits on its own: an idle thread does not hold it', async () => {
    const r = await run(`
      import { openSync } from 'node:fs';
      import { fileSyncThread } from './sync-thread.mjs';
      const s = fileSyncThread();
      await Promise.all(Array.from({ length: 200 }, (_, i) => s.syncAndClose(openSync('t' + i, 'wx'))));
      console.log('done');
    `);
    expect(r.status).toBe(0); // not killed by spawnSync's timeout (status null)
    expect(r.stdout.trim()).toBe('done');
    // Closing descriptors the main thread opened is no Worker's business: no warning about it.
    expect(r.stderr).toBe('');
  });
});
