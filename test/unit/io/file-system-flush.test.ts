// The file systems' flush that makes a large run durable (io/file-system-flush.ts): trusted only
// where syncfs reports write-back errors (Linux 5.8+), run by absolute path, and every failure
// reaches the caller (the writer then publishes nothing: write-outputs.test.ts).
import { openSync, writeSync } from 'node:fs';
import { platform, release } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closingFileSyncs } from '../../../src/io/file-calls.js';
import { flushCommand, flushesWhole, flushFileSystems, FlushFailure, isFlushFailure, reportsFlushErrors } from '../../../src/io/file-system-flush.js';
import { isOpenDescriptor } from '../../helpers/files.js';
import { tempFolders } from '../../helpers/story.js';

const folder = tempFolders();

describe('where a flush of the file system is trusted', () => {
  it.each([
    ['linux', '6.18.44-fc-v1272', true],
    ['linux', '5.8.0', true],
    ['linux', '5.10.0-28-amd64', true],
    ['linux', '5.7.19', false], // syncfs returned 0 whatever happened
    ['linux', '4.19.0-26-amd64', false],
    ['linux', 'weird', false],
    ['darwin', '23.1.0', false], // no syncfs: each file is fsynced
    ['win32', '10.0.19045', false],
  ])('%s %s → %s', (os, kernel, trusted) => {
    expect(reportsFlushErrors(os, kernel)).toBe(trusted);
  });

  it('the command is coreutils’ sync by absolute path where trusted, none elsewhere', async () => {
    const dir = await folder();
    if (reportsFlushErrors(platform(), release()) && flushesWhole(dir)) expect(flushCommand(dir)).toMatch(/^\/(usr\/)?bin\/sync$/);
    else expect(flushCommand(dir)).toBeUndefined();
  });

  it.each([
    ['/proc', false], // procfs: no disk behind it, nor a trusted flush
    ['/no/such/folder', false],
  ])('the file system of %s is not flushed whole: its files are fsynced', (dir, whole) => {
    expect(flushesWhole(dir)).toBe(whole);
    expect(flushCommand(dir)).toBeUndefined();
  });

  it('a temp folder (ext4, tmpfs or overlayfs here) is', async () => {
    expect(flushesWhole(await folder())).toBe(true);
  });
});

describe('flushFileSystems', () => {
  it('flushes the file system of each folder given and resolves', async () => {
    const dir = await folder();
    await expect(flushFileSystems([dir, path.join(dir, '.')], '/usr/bin/sync')).resolves.toBeUndefined();
  });

  it('a failure of the command rejects with EIO and names the folder', async () => {
    const dir = await folder();
    const gone = path.join(dir, 'gone');
    const failed = flushFileSystems([gone], '/usr/bin/sync');
    await expect(failed).rejects.toMatchObject({ code: 'EIO', message: expect.stringContaining(`flushing the file system of ${gone} failed: `) });
    await expect(failed).rejects.toBeInstanceOf(FlushFailure);
  });

  it('a command that cannot run rejects with its own error', async () => {
    const dir = await folder();
    const failed = flushFileSystems([dir], path.join(dir, 'no-such-sync'));
    await expect(failed).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await failed.catch(isFlushFailure)).toBe(false); // the writer fsyncs each temp then

  });
});

describe('closingFileSyncs (a run flushed by its file systems)', () => {
  it('closes each descriptor at once with its mtime, and keeps one folder per file system', async () => {
    const dir = await folder();
    const syncs = closingFileSyncs(() => true);
    const files = ['a', 'b'].map((n) => path.join(dir, n));
    const fds = files.map((f) => openSync(f, 'wx'));
    fds.forEach((fd) => writeSync(fd, 'x'));
    const mtimes = await Promise.all(fds.map((fd, i) => syncs.syncAndClose(fd, files[i])));
    expect(mtimes.every((m) => typeof m === 'number' && m > 0)).toBe(true);
    expect(fds.map((fd) => isOpenDescriptor(fd))).toEqual([false, false]);
    expect([...syncs.folders.values()]).toEqual([dir]);
    expect([syncs.backlog, syncs.foldersToo]).toEqual([0, false]);
  });

  it('a file system whose flush is not trusted: nothing to flush, and its folders need their fsyncs', async () => {
    const dir = await folder();
    const syncs = closingFileSyncs(() => false);
    const fd = openSync(path.join(dir, 'a'), 'wx');
    await syncs.syncAndClose(fd, path.join(dir, 'a'));
    expect(isOpenDescriptor(fd)).toBe(false);
    expect([[...syncs.folders.values()], syncs.foldersToo]).toEqual([[], true]);
  });

  it('a descriptor handed over without its file is a bug, and is closed anyway', async () => {
    const dir = await folder();
    const fd = openSync(path.join(dir, 'c'), 'wx');
    await expect(closingFileSyncs(() => true).syncAndClose(fd)).rejects.toThrow(/without its file/);
    expect(isOpenDescriptor(fd)).toBe(false);
  });
});
