// The planner (src/core/outputs.ts) across runs: which documents exist and what each holds when an
// entry leaves the story. Pure core only — each "run" compiles with the ledger the previous one
// planned, as `storyfeed build` does — so every document is compared as planned, byte for byte.
import { describe, expect, it } from 'vitest';
import { compile, type CompileResult } from '../../../src/core/compile.js';
import { parseLedger } from '../../../src/core/ledger.js';
import { LEDGER_PATH } from '../../../src/io/state-folder.js';
import { publishWindow } from '../../../src/build/state/manifest.js';
import { nextChange } from '../../../src/core/model.js';
import { archiveRanges } from '../../../src/core/plan.js';
import { entryText, sources, storyText, STORY_ID } from '../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const idOf = (slug: string) => `${STORY_ID}/${slug}`;

type Files = Record<string, string>;

/** One run of the pure core: the files, the clock and the ledger the last run left. */
function run(files: Files, now: Date, ledgerText?: string, mode: 'strict' | 'service' = 'strict'): CompileResult {
  const r = compile({ sources: sources(files), now, mode, ledgerPath: LEDGER_PATH, ...(ledgerText === undefined ? {} : { ledgerText }) });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.file} ${d.code} ${d.message}`).join('\n'));
  return r;
}

const docs = (r: CompileResult) => new Map(r.files.map((f) => [f.path, f.contents]));
const ledgerOf = (r: CompileResult) => docs(r).get(LEDGER_PATH)!;

/**
 * Eleven entries a day apart, all tagged `all`, with `item_limit: 2`: the subscription feeds hold
 * the newest two, the archives (the story's and the tag's) five pages, 1–4 full and 5 holding one.
 * e01 sits on page 1 of both.
 */
function elevenEntries(change: { slug?: string; extra?: string; tags?: string; body?: string } = {}): Files {
  const files: Files = { '_story.md': storyText('item_limit: 2\n') };
  for (let i = 0; i < 11; i += 1) {
    const slug = `e${String(i).padStart(2, '0')}`;
    const mine = change.slug === slug;
    files[`${slug}.md`] = entryText({
      slug,
      published: `2026-05-${String(1 + i).padStart(2, '0')}T09:00:00Z`,
      extra: `tags: [${mine && change.tags !== undefined ? change.tags : `all, p${i % 2}`}]\n${mine ? (change.extra ?? '') : ''}`,
      body: mine && change.body ? change.body : `Body of ${slug}.`,
    });
  }
  return files;
}

const archivePaths = (folder: string, page: number) => ['rss.xml', 'atom.xml', 'feed.json'].map((f) => `${folder}archive/${page}/${f}`);

describe('archive pages keep their members when an entry leaves (RFC 5005, README "Page membership is stable")', () => {
  const RETRACTED = 'retracted:\n  at: 2026-05-31T00:00:00Z\n  reason: The account could not be confirmed.\n';
  it.each([
    // name, how e01 changes, the mode, the streams whose page 1 changes
    ['retracted', (f: Files) => ({ ...f, 'e01.md': elevenEntries({ slug: 'e01', extra: RETRACTED })['e01.md']! }), 'strict', ['', 'tags/all/']],
    ['made a draft again', (f: Files) => ({ ...f, 'e01.md': elevenEntries({ slug: 'e01', extra: 'draft: true\n' })['e01.md']! }), 'strict', ['', 'tags/all/']],
    ['moved back under embargo', (f: Files) => ({ ...f, 'e01.md': entryText({ slug: 'e01', published: '2026-07-01T09:00:00Z', extra: 'tags: [all, p1]\n' }) }), 'strict', ['', 'tags/all/']],
    ['untagged', (f: Files) => ({ ...f, 'e01.md': elevenEntries({ slug: 'e01', tags: 'p1' })['e01.md']! }), 'strict', ['', 'tags/all/']],
  ] as const)('%s on page 1 of 5: that page alone changes, later pages keep their bytes, no page is dropped', (_name, change, mode, changedStreams) => {
    const before = run(elevenEntries(), NOW);
    const after = run(change(elevenEntries()), NOW, ledgerOf(before), mode);
    const a = docs(before);
    const b = docs(after);
    for (const folder of ['', 'tags/all/']) {
      for (const page of [2, 3, 4, 5]) for (const p of archivePaths(folder, page)) expect([p, b.get(p)]).toEqual([p, a.get(p)]);
      // The chain is as long as it was, and links every page it plans.
      expect(b.has(`${folder}archive/5/rss.xml`)).toBe(true);
      expect(b.has(`${folder}archive/6/rss.xml`)).toBe(false);
      expect(b.get(`${folder}rss.xml`)).toContain(`rel="prev-archive" href="https://newsroom.example.org/stories/test/feeds/${folder}archive/5/rss.xml"`);
      const page1 = b.get(`${folder}archive/1/rss.xml`)!;
      const changed = (changedStreams as readonly string[]).includes(folder);
      expect([folder, page1 !== a.get(`${folder}archive/1/rss.xml`)]).toEqual([folder, changed]);
      // Page 1 keeps e00, and does not pull e02 from page 2.
      expect(page1).toContain(idOf('e00'));
      expect(page1).not.toContain(idOf('e02'));
    }
    // Every document a run plans is in the chain or a stream: the same paths before and after.
    expect([...b.keys()].filter((p) => p.includes('archive/')).sort()).toEqual([...a.keys()].filter((p) => p.includes('archive/')).sort());
  });

  it('page n holds slots [L(n-1), Ln), counted from the oldest; the newest L slots are the subscription feed\'s', () => {
    expect(archiveRanges(11, 2)).toEqual({ current: 9, pages: [[0, 2], [2, 4], [4, 6], [6, 8], [8, 9]] });
    expect(archiveRanges(2, 2)).toEqual({ current: 0, pages: [] });
  });

  it('a new development pushes the hole into the archive, and the pages after it do not move', () => {
    const before = run(elevenEntries(), NOW);
    const retracted = elevenEntries({ slug: 'e09', extra: RETRACTED });
    const second = run(retracted, NOW, ledgerOf(before));
    // e09 is in the subscription feed (slots 9, 10): it holds one entry, then a stub of e09.
    expect(docs(second).get('feed.json')).toContain('"title": "Retracted: Development e09"');
    const third = run({ ...retracted, 'e11.md': entryText({ slug: 'e11', published: '2026-05-12T09:00:00Z', extra: 'tags: [all]\n' }) }, NOW, ledgerOf(second));
    const d = docs(third);
    // Slot 9 (e09's) moved to page 5, next to e08; pages 1–4 are as they were.
    for (const page of [1, 2, 3, 4]) for (const p of archivePaths('', page)) expect(d.get(p)).toBe(docs(second).get(p));
    expect(d.get('archive/5/atom.xml')).toContain(`<at:deleted-entry ref="${idOf('e09')}"`);
    expect(d.get('archive/5/atom.xml')).toContain(`<id>${idOf('e08')}</id>`);
  });
});

describe('a retraction reaches every document that carried the entry', () => {
  const at = '2026-05-20T00:00:00Z';
  const files = () => elevenEntries({ slug: 'e01', extra: `retracted:\n  at: ${at}\n  reason: The account could not be confirmed.\n`, body: 'ORIGINAL-BODY-TEXT of e01.' });
  const tombstone = `<at:deleted-entry ref="${idOf('e01')}" when="${at}">`;
  const stubTitle = 'Retracted: Development e01';
  const notice = '<p><strong>Retracted (May 20, 2026 at 00:00 UTC):</strong> The account could not be confirmed.</p>';

  it.each([
    ['a day after the retraction', '2026-05-21T00:00:00Z', true],
    ['the last instant of the window (30 days)', '2026-06-18T23:59:59.999Z', true],
    ['when the window ends', '2026-06-19T00:00:00Z', false],
    ['a year later', '2027-05-20T00:00:00Z', false],
  ])('%s: tombstones in Atom (story, tag, holding page); stubs in RSS and JSON Feed and notices on the pages only within the window', (_name, now, inWindow) => {
    const d = docs(run(files(), new Date(now)));
    // RFC 6721: the main feed, the tag's feed and the archive page that held the entry; not the other pages.
    for (const p of ['atom.xml', 'archive/1/atom.xml', 'tags/all/atom.xml', 'tags/all/archive/1/atom.xml', 'tags/p1/atom.xml']) expect([p, d.get(p)!.includes(tombstone)]).toEqual([p, true]);
    for (const p of ['archive/2/atom.xml', 'tags/all/archive/2/atom.xml', 'tags/p0/atom.xml']) expect([p, d.get(p)!.includes(tombstone)]).toEqual([p, false]);
    // RSS and JSON Feed: a stub with the same id, in the same documents, for the window.
    for (const folder of ['', 'archive/1/', 'tags/all/', 'tags/all/archive/1/', 'tags/p1/']) {
      const rss = d.get(`${folder}rss.xml`)!;
      const json = d.get(`${folder}feed.json`)!;
      expect([folder, rss.includes(`<title>${stubTitle}</title>`), rss.includes(`<content:encoded><![CDATA[${notice}]]></content:encoded>`), rss.includes(`<guid isPermaLink="false">${idOf('e01')}</guid>`)]).toEqual([folder, inWindow, inWindow, inWindow]);
      const item = (JSON.parse(json) as { items: Array<Record<string, unknown>> }).items.find((i) => i['id'] === idOf('e01'));
      expect([folder, item]).toEqual([folder, inWindow ? expect.objectContaining({ title: stubTitle, content_html: notice, date_modified: at, date_published: '2026-05-02T09:00:00Z' }) : undefined]);
      if (item) expect([folder, Object.keys(item).filter((k) => ['summary', 'image', '_storyfeed'].includes(k))]).toEqual([folder, []]);
    }
    // The pages show the notice in the entry's place for the same window.
    for (const p of ['index.html', 'tags/all/index.html', 'tags/p1/index.html']) {
      expect([p, d.get(p)!.includes(`<h3>${stubTitle}</h3>`), d.get(p)!.includes('The account could not be confirmed.')]).toEqual([p, inWindow, inWindow]);
    }
    // The original body is in no document, at any time after the retraction.
    for (const [p, text] of d) expect([p, text.includes('ORIGINAL-BODY-TEXT')]).toEqual([p, false]);
  });

  it('the body is not in the fragments a run holds either, only the notice', () => {
    const r = run(files(), new Date('2026-05-21T00:00:00Z'));
    const f = r.fragments.get('e01.md')!;
    expect(f.html).toBe(notice);
    expect(JSON.stringify([...r.fragments.values()])).not.toContain('ORIGINAL-BODY-TEXT');
  });

  it('a retraction due later leaves the entry whole until then; the body leaves with it', () => {
    const before = docs(run(files(), new Date('2026-05-19T23:59:59Z')));
    expect(before.get('archive/1/rss.xml')).toContain('ORIGINAL-BODY-TEXT');
    expect(before.get('atom.xml')).not.toContain('deleted-entry');
  });

  it('retraction_window: 0 drops the stub at once; the tombstone stays', () => {
    const f = { ...files(), '_story.md': storyText('item_limit: 2\nretraction_window: 0\n') };
    const d = docs(run(f, new Date('2026-05-21T00:00:00Z')));
    expect(d.get('rss.xml')).not.toContain(stubTitle);
    expect(d.get('index.html')).not.toContain(stubTitle);
    expect(d.get('atom.xml')).toContain(tombstone);
  });

  it('a tag whose only entry is retracted keeps its feeds (its readers get the tombstone), and leaves the tag index', () => {
    const f = { ...elevenEntries(), 'solo.md': entryText({ slug: 'solo', published: '2026-05-03T10:00:00Z', extra: `tags: [only-here]\nretracted:\n  at: ${at}\n  reason: Wrong.\n` }) };
    const d = docs(run(f, new Date('2026-06-30T00:00:00Z')));
    expect(d.get('tags/only-here/atom.xml')).toContain(`<at:deleted-entry ref="${idOf('solo')}"`);
    expect(d.get('tags/index.html')).not.toContain('only-here');
  });
});

describe('the end of a retraction window is a moment the published set changes', () => {
  const r = run(elevenEntries({ slug: 'e01', extra: 'retracted:\n  at: 2026-05-20T00:00:00Z\n  reason: Wrong.\n' }), new Date('2026-05-21T00:00:00Z'));
  it('the service wakes for it', () => {
    expect(nextChange(r.entries, new Date('2026-05-21T00:00:00Z'))?.toISOString()).toBe('2026-06-19T00:00:00.000Z');
  });
  it('the fast path does not answer "no change" across it', () => {
    expect(publishWindow(r.entries, new Date('2026-05-21T00:00:00Z'))).toEqual([Date.parse('2026-05-20T00:00:00Z'), Date.parse('2026-06-19T00:00:00Z')]);
    expect(publishWindow(r.entries, new Date('2026-06-20T00:00:00Z'))[0]).toBe(Date.parse('2026-06-19T00:00:00Z'));
  });
});

describe('planning is linear: a page depends only on what it shows', () => {
  const base = (extraTags: number) => {
    const files: Files = { '_story.md': storyText() };
    files['a.md'] = entryText({ slug: 'a', published: '2026-05-01T09:00:00Z', extra: 'tags: [kept]\n' });
    for (let i = 0; i < extraTags; i += 1) files[`x${i}.md`] = entryText({ slug: `x${i}`, published: '2026-05-02T09:00:00Z', extra: `tags: [other-${i}]\n` });
    return files;
  };
  it('a tag page\'s key does not change when tags it does not show come and go', () => {
    const keyOf = (r: CompileResult, p: string) => r.planned.find((f) => f.path === p)!.key;
    const one = run(base(1), NOW);
    const many = run(base(40), NOW);
    expect(keyOf(many, 'tags/kept/index.html')).toBe(keyOf(one, 'tags/kept/index.html'));
    expect(keyOf(many, 'tags/other-0/index.html')).toBe(keyOf(one, 'tags/other-0/index.html'));
  });
});

describe('the ledger remembers the tags each id was published with', () => {
  it('records them, keeps the ones an entry lost, and reads a ledger from before tag records', () => {
    const first = run(elevenEntries(), NOW);
    expect(parseLedger(ledgerOf(first)).ledger.ids[idOf('e01')]).toEqual({ path: 'e01.md', published: '2026-05-02T09:00:00Z', tags: ['all', 'p1'], anchor: 'e01' });
    const untagged = run(elevenEntries({ slug: 'e01', tags: 'p1, new' }), NOW, ledgerOf(first));
    expect(parseLedger(ledgerOf(untagged)).ledger.ids[idOf('e01')]!.tags).toEqual(['all', 'new', 'p1']);
    // A ledger written before tags were recorded is read as it is (no W_LEDGER_INVALID).
    const old = JSON.stringify({ version: 1, ids: { [idOf('e01')]: { path: 'e01.md', published: '2026-05-02T09:00:00Z' } } });
    expect(run(elevenEntries(), NOW, old).diagnostics).toEqual([]);
  });
});

describe('service mode never drops a published entry it cannot stand in for (found from outside: a service started while one was broken deleted it)', () => {
  const before = run(elevenEntries(), NOW);
  it.each([
    ['its file deleted', (f: Files) => Object.fromEntries(Object.entries(f).filter(([p]) => p !== 'e01.md')), 'E_ID_VANISHED'],
    ['its file broken', (f: Files) => ({ ...f, 'e01.md': f['e01.md']!.replace(/^published: .*$/m, 'published: soon') }), 'E_DATE_INVALID'],
    ['a correction dated after the clock', (f: Files) => ({ ...f, 'e01.md': f['e01.md']!.replace(/^(published: .*)$/m, '$1\ncorrection: {at: 2031-01-01T00:00:00Z, note: Dated ahead.}') }), 'E_DATE_AHEAD'],
  ])('%s, no last good version in memory: the story is not built (its published files stay); with one, it stands in', (_name, change, code) => {
    const files = change(elevenEntries());
    const r = compile({ sources: sources(files), now: NOW, mode: 'service', ledgerText: ledgerOf(before), ledgerPath: LEDGER_PATH });
    expect([r.ok, r.planned.length, r.diagnostics.map((d) => d.code)]).toEqual([false, 0, expect.arrayContaining([code])]);
    const lastGood = new Map([['e01.md', { path: 'e01.md', text: elevenEntries()['e01.md']! }]]);
    const kept = compile({ sources: sources(files), now: NOW, mode: 'service', ledgerText: ledgerOf(before), ledgerPath: LEDGER_PATH, lastGood });
    expect(kept.ok).toBe(true);
    expect(docs(kept).get('rss.xml')).toBe(docs(before).get('rss.xml'));
  });
  it('a new entry that is broken is held back, and the story is built', () => {
    const r = compile({ sources: sources({ ...elevenEntries(), 'new.md': entryText({ slug: 'new', published: 'soon' }) }), now: NOW, mode: 'service', ledgerText: ledgerOf(before), ledgerPath: LEDGER_PATH });
    expect([r.ok, r.outcomes.find((o) => o.path === 'new.md')?.status]).toEqual([true, 'rejected']);
  });
});

describe('a tag page lists its developments by their summaries (README "Archives and per-tag feeds")', () => {
  const image = (alt: string) => `image:\n  url: https://newsroom.example.org/img/${alt}.png\n  alt: ${alt}\n`;
  const correction = 'correction: {at: 2026-05-03T09:00:00Z, note: "It said 10; it was 1."}\n';
  const r = run(
    {
      '_story.md': storyText(),
      'newest.md': entryText({ slug: 'newest', published: '2026-05-04T09:00:00Z', extra: 'tags: [t]\nsummary: No picture\n' }),
      'a.md': entryText({ slug: 'a', published: '2026-05-02T09:00:00Z', extra: `tags: [t]\nsummary: Sum of A & more\n${correction}${image('picture-a')}`, body: 'Body of A.' }),
      'b.md': entryText({ slug: 'b', published: '2026-05-01T09:00:00Z', extra: `tags: [t]\n${image('picture-b')}`, body: 'Body of B.' }),
    },
    NOW,
  );
  const page = (p: string) => docs(r).get(p)!;
  const note = '<p><strong>Correction (May 3, 2026 at 09:00 UTC):</strong> It said 10; it was 1.</p>';
  it.each([
    ['the tag page: A by its summary under its correction, B (no summary) by its body', 'tags/t/index.html', [`${note}<p class="teaser">Sum of A &amp; more</p>`, '<p>Body of B.</p>'], ['Body of A.']],
    ['the story page: both bodies, no teaser', 'index.html', [`${note}<p>Body of A.</p>`, '<p>Body of B.</p>'], ['class="teaser"']],
  ])('%s', (_, p, present, absent) => {
    for (const text of present) expect(page(p)).toContain(text);
    for (const text of absent) expect(page(p).replace(/<head>[\s\S]*<\/head>/, '')).not.toContain(text);
  });
  it('only the first image of the page loads at once, whichever development has it', () => {
    for (const p of ['tags/t/index.html', 'index.html']) {
      expect(page(p)).toMatch(/alt="picture-a" decoding="async"/);
      expect(page(p)).toMatch(/alt="picture-b" loading="lazy"/);
    }
  });
});
