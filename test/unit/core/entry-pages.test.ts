// A page per development (issue 15): `<slug>/index.html` for each published entry, the slug its
// anchor (unique, clear of the story's own folders, recorded in the ledger, never moved), the
// notice page for a retraction's window, and nothing at all for drafts and embargoed entries.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { parseLedger } from '../../../src/core/ledger.js';
import { suffixedAnchor } from '../../../src/core/anchors.js';
import { LEDGER_PATH } from '../../../src/io/state-folder.js';
import { entryText, FEED_BASE, sources, STORY_ID, storyText } from '../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');

const files = {
  '_story.md': storyText('retraction_window: 7\n'),
  'a.md': entryText({ slug: 'talks-open', title: 'Talks open', published: '2026-05-25T09:00:00Z', body: 'Officials met in Muscat.', extra: 'tags: [diplomacy]\n' }),
  'b.md': entryText({ slug: 'archive', title: 'From the archive', published: '2026-05-26T09:00:00Z' }),
  'retracted.md': entryText({ slug: 'withdrawn', title: 'Withdrawn account', published: '2026-05-27T09:00:00Z', body: 'Withdrawn body text.', extra: 'retracted:\n  at: 2026-05-28T09:00:00Z\n  reason: Not confirmed.\n' }),
  'draft.md': entryText({ slug: 'draft', title: 'Secret draft', published: '2026-05-28T09:00:00Z', body: 'Draft body text.', extra: 'draft: true\n' }),
  'embargo.md': entryText({ slug: 'embargo', title: 'Embargoed scoop', published: '2026-06-02T09:00:00Z', body: 'Embargoed body text.' }),
};

function build(now = NOW, extra: Record<string, string> = {}, ledgerText?: string) {
  const r = compile({ sources: sources({ ...files, ...extra }), now, ledgerPath: LEDGER_PATH, ...(ledgerText === undefined ? {} : { ledgerText }) });
  expect(r.diagnostics).toEqual([]);
  const file = (p: string) => r.files.find((f) => f.path === p)?.contents;
  return { r, file, pages: r.files.map((f) => f.path).filter((p) => /^[^/]+\/index\.html$/.test(p) && !p.startsWith('tags/')).sort() };
}

const ARCHIVE_SLUG = suffixedAnchor(`${STORY_ID}/archive`, new Set());

describe('a page per development', () => {
  it('each published entry has one, at its slug; the feeds and the story page link there', () => {
    const { r, file, pages } = build();
    expect(pages).toEqual([`${ARCHIVE_SLUG}/index.html`, 'talks-open/index.html', 'withdrawn/index.html'].sort());
    const page = file('talks-open/index.html')!;
    expect(page).toContain('<h1>Talks open</h1>');
    expect(page).toContain('<p>Officials met in Muscat.</p>');
    expect(page).toContain(`<link rel="canonical" href="${FEED_BASE}talks-open/">`);
    expect(page).toContain(`<meta property="og:url" content="${FEED_BASE}talks-open/">`);
    expect(page).toContain('<a href="../tags/diplomacy/" rel="tag">diplomacy</a>');
    expect(page).toContain('<a href="../#talks-open">');
    expect(page).toContain('<link rel="stylesheet" href="../style.css">');
    expect(r.entries.find((e) => e.id.endsWith('/talks-open'))!.link).toBe(`${FEED_BASE}talks-open/`);
    expect(file('rss.xml')).toContain(`<link>${FEED_BASE}talks-open/</link>`);
    expect(file('atom.xml')).toContain(`<link href="${FEED_BASE}talks-open/"/>`);
    expect(JSON.parse(file('feed.json')!).items.map((i: { url: string }) => i.url)).toContain(`${FEED_BASE}talks-open/`);
    expect(file('index.html')).toContain('<h3><a href="talks-open/">Talks open</a></h3>');
    expect(file('tags/diplomacy/index.html')).toContain('<h3><a href="../../talks-open/">Talks open</a></h3>');
  });

  it('an entry whose anchor names one of the story\'s folders gets a stable other slug, recorded in the ledger', () => {
    const { r, file } = build();
    expect(ARCHIVE_SLUG).toMatch(/^archive-[0-9a-f]{8}$/);
    expect(file(`${ARCHIVE_SLUG}/index.html`)).toContain('<h1>From the archive</h1>');
    const ledger = parseLedger(r.files.find((f) => f.path === LEDGER_PATH)!.contents).ledger;
    expect(ledger.ids[`${STORY_ID}/archive`]!.anchor).toBe(ARCHIVE_SLUG);
  });

  it('slugs never move once published, even when an earlier entry that ends alike arrives', () => {
    const first = build();
    const ledgerText = first.r.files.find((f) => f.path === LEDGER_PATH)!.contents;
    const other = entryText({ slug: 'other/talks-open', title: 'Older talks', published: '2026-01-01T09:00:00Z' });
    const second = build(NOW, { 'c.md': other }, ledgerText);
    expect(second.file('talks-open/index.html')).toContain('<h1>Talks open</h1>');
    expect(second.pages).toContain(`${suffixedAnchor(`${STORY_ID}/other/talks-open`, new Set())}/index.html`);
    // Without the ledger the older entry would take the plain slug: the ledger is what keeps it.
    expect(build(NOW, { 'c.md': other }).file('talks-open/index.html')).toContain('<h1>Older talks</h1>');
  });

  it('a retracted entry has the notice page for its window, never its body; then no page', () => {
    const within = build().file('withdrawn/index.html')!;
    expect(within).toContain('<h1>Retracted: Withdrawn account</h1>');
    expect(within).toContain('Not confirmed.');
    expect(within).toContain('<meta name="robots" content="noindex">');
    expect(within).not.toContain('Withdrawn body text');
    expect(within).not.toContain('application/ld+json');
    expect(build(new Date('2026-06-05T09:00:00Z')).pages).not.toContain('withdrawn/index.html');
  });

  it('drafts and embargoed entries get none, and their bodies and titles appear in no planned file', () => {
    const { r, pages } = build();
    expect(pages.some((p) => p.startsWith('draft/') || p.startsWith('embargo/'))).toBe(false);
    for (const f of r.files.filter((f) => f.path !== LEDGER_PATH)) {
      for (const secret of ['Draft body text', 'Secret draft', 'Embargoed body text', 'Embargoed scoop']) expect(f.contents, `${f.path}: ${secret}`).not.toContain(secret);
    }
    // Once the embargo lifts, its page is planned.
    expect(build(new Date('2026-06-03T00:00:00Z')).file('embargo/index.html')).toContain('<p>Embargoed body text.</p>');
  });

  it('home_page is optional: it defaults to feed_base, where the pages live', () => {
    const story = storyText().replace(/^home_page: .*\n/m, '');
    const r = compile({ sources: sources({ ...files, '_story.md': story }), now: NOW });
    expect(r.diagnostics).toEqual([]);
    expect(r.story!.homePage).toBe(FEED_BASE);
    expect(r.files.find((f) => f.path === 'index.html')!.contents).toContain(`<link rel="canonical" href="${FEED_BASE}">`);
  });
});
