// `npm run bench:publish` works: a small run (N = 200) publishes to moto_server cold, with nothing
// changed and after one entry changed, and writes its figures. It proves the benchmark runs; it
// never judges the times.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { skipWithout, withoutNote } from '../helpers/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(skipWithout('moto_server'))(`npm run bench:publish${withoutNote('moto_server')}`, () => {
  it('publishes a small corpus cold and after a one-entry change, and reports files, bytes and times', () => {
    const r = spawnSync(process.execPath, ['test/bench/publish.mjs'], { cwd: root, encoding: 'utf8', env: { ...process.env, BENCH_PUBLISH_SIZE: '200' }, timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const row = JSON.parse(readFileSync(`${root}/test-results/bench-publish.json`, 'utf8')) as Record<string, number & { files: number; bytes: number }>;
    expect(row['n']).toBe(200);
    for (const figure of ['buildCold', 'publishCold', 'publishNoChange', 'buildOne', 'publishOne']) expect([figure, row[figure]! > 0]).toEqual([figure, true]);
    expect(row['coldUploaded']!.files).toBeGreaterThan(row['oneUploaded']!.files);
    expect(row['oneUploaded']!.files).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^\| 200 \|/m);
  }, 300_000);
});
