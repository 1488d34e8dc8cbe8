// The writer's synchronous file calls (io/file-calls.ts): a temp file gets every byte of every
// buffer however many there are (more than IOV_MAX, 1,024 on Linux), never replaces a file, and a
// folder fsync is best effort.
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { poolFileSyncs, syncFolder, writeNewFile, type FileSyncs } from '../../../src/io/file-calls.js';
import { fileSyncThread } from '../../../src/io/sync-thread.js';
import { tempFolders } from '../../helpers/story.js';

const folder = tempFolders();

describe('writeNewFile', () => {
  it.each([
    ['no buffer', 0],
    ['one buffer', 1],
    ['more buffers than one writev takes (IOV_MAX)', 3000],
  ])('writes %s whole, in order', async (_, count) => {
    const dir = await folder();
    const buffers = Array.from({ length: count }, (_, i) => Buffer.from(`${i}:${'x'.repeat(i % 97)};`));
    const length = buffers.reduce((n, b) => n + b.length, 0);
    // Not durable, fsynced on the pool, fsynced on the sync thread.
    const ways: Array<[string, FileSyncs | undefined]> = [['none', undefined], ['pool', poolFileSyncs()], ['thread', fileSyncThread()]];
    for (const [way, syncs] of ways) {
      const file = path.join(dir, `out-${way}`);
      await writeNewFile(file, buffers, length, syncs);
      expect(readFileSync(file).equals(Buffer.concat(buffers))).toBe(true);
    }
  });

  it('never replaces a file: EEXIST, and the file keeps its bytes', async () => {
    const dir = await folder();
    const file = path.join(dir, 'taken');
    writeFileSync(file, 'published');
    expect(() => writeNewFile(file, [Buffer.from('new')], 3, poolFileSyncs())).toThrow(/EEXIST/);
    expect(readFileSync(file, 'utf8')).toBe('published');
  });

  it('says so when the length it was given is not what the buffers hold', async () => {
    const dir = await folder();
    expect(() => writeNewFile(path.join(dir, 'short'), [Buffer.from('abc')], 4, poolFileSyncs())).toThrow(/short write .* 3 of 4 bytes/);
    expect(readdirSync(dir)).toEqual([]); // the half-written file is gone
  });
});

describe('syncFolder', () => {
  it('fsyncs a folder, and lets a folder that cannot be opened pass (best effort)', async () => {
    const dir = await folder();
    await expect(syncFolder(dir)).resolves.toBeUndefined();
    await expect(syncFolder(path.join(dir, 'missing'))).resolves.toBeUndefined();
  });
});

/** An output folder holding the folder `real`, a link `outside` leading out of it, and a link `alias` to its folder `aliased`. */
async function outWithLinks(real: string, outside: string, aliased: string): Promise<{ out: string; elsewhere: string }> {
  const dir = await folder();
  const out = path.join(dir, 'out');
  const elsewhere = path.join(dir, 'elsewhere');
  mkdirSync(path.join(out, real), { recursive: true });
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, path.join(out, outside));
  // A link that stays inside is a folder of the output like any other.
  symlinkSync(path.join(out, aliased), path.join(out, 'alias'));
  return { out, elsewhere };
}

describe('outputFolderGuard', () => {
  it('takes folders inside the output folder, made or not yet made, and refuses one reached through a link leading outside', async () => {
    const { outputFolderGuard } = await import('../../../src/io/file-calls.js');
    const { out } = await outWithLinks('tags/a', 'linked', 'tags');
    const guard = outputFolderGuard(out);
    expect(guard.inside(out)).toBe(true);
    expect(guard.inside(path.join(out, 'tags/a'))).toBe(true);
    expect(guard.inside(path.join(out, 'new/deeper/still'))).toBe(true);
    expect(guard.inside(path.join(out, 'alias/b'))).toBe(true);
    expect(guard.inside(path.join(out, 'linked'))).toBe(false);
    expect(guard.inside(path.join(out, 'linked/not-yet/made'))).toBe(false);
    expect(() => guard.check(path.join(out, 'linked/x'))).toThrow(/refusing to write outside the output folder/);
  });
});

describe('folderMaker', () => {
  // A cold build makes each page's folder with one mkdir and no lstat: what mkdir finds already
  // there (a real folder, or a link that a hostile hand put in place of one) is looked at as before.
  it('says which folders it made, looks only at what was there, and never makes one through a link leading outside', async () => {
    const { folderMaker } = await import('../../../src/io/file-calls.js');
    const { out, elsewhere } = await outWithLinks('kept', 'entry-linked', 'kept');
    const make = folderMaker(out);
    const ensure = async (dir: string) => (await make(dir)).fresh;
    expect(await ensure(out)).toBe(false);
    expect(await ensure(path.join(out, 'kept'))).toBe(false);
    expect(await ensure(path.join(out, 'fresh'))).toBe(true);
    expect(await ensure(path.join(out, 'fresh/deeper'))).toBe(true);
    expect(await ensure(path.join(out, 'a/b/c'))).toBe(true);
    // The folders above it were made by this run too: nothing there to compare with.
    expect(await ensure(path.join(out, 'a/b'))).toBe(true);
    expect(await ensure(path.join(out, 'a'))).toBe(true);
    expect(await ensure(path.join(out, 'alias/inner'))).toBe(true);
    expect(lstatSync(path.join(out, 'kept/inner')).isDirectory()).toBe(true);
    await expect(ensure(path.join(out, 'entry-linked'))).rejects.toThrow(/refusing to write outside the output folder/);
    await expect(ensure(path.join(out, 'entry-linked/deeper'))).rejects.toThrow(/refusing to write outside the output folder/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  // Issue 14: a new folder is made under a temp name and filled there, so that the writer can put
  // it in place whole (io/write-outputs.ts): a newsroom's new story appears with all its files.
  it('with staging: a folder made in one that was there is staged under a temp name, what is inside it is made there, and nothing in the state folder moves', async () => {
    const { folderMaker } = await import('../../../src/io/file-calls.js');
    const { out, elsewhere } = await outWithLinks('kept', 'entry-linked', 'kept');
    mkdirSync(path.join(out, '.storyfeed'));
    let n = 0;
    const tops = new Map<string, string>();
    const make = folderMaker(out, { name: (parent) => path.join(parent, `.storyfeed-tmp-0123456789abcdef-${(n += 1)}`), except: '.storyfeed', tops });
    expect(await make(path.join(out, 'kept'))).toEqual({ fresh: false });
    expect(await make(path.join(out, 'story/tags/x'))).toEqual({ fresh: true, into: path.join(out, '.storyfeed-tmp-0123456789abcdef-1/tags/x') });
    expect(await make(path.join(out, 'story'))).toEqual({ fresh: true, into: path.join(out, '.storyfeed-tmp-0123456789abcdef-1') });
    expect(await make(path.join(out, 'kept/new'))).toEqual({ fresh: true, into: path.join(out, 'kept/.storyfeed-tmp-0123456789abcdef-2') });
    expect(await make(path.join(out, '.storyfeed/run-x'))).toEqual({ fresh: true });
    expect([...tops]).toEqual([
      [path.join(out, 'story'), path.join(out, '.storyfeed-tmp-0123456789abcdef-1')],
      [path.join(out, 'kept/new'), path.join(out, 'kept/.storyfeed-tmp-0123456789abcdef-2')],
    ]);
    // Nothing is in place yet: the staged folders hold it.
    expect(readdirSync(out).sort()).toEqual(['.storyfeed', '.storyfeed-tmp-0123456789abcdef-1', 'alias', 'entry-linked', 'kept']);
    expect(lstatSync(path.join(out, '.storyfeed-tmp-0123456789abcdef-1/tags/x')).isDirectory()).toBe(true);
    expect(lstatSync(path.join(out, '.storyfeed/run-x')).isDirectory()).toBe(true);
    await expect(make(path.join(out, 'entry-linked/deeper'))).rejects.toThrow(/refusing to write outside the output folder/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
