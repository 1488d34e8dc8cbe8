import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFrontMatter } from '../../../src/core/front-matter.js';

const parse = (text: string) => parseFrontMatter({ path: 'e.md', text });
const codes = (text: string) => parse(text).diagnostics.map((d) => d.code);

describe('parseFrontMatter: fields keep their values as written and their positions', () => {
  it('reads scalars, lists and mappings, dates as strings, with key lines', () => {
    const r = parse('---\nid: tag:x.org,2026:a\npublished: 2026-05-26T10:00:00Z\ndate: 2026-05-26\nzip: 012345\ntags: [a, b]\nimage:\n  url: https://x.org/a.png\n  alt: A\n---\nBody **here**\n');
    expect(r.diagnostics).toEqual([]);
    const f = r.entry!.fields;
    expect(f.get('id')?.value).toBe('tag:x.org,2026:a');
    // gray-matter defect 3 / js-yaml 3: dates would become Date objects; YAML 1.2 core keeps text.
    expect(f.get('published')?.value).toBe('2026-05-26T10:00:00Z');
    expect(f.get('date')?.value).toBe('2026-05-26');
    expect(f.get('tags')?.value).toEqual(['a', 'b']);
    expect(f.get('image')?.value).toEqual({ url: 'https://x.org/a.png', alt: 'A' });
    expect(f.get('id')?.keyAt).toEqual({ line: 2, column: 1 });
    expect(f.get('published')?.valueAt).toEqual({ line: 3, column: 12 });
    expect(f.get('image')?.keyAt).toEqual({ line: 7, column: 1 });
    expect(r.entry!.body).toBe('Body **here**\n');
    expect(r.entry!.bodyLine).toBe(11);
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const r = parse('\uFEFF---\r\ntitle: A\r\n---\r\nBody\r\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.entry!.fields.get('title')?.value).toBe('A');
  });

  it('accepts an empty front matter block (required fields are checked later)', () => {
    const r = parse('---\n---\nBody\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.entry!.fields.size).toBe(0);
  });
});

describe('parseFrontMatter rejects bad input with a precise code', () => {
  it.each([
    ['empty file', '', 'E_FILE_EMPTY', 1],
    ['blank file', '\n\n  \n', 'E_FILE_EMPTY', 1],
    ['no fence', 'title: A\n---\n', 'E_FENCE_MISSING', 1],
    ['js fence', '---js\n{ title: "A" }\n---\n', 'E_FENCE_LANGUAGE', 1],
    ['javascript fence', '---javascript\n{}\n---\n', 'E_FENCE_LANGUAGE', 1],
    ['coffee fence', '---coffee\ntitle: "A"\n---\n', 'E_FENCE_LANGUAGE', 1],
    ['json fence', '---json\n{"title": "A"}\n---\n', 'E_FENCE_LANGUAGE', 1],
    ['unclosed', '---\ntitle: A\nBody\n', 'E_FENCE_UNCLOSED', 1],
    ['broken YAML', '---\ntitle: A\nsummary: x: y\n---\n', 'E_YAML_SYNTAX', 3],
    ['duplicate key', '---\ntitle: A\ntitle: B\n---\n', 'E_YAML_SYNTAX', 3],
    ['js/function tag', '---\ntitle: !!js/function "function(){}"\n---\n', 'E_YAML_TAG', 2],
    ['custom tag', '---\ntitle: !thing A\n---\n', 'E_YAML_TAG', 2],
    ['binary tag', '---\ntitle: !!binary aGk=\n---\n', 'E_YAML_TAG', 2],
    ['list, not mapping', '---\n- a\n- b\n---\n', 'E_YAML_NOT_MAP', 2],
    ['scalar, not mapping', '---\njust text\n---\n', 'E_YAML_NOT_MAP', 2],
  ])('%s → %s at line %i', (_name, text, code, line) => {
    const r = parse(text);
    expect(r.entry).toBeUndefined();
    expect(r.diagnostics[0]?.code).toBe(code);
    expect(r.diagnostics[0]?.line).toBe(line);
    expect(r.diagnostics[0]?.file).toBe('e.md');
    expect(r.diagnostics[0]?.hint.length).toBeGreaterThan(10);
  });

  it('an alias bomb fails fast', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i += 1) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = performance.now();
    expect(codes(`---\n${levels.join('\n')}\n---\n`)).toEqual(['E_YAML_ALIAS']);
    // Not a timing assertion of speed, only of not expanding 9^10 nodes (which would never end).
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('front matter can never run code (gray-matter defect 1, CVE-2022-25863)', () => {
  it.each(['js', 'javascript', 'coffee'])('a ---%s entry that would write a file does not', (lang) => {
    const marker = path.join(os.tmpdir(), `storyfeed-pwned-${process.pid}-${lang}`);
    const payload = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'pwned')`;
    const text = `---${lang}\n({ title: (${payload}, "x") })\n---\nBody\n`;
    const r = parse(text);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E_FENCE_LANGUAGE']);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('gray-matter defect 2: no stale cache between parses', () => {
  it('a broken entry parsed twice reports its error twice (the cache would return empty data)', () => {
    const text = '---\ntitle: [unclosed\n---\nBody\n';
    expect(codes(text)).toEqual(['E_YAML_SYNTAX']);
    expect(codes(text)).toEqual(['E_YAML_SYNTAX']);
  });

  it('parses of the same text return independent objects', () => {
    const text = '---\ntags: [a]\n---\n';
    const a = parse(text).entry!.fields.get('tags')!.value as string[];
    a.push('mutated');
    expect(parse(text).entry!.fields.get('tags')!.value).toEqual(['a']);
  });
});
