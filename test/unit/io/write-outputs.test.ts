// Disk faults while writing (ENOSPC, EROFS), injected into node:fs/promises and node:fs: the published files
// stay exactly as they were, no temp file is left, and the CLI reports a clear error with exit 2.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync as readFileSyncReal, readlinkSync } from 'node:fs';
import { readdir, readFile, writeFile as realWriteFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const faults = vi.hoisted(() => ({
  code: undefined as string | undefined,
  afterOpens: 0,
  opens: 0,
  renameInto: undefined as RegExp | undefined,
  renameOut: undefined as RegExp | undefined,
  // A temp's write fails with this code (the disk fills up mid-file).
  writeCode: undefined as string | undefined,
  // The temp opened `at`-th (from 1) gets a descriptor fsync refuses (EINVAL: a FIFO's) in place of its own.
  unsyncable: undefined as { at: number; fifo: string } | undefined,
  tempOpens: 0,
  // Every renameSync made, as [from, to].
  renamed: [] as Array<[string, string]>,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = async (file, flags, mode) => {
    if (flags === 'wx' && faults.code) {
      faults.opens += 1;
      if (faults.opens > faults.afterOpens) {
        throw Object.assign(new Error(`${faults.code}: injected fault, open '${String(file)}'`), { code: faults.code });
      }
    }
    return fs.open(file, flags, mode);
  };
  // A rename into a target matching `renameInto` (a publish) or out of a kept old version matching
  // `renameOut` (an undo) fails with EACCES.
  const rename: typeof fs.rename = async (from, to) => {
    if ((faults.renameInto && faults.renameInto.test(String(to))) || (faults.renameOut && faults.renameOut.test(String(from)))) {
      throw Object.assign(new Error(`EACCES: injected fault, rename '${String(from)}' -> '${String(to)}'`), { code: 'EACCES' });
    }
    return fs.rename(from, to);
  };
  return { ...fs, open, rename, default: { ...fs, open, rename } };
});

// The writer makes its quick calls synchronously (io/file-calls.ts): the same faults there.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((file: Parameters<typeof fs.openSync>[0], flags?: Parameters<typeof fs.openSync>[1], mode?: Parameters<typeof fs.openSync>[2]) => {
    if (flags === 'wx' && faults.code) {
      faults.opens += 1;
      if (faults.opens > faults.afterOpens) {
        throw Object.assign(new Error(`${faults.code}: injected fault, open '${String(file)}'`), { code: faults.code });
      }
    }
    if (flags === 'wx' && faults.unsyncable && (faults.tempOpens += 1) === faults.unsyncable.at) {
      fs.closeSync(fs.openSync(file, flags, mode)); // the temp is there, as it would be
      return fs.openSync(faults.unsyncable.fifo, 'r+');
    }
    return fs.openSync(file, flags ?? 'r', mode);
  }) as typeof fs.openSync;
  const writevSync = ((fd: number, buffers: NodeJS.ArrayBufferView[], position?: number) => {
    if (faults.writeCode) throw Object.assign(new Error(`${faults.writeCode}: injected fault, write`), { code: faults.writeCode });
    return fs.writevSync(fd, buffers, position);
  }) as typeof fs.writevSync;
  const renameSync: typeof fs.renameSync = (from, to) => {
    faults.renamed.push([String(from), String(to)]);
    if ((faults.renameInto && faults.renameInto.test(String(to))) || (faults.renameOut && faults.renameOut.test(String(from)))) {
      throw Object.assign(new Error(`EACCES: injected fault, rename '${String(from)}' -> '${String(to)}'`), { code: 'EACCES' });
    }
    return fs.renameSync(from, to);
  };
  const fsyncSync = ((fd: number) => {
    flush.fsyncs += 1;
    return fs.fsyncSync(fd);
  }) as typeof fs.fsyncSync;
  const fsync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    flush.poolFsyncs += 1;
    return fs.fsync(fd, callback);
  }) as typeof fs.fsync;
  return { ...fs, openSync, renameSync, writevSync, fsyncSync, fsync, default: { ...fs, openSync, renameSync, writevSync, fsyncSync, fsync } };
});

// A large run is made durable by flushing its file system (io/file-system-flush.ts): `none` as on a
// machine without it (each file fsynced on the sync thread), `fail` as a write-back error.
const flush = vi.hoisted(() => ({ mode: 'real' as 'real' | 'none' | 'fail' | 'cannot-run' | 'untrusted', seen: [] as Array<(folders: string[]) => void>, fsyncs: 0, poolFsyncs: 0 }));
vi.mock('../../../src/io/file-system-flush.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/io/file-system-flush.js')>();
  return {
    ...real,
    // coreutils' sync, on a kernel that reports its errors or not: the writer's path is what is tested.
    flushCommand: (folder: string) => (flush.mode === 'none' ? undefined : (real.flushCommand(folder) ?? '/usr/bin/sync')),
    // `untrusted`: the output folder on a file system whose flush is not trusted (a network mount).
    flushesWhole: (folder: string) => flush.mode !== 'untrusted' && real.flushesWhole(folder),
    flushFileSystems: async (folders: Iterable<string>, run?: string) => {
      const list = [...folders];
      flush.seen.shift()?.(list);
      if (flush.mode === 'fail') throw new real.FlushFailure(`flushing the file system of ${list[0]} failed: injected write-back error`);
      if (flush.mode === 'cannot-run') throw Object.assign(new Error('spawn /usr/bin/sync EAGAIN (injected)'), { code: 'EAGAIN' });
      return real.flushFileSystems(list, run);
    },
  };
});

const { writeBookkeeping } = await import('../../../src/io/write-outputs.js');
const { publishRank } = await import('../../../src/io/output-folder.js');
const { removeStaleTemps, retireFiles } = await import('../../../src/io/sweep-outputs.js');
const { resolveInside } = await import('../../../src/io/paths.js');
const { isUserError } = await import('../../../src/errors.js');
const { listFiles } = await import('../../helpers/files.js');
const { main } = await import('../../../src/cli.js');
const { entryText, storyText, tempFolder } = await import('../../helpers/story.js');

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
afterEach(() => {
  faults.code = undefined;
  faults.opens = 0;
  faults.afterOpens = 0;
  faults.renameInto = undefined;
  faults.renameOut = undefined;
  faults.writeCode = undefined;
  faults.unsyncable = undefined;
  faults.tempOpens = 0;
  faults.renamed = [];
  flush.mode = 'real';
  flush.seen = [];
  flush.fsyncs = 0;
  flush.poolFsyncs = 0;
});

describe('writeBookkeeping under disk faults', () => {
  it.each([
    ['ENOSPC', 0],
    ['ENOSPC', 1],
    ['EROFS', 0],
    ['EACCES', 2],
  ])('%s after %i files: nothing published changes, no temp file is left', async (code, afterOpens) => {
    const folder = await tempFolder({ 'out/a.xml': 'old a', 'out/b.xml': 'old b', 'out/c.xml': 'old c' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    faults.code = code;
    faults.afterOpens = afterOpens;
    await expect(
      writeBookkeeping(out, ['a', 'b', 'c'].map((n) => ({ path: `${n}.xml`, contents: `new ${n}`, mediaType: 'application/xml' }))),
    ).rejects.toMatchObject({ code });
    for (const n of ['a', 'b', 'c']) expect(await readFile(path.join(out, `${n}.xml`), 'utf8')).toBe(`old ${n}`);
    expect((await readdir(out)).sort()).toEqual(['a.xml', 'b.xml', 'c.xml']);
  });

  it('a write failing mid-file (ENOSPC): nothing published changes, no temp file is left', async () => {
    const folder = await tempFolder({ 'out/a.xml': 'old a' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    faults.writeCode = 'ENOSPC';
    await expect(writeBookkeeping(out, [{ path: 'a.xml', contents: 'new a' }])).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readFile(path.join(out, 'a.xml'), 'utf8')).toBe('old a');
    expect(await listFiles(out)).toEqual(['a.xml']);
  });

  /** Descriptors this process holds on files under `dir`. */
  const heldUnder = (dir: string) =>
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return ''; // the listing's own, gone
        }
      })
      .filter((target) => target.startsWith(dir));
  const oldFiles = async (count: number) => {
    const names = Array.from({ length: count }, (_, i) => `d${i % 7}/f${i}.xml`);
    const folder = await tempFolder(Object.fromEntries(names.map((n) => [`out/${n}`, `old ${n}`])));
    cleanups.push(folder.cleanup);
    return { names, dir: folder.dir, out: path.join(folder.dir, 'out'), files: names.map((n) => ({ path: n, contents: `new ${n}`, mediaType: 'application/xml' })) };
  };

  // A cold build's fsyncs are on the sync thread from SYNC_THREAD_FROM (512) files where no flush of
  // the file system is trusted (io/file-system-flush.ts), on the pool below.
  it.each([
    ['on the pool', 20],
    ['on the sync thread', 600],
  ])('an fsync failing %s (%i files): nothing published changes, no temp file is left, none is left open', async (_, count) => {
    flush.mode = 'none';
    const { names, dir, out, files } = await oldFiles(count);
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    faults.unsyncable = { at: count - 10, fifo };
    await expect(writeBookkeeping(out, files)).rejects.toMatchObject({ code: 'EINVAL' });
    for (const n of names) expect(await readFile(path.join(out, n), 'utf8')).toBe(`old ${n}`);
    expect((await listFiles(out)).sort()).toEqual([...names].sort());
    expect(heldUnder(dir)).toEqual([]); // none on a temp or on the FIFO
  });

  it('a run of 600 files (Linux 5.8+) is flushed by its file system twice: with every temp written and nothing renamed, then with every file renamed', async () => {
    const { names, out, files } = await oldFiles(600);
    const states: Array<{ folders: string[]; old: number; temps: number }> = [];
    const look = (folders: string[]) => {
      const all = names.map((n) => readFileSyncReal(path.join(out, n), 'utf8'));
      const temps = [...new Set(names.map((n) => path.dirname(n)))].flatMap((d) => readdirSync(path.join(out, d)).filter((f) => f.startsWith('.storyfeed-tmp-')));
      states.push({ folders, old: all.filter((t) => t.startsWith('old ')).length, temps: temps.length });
    };
    flush.seen = [look, look];
    await writeBookkeeping(out, files);
    // One folder for the one file system, in the output folder.
    expect(states).toEqual([
      { folders: [expect.stringContaining(out)], old: 600, temps: 600 },
      { folders: [expect.stringContaining(out)], old: 0, temps: 0 },
    ]);
    for (const n of names) expect(await readFile(path.join(out, n), 'utf8')).toBe(`new ${n}`);
    expect(flush.fsyncs).toBe(0);
  });

  it('a run of 600 files into new folders flushes folders that are still there after the renames: no folder is fsynced in place of the flush', async () => {
    const folder = await tempFolder({ 'out/keep.txt': 'kept' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    const files = Array.from({ length: 600 }, (_, i) => ({ path: `story-${i % 3}/${i}/index.html`, contents: `page ${i}` }));
    const seen: Array<{ folders: string[]; there: boolean[] }> = [];
    const look = (folders: string[]) => void seen.push({ folders, there: folders.map((f) => existsSync(f)) });
    flush.seen = [look, look];
    await writeBookkeeping(out, files);
    expect(seen).toEqual([
      { folders: [out], there: [true] },
      { folders: [out], there: [true] },
    ]);
    expect(flush.poolFsyncs).toBe(0);
    expect(await listFiles(out)).toHaveLength(601);
  });

  it('a flush whose command cannot run (a process limit): each temp is fsynced instead, and the run publishes', async () => {
    flush.mode = 'cannot-run';
    const { names, out, files } = await oldFiles(600);
    await writeBookkeeping(out, files);
    expect(flush.poolFsyncs).toBeGreaterThanOrEqual(600); // each temp, then each folder (the flush after the renames could not run either)
    for (const n of names) expect(await readFile(path.join(out, n), 'utf8')).toBe(`new ${n}`);
    expect(await listFiles(out)).toHaveLength(600);
  });

  it('a run of 600 files on a file system whose flush is not trusted fsyncs each temp before it is closed, and flushes nothing', async () => {
    flush.mode = 'untrusted';
    const { names, out, files } = await oldFiles(600);
    const flushed: string[][] = [];
    flush.seen = [(f) => flushed.push(f), (f) => flushed.push(f)];
    await writeBookkeeping(out, files);
    expect(flush.fsyncs).toBe(600);
    expect(flushed).toEqual([[], []]);
    for (const n of names) expect(await readFile(path.join(out, n), 'utf8')).toBe(`new ${n}`);
  });

  it('the flush before the renames failing (a write-back error): nothing published changes, no temp file is left, none is left open', async () => {
    flush.mode = 'fail';
    const { names, dir, out, files } = await oldFiles(600);
    await expect(writeBookkeeping(out, files)).rejects.toMatchObject({ code: 'EIO', message: expect.stringContaining('injected write-back error') });
    for (const n of names) expect(await readFile(path.join(out, n), 'utf8')).toBe(`old ${n}`);
    expect((await listFiles(out)).sort()).toEqual([...names].sort());
    expect(heldUnder(dir)).toEqual([]);
  });

  it('refuses paths outside the output folder', () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', '', 'a//b']) expect(() => resolveInside('/srv/out', bad)).toThrow(/outside the output folder/);
    expect(resolveInside('/srv/out', 'tags/x/rss.xml')).toBe('/srv/out/tags/x/rss.xml');
  });
});

describe('storyfeed build under a full disk', () => {
  it('exits 2 with a clear message, and the previous feeds stay byte-identical', async () => {
    const folder = await tempFolder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    cleanups.push(folder.cleanup);
    const args = ['build', '--entries', path.join(folder.dir, 'entries'), '--out', path.join(folder.dir, 'out'), '--now', '2026-06-01T00:00:00Z'];
    const io = () => {
      const lines = { out: [] as string[], err: [] as string[] };
      return { lines, io: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
    };
    const first = io();
    expect(await main(args, first.io)).toBe(0);
    const before = await readFile(path.join(folder.dir, 'out/atom.xml'), 'utf8');
    await realWriteFile(path.join(folder.dir, 'entries/b.md'), entryText({ slug: 'b', published: '2026-05-27T09:00:00Z' }));
    faults.code = 'ENOSPC';
    const second = io();
    expect(await main(args, second.io)).toBe(2);
    expect(second.lines.err.join('\n')).toMatch(/cannot write to the output folder .* \(ENOSPC: .*\); the published feeds are unchanged/);
    expect(second.lines.err.join('\n')).not.toContain('ENOSPC: ENOSPC');
    expect(await readFile(path.join(folder.dir, 'out/atom.xml'), 'utf8')).toBe(before);
    expect((await readdir(path.join(folder.dir, 'out'))).filter((n) => n.startsWith('.storyfeed-tmp-'))).toEqual([]);
    faults.code = undefined;
    expect(await main(args, io().io)).toBe(0);
    expect(await readFile(path.join(folder.dir, 'out/atom.xml'), 'utf8')).toContain('test-story/b');
  });
});

describe('storyfeed build whose file system reports a write-back error', () => {
  it('exits 2 naming the output folder and the failure, and the previous feeds stay byte-identical', async () => {
    // 600 entries: a cold build of over 512 files, made durable by flushing its file system.
    const entries: Record<string, string> = { 'entries/_story.md': storyText() };
    for (let i = 0; i < 600; i += 1) entries[`entries/e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z` });
    const folder = await tempFolder(entries);
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    const args = ['build', '--entries', path.join(folder.dir, 'entries'), '--out', out, '--now', '2026-06-01T00:00:00Z'];
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => void err.push(l) };
    expect(await main(args, io)).toBe(0);
    const before = await readFile(path.join(out, 'atom.xml'), 'utf8');
    // A new title: every page and feed changes.
    await realWriteFile(path.join(folder.dir, 'entries/_story.md'), storyText().replace('title: Test story', 'title: Test story, renamed'));
    flush.mode = 'fail';
    expect(await main(args, io)).toBe(2);
    expect(err.join('\n')).toMatch(/cannot write to the output folder .*out \(EIO: flushing the file system of .* failed: injected write-back error\); the published feeds are unchanged/);
    expect(await readFile(path.join(out, 'atom.xml'), 'utf8')).toBe(before);
    expect((await listFiles(out)).filter((n) => n.includes('.storyfeed-tmp-'))).toEqual([]);
  }, 60_000);
});

describe('a publish that fails part-way is undone', () => {
  const files = (tag: string) => [
    { path: 'rss.xml', contents: `new rss ${tag}` },
    { path: 'archive/1/rss.xml', contents: `new archive ${tag}` },
    { path: 'tags/x/rss.xml', contents: `new tag ${tag}` },
    { path: 'tags/y/rss.xml', contents: `new tag y ${tag}` },
    { path: 'index.html', contents: `new page ${tag}` },
    { path: 'atom.xml', contents: `new atom ${tag}` },
  ];

  it('renames go archives, tag feeds, other files, main feeds, ledger; within a rank in plan order', () => {
    const plan = ['rss.xml', 'atom.xml', 'feed.json', 'tags/index.html', 'index.html', 'feed.xsl', 'style.css', '.storyfeed/ledger.json', 'tags/x/rss.xml', 'tags/x/archive/1/atom.xml', 'archive/2/feed.json', 'archive/1/rss.xml', 'tags/archive/rss.xml'];
    const order = [...plan].sort((a, b) => publishRank(a) - publishRank(b) || plan.indexOf(a) - plan.indexOf(b));
    expect(order).toEqual(['tags/x/archive/1/atom.xml', 'archive/2/feed.json', 'archive/1/rss.xml', 'tags/x/rss.xml', 'tags/archive/rss.xml', 'tags/index.html', 'feed.xsl', 'style.css', 'rss.xml', 'atom.xml', 'feed.json', 'index.html', '.storyfeed/ledger.json']);
  });

  it('a rename failing part-way: files already replaced get their old bytes back, new ones are removed, no temp or run folder is left', async () => {
    const folder = await tempFolder({ 'out/rss.xml': 'old rss', 'out/archive/1/rss.xml': 'old archive', 'out/tags/x/rss.xml': 'old tag', 'out/index.html': 'old page', 'out/atom.xml': 'old atom' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    faults.renameInto = /index\.html$/;
    const failure = await writeBookkeeping(out, files('1'), { displayDir: 'out' }).catch((e: unknown) => e);
    expect(isUserError(failure, 'write')).toBe(true);
    expect((failure as Error).message).toBe('could not publish out/index.html: permission denied; the published files are as they were');
    expect(await listFiles(out)).toEqual(['archive/1/rss.xml', 'atom.xml', 'index.html', 'rss.xml', 'tags/x/rss.xml']);
    for (const [f, text] of [['rss.xml', 'old rss'], ['archive/1/rss.xml', 'old archive'], ['tags/x/rss.xml', 'old tag'], ['index.html', 'old page'], ['atom.xml', 'old atom']]) {
      expect([f, await readFile(path.join(out, f!), 'utf8')]).toEqual([f, text]);
    }
    faults.renameInto = undefined;
    await writeBookkeeping(out, files('2'));
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toBe('new page 2');
    expect(await listFiles(out)).toEqual(['archive/1/rss.xml', 'atom.xml', 'index.html', 'rss.xml', 'tags/x/rss.xml', 'tags/y/rss.xml']);
  });

  it('an undo that fails too says so; the next run sweeps what is left and publishes whole', async () => {
    const folder = await tempFolder({ 'out/rss.xml': 'old rss', 'out/archive/1/rss.xml': 'old archive', 'out/index.html': 'old page', 'out/.storyfeed/ledger.json': '{}' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    faults.renameInto = /index\.html$/;
    faults.renameOut = /\/run-[0-9a-f]{16}\//;
    await expect(writeBookkeeping(out, files('1'), { displayDir: 'out' })).rejects.toThrow('could not publish out/index.html: permission denied; some files could not be put back, and the next run completes the publish');
    expect((await listFiles(out)).some((f) => f.startsWith('.storyfeed/run-'))).toBe(true);
    faults.renameInto = undefined;
    faults.renameOut = undefined;
    expect(await removeStaleTemps(out)).toBeGreaterThan(0);
    await writeBookkeeping(out, files('2'));
    expect(await listFiles(out)).toEqual(['.storyfeed/ledger.json', 'archive/1/rss.xml', 'atom.xml', 'index.html', 'rss.xml', 'tags/x/rss.xml', 'tags/y/rss.xml']);
    for (const f of files('2')) expect([f.path, await readFile(path.join(out, f.path), 'utf8')]).toEqual([f.path, f.contents]);
  });
});

// Issue 14: a folder the run makes is filled under a temp name and renamed into place whole, so a
// new story (or tag, or entry page) is never seen half-written: one rename, not one per file.
describe('a new folder goes into place whole', () => {
  const files = [
    { path: 'rss.xml', contents: 'new rss' },
    { path: 'story/index.html', contents: 'story page' },
    { path: 'story/rss.xml', contents: 'story rss' },
    { path: 'story/tags/x/rss.xml', contents: 'story tag' },
    { path: 'tags/y/rss.xml', contents: 'tag y' },
  ];
  const rel = (out: string) => (p: string) => path.relative(out, p).replace(/\.storyfeed-tmp-[0-9a-f]{16}-\d+/, 'TEMP');

  it('each new folder is one rename, before the files renamed into folders that were there; nothing is renamed into it', async () => {
    const folder = await tempFolder({ 'out/rss.xml': 'old rss', 'out/tags/x/rss.xml': 'old tag' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    await writeBookkeeping(out, files);
    expect(faults.renamed.map(([from, to]) => [rel(out)(from), rel(out)(to)])).toEqual([
      ['TEMP', 'story'],
      ['tags/TEMP', 'tags/y'],
      ['TEMP', 'rss.xml'],
    ]);
    expect(await listFiles(out)).toEqual(['rss.xml', 'story/index.html', 'story/rss.xml', 'story/tags/x/rss.xml', 'tags/x/rss.xml', 'tags/y/rss.xml']);
    for (const f of files) expect([f.path, await readFile(path.join(out, f.path), 'utf8')]).toEqual([f.path, f.contents]);
  });

  it('a write failing in a new folder (ENOSPC): the folder never appears, and no staged folder is left', async () => {
    const folder = await tempFolder({ 'out/rss.xml': 'old rss' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    faults.code = 'ENOSPC';
    faults.afterOpens = 2;
    await expect(writeBookkeeping(out, files)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(out)).toEqual(['rss.xml']);
    expect(await readFile(path.join(out, 'rss.xml'), 'utf8')).toBe('old rss');
  });

  it('a rename failing after the new folders went into place: they are removed, the old files stay, nothing is left over', async () => {
    const folder = await tempFolder({ 'out/rss.xml': 'old rss' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    faults.renameInto = /\/out\/rss\.xml$/;
    await expect(writeBookkeeping(out, files, { displayDir: 'out' })).rejects.toThrow('could not publish out/rss.xml: permission denied; the published files are as they were');
    expect(faults.renamed.map(([, to]) => path.relative(out, to))).toEqual(['story', 'tags', 'rss.xml']);
    expect(await listFiles(out)).toEqual(['rss.xml']);
    expect(await readdir(out)).toEqual(['rss.xml']);
  });

  it('a folder a killed run staged is swept by the next run; a look-alike folder of the user\'s is not', async () => {
    const folder = await tempFolder({ 'out/.storyfeed-tmp-0123456789abcdef-7/index.html': 'staged', 'out/tags/.storyfeed-tmp-0123456789abcdef-8/x/rss.xml': 'staged', 'out/.storyfeed-tmp-notes/keep.txt': 'mine', 'out/rss.xml': 'old rss' });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    expect(await removeStaleTemps(out)).toBe(2);
    expect(await listFiles(out)).toEqual(['.storyfeed-tmp-notes/keep.txt', 'rss.xml']);
  });
});

describe('stale temps and retired files: only what storyfeed wrote', () => {
  it('removes temps of our exact form and dead runs\' folders, never a look-alike user file or the lock', async () => {
    const ours = ['.storyfeed-tmp-0123456789abcdef-1', 'tags/x/.storyfeed-tmp-fedcba9876543210-22', '.storyfeed-tmp-4242-0123456789ab', '.storyfeed/.storyfeed-tmp-7-abcdefabcdef', '.storyfeed/run-0123456789abcdef/3'];
    const theirs = ['.storyfeed-tmp-notes', 'tags/.storyfeed-tmp-1', '.storyfeed-tmp-0123456789abcdef', '.storyfeed-tmp-0123456789ABCDEF-1', '.storyfeed.lock/pid', '.storyfeed.lock/.storyfeed-tmp-4242-0123456789ab', '.storyfeed/run-notes/keep', 'keep.txt'];
    const folder = await tempFolder(Object.fromEntries([...ours, ...theirs].map((f) => [`out/${f}`, 'x'])));
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    await removeStaleTemps(out);
    expect(await listFiles(out)).toEqual([...theirs].sort());
  });

  it('deletes recorded files only: not bookkeeping, not outside the folder, not what became a folder or a link; empty folders go, others stay', async () => {
    const folder = await tempFolder({
      'out/tags/gone/rss.xml': 'a',
      'out/tags/gone/atom.xml': 'a',
      'out/tags/kept/rss.xml': 'a',
      'out/tags/kept/notes.txt': 'mine',
      'out/archive/3/rss.xml': 'a',
      'out/now-a-folder/inside.txt': 'mine',
      'out/.storyfeed/ledger.json': '{}',
      'outside.txt': 'not in out',
    });
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    const { symlink } = await import('node:fs/promises');
    await symlink(path.join(folder.dir, 'outside.txt'), path.join(out, 'link.xml'));
    const r = await retireFiles(out, ['tags/gone/rss.xml', 'tags/gone/atom.xml', 'tags/kept/rss.xml', 'archive/3/rss.xml', 'now-a-folder', 'link.xml', '.storyfeed/ledger.json', '../outside.txt', 'never-there.xml']);
    expect(r.failed).toEqual([]);
    expect(await listFiles(out)).toEqual(['.storyfeed/ledger.json', 'link.xml', 'now-a-folder/inside.txt', 'tags/kept/notes.txt']);
    expect(await readFile(path.join(folder.dir, 'outside.txt'), 'utf8')).toBe('not in out');
  });
});
