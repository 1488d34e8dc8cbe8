// The build's own files as a patch run checks them: the manifest the fast path read is the one on
// disk when it has the same length and the same head (which names, by its random generation, the
// run that wrote it), and any other manifest is read again.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startsAs } from '../../../../src/build/state/read-bookkeeping.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('startsAs (is the manifest still the one the fast path read?)', () => {
  const manifest = (generation: string, tail = 'x'.repeat(1000)) => `{"version":"3.8.6","generation":"${generation}","entries":{"é.md":[1,2]},"pad":"${tail}"}\n`;

  it('yes for the same text; no for another run\'s (same length), another length, or no file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'storyfeed-bookkeeping-'));
    dirs.push(dir);
    const read = manifest('65f89363df700fbf');
    await writeFile(path.join(dir, 'manifest.json'), read);
    expect(startsAs(dir, 'manifest.json', read)).toBe(true);
    const other = manifest('0000000000000000');
    expect(other.length).toBe(read.length);
    await writeFile(path.join(dir, 'manifest.json'), other);
    expect(startsAs(dir, 'manifest.json', read)).toBe(false);
    await writeFile(path.join(dir, 'manifest.json'), manifest('65f89363df700fbf', 'x'.repeat(999)));
    expect(startsAs(dir, 'manifest.json', read)).toBe(false);
    expect(startsAs(dir, 'missing.json', read)).toBe(false);
  });
});
