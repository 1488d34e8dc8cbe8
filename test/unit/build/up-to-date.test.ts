// A run with nothing to do clears a dead builder's lock when it can (build/index.ts upToDate;
// test/service/concurrency.test.ts has it end to end). When it cannot (an output folder it may not
// write to, a takeover lost to another builder), nothing is still nothing to do: it says so, and
// leaves the folder as it was.
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { entryText, storyText, tempFolder } from '../../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  vi.doUnmock('../../../src/io/output-lock.js');
  await Promise.all(cleanups.map((c) => c()));
});

describe('a run with nothing to do, beside a dead builder’s lock', () => {
  it('still answers no change when the lock cannot be taken over, and leaves the lock', async () => {
    const folder = await tempFolder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a', published: '2026-05-20T09:00:00Z' }) });
    cleanups.push(folder.cleanup);
    const options = { entriesDir: path.join(folder.dir, 'entries'), outDir: path.join(folder.dir, 'out'), now: new Date('2026-06-01T00:00:00Z'), fastPath: true };
    const { build } = await import('../../../src/build/index.js');
    expect((await build(options)).ok).toBe(true);
    const lock = { host: 'elsewhere', bootId: 'b', pidNamespace: 'p', pid: 1, startTime: '1', token: 'dead', since: '2026-01-01T00:00:00Z' };
    await writeFile(path.join(options.outDir, '.storyfeed.lock'), JSON.stringify(lock));
    const { utimes } = await import('node:fs/promises');
    await utimes(path.join(options.outDir, '.storyfeed.lock'), new Date('2026-01-01'), new Date('2026-01-01'));
    vi.resetModules();
    vi.doMock('../../../src/io/output-lock.js', async (original) => ({
      ...(await original<typeof import('../../../src/io/output-lock.js')>()),
      withOutputLock: async () => {
        throw Object.assign(new Error("EACCES: permission denied, open 'out/.storyfeed.lock.x'"), { code: 'EACCES' });
      },
    }));
    const again = await (await import('../../../src/build/index.js')).build(options);
    expect([again.ok, again.upToDate]).toEqual([true, true]);
    expect(await readdir(options.outDir)).toContain('.storyfeed.lock');
    // Without the mock the same run takes the dead lock over.
    vi.doUnmock('../../../src/io/output-lock.js');
    vi.resetModules();
    const cleared = await (await import('../../../src/build/index.js')).build(options);
    expect(cleared.upToDate).toBe(true);
    expect(await readdir(options.outDir)).not.toContain('.storyfeed.lock');
  });
});
