// The folder thread (io/folder-thread.ts): a large run's folders made on a thread of their own, in
// the writer's order, each made once, by whichever thread claims it first; a failure thrown where
// the folder is needed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderThread } from '../../../src/io/folder-thread.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const root = () => {
  const r = mkdtempSync(path.join(tmpdir(), 'folder-thread-'));
  roots.push(r);
  return r;
};
/** A story's folders, parents first: 40 pages, each with 3 folders inside. */
const tree = (dir: string) => Array.from({ length: 40 }, (_, i) => [path.join(dir, `p${i}`), ...['a', 'a/b', 'c'].map((s) => path.join(dir, `p${i}`, s))]).flat();

describe('folderThread', () => {
  it('makes every folder, parents first, whoever gets to one first; each once', async () => {
    for (const writerFirst of [false, true]) {
      const dir = root();
      const folders = folderThread();
      const ops = tree(dir).map((f) => [f, folders.add(f)] as const);
      folders.start();
      // The writer needs the first folders before the thread has started: it makes them itself.
      if (writerFirst) folders.ready(5);
      for (const [f, op] of ops) {
        folders.ready(op);
        expect([f, existsSync(f)]).toEqual([f, true]);
      }
      await folders.close();
    }
  });

  it('a mkdir that fails (its parent is gone) throws its own error where the folder is needed', async () => {
    const dir = root();
    const folders = folderThread();
    folders.add(path.join(dir, 'a'));
    const bad = folders.add(path.join(dir, 'missing/b'));
    folders.add(path.join(dir, 'c'));
    folders.start();
    folders.ready(0);
    expect(() => folders.ready(bad)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    await folders.close();
  });

  it('none to make: nothing started, nothing waited for', async () => {
    const folders = folderThread();
    folders.start();
    await folders.close();
  });
});
