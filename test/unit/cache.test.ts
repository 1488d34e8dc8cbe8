// The build cache index: what is written reads back as the same records, whatever their number
// (the text is written in chunks of a thousand) and whichever fields are at their defaults; a
// record that does not check out is dropped, never trusted.
import { describe, expect, it } from 'vitest';
import { cacheDefaults, parseCache, serializeCache, type BuildCache, type CachedParse } from '../../src/core/cache.js';
import { parseStory } from '../../src/core/compile.js';
import type { EntryMeta } from '../../src/core/types.js';
import { storyText } from '../helpers/story.js';

const { story } = parseStory([{ path: '_story.md', text: storyText() }]);
const defaults = cacheDefaults(story!);

function entry(i: number): EntryMeta {
  const id = `tag:newsroom.example.org,2026-05-25:test-story/e${i}`;
  const base: EntryMeta = {
    path: `e${String(i).padStart(5, '0')}.md`,
    id,
    title: `Title ${i} “quoted” & <odd>`,
    published: new Date(Date.UTC(2026, 4, 1 + (i % 28), 9)),
    updated: new Date(Date.UTC(2026, 4, 1 + (i % 28), 9)),
    authors: story!.authors,
    tags: [],
    link: defaults.link(id),
    draft: false,
    hasContent: true,
    print: `print-${i}`,
  };
  // Every field off its default in some records.
  if (i % 2) Object.assign(base, { tags: ['a', `t${i % 5}`], summary: `Summary ${i}` });
  if (i % 3 === 0) Object.assign(base, { updated: new Date(base.published.getTime() + 3_600_000), correction: { at: new Date(base.published.getTime() + 3_600_000), note: 'Fixed' } });
  if (i % 7 === 0) Object.assign(base, { authors: [{ name: 'Other', email: 'o@newsroom.example.org', url: 'https://newsroom.example.org/o' }], link: 'https://newsroom.example.org/elsewhere' });
  if (i % 11 === 0) Object.assign(base, { image: { url: 'https://newsroom.example.org/i.png', alt: 'An image', type: 'image/png', length: 2048 } });
  if (i % 13 === 0) Object.assign(base, { retraction: { at: new Date(base.published.getTime() + 7_200_000), reason: 'Wrong' }, hasContent: false });
  if (i % 17 === 0) Object.assign(base, { draft: true });
  return base;
}

function record(i: number): CachedParse {
  return {
    size: 1000 + i,
    mtimeMs: 1796203197655.0542 + i,
    hash: `hash-${i}`,
    diagnostics: [],
    idAt: { line: 2, column: 5 },
    entry: entry(i),
    ...(i % 13 ? { blob: { offset: 33 + i * 100, crc: 12345 + i, ends: [1, 2, 3, 4, 5, 6, 7, 8 + i] } } : {}),
  };
}

function cacheOf(count: number): BuildCache {
  const entries = new Map(Array.from({ length: count }, (_, i) => [entry(i).path, record(i)] as const));
  return { key: 'k', pack: { id: '0123456789abcdef', size: 1_000_000, live: 900_000 }, entries, outputs: new Map([['rss.xml', { key: 'x', size: 10, mtimeMs: 5 }]]) };
}

describe('the cache index', () => {
  it.each([0, 1, 999, 1000, 1001, 2000])('%i records read back as written', (count) => {
    const cache = cacheOf(count);
    const text = [...serializeCache(cache, defaults)].join('');
    const back = parseCache(text, 'k', defaults);
    expect(back.pack).toEqual(cache.pack);
    expect(back.outputs).toEqual(cache.outputs);
    expect(back.entries).toEqual(cache.entries);
  });

  it('leaves defaults out: the story authors, the default link, updated = published, no tags', () => {
    const text = [...serializeCache(cacheOf(3), defaults)].join('');
    const plain = JSON.parse(text).entries['e00002.md'].e; // record 2 has every field at its default
    expect(Object.keys(plain).sort()).toEqual(['id', 'p', 'pr', 't']);
  });

  it.each([
    ['a record without a hash', (r: Record<string, unknown>) => delete r['h']],
    ['a date that is not a number', (r: Record<string, unknown>) => ((r['e'] as Record<string, unknown>)['p'] = '2026-05-01')],
    ['authors that are not people', (r: Record<string, unknown>) => ((r['e'] as Record<string, unknown>)['a'] = [{ email: 'x' }])],
    ['a blob with piece ends out of order', (r: Record<string, unknown>) => (r['b'] = [1, 2, 9, 8, 7, 6, 5, 4, 3, 2])],
    ['a blob of the wrong shape', (r: Record<string, unknown>) => (r['b'] = [1, 2, 3])],
  ])('drops %s (that file is parsed again), keeps the others', (_name, damage) => {
    const data = JSON.parse([...serializeCache(cacheOf(3), defaults)].join(''));
    damage(data.entries['e00001.md']);
    const back = parseCache(JSON.stringify(data), 'k', defaults);
    expect([...back.entries.keys()]).toEqual(['e00000.md', 'e00002.md']);
  });

  it('is not used for another story (key), and not at all when it does not parse', () => {
    const text = [...serializeCache(cacheOf(3), defaults)].join('');
    expect(parseCache(text, 'other', defaults).entries.size).toBe(0);
    expect(parseCache(text.slice(0, -10), 'k', defaults).entries.size).toBe(0);
  });
});
