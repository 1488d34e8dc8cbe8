// The plain front matter reader (core/plain-front-matter.ts) against gray-matter + yaml: for any
// front matter, the file reads the same both ways — values, key and value positions, body, body
// line, and every diagnostic — and the direct way takes the ordinary entries.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrontMatter } from '../../../src/core/front-matter.js';
import { readPlainFields } from '../../../src/core/plain-front-matter.js';

const both = (text: string) => ({ direct: parseFrontMatter({ path: 'e.md', text }), slow: parseFrontMatter({ path: 'e.md', text }, { plain: false }) });
/** Did the direct way take this file (rather than hand it to gray-matter)? */
const taken = (text: string) => {
  const lines = text.split('\n');
  const closing = lines.findIndex((line, i) => i > 0 && line.trimEnd() === '---');
  return readPlainFields(lines, closing) !== undefined;
};

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith('.md') ? [full] : [];
  });
}

const WORDS = ['talks', 'resume', 'Court', 'null', 'True', 'yes', 'no', '~', '12', '-3', '0x1f', '0o17', '1e3', '.5', '.inf', '.NaN', '2026-05-26T10:00:00Z', '2026-05-26', 'a:b', 'https://x.org/a?b=c#d', 'tag:x.org,2026:a', 'C#', 'R&D', '<b>', 'é', '日本', '😀', 'a,b', '[x]', '{y}', 'x.y', 'a/b', 'it\'s', 'say "hi"', '\\n', '%', '@', '`', '!', '&', '*', '|', '>', '?', '-', ':', '#'];
const SEPARATORS = [' ', ' ', ' ', ', ', ': ', ' #', ':', '\t', '  '];
const word = fc.constantFrom(...WORDS);
const words = fc.array(fc.tuple(word, fc.constantFrom(...SEPARATORS)), { minLength: 1, maxLength: 5 }).map((ws) => ws.map(([w, s], i) => (i === ws.length - 1 ? w : w + s)).join(''));
const value = fc.oneof(
  words,
  words.map((w) => `"${w}"`),
  words.map((w) => `'${w}'`),
  fc.array(word, { maxLength: 5 }).map((ws) => `[${ws.join(', ')}]`),
  fc.array(words, { maxLength: 3 }).map((ws) => `[${ws.join(',')}]`),
  fc.constantFrom('', ' ', '[]', '""', "''", '"a" # c', '[a, b] ', '|', '>-', '&x a', '*x', '!!str a', '{a: b}', '"a\\tb"', "'it''s'", '"unclosed', '[open'),
);
const key = fc.constantFrom('title', 'id', 'published', 'summary', 'tags', 'authors', 'image', 'null', 'True', 'x1', '_k', 'a-b', '12', 'é', 'k'.repeat(70));
const line = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(key, fc.constantFrom(': ', ':  ', ':', ' : ', ':\t'), value).map(([k, sep, v]) => `${k}${sep}${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '# a comment', '  - a', '  url: https://x.org/', '...', '---x', '? a', '- b', 'title: a\u2028b', 'title: a\u0085b', 'title: a\u0000b', 'title: a\uFEFFb') },
);
const frontMatter = fc.array(line, { minLength: 0, maxLength: 8 }).map((ls) => `---\n${ls.join('\n')}\n---\nBody *here*.\n`);
// Mostly what entries hold (distinct keys, words, quoted text, lists), now and then one line from above.
const SAFE = ['talks', 'Talks resume', 'tag:x.org,2026:a/5', '2026-05-26T10:00:00Z', 'Rates, jobs (5)', 'a:b', 'C# and F#', 'Iran & U.S.', 'it is', 'é 日本'];
const safeValue = fc.oneof(
  fc.constantFrom(...SAFE),
  fc.constantFrom(...SAFE, ...WORDS).map((w) => `"${w}"`),
  fc.array(fc.constantFrom(...SAFE, 'a/b', 'x.y', ...WORDS), { maxLength: 4 }).map((ws) => `[${ws.join(', ')}]`),
  fc.array(fc.constantFrom(...SAFE, ...WORDS), { maxLength: 4 }).map((ws) => `[${ws.map((w) => `"${w}"`).join(', ')}]`),
  fc.array(fc.constantFrom(...SAFE, ...WORDS), { maxLength: 4 }).map((ws) => `[${ws.map((w) => `'${w}'`).join(', ')}]`),
);
const entryLike = fc
  .tuple(fc.uniqueArray(fc.constantFrom('title', 'id', 'published', 'summary', 'tags', 'k_2'), { minLength: 1, maxLength: 6 }), fc.array(safeValue, { minLength: 6, maxLength: 6 }), fc.option(fc.tuple(fc.nat(6), line), { freq: 3 }))
  .map(([keys, values, extra]) => {
    const ls = keys.map((k, i) => `${k}: ${values[i]}`);
    if (extra) ls.splice(Math.min(extra[0], ls.length), 0, extra[1]);
    return `---\n${ls.join('\n')}\n---\nBody.\n`;
  });

describe('plain front matter: the same as gray-matter and yaml', () => {
  // The first generator mostly makes what the direct way hands over; the entry-like one reaches both ways.
  it.each([
    ['front matter, diagnostics included', frontMatter, 0],
    ['entry-like front matter', entryLike, 200],
  ] as const)('reads generated %s exactly as the slow way does', (_name, generator, leastDirect) => {
    let direct = 0;
    fc.assert(
      fc.property(generator, (text) => {
        const r = both(text);
        expect(r.direct).toEqual(r.slow);
        if (taken(text)) direct += 1;
      }),
      { numRuns: 2000, seed: 17 },
    );
    expect(direct).toBeGreaterThanOrEqual(leastDirect);
    expect(direct).toBeLessThan(2000);
  });

  it('reads every entry of the test corpus and the golden stories exactly as the slow way does', () => {
    const files = [...markdownFiles('test/corpus'), ...markdownFiles('test/golden')];
    expect(files.length).toBeGreaterThan(150);
    let direct = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const r = both(text);
      expect(r.direct, file).toEqual(r.slow);
      if (taken(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'))) direct += 1;
    }
    expect(direct).toBeGreaterThan(30);
  });

  it('takes an ordinary entry directly, with its positions', () => {
    const text = '---\nid: tag:x.org,2026:a/5\ntitle: "Talks resume: officials (5)"\npublished:  2026-05-26T10:00:00Z\n\nsummary: Rates, jobs and C# [notes]\ntags: [courts, climate change, a/b, "Iran & U.S."]\n---\nBody\n';
    expect(taken(text)).toBe(true);
    const { direct, slow } = both(text);
    expect(direct).toEqual(slow);
    const f = direct.entry!.fields;
    expect(f.get('title')).toEqual({ value: 'Talks resume: officials (5)', keyAt: { line: 3, column: 1 }, valueAt: { line: 3, column: 8 } });
    expect(f.get('published')?.valueAt).toEqual({ line: 4, column: 13 });
    expect(f.get('tags')?.value).toEqual(['courts', 'climate change', 'a/b', 'Iran & U.S.']);
    expect(direct.entry!.bodyLine).toBe(9);
  });

  it('hands anything outside the subset to gray-matter and yaml', () => {
    for (const fm of ['n: 12', 'n: 1.5', 'b: true', 'v: ~', 'v:', 't: a # c', 't: a: b', 't: "a\\"b"', "t: 'a''b'", 'tags: [1, 2]', 'tags: [a,b]', 'tags: [a, ]', 'tags: ["a\\"b"]', "tags: ['a''b']", 'tags:\n  - a', 'k: a\nk: b', '# c\nk: a', 'k: &a x', 'k: !!str x', 'k: |\n  x', 'Null: x', 'k:\tx', 'k: x ', 'k: a\u2028b']) {
      expect(taken(`---\n${fm}\n---\nBody\n`), fm).toBe(false);
    }
  });
});
