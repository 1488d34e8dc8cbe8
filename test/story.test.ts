// The shipped story: it compiles cleanly, every output passes every checker, and no entry copies
// the source article (no run of six words in common with it).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/core/compile.js';
import { readSources } from '../src/io/read-sources.js';
import { checkOutputFile } from './helpers/checkers.js';

const entriesDir = new URL('../entries/', import.meta.url).pathname;
const sourceArticle = new URL('../../shared/story/source-article.txt', import.meta.url).pathname;
const words = (text: string) => text.toLowerCase().match(/[a-z0-9']+/g) ?? [];

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

  it.each(readdirSync(entriesDir).filter((n) => n.endsWith('.md')))('%s is in our own words (no six-word run from the source)', (name) => {
    const source = words(readFileSync(sourceArticle, 'utf8'));
    const grams = new Set(source.map((_, i) => source.slice(i, i + 6).join(' ')).filter((g) => g.split(' ').length === 6));
    const ours = words(readFileSync(`${entriesDir}${name}`, 'utf8'));
    const copied = ours.map((_, i) => ours.slice(i, i + 6).join(' ')).filter((g) => grams.has(g));
    expect(copied).toEqual([]);
  });
});
