import { describe, expect, it } from 'vitest';
import { EMPTY_LEDGER, parseLedger, renderLedger, updateLedger, validateIdentity, type Ledger } from '../../../src/core/ledger.js';
import type { EntryMeta } from '../../../src/core/types.js';
import { compile } from '../../../src/core/compile.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');

const entry = (id: string, path: string): EntryMeta => ({
  path,
  id,
  title: 't',
  published: new Date('2026-05-26T09:00:00Z'),
  updated: new Date('2026-05-26T09:00:00Z'),
  authors: [{ name: 'A' }],
  tags: [],
  link: 'https://x.org/',
  draft: false,
  hasContent: true,
  print: `print-${id}`,
});

const ledger = (ids: Record<string, string>): Ledger => ({
  version: 1,
  ids: Object.fromEntries(Object.entries(ids).map(([id, path]) => [id, { path, published: '2026-05-26T09:00:00Z' }])),
});

describe('identity guard', () => {
  it.each([
    ['nothing published yet', EMPTY_LEDGER, [entry('tag:x,2026:a', 'a.md')], []],
    ['same ids, same files', ledger({ 'tag:x,2026:a': 'a.md' }), [entry('tag:x,2026:a', 'a.md')], []],
    ['a file renamed, id kept', ledger({ 'tag:x,2026:a': 'a.md' }), [entry('tag:x,2026:a', 'renamed.md')], []],
    ['an id vanished', ledger({ 'tag:x,2026:a': 'a.md' }), [entry('tag:x,2026:b', 'b.md')], ['a.md E_ID_VANISHED']],
    ['an id changed in its file', ledger({ 'tag:x,2026:a': 'a.md' }), [entry('tag:x,2026:a2', 'a.md')], ['a.md E_ID_CHANGED']],
    ['a new file next to published ones', ledger({ 'tag:x,2026:a': 'a.md' }), [entry('tag:x,2026:a', 'a.md'), entry('tag:x,2026:b', 'b.md')], []],
  ])('%s', (_name, before, entries, expected) => {
    const found = validateIdentity(before, entries, new Map()).map((d) => `${d.file} ${d.code}`);
    expect(found).toEqual(expected);
  });

  it('a published entry whose file is there but does not parse is not also "gone" (its own error stands alone)', () => {
    expect(validateIdentity(ledger({ 'tag:x,2026:a': 'a.md' }), [], new Map(), new Set(['a.md']))).toEqual([]);
    // Through compile: one bad date, one diagnostic.
    const published = compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }) }), now: NOW, ledgerPath: 'ledger.json' });
    const text = published.files.find((f) => f.path === 'ledger.json')!.contents;
    const broken = compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', published: '2026-13-45T00:00:00Z' }) }), now: NOW, ledgerPath: 'ledger.json', ledgerText: text });
    expect(broken.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['a.md E_DATE_INVALID']);
  });
});

describe('ledger file', () => {
  it('round-trips, sorted by id, keeping the first publication time', () => {
    const first = updateLedger(EMPTY_LEDGER, [entry('tag:x,2026:b', 'b.md'), entry('tag:x,2026:a', 'a.md')]);
    const later = { ...entry('tag:x,2026:a', 'moved.md'), published: new Date('2026-06-01T00:00:00Z') };
    const second = updateLedger(first, [later]);
    const text = renderLedger(second, 'ledger.json').contents;
    expect(Object.keys(JSON.parse(text).ids)).toEqual(['tag:x,2026:a', 'tag:x,2026:b']);
    expect(parseLedger(text).ledger.ids['tag:x,2026:a']).toEqual({ path: 'moved.md', published: '2026-05-26T09:00:00Z', tags: [] });
  });

  it.each([
    ['not JSON', '{"version":1,', /not valid JSON/],
    ['wrong version', '{"version":99,"ids":{}}', /unknown shape/],
    ['wrong record', '{"version":1,"ids":{"x":{"path":3}}}', /unknown shape/],
  ])('a corrupt ledger (%s) is reported and never trusted', (_name, text, problem) => {
    const r = parseLedger(text);
    expect(r.problem).toMatch(problem);
    expect(r.ledger).toEqual(EMPTY_LEDGER);
  });
});

describe('ledger anchors (core/anchors.ts)', () => {
  it('a ledger written before anchors were recorded is read as it is, without a problem', () => {
    const r = parseLedger('{"version":1,"ids":{"tag:x,2026:a":{"path":"a.md","published":"2026-05-26T09:00:00Z"}}}');
    expect(r.problem).toBeUndefined();
    expect(r.ledger.ids['tag:x,2026:a']).toEqual({ path: 'a.md', published: '2026-05-26T09:00:00Z' });
  });

  it('records each id\'s anchor, keeps it when the run names none, and round-trips it', () => {
    const first = updateLedger(EMPTY_LEDGER, [entry('tag:x,2026:a', 'a.md'), entry('tag:x,2026:b/a', 'b.md')], new Map([['tag:x,2026:a', 'a'], ['tag:x,2026:b/a', 'a-12345678']]));
    const moved = updateLedger(first, [entry('tag:x,2026:b/a', 'moved.md')]);
    const text = renderLedger(moved, 'ledger.json').contents;
    expect(JSON.parse(text).ids).toEqual({
      'tag:x,2026:a': { path: 'a.md', published: '2026-05-26T09:00:00Z', tags: [], anchor: 'a' },
      'tag:x,2026:b/a': { path: 'moved.md', published: '2026-05-26T09:00:00Z', tags: [], anchor: 'a-12345678' },
    });
    expect(parseLedger(text)).toEqual({ ledger: moved });
  });

  it('an anchor that is not text makes the ledger untrusted', () => {
    expect(parseLedger('{"version":1,"ids":{"x":{"path":"a.md","published":"2026-05-26T09:00:00Z","anchor":7}}}').problem).toMatch(/unknown shape/);
  });

  // Found from outside: a hand-edited anchor `.` put the entry's page over the story page, `../../x` stopped the run with an internal error.
  it.each(['.', '..', '../../pwn', 'rss.xml', 'UPPER', 'a b', '', '-a'])('an anchor storyfeed never writes (%j) makes the ledger untrusted', (anchor) => {
    expect(parseLedger(JSON.stringify({ version: 1, ids: { x: { path: 'a.md', published: '2026-05-26T09:00:00Z', anchor } } })).problem).toMatch(/unknown shape/);
  });
  it('an anchor as storyfeed writes it is trusted', () => {
    expect(parseLedger(JSON.stringify({ version: 1, ids: { x: { path: 'a.md', published: '2026-05-26T09:00:00Z', anchor: 'talks-resume-3f2a' } } })).problem).toBeUndefined();
  });
});

// Found from outside: shapes no storyfeed writes were read as a ledger without the feeds' ids, and
// `{"": ""}` asked for the id to be put back to nothing. Each is a ledger not trusted (W_LEDGER_INVALID).
describe("the feeds' ids in the ledger", () => {
  it.each([
    ['stories a list', { stories: ['tag:x,2026:a'] }],
    ['an empty id', { stories: { '': '' } }],
    ['a number', { stories: { talks: 7 } }],
    ['newsroom empty', { newsroom: '' }],
    ['newsroom a number', { newsroom: 5 }],
  ])('%s: not trusted', (_name, extra) => {
    expect(parseLedger(JSON.stringify({ version: 1, ids: {}, ...extra })).problem).toBe('the ledger has an unknown shape or version');
  });
  it('as storyfeed writes them: trusted', () => {
    expect(parseLedger(JSON.stringify({ version: 1, ids: {}, stories: { '': 'tag:x,2026:s', talks: 'tag:x,2026:t' }, newsroom: 'tag:x,2026:n' })).problem).toBeUndefined();
  });
});
