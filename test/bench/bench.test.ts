// `npm run bench` works: a small run (N = 500, one run per figure) goes through every step — the
// corpus, the floor, cold, no-change and one-change builds, the naive script and Hugo, and the
// tag-heavy row on 10 entries × 50 tags, and the newsroom-shaped row (200 entries) against Hugo
// writing the same three formats, and a newsroom of 4 story folders × 10 entries beside one
// story of the same entries — and writes its figures. It proves the benchmark runs;
// it never judges the times.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { skipWithout, withoutNote } from '../helpers/tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe.skipIf(skipWithout('hugo', 'time'))(`npm run bench${withoutNote('hugo', 'time')}`, () => {
  it('measures every figure on a small corpus, next to Hugo', () => {
    const r = spawnSync(process.execPath, ['test/bench/run.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, BENCH_SIZES: '500', BENCH_RUNS: '1', BENCH_TAGS: '10x50', BENCH_NEWSROOM_SIZES: '200', BENCH_NEWSROOM_STORIES: '4x10', BENCH_SETTLE: '0' },
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const [row, tagRow, newsroomRow, storiesRow] = JSON.parse(readFileSync(`${root}/test-results/bench.json`, 'utf8')) as Array<Record<string, number>>;
    expect(row!['n']).toBe(500);
    for (const figure of ['floor', 'cold', 'coldRss', 'noChange', 'noChangeFull', 'oneChanged', 'naive', 'hugoAll', 'hugo50']) {
      expect([figure, Number.isFinite(row![figure]) && row![figure]! > 0]).toEqual([figure, true]);
    }
    expect(r.stdout).toMatch(/^\| 500 \|/m);
    // The tag-heavy row: every entry with 50 tags of its own, planning timed apart (--timings).
    expect([tagRow!['n'], tagRow!['tagsPerEntry']]).toEqual([10, 50]);
    expect(tagRow!['tags']).toBeGreaterThan(450);
    for (const figure of ['cold', 'coldPlan', 'oneChanged', 'oneChangedPlan']) {
      expect([figure, Number.isFinite(tagRow![figure]) && tagRow![figure]! >= 0]).toEqual([figure, true]);
    }
    expect(r.stdout).toMatch(/^\| 10 × 50 \| /m);
    expect(r.stdout).toMatch(/Hugo, RSS with all items \(\d+ items\)/);
    // The newsroom-shaped row: storyfeed cold against Hugo writing RSS, Atom and JSON Feed of all
    // 200 items, and Hugo RSS only.
    expect([newsroomRow!['shape'], newsroomRow!['n']]).toEqual(['newsroom', 200]);
    for (const figure of ['cold', 'coldRss', 'hugoThree', 'hugoRss']) {
      expect([figure, Number.isFinite(newsroomRow![figure]) && newsroomRow![figure]! > 0]).toEqual([figure, true]);
    }
    expect(r.stdout).toMatch(/Hugo, RSS \+ Atom \+ JSON Feed \(200 items, 200 Atom entries\)/);
    expect(r.stdout).toMatch(/^\| 200 \| .* \| .*× \| .*× \|$/m);
    // The newsroom of story folders: cold against the single story, no change and one change
    // against the floor, and what the one change wrote and parsed (one entry; its story's files).
    expect([storiesRow!['shape'], storiesRow!['n']]).toEqual(['newsroom-stories', 40]);
    for (const figure of ['floor', 'floorNoChange', 'floorOneChanged', 'coldSingle', 'cold', 'noChange', 'oneChanged']) {
      expect([figure, Number.isFinite(storiesRow![figure]) && storiesRow![figure]! > 0]).toEqual([figure, true]);
    }
    // Each cold pair as run (one here: BENCH_RUNS=1), printed beside the medians.
    expect(storiesRow!['coldPairs']).toEqual([[storiesRow!['coldSingle'], storiesRow!['cold']]]);
    expect(r.stdout).toMatch(/each pair, single \/ newsroom +\d+\.\d\d \/ \d+\.\d\d \(\d+\.\d\d×\)/);
    expect(storiesRow!['oneChangedParsed']).toBe(1);
    expect(storiesRow!['oneChangedWritten']).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^\| 4 × 10 \| .*× \| \d+ \|$/m);
  }, 300_000);
});
