// The front matter most entries have — `key: value` lines of plain words, quoted text and flow
// lists of words — read without gray-matter and `yaml` (issue 17: the two cost ~250 µs an entry,
// this ~10). Only a strict subset is taken, where every value is exactly what gray-matter + `yaml`
// (YAML 1.2 core schema, front-matter.ts) give, with the same key and value positions; any other
// line — a comment, a number, a mapping, an escape, a tab, an indented line, a repeated key — sends
// the whole file the slow way, which also reports every problem. The differential test
// (test/unit/core/plain-front-matter.test.ts) compares the two on generated and fixture front matter.
// Neither path runs code: this one only slices strings (gray-matter defect 1 needs no engine here).

import type { RawField } from './types.js';

// A key: a plain word at the start of the line, short (YAML caps implicit keys at 1024 characters).
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_]{0,63}):( +)(.*)$/;
// Scalars the core schema reads as something other than a string (yaml 2: schema/core, common/null):
// a key or value like these goes the slow way.
const NOT_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
// Characters left to the slow way anywhere in a value: controls, tab, DEL and C1, the BOM and
// non-characters, surrogates, line and paragraph separators (YAML's printable set, kept narrower).
const UNUSUAL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]/;
// A plain scalar in block context that is one whole string: no indicator first, no `: ` (a
// mapping), no ` #` (a comment), no `:` last, no trailing space.
const PLAIN_FIRST = /^[^-?:,[\]{}#&*!|>'"%@`\s]/;
// An unquoted item of a flow list: a word, words with inner spaces, dots, slashes or hyphens.
const FLOW_ITEM = /^[A-Za-z_][A-Za-z0-9_ ./-]*$/;

function isString(text: string): boolean {
  return !NOT_STRING.some((test) => test.test(text));
}

function plainScalar(text: string): string | undefined {
  if (!PLAIN_FIRST.test(text) || text.includes(': ') || text.includes(' #') || text.endsWith(':') || text.endsWith(' ')) return undefined;
  return isString(text) ? text : undefined;
}

/** A value: plain, '…' or "…" without escapes, or `[a, b]`; undefined when it is anything else. */
function valueOf(text: string): unknown {
  const first = text[0];
  if (first === '"' || first === "'") {
    const inner = text.slice(1, -1);
    // No escape, no inner quote, nothing after the closing one.
    if (text.length < 2 || text[text.length - 1] !== first || inner.includes(first) || inner.includes('\\')) return undefined;
    return inner;
  }
  if (first === '[') return flowList(text);
  return plainScalar(text);
}

/** `[a, "b c", 'd']`: items one `, ` apart, each a word (as FLOW_ITEM) or quoted text without escapes. */
function flowList(text: string): string[] | undefined {
  if (text[text.length - 1] !== ']') return undefined;
  const items: string[] = [];
  const end = text.length - 1;
  let at = 1;
  while (at < end) {
    const quote = text[at];
    let item: string;
    let next: number;
    if (quote === '"' || quote === "'") {
      const close = text.indexOf(quote, at + 1);
      if (close === -1 || close >= end) return undefined;
      item = text.slice(at + 1, close);
      if (item.includes('\\')) return undefined;
      next = close + 1;
    } else {
      next = text.indexOf(',', at);
      if (next === -1) next = end;
      item = text.slice(at, next);
      if (!FLOW_ITEM.test(item) || item.endsWith(' ') || item.includes('  ') || !isString(item)) return undefined;
    }
    items.push(item);
    if (next === end) return items;
    if (text[next] !== ',' || text[next + 1] !== ' ') return undefined;
    at = next + 2;
  }
  // `[]`, or a list ending in `, ]`.
  return at === 1 && end === 1 ? items : undefined;
}

/**
 * The fields of front matter lines `lines[1]` to `lines[closing - 1]` (line n of the file is
 * `lines[n - 1]`), or undefined when any line is outside the subset.
 */
export function readPlainFields(lines: readonly string[], closing: number): Map<string, RawField> | undefined {
  const fields = new Map<string, RawField>();
  for (let i = 1; i < closing; i += 1) {
    const line = lines[i]!;
    if (line === '') continue;
    const m = KEY_LINE.exec(line);
    if (!m || UNUSUAL.test(line)) return undefined;
    const [, key, gap, text] = m as unknown as [string, string, string, string];
    if (text === '' || fields.has(key) || !isString(key)) return undefined;
    const value = valueOf(text);
    if (value === undefined) return undefined;
    fields.set(key, { value, keyAt: { line: i + 1, column: 1 }, valueAt: { line: i + 1, column: key.length + 2 + gap.length } });
  }
  return fields.size > 0 ? fields : undefined;
}
