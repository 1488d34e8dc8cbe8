// The shipped story: it compiles cleanly, every output passes every checker, and no entry copies
// the source article (no run of six words in common with it).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/core/compile.js';
import { readSources } from '../helpers/read-sources.js';
import { hashRun, sixWordRuns } from '../fixtures/originality.mjs';
import { checkOutputFile } from '../helpers/checkers.js';

const entriesDir = new URL('../../entries/', import.meta.url).pathname;
// The article is not in the repository: only hashes of its six-word runs (see test/fixtures/originality.mjs).
const sourceRuns = new Set(
  readFileSync(new URL('../fixtures/source-article.6grams.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => /^[0-9a-f]{16}$/.test(line)),
);

describe('the shipped U.S.–Iran story', () => {
  it('compiles with no diagnostics and publishes every development, newest first', async () => {
    const read = await readSources(entriesDir);
    const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: new Date('2026-06-01T00:00:00Z') });
    expect(result.diagnostics).toEqual([]);
    const published = result.feed!.entries.map((e) => e.published.toISOString());
    expect(published.length).toBeGreaterThanOrEqual(4);
    expect([...published].sort().reverse()).toEqual(published);
    for (const e of result.feed!.entries) {
      expect(e.published.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-05-20T00:00:00Z'));
      expect(e.published.getTime()).toBeLessThan(Date.parse('2026-06-01T00:00:00Z'));
      expect(e.id).toMatch(/^tag:newsroom\.example\.org,2026-05-\d\d:us-iran-talks\/[a-z0-9-]+$/);
    }
    for (const f of result.files) expect(await checkOutputFile(f.path, f.contents)).toEqual([]);
  });

  it('the source fingerprint would catch a copied run (its headline, case and punctuation changed)', () => {
    expect(sourceRuns.size).toBeGreaterThan(500);
    const copied = 'DIPLOMATIC progress -- u.s. and Iran move toward';
    expect(sixWordRuns(copied).filter((run) => sourceRuns.has(hashRun(run))).length).toBeGreaterThan(0);
  });

  it.each(readdirSync(entriesDir).filter((n) => n.endsWith('.md')))('%s is in our own words (no six-word run from the source)', (name) => {
    const copied = sixWordRuns(readFileSync(`${entriesDir}${name}`, 'utf8')).filter((run) => sourceRuns.has(hashRun(run)));
    expect(copied).toEqual([]);
  });
});
