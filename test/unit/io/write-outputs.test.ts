// Disk faults while writing (ENOSPC, EROFS), injected into node:fs/promises: the published files
// stay exactly as they were, no temp file is left, and the CLI reports a clear error with exit 2.
import { readdir, readFile, writeFile as realWriteFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const faults = vi.hoisted(() => ({ code: undefined as string | undefined, afterOpens: 0, opens: 0 }));

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
  return { ...fs, open, default: { ...fs, open } };
});

const { writeOutputs } = await import('../../../src/io/write-outputs.js');
const { resolveInside } = await import('../../../src/io/paths.js');
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
});

describe('writeOutputs under disk faults', () => {
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
      writeOutputs(out, ['a', 'b', 'c'].map((n) => ({ path: `${n}.xml`, contents: `new ${n}`, mediaType: 'application/xml' }))),
    ).rejects.toMatchObject({ code });
    for (const n of ['a', 'b', 'c']) expect(await readFile(path.join(out, `${n}.xml`), 'utf8')).toBe(`old ${n}`);
    expect((await readdir(out)).sort()).toEqual(['a.xml', 'b.xml', 'c.xml']);
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
    expect(await readFile(path.join(folder.dir, 'out/atom.xml'), 'utf8')).toBe(before);
    expect((await readdir(path.join(folder.dir, 'out'))).filter((n) => n.startsWith('.storyfeed-tmp-'))).toEqual([]);
    faults.code = undefined;
    expect(await main(args, io().io)).toBe(0);
    expect(await readFile(path.join(folder.dir, 'out/atom.xml'), 'utf8')).toContain('test-story/b');
  });
});
