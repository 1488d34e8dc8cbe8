// Entry anchors: unique on the story page, what every feed's default link points at, today's
// anchor kept where it does not clash, and never changed once published (the ledger records them).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ledgerOverrides, planAnchors, suffixedAnchor } from '../../../src/core/anchors.js';
import { compile, type CompileResult } from '../../../src/core/compile.js';
import { EMPTY_LEDGER, parseLedger, type Ledger } from '../../../src/core/ledger.js';
import { anchorOf, entryAnchor } from '../../../src/core/links.js';
import { PAGE_IDS } from '../../../src/core/render/page.js';
import type { EntryMeta } from '../../../src/core/types.js';
import { LEDGER_PATH } from '../../../src/io/state-folder.js';
import { FEED_BASE, HOME, sources, storyText } from '../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const STORY = 'tag:newsroom.example.org,2026-05-25:test-story';

/** The anchor as it was computed before anchors could clash-resolve: today's links must not move. */
function referenceAnchor(id: string): string {
  const tail = id.split(/[/:]/).filter(Boolean).pop() ?? id;
  const slug = tail.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === '' ? 'entry' : slug;
}

describe('entryAnchor: the plain anchor, as it always was', () => {
  it('equals the reference for any id', () => {
    const segment = fc.oneof(fc.stringMatching(/^[a-z0-9-]{0,8}$/), fc.string({ maxLength: 8 }), fc.constantFrom('', 'ONE', 'one', '-a-', 'İstanbul', 'a_b', '::', '//'));
    fc.assert(
      fc.property(fc.array(fc.tuple(segment, fc.constantFrom('/', ':', '//', ':/')), { maxLength: 5 }), segment, (parts, last) => {
        const id = parts.map(([s, sep]) => s + sep).join('') + last;
        expect(entryAnchor(id)).toBe(referenceAnchor(id));
      }),
      { numRuns: 3000 },
    );
  });

  it('the shipped story keeps its anchors', () => {
    const dir = new URL('../../../entries/', import.meta.url);
    const files = Object.fromEntries(readdirSync(dir).filter((n) => n.endsWith('.md')).map((n) => [n, readFileSync(new URL(n, dir), 'utf8')]));
    const r = compile({ sources: sources(files), now: new Date('2027-01-01T00:00:00Z') });
    expect(r.ok).toBe(true);
    for (const e of r.entries) {
      expect(e.anchor).toBeUndefined();
      if (e.link.startsWith(FEED_BASE)) expect(e.link).toBe(`${FEED_BASE}${referenceAnchor(e.id)}/`);
    }
  });
});

const meta = (id: string, published = '2026-05-26T09:00:00Z', extra: Partial<EntryMeta> = {}): EntryMeta => ({
  path: `${id.split(/[/:]/).slice(-2).join('-')}.md`,
  id,
  title: 't',
  published: new Date(published),
  updated: new Date(published),
  authors: [],
  tags: [],
  link: `${HOME}#${entryAnchor(id)}`,
  draft: false,
  hasContent: true,
  print: id,
  ...extra,
});

const ledgerOf = (records: Record<string, { published?: string; anchor?: string }>): Ledger => ({
  version: 1,
  ids: Object.fromEntries(Object.entries(records).map(([id, r]) => [id, { path: 'x.md', published: r.published ?? '2026-05-20T00:00:00Z', ...(r.anchor === undefined ? {} : { anchor: r.anchor }) }])),
});

const A = `${STORY}/a/one`;
const B = `${STORY}/b/one`;
const BU = `${STORY}/b/ONE`;
const suffix = (id: string, digits = 8) => `one-${createHash('sha256').update(id).digest('hex').slice(0, digits)}`;

describe('planAnchors', () => {
  it.each<[string, Ledger, EntryMeta[], Record<string, string>]>([
    ['no clash: every id keeps its plain anchor', EMPTY_LEDGER, [meta(`${STORY}/one`), meta(`${STORY}/two`)], { [`${STORY}/one`]: 'one', [`${STORY}/two`]: 'two' }],
    ['three ids that end alike, published together: by id, the first keeps it', EMPTY_LEDGER, [meta(B), meta(BU), meta(A)], { [A]: 'one', [BU]: suffix(BU), [B]: suffix(B) }],
    ['the first published keeps it', EMPTY_LEDGER, [meta(A, '2026-05-27T00:00:00Z'), meta(B, '2026-05-26T00:00:00Z')], { [B]: 'one', [A]: suffix(A) }],
    ['the ledger decides: what is out never moves, even for an earlier new entry', ledgerOf({ [B]: { anchor: 'one' } }), [meta(B), meta(A, '2020-01-01T00:00:00Z')], { [B]: 'one', [A]: suffix(A) }],
    ['a recorded id that is gone still holds its anchor', ledgerOf({ [B]: { anchor: 'one' } }), [meta(A)], { [B]: 'one', [A]: suffix(A) }],
    ['a ledger from before anchors: decided by its publication times', ledgerOf({ [B]: { published: '2026-05-01T00:00:00Z' }, [A]: { published: '2026-05-02T00:00:00Z' } }), [meta(A), meta(B)], { [B]: 'one', [A]: suffix(A) }],
    ['two records naming one anchor (edited by hand): the first keeps it', ledgerOf({ [A]: { anchor: 'one' }, [B]: { anchor: 'one' } }), [meta(A), meta(B)], { [A]: 'one', [B]: suffix(B) }],
    ['the page\'s own ids are never an entry\'s', EMPTY_LEDGER, [meta(`${STORY}/subscribe-title`), meta(`${STORY}/feed-rss`)], { [`${STORY}/subscribe-title`]: suffixedAnchor(`${STORY}/subscribe-title`, new Set()), [`${STORY}/feed-rss`]: suffixedAnchor(`${STORY}/feed-rss`, new Set()) }],
    ['the story\'s own folders (archive, tags) are never an entry\'s slug: a stable suffixed one instead', EMPTY_LEDGER, [meta(`${STORY}/archive`), meta(`${STORY}/tags`)], { [`${STORY}/archive`]: suffixedAnchor(`${STORY}/archive`, new Set()), [`${STORY}/tags`]: suffixedAnchor(`${STORY}/tags`, new Set()) }],
    ['a ledger that recorded a reserved name as an anchor: moved to the suffixed one', ledgerOf({ [`${STORY}/archive`]: { anchor: 'archive' } }), [meta(`${STORY}/archive`)], { [`${STORY}/archive`]: suffixedAnchor(`${STORY}/archive`, new Set()) }],
    ['drafts and embargoed entries take none', EMPTY_LEDGER, [meta(A, '2026-07-01T00:00:00Z'), meta(B, '2026-05-26T00:00:00Z', { draft: true }), meta(BU)], { [BU]: 'one' }],
  ])('%s', (_name, ledger, entries, expected) => {
    const plan = planAnchors(ledger, entries, NOW);
    expect(Object.fromEntries(plan.anchors)).toEqual(expected);
    expect(new Set(plan.anchors.values()).size).toBe(plan.anchors.size);
    expect(Object.fromEntries(plan.overrides)).toEqual(Object.fromEntries(Object.entries(expected).filter(([id, a]) => a !== entryAnchor(id))));
  });

  it('the suffix is the first 8 hex digits of the id\'s SHA-256 (a published link: pinned)', () => {
    expect(suffixedAnchor(B, new Set(['one']))).toBe('one-bfd15811');
    expect(suffixedAnchor(`${STORY}/subscribe-title`, new Set(PAGE_IDS))).toMatch(/^subscribe-title-[0-9a-f]{8}$/);
  });

  it('a suffix that is taken (another id\'s plain anchor looks like it) takes more digits', () => {
    const lookalike = `${STORY}/x/${suffix(B)}`; // its plain anchor is B's 8-digit suffixed anchor
    const plan = planAnchors(EMPTY_LEDGER, [meta(A), meta(lookalike, '2026-05-01T00:00:00Z'), meta(B)], NOW);
    expect(plan.anchors.get(lookalike)).toBe(suffix(B));
    expect(plan.anchors.get(B)).toBe(suffix(B, 12));
    expect(plan.anchors.get(A)).toBe('one');
  });

  it('names the published entries parsed with another anchor than planned (to parse again)', () => {
    const parsedPlain = [meta(A), meta(B), meta(BU, '2026-05-26T09:00:00Z', { anchor: suffix(BU) })];
    expect(planAnchors(EMPTY_LEDGER, parsedPlain, NOW).mismatched).toEqual([meta(B).path]);
  });

  it('ledgerOverrides: only the recorded anchors that are not plain', () => {
    expect(Object.fromEntries(ledgerOverrides(ledgerOf({ [A]: { anchor: 'one' }, [B]: { anchor: suffix(B) }, [BU]: {} })))).toEqual({ [B]: suffix(B) });
  });
});

function entry(id: string, published: string, title = `Development ${id.slice(-6)}`): string {
  return `---\nid: ${id}\ntitle: ${JSON.stringify(title)}\npublished: ${published}\n---\nBody of ${id}.\n`;
}

/** Every link to an entry's page (its slug), from every feed and the story page, and every id on the page. */
function linksAndIds(r: CompileResult) {
  const get = (p: string) => r.files.find((f) => f.path === p)!.contents;
  const page = get('index.html');
  const ids = [...page.matchAll(/<article id="([^"]*)"/g)].map((m) => m[1]!);
  const slugOf = (links: string[]) => links.filter((l) => l.startsWith(FEED_BASE) && l !== FEED_BASE).map((l) => l.slice(FEED_BASE.length, -1));
  const rss = slugOf([...get('rss.xml').matchAll(/<link>([^<]*)<\/link>/g)].map((m) => m[1]!));
  const atom = slugOf([...get('atom.xml').matchAll(/<link (?:rel="alternate" )?href="([^"]*)"/g)].map((m) => m[1]!));
  const json = slugOf((JSON.parse(get('feed.json')) as { items: Array<{ url: string }> }).items.map((i) => i.url));
  return { ids, rss, atom, json, hrefs: [...page.matchAll(/<h3><a href="([^"]*)\/"/g)].map((m) => m[1]!) };
}

describe('the story page and the feeds agree, and nothing is said twice', () => {
  const files = { '_story.md': storyText(), 'a.md': entry(A, '2026-05-26T09:00:00Z'), 'b.md': entry(B, '2026-05-26T09:00:00Z'), 'bu.md': entry(BU, '2026-05-26T09:00:00Z') };

  it('…/a/one, …/b/one and …/b/ONE: three anchors, each link leads to its own entry', () => {
    const r = compile({ sources: sources(files), now: NOW });
    expect(r.diagnostics).toEqual([]);
    const { ids, rss, atom, json, hrefs } = linksAndIds(r);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(hrefs).toEqual(ids);
    for (const links of [rss, atom, json]) expect([...links].sort()).toEqual([...ids].sort());
    // Each has its own page.
    for (const id of ids) expect(r.files.some((f) => f.path === `${id}/index.html`)).toBe(true);
    const byId = Object.fromEntries(r.entries.map((e) => [e.id, anchorOf(e)]));
    expect(byId).toEqual({ [A]: 'one', [BU]: suffix(BU), [B]: suffix(B) });
    // No id on the page twice, the page's own included.
    const all = [...r.files.find((f) => f.path === 'index.html')!.contents.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(expect.arrayContaining([...PAGE_IDS]));
  });

  it('the ledger records them, and the next run keeps them, even when an earlier entry that ends alike arrives', () => {
    const first = compile({ sources: sources(files), now: NOW, ledgerPath: LEDGER_PATH });
    const ledgerText = first.files.find((f) => f.path === LEDGER_PATH)!.contents;
    expect(Object.fromEntries(Object.entries(parseLedger(ledgerText).ledger.ids).map(([id, r]) => [id, r.anchor]))).toEqual({ [A]: 'one', [BU]: suffix(BU), [B]: suffix(B) });
    const C = `${STORY}/c/one`;
    const second = compile({ sources: sources({ ...files, 'c.md': entry(C, '2026-01-01T00:00:00Z') }), now: NOW, ledgerText });
    expect(second.diagnostics).toEqual([]);
    expect(Object.fromEntries(second.entries.map((e) => [e.id, anchorOf(e)]))).toEqual({ [A]: 'one', [BU]: suffix(BU), [B]: suffix(B), [C]: suffix(C) });
    // Without the ledger, the earliest would have taken the plain anchor: the ledger is what keeps it.
    expect(compile({ sources: sources({ ...files, 'c.md': entry(C, '2026-01-01T00:00:00Z') }), now: NOW }).entries.find((e) => e.id === C)!.link).toBe(`${FEED_BASE}one/`);
  });

  it('a ledger written before anchors were recorded is read without a warning, and gains them', () => {
    const old = JSON.stringify({ version: 1, ids: { [B]: { path: 'b.md', published: '2026-05-20T00:00:00Z' }, [A]: { path: 'a.md', published: '2026-05-21T00:00:00Z' } } });
    const r = compile({ sources: sources({ '_story.md': storyText(), 'a.md': entry(A, '2026-05-21T00:00:00Z'), 'b.md': entry(B, '2026-05-20T00:00:00Z') }), now: NOW, ledgerText: old, ledgerPath: LEDGER_PATH });
    expect(r.diagnostics).toEqual([]);
    const ledger = JSON.parse(r.files.find((f) => f.path === LEDGER_PATH)!.contents) as { ids: Record<string, { anchor?: string }> };
    expect(ledger.ids[B]!.anchor).toBe('one');
    expect(ledger.ids[A]!.anchor).toBe(suffix(A));
  });
});
