// The sitemaps as the core plans them (issue 15): every page storyfeed writes with its lastmod,
// the news of the last 48 hours by the build's clock (at most 1,000), nothing unpublished, and the
// same URLs (so the same bytes) whatever the clock when nothing changed. Serialized XML and the
// schemas: test/interop/sitemaps.test.ts.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { compileNewsroom } from '../../../src/core/newsroom-compile.js';
import { NEWS_LIMIT, newsLanguage, PAGES_LIMIT, planNewsroomSitemaps, planSitemaps, type PlannedSitemap, type SitemapUrl } from '../../../src/core/sitemaps.js';
import { LEDGER_PATH } from '../../../src/io/state-folder.js';
import { newsroomEntryText, newsroomStoryText, newsroomText, NEWSROOM_FEEDS, NEWSROOM_HOME } from '../../helpers/newsroom.js';
import { entryText, FEED_BASE, HOME, sources, storyText } from '../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

/** A story whose pages are its own: home_page defaults to feed_base. */
const ownStory = (extra = '') => storyText(extra).replace(`home_page: ${HOME}\n`, '');

const files = {
  '_story.md': ownStory('retraction_window: 30\n'),
  'old.md': entryText({ slug: 'old', title: 'Talks open', published: '2026-05-20T09:00:00Z', extra: 'tags: [diplomacy]\n' }),
  'corrected.md': entryText({ slug: 'corrected', title: 'Corrected', published: '2026-05-25T09:00:00Z', extra: 'tags: [diplomacy, sanctions]\ncorrection:\n  at: 2026-05-30T10:00:00Z\n  note: The date was wrong.\n' }),
  'recent.md': entryText({ slug: 'recent', title: 'Oil < $80 & falling', published: '2026-05-31T12:00:00Z' }),
  'withdrawn.md': entryText({ slug: 'withdrawn', title: 'Withdrawn account', published: '2026-05-31T06:00:00Z', extra: 'tags: [withdrawn-tag]\nretracted:\n  at: 2026-05-31T08:00:00Z\n  reason: Not confirmed.\n' }),
  'draft.md': entryText({ slug: 'secret-draft', title: 'Secret draft', published: '2026-05-31T09:00:00Z', extra: 'draft: true\ntags: [draft-only]\n' }),
  'embargo.md': entryText({ slug: 'embargoed-scoop', title: 'Embargoed scoop', published: '2026-06-01T00:00:01Z', extra: 'tags: [embargo-only]\nupdated: 2026-06-03T00:00:00Z\n' }),
};

function build(input: Record<string, string> = files, now = NOW) {
  const r = compile({ sources: sources(input), now, ledgerPath: LEDGER_PATH });
  expect(r.diagnostics).toEqual([]);
  const of = (kind: PlannedSitemap['kind']) => r.sitemaps.find((s) => s.kind === kind);
  return { r, pages: of('pages'), news: of('news') };
}

const locs = (s: PlannedSitemap | undefined) => (s?.urls ?? []).map((u) => u.loc);

describe('sitemap.xml', () => {
  it('lists exactly the pages storyfeed writes (a retraction notice, noindex, aside), by URL', () => {
    const { r, pages } = build();
    expect(pages!.path).toBe('sitemap.xml');
    expect(pages!.mediaType).toBe('application/xml; charset=utf-8');
    const written = r.planned.filter((p) => p.path.endsWith('index.html') && p.path !== 'withdrawn/index.html').map((p) => new URL(p.path.replace(/index\.html$/, ''), FEED_BASE).href);
    expect(locs(pages)).toEqual([...written].sort());
    expect(locs(pages)).toEqual(
      [FEED_BASE, 'corrected/', 'old/', 'recent/', 'tags/', 'tags/diplomacy/', 'tags/sanctions/', 'tags/withdrawn-tag/'].map((p) => new URL(p, FEED_BASE).href),
    );
    // The retracted entry still has its notice page for the window, but it is not listed.
    expect(r.planned.some((p) => p.path === 'withdrawn/index.html')).toBe(true);
  });

  it('gives each page the time it last changed, from the entries: never the clock', () => {
    const { pages } = build();
    const lastmod = Object.fromEntries(pages!.urls.map((u) => [u.loc.slice(FEED_BASE.length), u.lastmod]));
    expect(lastmod).toEqual({
      '': '2026-05-31T12:00:00Z', // the newest change the story page shows
      'corrected/': '2026-05-30T10:00:00Z', // the correction moves `updated`
      'old/': '2026-05-20T09:00:00Z',
      'recent/': '2026-05-31T12:00:00Z',
      'tags/': '2026-05-31T08:00:00Z', // the newest tag page
      'tags/diplomacy/': '2026-05-30T10:00:00Z',
      'tags/sanctions/': '2026-05-30T10:00:00Z',
      'tags/withdrawn-tag/': '2026-05-31T08:00:00Z', // a tag page holding only a retraction: its time
    });
  });

  it('the same entries give the same sitemap, whatever the clock', () => {
    const a = build(files, new Date('2026-05-31T13:00:00Z'));
    const b = build(files, new Date('2026-06-01T00:00:00Z'));
    expect(b.pages).toEqual(a.pages);
    expect(b.news).toEqual(a.news);
  });

  it('a story page whose canonical link is elsewhere (home_page set) is not listed; its entry and tag pages are', () => {
    const { pages } = build({ ...files, '_story.md': storyText('retraction_window: 30\n') });
    expect(locs(pages)).not.toContain(FEED_BASE);
    expect(locs(pages)).not.toContain(HOME);
    expect(locs(pages)).toContain(`${FEED_BASE}recent/`);
  });

  it('a story with nothing out yet lists its story page and tag index, without a lastmod', () => {
    const { pages, news } = build({ '_story.md': ownStory(), 'embargo.md': files['embargo.md'] });
    expect(pages!.urls).toEqual([{ loc: FEED_BASE }, { loc: `${FEED_BASE}tags/` }]);
    expect(news).toBeUndefined();
  });
});

describe('a sitemap too long for one file', () => {
  const page = (i: number, day?: number): SitemapUrl => ({ loc: `${FEED_BASE}e${String(i).padStart(6, '0')}/`, ...(day ? { lastmod: `2026-05-${String(day).padStart(2, '0')}T09:00:00.000Z` } : {}) });

  it('is cut into parts of at most `limit` URLs in URL order, and sitemap.xml becomes their index with each part\'s newest lastmod', () => {
    const pages = [page(4, 3), page(0, 9), page(2), page(1, 2), page(3, 7)];
    const planned = planSitemaps(pages, [], FEED_BASE, 2);
    expect(planned.map((s) => [s.path, s.kind, locs(s)])).toEqual([
      ['sitemap-1.xml', 'pages', [page(0).loc, page(1).loc]],
      ['sitemap-2.xml', 'pages', [page(2).loc, page(3).loc]],
      ['sitemap-3.xml', 'pages', [page(4).loc]],
      ['sitemap.xml', 'index', [`${FEED_BASE}sitemap-1.xml`, `${FEED_BASE}sitemap-2.xml`, `${FEED_BASE}sitemap-3.xml`]],
    ]);
    expect(planned.at(-1)!.urls.map((u) => u.lastmod)).toEqual(['2026-05-09T09:00:00Z', '2026-05-07T09:00:00Z', '2026-05-03T09:00:00Z']);
    expect(new Set(planned.map((s) => s.key)).size).toBe(4);
  });

  it('at sitemaps.org\'s limit: 50,000 URLs stay one file, 50,001 make two parts and an index', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => page(i));
    expect(PAGES_LIMIT).toBe(50_000);
    expect(planSitemaps(many(PAGES_LIMIT), [], FEED_BASE).map((s) => [s.path, s.urls.length])).toEqual([['sitemap.xml', 50_000]]);
    expect(planSitemaps(many(PAGES_LIMIT + 1), [], FEED_BASE).map((s) => [s.path, s.kind, s.urls.length])).toEqual([
      ['sitemap-1.xml', 'pages', 50_000],
      ['sitemap-2.xml', 'pages', 1],
      ['sitemap.xml', 'index', 2],
    ]);
  });
});

describe('nothing unpublished reaches a sitemap', () => {
  it('drafts, embargoed and retracted entries are in neither: not their URL, title, tag or time', () => {
    const { r } = build();
    const text = JSON.stringify(r.sitemaps);
    for (const secret of ['secret-draft', 'Secret draft', 'draft-only', 'embargoed-scoop', 'Embargoed scoop', 'embargo-only', '2026-06-01T00:00:01', '2026-06-03', 'withdrawn/', 'Withdrawn account']) {
      expect([secret, text.includes(secret)]).toEqual([secret, false]);
    }
  });

  it('the embargo never leaks: the sitemaps one second before it are those of a folder without the entry', () => {
    const before = build(files, new Date('2026-06-01T00:00:00Z'));
    const { 'embargo.md': _embargoed, ...without } = files;
    expect(before.r.sitemaps).toEqual(build(without, new Date('2026-06-01T00:00:00Z')).r.sitemaps);
    // Once due (and its update too: a change dated ahead of the clock is E_DATE_AHEAD), it is in both.
    const after = build(files, new Date('2026-06-03T00:00:00Z'));
    expect(locs(after.pages)).toContain(`${FEED_BASE}embargoed-scoop/`);
    expect(locs(after.news)[0]).toBe(`${FEED_BASE}embargoed-scoop/`);
  });
});

describe('news-sitemap.xml', () => {
  it('holds the developments published in the 48 hours up to the clock, newest first, with publication, date and title', () => {
    const { news } = build();
    expect(news!.path).toBe('news-sitemap.xml');
    expect(news!.urls).toEqual([
      { loc: `${FEED_BASE}recent/`, news: { name: 'Test Desk', language: 'en', published: '2026-05-31T12:00:00Z', title: 'Oil < $80 & falling' } },
    ]);
  });

  it('the window: published now is in, 48 hours ago is out, one second less is in; the future is out', () => {
    const edge = {
      '_story.md': ownStory(),
      'now.md': entryText({ slug: 'now', published: at(0) }),
      'inside.md': entryText({ slug: 'inside', published: at(-48 * HOUR + 1000) }),
      'edge.md': entryText({ slug: 'edge', published: at(-48 * HOUR) }),
      'older.md': entryText({ slug: 'older', published: at(-72 * HOUR) }),
      'future.md': entryText({ slug: 'future', published: at(1000) }),
    };
    const { news } = build(edge);
    expect(locs(news)).toEqual([`${FEED_BASE}now/`, `${FEED_BASE}inside/`]);
  });

  it('corrections do not move a development in or out: the window counts from `published`', () => {
    const { news } = build({ '_story.md': ownStory(), 'a.md': files['corrected.md'] });
    expect(news).toBeUndefined();
  });

  it('holds at most 1,000 URLs: the newest', () => {
    const urls: SitemapUrl[] = Array.from({ length: NEWS_LIMIT + 5 }, (_, i) => ({
      loc: `${FEED_BASE}e${String(i).padStart(4, '0')}/`,
      news: { name: 'Desk', language: 'en', published: new Date(NOW.getTime() - i * 60_000).toISOString(), title: `Update ${i}` },
    }));
    const news = planSitemaps([{ loc: FEED_BASE }], [...urls].reverse(), FEED_BASE).find((s) => s.kind === 'news')!;
    expect(news.urls.length).toBe(NEWS_LIMIT);
    expect(news.urls[0]!.loc).toBe(`${FEED_BASE}e0000/`);
    expect(news.urls.at(-1)!.loc).toBe(`${FEED_BASE}e0999/`);
  });

  it.each([
    ['en', 'en'],
    ['en-GB', 'en'],
    ['pt-BR', 'pt'],
    ['fa', 'fa'],
    ['ast', 'ast'],
    ['zh', 'zh-cn'],
    ['zh-Hans-CN', 'zh-cn'],
    ['zh-CN', 'zh-cn'],
    ['zh-Hant', 'zh-tw'],
    ['zh-TW', 'zh-tw'],
    ['zh-HK', 'zh-tw'],
    ['i-klingon', 'und'],
    ['x-private', 'und'],
  ])('the story language %s is %s in news:language (ISO 639, or zh-cn / zh-tw)', (tag, expected) => {
    expect(newsLanguage(tag)).toBe(expected);
  });
});

describe("a newsroom's sitemaps", () => {
  // The newsroom's pages are its own: home_page defaults to feed_base, and the stories' too.
  const newsroomFiles = {
    '_newsroom.md': newsroomText().replace(`home_page: ${NEWSROOM_HOME}\n`, ''),
    'talks/_story.md': newsroomStoryText('talks', 'language: fa\n', 'Talks'),
    'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z', 'tags: [diplomacy]\n'),
    'talks/b.md': newsroomEntryText('talks', 'b', '2026-05-31T09:00:00Z'),
    'storm/_story.md': newsroomStoryText('storm', 'home_page: https://elsewhere.example.org/storm/\n', 'Storm'),
    'storm/a.md': newsroomEntryText('storm', 'a', '2026-05-31T10:00:00Z'),
    'storm/later.md': newsroomEntryText('storm', 'later', '2026-07-01T09:00:00Z'),
  };

  it('are one pair at the root: the front page and every story’s pages; the news of every story, under the newsroom’s name', () => {
    const r = compileNewsroom({ sources: sources(newsroomFiles), now: NOW });
    expect(r.diagnostics).toEqual([]);
    expect(r.sitemaps.map((s) => s.path)).toEqual(['sitemap.xml', 'news-sitemap.xml']);
    expect(r.planned.filter((p) => p.path.endsWith('sitemap.xml'))).toEqual([]);
    const [pages, news] = r.sitemaps;
    const u = (p: string) => new URL(p, NEWSROOM_FEEDS).href;
    // The storm story's page is canonical elsewhere; its entries' pages are still here.
    expect(locs(pages)).toEqual([NEWSROOM_FEEDS, u('storm/a/'), u('storm/tags/'), u('talks/'), u('talks/a/'), u('talks/b/'), u('talks/tags/'), u('talks/tags/diplomacy/')]);
    expect(pages!.urls[0]).toEqual({ loc: NEWSROOM_FEEDS, lastmod: '2026-05-31T10:00:00Z' });
    expect(news!.urls.map((x) => [x.loc, x.news!.name, x.news!.language])).toEqual([
      [u('storm/a/'), 'Live Desk', 'en'],
      [u('talks/b/'), 'Live Desk', 'fa'],
    ]);
    expect(JSON.stringify(r.sitemaps)).not.toContain('later');
  });

  it("gather a story's pages from its parts, never from its index, when the story's own sitemap was cut into parts", () => {
    const r = compileNewsroom({ sources: sources(newsroomFiles), now: NOW });
    const u = (p: string) => new URL(p, NEWSROOM_FEEDS).href;
    const storyPages = ['a', 'b', 'c', 'd', 'e'].map((x) => ({ loc: u(`talks/${x}/`) }));
    const story = planSitemaps(storyPages, [], u('talks/'), 2);
    expect(story.map((s) => s.kind)).toEqual(['pages', 'pages', 'pages', 'index']);
    const gathered = planNewsroomSitemaps(r.newsroom!, [story]);
    expect(gathered.map((s) => [s.path, s.kind])).toEqual([['sitemap.xml', 'pages']]);
    expect(locs(gathered[0])).toEqual([NEWSROOM_FEEDS, ...storyPages.map((p) => p.loc)]);
  });
});
