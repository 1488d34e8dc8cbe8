// The build cache index: what is written reads back as the same records, whatever their number
// (the text is written in chunks of a thousand) and whichever fields are at their defaults; a
// record that does not check out is dropped, never trusted.
import { describe, expect, it } from 'vitest';
import { CacheLines, MANY } from '../../../../src/build/state/cache-lines.js';
import { keepLines } from '../../../../src/build/patch-layout.js';
import { cacheDefaults, entryLine, headerLine, outputLine, parseCache, type BuildCache, type CachedParse } from '../../../../src/build/state/cache.js';
import { serializeCache } from '../../../../src/build/state/cache-text.js';
import { packSlots, type OutputRecord } from '../../../../src/io/output-record.js';
import { compile, parseStory } from '../../../../src/core/compile.js';
import type { EntryMeta } from '../../../../src/core/types.js';
import { entryText, FEED_BASE, sources, storyText } from '../../../helpers/story.js';

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
  // `until` is not stored: it is read back as `at` plus the story's retraction window (30 days).
  if (i % 13 === 0) Object.assign(base, { retraction: { at: new Date(base.published.getTime() + 7_200_000), reason: 'Wrong', until: new Date(base.published.getTime() + 7_200_000 + 30 * 86_400_000) }, hasContent: false });
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
    ...(i % 13 ? { blob: { offset: 33 + i * 100, crc: 12345 + i, ends: [1, 2, 3, 4, 5, 6, 7, 8, 9 + i] } } : {}),
  };
}

function cacheOf(count: number): BuildCache {
  const entries = new Map(Array.from({ length: count }, (_, i) => [entry(i).path, record(i)] as const));
  const paths = [...entries.keys()];
  // An output made from the first entries (when there are any), with their slots; and one without.
  const planned: OutputRecord = {
    key: 'x',
    size: 10,
    mtimeMs: 5,
    base: 'base',
    deps: paths.slice(0, 3),
    slots: packSlots(paths.slice(0, 2).map((entry, i) => ({ entry, format: i ? 'atom' : 'rss', offset: 100 * (i + 1) }))),
  };
  return {
    key: 'k',
    pack: { id: '0123456789abcdef', size: 1_000_000, live: 900_000 },
    entries,
    outputs: new Map<string, OutputRecord>([
      ['rss.xml', planned],
      ['style.css', { key: 'y', size: 3, mtimeMs: 7, base: 'b2', deps: [], slots: packSlots([]) }],
    ]),
  };
}

const text = (cache: BuildCache, generation = 'g1') => [...serializeCache(cache, defaults, generation)].join('');

/** The index's lines as [kind, path, record] (the header first), to damage one and write it back. */
const linesOf = (t: string) => {
  // Without the table of contents (an index without one is read whole).
  const [header, ...rest] = t.split('\n').filter((l) => !l.startsWith('t\t')).slice(0, -1);
  return { header: JSON.parse(header!) as Record<string, unknown>, records: rest.map((l) => l.split('\t')).map(([k, p, r]) => [k!, JSON.parse(p!) as string, JSON.parse(r!) as Record<string, unknown>] as const) };
};
const textOf = (l: ReturnType<typeof linesOf>) => `${[JSON.stringify(l.header), ...l.records.map(([k, p, r]) => `${k}\t${JSON.stringify(p)}\t${JSON.stringify(r)}`)].join('\n')}\n`;

describe('the cache index, written in chunks', () => {
  /** The index in one string, as it was written before it was streamed. */
  const oneShot = (cache: BuildCache, generation: string) => {
    const paths = [...cache.entries.keys()].sort();
    const ordinal = new Map(paths.map((p, i) => [p, i]));
    const lines = [...paths.map((p) => entryLine(p, cache.entries.get(p)!, defaults)), ...[...cache.outputs.keys()].sort().map((p) => outputLine(p, cache.outputs.get(p)!, ordinal))];
    return `${headerLine(cache.key, cache.pack, generation)}\n${lines.map((l) => `${l}\n`).join('')}`;
  };

  it.each([1, 7, 4096, 32 * 1024, 10_000_000])('chunks of %i characters make the same bytes, each chunk whole lines', (chars) => {
    const cache = cacheOf(2500);
    const chunks = [...serializeCache(cache, defaults, 'g1', chars)];
    // Its table of contents last, a chunk of its own (cache-toc.test.ts).
    expect(chunks.pop()).toMatch(/^t\t\{"runs":\[\["e","",1,2500,\d+,\d+\],\["o","",2501,2,\d+,\d+\]\]\}\n$/);
    expect(chunks.join('')).toBe(oneShot(cache, 'g1'));
    // The header, then chunks of whole lines, each as long as it takes to reach `chars` (the last one may be shorter).
    const records = 2500 + cache.outputs.size;
    if (chars < 10) expect(chunks).toHaveLength(1 + records);
    for (const chunk of chunks.slice(1, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(chars);
      const before = chunk.slice(0, -1).split('\n').slice(0, -1);
      expect(before.reduce((n, line) => n + line.length + 1, 0)).toBeLessThan(chars);
    }
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
    if (chars === 32 * 1024) expect(chunks.length).toBeGreaterThan(5);
  });
});

describe('the cache index', () => {
  it.each([0, 1, 999, 1000, 1001, 2000])('%i records read back as written', (count) => {
    const cache = cacheOf(count);
    const back = parseCache(text(cache), 'k', defaults);
    expect(back.pack).toEqual(cache.pack);
    expect(back.generation).toBe('g1');
    expect(back.entries).toEqual(cache.entries);
    expect(back.outputs).toEqual(cache.outputs);
  });

  it('keeps the key of an output made from an entry it does not hold, but not its plan (it cannot be patched)', () => {
    const cache = cacheOf(2);
    const lastGood: OutputRecord = { key: 'z', size: 1, mtimeMs: 2, base: 'b', deps: ['e00000.md', 'elsewhere.md'], slots: packSlots([]) };
    const back = parseCache(text({ ...cache, outputs: new Map([['feed.json', lastGood]]) }), 'k', defaults);
    expect(back.outputs.get('feed.json')).toEqual({ key: 'z', size: 1, mtimeMs: 2 });
  });

  it('leaves defaults out: the story authors, the default link, updated = published, no tags', () => {
    const plain = linesOf(text(cacheOf(3))).records.find(([, p]) => p === 'e00002.md')![2]['entry'] as Record<string, unknown>; // record 2 has every field at its default
    expect(Object.keys(plain).sort()).toEqual(['id', 'print', 'published', 'title']);
  });

  it('takes the default link from the parser (feed_base and the anchor, not home_page): parsed entries read back as they were, without a stored link', () => {
    // storyText() sets home_page apart from feed_base; two ids ending alike give a suffixed anchor.
    const r = compile({
      sources: sources({
        '_story.md': storyText(),
        'a.md': entryText({ slug: 'x/one', published: '2026-05-26T09:00:00Z' }),
        'b.md': entryText({ slug: 'y/one', published: '2026-05-27T09:00:00Z' }),
        'c.md': entryText({ slug: 'c', extra: 'link: https://elsewhere.example.org/c\n' }),
      }),
      now: new Date('2026-06-01T00:00:00Z'),
    });
    expect(r.diagnostics).toEqual([]);
    const parsed = new Map(r.entries.map((e) => [e.path, { size: 1, mtimeMs: 1, hash: 'h', diagnostics: [], entry: e }] as const));
    const anchor = parsed.get('b.md')!.entry.anchor!;
    expect(anchor).toMatch(/^one-/);
    expect(parsed.get('b.md')!.entry.link).toBe(`${FEED_BASE}${anchor}/`);
    const written = text({ key: 'k', entries: parsed, outputs: new Map() });
    const wire = new Map(linesOf(written).records.map(([, p, rec]) => [p, rec['entry'] as Record<string, unknown>]));
    expect(wire.get('a.md')!['link']).toBeUndefined();
    expect(wire.get('b.md')!['link']).toBeUndefined();
    expect(wire.get('c.md')!['link']).toBe('https://elsewhere.example.org/c');
    const back = parseCache(written, 'k', defaults);
    for (const e of r.entries) expect(back.entries.get(e.path)!.entry).toEqual(e);
  });

  it('names entries in output records by their line among the entry lines', () => {
    const rss = linesOf(text(cacheOf(5))).records.find(([k, p]) => k === 'o' && p === 'rss.xml')![2];
    expect(rss).toEqual({ key: 'x', size: 10, mtime: 5, base: 'base', deps: [0, 1, 2], slots: [0, 0, 100, 1, 1, 200] });
  });

  it.each([
    ['a record without a hash', (r: Record<string, unknown>) => delete r['hash']],
    ['a date that is not a number', (r: Record<string, unknown>) => ((r['entry'] as Record<string, unknown>)['published'] = '2026-05-01')],
    ['authors that are not people', (r: Record<string, unknown>) => ((r['entry'] as Record<string, unknown>)['authors'] = [{ email: 'x' }])],
    ['a blob with piece ends out of order', (r: Record<string, unknown>) => (r['blob'] = [1, 2, 10, 9, 8, 7, 6, 5, 4, 3, 2])],
    ['a blob of the wrong shape', (r: Record<string, unknown>) => (r['blob'] = [1, 2, 3])],
  ])('drops %s (that file is parsed again), keeps the others', (_name, damage) => {
    const lines = linesOf(text(cacheOf(3)));
    damage(lines.records.find(([, p]) => p === 'e00001.md')![2] as Record<string, unknown>);
    const back = parseCache(textOf(lines), 'k', defaults);
    expect([...back.entries.keys()]).toEqual(['e00000.md', 'e00002.md']);
  });

  it('is not used for another story (key), and not at all when it does not parse', () => {
    const t = text(cacheOf(3));
    expect(parseCache(t, 'other', defaults).entries.size).toBe(0);
    expect(parseCache(t.slice(0, -10), 'k', defaults).entries.size).toBe(0);
    expect(parseCache(t.replace('\ne\t', '\nx\t'), 'k', defaults).entries.size).toBe(0);
  });
});

describe('the cache index as lines (patch runs)', () => {
  const cache = cacheOf(40);
  const lines = () => CacheLines.parse(Buffer.from(text(cache)))!;

  it('finds entries by path and outputs by position, decoding only those', () => {
    const index = lines();
    expect(index.header.generation).toBe('g1');
    expect(index.ordinal('e00017.md')).toBe(17);
    expect(index.ordinal('e00040.md')).toBeUndefined();
    expect(index.entry(17, defaults)).toEqual(cache.entries.get('e00017.md'));
    expect(index.outputCount).toBe(2);
    expect(index.output(0)).toEqual({ path: 'rss.xml', record: cache.outputs.get('rss.xml') });
  });

  it('learns every ordinal in one pass (a newsroom looks up MANY at once): the same as found one by one, odd names too', () => {
    const names = ['a "quoted" name.md', 'café-nouvelles.md', 'e1.md', 'xe1.md', 'tab\tname.md', ...Array.from({ length: MANY + 5 }, (_, i) => `s${i}/_story.md`)];
    const odd: BuildCache = { ...cacheOf(0), entries: new Map(names.map((n, i) => [n, { ...record(i), entry: { ...entry(i), path: n } }])), outputs: new Map() };
    const one = CacheLines.parse(Buffer.from(text(odd)))!;
    const all = CacheLines.parse(Buffer.from(text(odd)))!;
    all.learnOrdinals();
    for (const n of names) expect([n, all.ordinal(n)]).toEqual([n, one.ordinal(n)]);
    expect(all.ordinal('1.md')).toBeUndefined();
    // An output naming more than MANY entries is written with the ordinals one lookup each would give.
    const deps = names.slice(0, MANY + 3);
    const viaMany = CacheLines.parse(Buffer.from(text(odd)))!;
    const viaOne = CacheLines.parse(Buffer.from(text(odd)))!;
    for (const n of deps) viaOne.ordinal(n);
    const rec: OutputRecord = { key: 'k', size: 1, mtimeMs: 1, base: 'b', deps };
    viaMany.setOutput('sitemap.xml', rec);
    viaOne.setOutput('sitemap.xml', rec);
    const pack = cache.pack!;
    expect([...viaMany.serializeOverlay(pack, 'g2')].join('')).toBe([...viaOne.serializeOverlay(pack, 'g2')].join(''));
  });

  it('finds entries whose names need escaping or are not ASCII, and not a name that is only part of another', () => {
    const names = ['a "quoted" name.md', 'café-nouvelles.md', 'e1.md', 'xe1.md', 'tab\tname.md'];
    const odd: BuildCache = { ...cacheOf(0), entries: new Map(names.map((n, i) => [n, { ...record(i), entry: { ...entry(i), path: n } }])), outputs: new Map() };
    const index = CacheLines.parse(Buffer.from(text(odd)))!;
    const sorted = [...names].sort();
    for (const n of names) expect([n, index.ordinal(n)]).toEqual([n, sorted.indexOf(n)]);
    expect(index.ordinal('1.md')).toBeUndefined();
    expect(index.entry(index.ordinal('café-nouvelles.md')!, defaults)?.entry?.path).toBe('café-nouvelles.md');
  });

  it('folds replaced records into an index that reads as if it had been written whole', () => {
    const index = lines();
    const changed: CachedParse = { ...record(5), hash: 'new', entry: { ...entry(5), print: 'new-print' } };
    index.setEntry(5, changed, defaults);
    const out = index.output(0)!;
    const rss: OutputRecord = { ...out.record!, key: 'new-key', size: 99 };
    index.setOutput('rss.xml', rss);
    const pack = { ...cache.pack!, size: 2_000_000 };
    const folded = [...index.serialize(pack, 'g2')].join('');
    const whole = { ...cache, pack, entries: new Map([...cache.entries, ['e00005.md', changed]]), outputs: new Map([...cache.outputs, ['rss.xml', rss]]) };
    expect(folded).toBe(text(whole, 'g2'));
  });

  it('writes an overlay that parseCache lays over the index it was made for, and over no other', () => {
    const index = lines();
    const changed: CachedParse = { ...record(7), hash: 'new' };
    index.setEntry(7, changed, defaults);
    index.output(0);
    index.setOutput('rss.xml', { ...cache.outputs.get('rss.xml')!, key: 'k2' });
    const pack = { ...cache.pack!, size: 1_500_000 };
    const overlay = [...index.serializeOverlay(pack, 'g2')].join('');
    const back = parseCache(text(cache), 'k', defaults, overlay);
    expect(back.generation).toBe('g2');
    expect(back.pack).toEqual(pack);
    expect(back.entries.get('e00007.md')).toEqual(changed);
    expect(back.outputs.get('rss.xml')!.key).toBe('k2');
    // Stacked: a second patch run reads the first one's overlay through CacheLines.
    const again = CacheLines.parse(Buffer.from(text(cache)), overlay)!;
    expect(again.header.generation).toBe('g2');
    expect(again.entry(7, defaults)).toEqual(changed);
    // An index written since (another generation): the overlay is ignored.
    const other = parseCache(text(cache, 'g3'), 'k', defaults, overlay);
    expect(other.generation).toBe('g3');
    expect(other.entries.get('e00007.md')).toEqual(cache.entries.get('e00007.md'));
    expect(CacheLines.parse(Buffer.from(text(cache, 'g3')), overlay)!.header.generation).toBe('g3');
  });
});

describe('the cache index read in part (a newsroom patch run: CacheLines.readPart)', () => {
  // Entries in three story folders (one named with characters JSON escapes or that are not ASCII),
  // each folder's outputs, and the newsroom's own at the root (and `tags/…`, which is not the root).
  const folders = ['alpha', 'b"é', 'gamma'];
  // And others that no test edits, so that the index is larger than what is read of it.
  const paths = [...folders, ...Array.from({ length: 30 }, (_, i) => `other-${i}`)].flatMap((f) => [0, 1, 2].map((i) => `${f}/e${i}.md`));
  const entries = new Map(paths.map((p, i) => [p, { ...record(i), entry: { ...entry(i), path: p } }] as const));
  const made = (deps: string[], slotted = deps.slice(0, 2)): OutputRecord => ({ key: `k-${deps.join()}`, size: 10, mtimeMs: 5, base: 'base', deps, slots: packSlots(slotted.map((e, i) => ({ entry: e, format: 'rss', offset: 100 * (i + 1) }))) });
  const outputs = new Map<string, OutputRecord>([
    ...folders.map((f) => [`${f}/rss.xml`, made(paths.filter((p) => p.startsWith(`${f}/`)))] as const),
    ['rss.xml', made(paths.filter((_, i) => i % 3 === 0))],
    ['tags/x.xml', made(paths.slice(0, 2))],
  ]);
  const cache: BuildCache = { key: 'k', pack: { id: '0123456789abcdef', size: 1_000_000, live: 900_000 }, entries, outputs };
  const bytes = Buffer.from(text(cache));
  /** The index read at offsets, as the file would be; counting the bytes read. */
  const reader = (b: Buffer) => {
    const read = { bytes: 0, at: (from: number, to: number) => ((read.bytes += to - from), Buffer.from(b.subarray(from, to))) };
    return read;
  };
  const whole = CacheLines.parse(bytes)!;
  const holds = (slug: string) => (p: string) => !p.includes('/') || p.startsWith(`${slug}/`);

  it.each(folders)('keeps the edited story\'s lines and the root outputs, and answers as the whole index does (%s edited)', (slug) => {
    let wholeReads = 0;
    const { wants, keep } = keepLines([slug]);
    const read = reader(bytes);
    const part = CacheLines.readPart(bytes.length, read.at, wants, keep, () => ((wholeReads += 1), bytes))!;
    // Through its table of contents: the header, the table, its story's runs and the root's, not the rest.
    expect(read.bytes).toBeLessThan(bytes.length);
    expect(part.header).toEqual(whole.header);
    expect([part.entryCount, part.outputCount]).toEqual([whole.entryCount, whole.outputCount]);
    for (const p of paths.filter((q) => q.startsWith(`${slug}/`))) {
      expect(part.ordinal(p)).toBe(whole.ordinal(p));
      expect(part.entry(part.ordinal(p)!, defaults)).toEqual(whole.entry(whole.ordinal(p)!, defaults));
    }
    const held = [...part.outputsWhere(holds(slug))];
    expect(held).toEqual([...whole.outputsWhere(holds(slug))]);
    expect(held.map((i) => part.outputPath(i))).toEqual([`${slug}/rss.xml`, 'rss.xml']);
    expect(part.output(held[0]!)).toEqual(whole.output(held[0]!));
    // Nothing else was needed: the index was never read whole.
    expect(wholeReads).toBe(0);
    // A line it did not keep (another story's entry) reads the index whole, once, and answers the same.
    const other = folders.find((f) => f !== slug)!;
    expect(part.ordinal(`${other}/e1.md`)).toBe(whole.ordinal(`${other}/e1.md`));
    expect(part.output(held[1]!)).toEqual(whole.output(held[1]!));
    expect(wholeReads).toBe(1);
    expect([...part.serialize(cache.pack!, 'g2')].join('')).toBe([...whole.serialize(cache.pack!, 'g2')].join(''));
  });

  it('a new index made from one read in part (an overlay folded) has a table that reads it in part again', () => {
    const { wants, keep } = keepLines(['gamma']);
    const part = CacheLines.readPart(bytes.length, reader(bytes).at, wants, keep, () => bytes)!;
    const folded = Buffer.from([...part.serialize(cache.pack!, 'g2')].join(''));
    const read = reader(folded);
    const again = CacheLines.readPart(folded.length, read.at, wants, keep, () => folded)!;
    expect(read.bytes).toBeLessThan(folded.length);
    expect(again.ordinal('gamma/e2.md')).toBe(whole.ordinal('gamma/e2.md'));
    expect(parseCache(folded.toString('utf8'), 'k', defaults).entries).toEqual(parseCache(bytes.toString('utf8'), 'k', defaults).entries);
  });

  it('is not read in part when the bytes are not what its table says (cut short, a line of another kind or folder, a table that does not add up)', () => {
    const { wants, keep } = keepLines(['alpha']);
    const of = (b: Buffer) => CacheLines.readPart(b.length, reader(b).at, wants, keep, () => b);
    expect(of(bytes)).toBeDefined();
    const t = text(cache);
    expect(of(bytes.subarray(0, -3))).toBeUndefined();
    expect(of(Buffer.from(t.replace('\no\t"alpha/', '\nx\t"alpha/')))).toBeUndefined();
    // The same number of bytes in another folder's name: the table no longer says where alpha's lines are.
    expect(of(Buffer.from(t.replaceAll('"alpha/', '"alphb/')))).toBeUndefined();
    // A run of alpha's lines under another name in the table (one letter): it would go unread.
    expect(of(Buffer.from(t.replace('["o","alpha",', '["o","alphX",')))).toBeUndefined();
    expect(of(Buffer.from(t.replace('["e","alpha",', '["e","alphX",')))).toBeUndefined();
    // The last run's count of lines (no run after it starts where it says it ends): one line more.
    const lastRun = /(\["o","[^"]*",\d+,)(\d+)(,\d+,\d+\]\]\}\n)$/;
    expect(t).toMatch(lastRun);
    expect(of(Buffer.from(t.replace(lastRun, (_, a: string, n: string, b: string) => `${a}${Number(n) + 1}${b}`)))).toBeUndefined();
    expect(of(Buffer.from(t.replace(/\nt\t.*\n$/, '\n')))).toBeUndefined();
    expect(of(Buffer.from(t.replace(/("runs":\[\["e","alpha",1,)3/, '$14')))).toBeUndefined();
    // Read whole, each of them is the index its lines make (the table is no record), or none.
    expect(CacheLines.parse(Buffer.from(t.replace(/\nt\t.*\n$/, '\n')))!.entryCount).toBe(whole.entryCount);
    expect(CacheLines.parse(bytes.subarray(0, -3))).toBeUndefined();
  });

  it('keepLines takes a folder\'s lines by their path as JSON, and outputs at the root only', () => {
    const { keep } = keepLines(['b"é']);
    const line = (kind: 'e' | 'o', p: string) => {
      const b = Buffer.from(`${kind}\t${JSON.stringify(p)}\t{}`);
      return keep(b[0]!, new Uint8Array(b), 2, b.length);
    };
    expect([line('e', 'b"é/e1.md'), line('o', 'b"é/rss.xml'), line('o', 'rss.xml')]).toEqual([true, true, true]);
    expect([line('e', 'b"é-2/e1.md'), line('e', 'alpha/e1.md'), line('e', '_newsroom.md'), line('o', 'tags/x.xml'), line('o', 'b"/rss.xml')]).toEqual([false, false, false, false, false]);
  });
});
