// A run's output records (size, mtime) for the files it wrote come from the sync thread, which
// reads them with the descriptor open after the last write (io/sync-thread.ts, write-outputs.ts):
// no stat of each file by its path afterwards (a newsroom's 17,800 were ~130 ms of the build's
// thread). The records are what stat says of the files on disk, so the next run finds them current.
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempFolders } from '../../helpers/story.js';

const calls = vi.hoisted(() => ({ statSync: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const counted = ((file: string, ...rest: unknown[]) => {
    calls.statSync.push(String(file));
    return (fs.statSync as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.statSync;
  return { ...fs, default: { ...fs, statSync: counted }, statSync: counted };
});

const { writePlanned } = await import('../../../src/io/write-outputs.js');

const folder = tempFolders();

function files(n: number) {
  return Array.from({ length: n }, (_, i) => ({ path: `p${i % 7}/f${i}.txt`, mediaType: 'text/plain', key: `k${i}`, base: 'b', deps: [], render: () => [`file ${i}\n`] }));
}

describe('output records of a run that fsyncs on the sync thread', () => {
  it('are stat’s size and mtime of every file, with no stat by path', async () => {
    const out = await folder();
    const planned = files(600); // from 512 files a run fsyncs on the thread
    calls.statSync.length = 0;
    const result = await writePlanned(out, planned, new Map(), () => []);
    const mine = calls.statSync.filter((f) => f.startsWith(out));
    expect(mine).toEqual([]);
    expect(result.records.size).toBe(600);
    for (const p of planned) {
      const info = statSync(path.join(out, p.path));
      expect(result.records.get(p.path)).toMatchObject({ size: info.size, mtimeMs: info.mtimeMs });
    }
  });

  it('a run of a few files (fsyncs on the pool) stats what it wrote, and records the same', async () => {
    const out = await folder();
    const planned = files(5);
    calls.statSync.length = 0;
    const result = await writePlanned(out, planned, new Map(), () => []);
    expect(calls.statSync.filter((f) => f.startsWith(out))).toHaveLength(5);
    for (const p of planned) expect(result.records.get(p.path)).toMatchObject({ size: statSync(path.join(out, p.path)).size, mtimeMs: statSync(path.join(out, p.path)).mtimeMs });
  });
});
