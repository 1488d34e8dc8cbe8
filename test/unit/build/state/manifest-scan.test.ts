// The fast path reads the manifest's stamps from its text (manifest-scan.ts): for every manifest the
// build writes it must see exactly what JSON.parse sees, and any other text must be left to JSON.parse.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manifestChunks, parseManifest, renderManifest, type FileStamp, type Stamped } from '../../../../src/build/state/manifest.js';
import { parseManifestHead, scanStamps, visitStamps, type StampField } from '../../../../src/build/state/manifest-scan.js';

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
const odd = ['a.md', 'q"uote.md', 'back\\slash.md', 'two\\\\.md', 'end\\"q.md', 'tab\there.md', 'ä/é.md', '💡.md', '\ud800.md', ',"outputs":{.md', '],"entries":{', '12', '0'];
const stamp = fc.record({ size: fc.nat({ max: 2 ** 40 }), mtimeMs: fc.oneof(fc.nat({ max: 2 ** 45 }), fc.double({ min: 1, max: 2e12, noNaN: true })) });

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

  it('a visitor that says stop stops the scan', () => {
    const t = text({ 'a.md': [1, 2], 'b.md': [3, 4] }, { 'x.html': [5, 6] });
    const names: string[] = [];
    expect(scanStamps(t, (_f, name) => (names.push(name), name !== 'b.md'))).toBe(false);
    expect(names).toEqual(['a.md', 'b.md']);
  });

  const good = text({ 'a.md': [10, 1796500352166.1187] }, { 'x.html': [0, 5] });
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
    ['no final newline', good.trimEnd()],
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
