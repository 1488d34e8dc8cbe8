// The fast path reads the manifest's stamps from its text (manifest-scan.ts): for every manifest the
// build writes it must see exactly what JSON.parse sees, and any other text must be left to JSON.parse.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manifestChunks, parseManifest, renderManifest, type FileStamp, type Stamped } from '../../../../src/build/state/manifest.js';
import { ManifestText, parseManifestHead, scanStamps, visitStamps, type StampField } from '../../../../src/build/state/manifest-scan.js';

type Seen = Array<[StampField, string, number, number]>;

function scanned(text: string): Seen | 'unparsed' | false {
  const seen: Seen = [];
  const r = scanStamps(text, (field, name, size, mtimeMs) => (seen.push([field, name, size, mtimeMs]), true));
  return r === true ? seen : r;
}

function parsed(text: string): Seen {
  const seen: Seen = [];
  visitStamps(parseManifest(text)!, (field, name, size, mtimeMs) => (seen.push([field, name, size, mtimeMs]), true));
  return seen;
}

const head = { window: [1_700_000_000_000, null] as const, generation: 'g1', counts: { entries: 1, visible: 1, scheduled: 0, drafts: 0, nextScheduled: null, outputs: 2, diagnostics: 0 } };
const record = (m: ReadonlyMap<string, Stamped>) => Object.fromEntries([...m].map(([p, s]) => [p, [s.size, s.mtimeMs] as FileStamp]));
const text = (entries: Record<string, FileStamp>, outputs: Record<string, FileStamp>) => renderManifest({ ...head, entries, outputs });

// mtimes as a file system gives them (JSON writes none of these with an exponent).
// Names as files may be named: quotes, backslashes (one, two, before a quote), controls, non-ASCII,
// lone surrogates (JSON.stringify escapes them), the markers the scanner looks for, array indices.
const odd = ['a.md', 'x"a.md', 'q"uote.md', 'back\\slash.md', 'two\\\\.md', 'end\\"q.md', 'tab\there.md', 'ä/é.md', '💡.md', '\ud800.md', ',"outputs":{.md', '],"entries":{', '12', '0'];
const stamp = fc.record({ size: fc.nat({ max: 2 ** 40 }), mtimeMs: fc.oneof(fc.nat({ max: 2 ** 45 }), fc.double({ min: 1, max: 2e12, noNaN: true })) });

const good = text({ 'a.md': [10, 1796500352166.1187] }, { 'x.html': [0, 5] });

describe('the manifest stamps read from the text', () => {
  it('see exactly what JSON.parse sees, for every manifest the build writes (whole or in chunks)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(fc.constantFrom(...odd), fc.string({ minLength: 1, unit: 'binary' })), { maxLength: 12 }), fc.array(stamp, { minLength: 12, maxLength: 12 }), fc.integer({ min: 1, max: 64 }), (names, stamps, chunk) => {
        const entries = new Map(names.map((n, i) => [n, stamps[i]!]));
        const outputs = new Map(names.map((n, i) => [`out/${n}`, stamps[(i + 5) % 12]!]));
        for (const t of [text(record(entries), record(outputs)), [...manifestChunks(head, entries, outputs, chunk)].join('')]) {
          expect(scanned(t)).toEqual(parsed(t));
          expect(parseManifestHead(t)).toEqual({ version: parseManifest(t)!.version, ...head });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads a manifest without its final newline (rewritten by JSON.stringify alone) as with it', () => {
    expect(scanned(good.trimEnd())).toEqual(scanned(good));
    expect(scanned(good.trimEnd())).toHaveLength(2);
  });

  it('a visitor that says stop stops the scan', () => {
    const t = text({ 'a.md': [1, 2], 'b.md': [3, 4] }, { 'x.html': [5, 6] });
    const names: string[] = [];
    expect(scanStamps(t, (_f, name) => (names.push(name), name !== 'b.md'))).toBe(false);
    expect(names).toEqual(['a.md', 'b.md']);
  });

  it.each([
    ['an exponent', good.replace('[0,5]', '[0,5e3]')],
    ['a sign', good.replace('[0,5]', '[0,-5]')],
    ['a leading zero', good.replace('[0,5]', '[0,05]')],
    ['a fractional size', good.replace('[10,', '[10.5,')],
    ['an empty number', good.replace('[0,5]', '[0,]')],
    ['a dot with no digits after it', good.replace('.1187', '.')],
    ['spaces', good.replace('"a.md":[', '"a.md": [')],
    ['a third number', good.replace('[0,5]', '[0,5,6]')],
    ['no outputs', good.replace(/,"outputs":\{.*\}\}/, '}')],
    ['something after the outputs', good.replace(/\}\}\n$/, '},"more":1}\n')],
    ['two final newlines', `${good}\n`],
    ['cut short', good.slice(0, good.length - 9)],
    ['a name never closed', good.replace('"x.html"', '"x.html\\"')],
  ])('%s: left to JSON.parse', (_name, t) => {
    expect(t).not.toBe(good);
    expect(scanned(t)).toBe('unparsed');
  });

  it('the head alone: the version and window are checked', () => {
    expect(parseManifestHead(good)?.window).toEqual([1_700_000_000_000, null]);
    expect(parseManifestHead(good.replace(/"version":"[^"]*"/, '"version":"0.0.0"'))).toBeUndefined();
    expect(parseManifestHead(good.replace('"window":[1700000000000,null]', '"window":1'))).toBeUndefined();
    expect(parseManifestHead('{"version":')).toBeUndefined();
  });
});

describe('a manifest kept as text (a patch run)', () => {
  it('finds each stamp, and with some replaced is the text renderManifest writes for the same records', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.constantFrom(...odd), fc.string({ minLength: 1, unit: 'binary' })), { minLength: 1, maxLength: 12 }),
        fc.array(stamp, { minLength: 12, maxLength: 12 }),
        fc.array(fc.tuple(fc.constantFrom<StampField>('entries', 'outputs'), fc.nat(), stamp, fc.boolean()), { maxLength: 6 }),
        (names, stamps, changes) => {
          const entries = Object.fromEntries(names.map((n, i) => [n, [stamps[i]!.size, stamps[i]!.mtimeMs] as FileStamp]));
          const outputs = Object.fromEntries(names.map((n, i) => [`out/${n}`, [stamps[(i + 5) % 12]!.size, stamps[(i + 5) % 12]!.mtimeMs] as FileStamp]));
          const before = text(entries, outputs);
          const view = ManifestText.of(before)!;
          for (const n of names) expect(view.find('entries', n)?.stamp).toEqual(entries[n]);
          for (const n of names) expect(view.find('outputs', `out/${n}`)?.stamp).toEqual(outputs[`out/${n}`]);
          expect(view.find('entries', `out/${names[0]}`)).toBeUndefined();
          expect(view.entryStamps()).toEqual(new Map(Object.entries(entries)));
          // Some changes name a file not recorded (never expected: the whole manifest is then rendered again).
          const replaced = changes.map(([field, i, s, known]) => [field, `${field === 'outputs' ? 'out/' : ''}${known ? names[i % names.length] : `new-${i}`}`, [s.size, s.mtimeMs]] as const);
          const expected = { entries: { ...entries }, outputs: { ...outputs } };
          for (const [field, name, s] of replaced) expected[field][name] = s;
          expect(view.withStamps(replaced, 'g2')).toBe(renderManifest({ ...head, generation: 'g2', ...expected }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a name inside another (escaped) name is not taken for it', () => {
    const t = text({ '"a.md': [1, 1], 'a.md': [2, 2], 'b,"a.md': [3, 3] }, { '{"a.md': [4, 4], 'a.md': [5, 5] });
    const view = ManifestText.of(t)!;
    expect([view.find('entries', 'a.md')?.stamp, view.find('outputs', 'a.md')?.stamp, view.find('entries', '"a.md')?.stamp]).toEqual([[2, 2], [5, 5], [1, 1]]);
    expect(view.withStamps([['entries', 'a.md', [9, 9]]], 'g1')).toBe(text({ '"a.md': [1, 1], 'a.md': [9, 9], 'b,"a.md': [3, 3] }, { '{"a.md': [4, 4], 'a.md': [5, 5] }));
  });

  it('is not made of text in another form', () => {
    expect(ManifestText.of(JSON.stringify(JSON.parse(good), null, 1))).toBeUndefined();
    expect(ManifestText.of(undefined)).toBeUndefined();
    expect(ManifestText.of(good.replace(',"outputs":{', ',"outputs":['))).toBeUndefined();
  });
});

