// The sitemaps as written (the core's plan, serialized by the `sitemap` package as the build does),
// judged by xmllint against the sitemaps.org 0.9 schema and Google's news extension
// (test/fixtures/sitemaps.xsd), and parsed back with a real XML parser: every field as planned,
// the 48-hour window's edges, the 1,000 cap, the language, titles with & and < intact.
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { renderSitemap } from '../../src/build/sitemaps.js';
import { planSitemaps } from '../../src/core/sitemaps.js';
import { compile } from '../../src/core/compile.js';
import { tagSlug } from '../../src/core/tags.js';
import { checkSitemap } from '../helpers/checkers.js';
import { entryText, FEED_BASE, HOME, sources, storyText } from '../helpers/story.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';
const NOW = new Date('2026-06-01T00:00:00Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

const ownStory = (extra = '') => storyText(extra).replace(`home_page: ${HOME}\n`, '');

async function written(files: Record<string, string>, now = NOW): Promise<{ pages: string; news?: string }> {
  const r = compile({ sources: sources(files), now });
  expect(r.diagnostics).toEqual([]);
  const text = async (kind: 'pages' | 'news') => {
    const s = r.sitemaps.find((x) => x.kind === kind);
    return s ? renderSitemap(s) : undefined;
  };
  return { pages: (await text('pages'))!, ...(r.sitemaps.some((s) => s.kind === 'news') ? { news: (await text('news'))! } : {}) };
}

interface ParsedUrl {
  loc: string;
  lastmod?: string;
  news?: { name: string; language: string; published: string; title: string };
}

/** The URLs of a sitemap, read back by namespace. */
function parse(xml: string): ParsedUrl[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  expect(doc.documentElement!.namespaceURI).toBe(SITEMAP_NS);
  expect(doc.documentElement!.localName).toBe('urlset');
  const one = (el: Element, ns: string, name: string) => {
    const list = el.getElementsByTagNameNS(ns, name);
    return list.length === 0 ? undefined : list.item(0)!.textContent!;
  };
  return [...Array.from({ length: doc.getElementsByTagNameNS(SITEMAP_NS, 'url').length }, (_, i) => doc.getElementsByTagNameNS(SITEMAP_NS, 'url').item(i)!)].map((url) => {
    const lastmod = one(url, SITEMAP_NS, 'lastmod');
    const hasNews = url.getElementsByTagNameNS(NEWS_NS, 'news').length > 0;
    return {
      loc: one(url, SITEMAP_NS, 'loc')!,
      ...(lastmod === undefined ? {} : { lastmod }),
      ...(hasNews ? { news: { name: one(url, NEWS_NS, 'name')!, language: one(url, NEWS_NS, 'language')!, published: one(url, NEWS_NS, 'publication_date')!, title: one(url, NEWS_NS, 'title')! } } : {}),
    };
  });
}

const story = {
  '_story.md': ownStory().replace('language: en\n', 'language: pt-BR\n').replace('- name: Test Desk', '- name: "Mesa & <Redação>"'),
  'a.md': entryText({ slug: 'oil', title: 'Oil < $80 & falling', published: '2026-05-31T12:00:00Z', extra: 'tags: [oil & gas]\n' }),
  'b.md': entryText({ slug: 'talks', title: 'Talks <resume> & "quotes"', published: '2026-05-30T09:00:00Z', extra: 'correction:\n  at: 2026-05-31T18:30:00+02:00\n  note: A name was wrong.\n' }),
  'c.md': entryText({ slug: 'older', title: 'Older', published: '2026-05-20T09:00:00Z' }),
  'embargo.md': entryText({ slug: 'scoop', title: 'Embargoed scoop', published: '2026-06-02T00:00:00Z' }),
};

describe.skipIf(skipWithout('xmllint'))(`sitemaps against their schemas (xmllint)${withoutNote('xmllint')}`, () => {
  it('sitemap.xml and news-sitemap.xml are valid, and invalid ones are caught', async () => {
    const { pages, news } = await written(story);
    expect(await checkSitemap(pages)).toEqual([]);
    expect(await checkSitemap(news!)).toEqual([]);
    // The schemas are not vacuous: a language Google does not take, a missing title, a relative loc.
    const bad = [news!.replace('<news:language>pt<', '<news:language>pt-BR<'), news!.replace(/<news:title>[^<]*<\/news:title>/, ''), pages.replace(/<loc>https:\/\/[^<]*<\/loc>/, '<loc>x</loc>')];
    for (const xml of bad) expect((await checkSitemap(xml)).map((p) => p.checker)).toEqual(['xmllint --schema']);
  });

  it('a thousand and more recent developments: 1,000 in the news sitemap, every page in the other, both valid', async () => {
    const files: Record<string, string> = { '_story.md': ownStory() };
    for (let i = 0; i < 1003; i++) files[`e${i}.md`] = entryText({ slug: `e${i}`, title: `Update ${i}`, published: at(-(i + 1) * 120_000) });
    const { pages, news } = await written(files);
    const items = parse(news!);
    expect(items.length).toBe(1000);
    expect(items[0]!.loc).toBe(`${FEED_BASE}e0/`);
    expect(items[999]!.loc).toBe(`${FEED_BASE}e999/`);
    expect(parse(pages).length).toBe(1003 + 2);
    expect(await checkSitemap(news!)).toEqual([]);
    expect(await checkSitemap(pages)).toEqual([]);
  });
});

describe.skipIf(skipWithout('xmllint'))(`a sitemap cut into parts and its index (xmllint)${withoutNote('xmllint')}`, () => {
  it('each part is a valid urlset, and sitemap.xml a valid sitemapindex naming each part with its newest lastmod', async () => {
    const pages = Array.from({ length: 5 }, (_, i) => ({ loc: `${FEED_BASE}e${i}/`, ...(i % 2 === 0 ? { lastmod: `2026-05-0${i + 1}T09:00:00Z` } : {}) }));
    const planned = planSitemaps(pages, [], FEED_BASE, 2);
    const xml = await Promise.all(planned.map(renderSitemap));
    for (const x of xml) expect(await checkSitemap(x)).toEqual([]);
    expect(xml.slice(0, 3).flatMap((x) => parse(x).map((p) => p.loc))).toEqual(pages.map((p) => p.loc));
    const index = new DOMParser().parseFromString(xml[3]!, 'text/xml');
    expect(index.documentElement!.localName).toBe('sitemapindex');
    expect(index.documentElement!.namespaceURI).toBe(SITEMAP_NS);
    const entries = Array.from({ length: index.getElementsByTagNameNS(SITEMAP_NS, 'sitemap').length }, (_, i) => index.getElementsByTagNameNS(SITEMAP_NS, 'sitemap').item(i)!);
    expect(entries.map((e) => [e.getElementsByTagNameNS(SITEMAP_NS, 'loc').item(0)!.textContent, Date.parse(e.getElementsByTagNameNS(SITEMAP_NS, 'lastmod').item(0)!.textContent!)])).toEqual([
      [`${FEED_BASE}sitemap-1.xml`, Date.parse('2026-05-01T09:00:00Z')],
      [`${FEED_BASE}sitemap-2.xml`, Date.parse('2026-05-03T09:00:00Z')],
      [`${FEED_BASE}sitemap-3.xml`, Date.parse('2026-05-05T09:00:00Z')],
    ]);
    // The index schema is not vacuous: a relative loc is caught.
    expect((await checkSitemap(xml[3]!.replace(/<loc>https:\/\/[^<]*<\/loc>/, '<loc>x</loc>'))).map((p) => p.checker)).toEqual(['xmllint --schema']);
  });
});

describe('sitemaps parsed back', () => {
  it('every page with its lastmod; the news with publication name and language, date and title, escaped and intact', async () => {
    const { pages, news } = await written(story);
    expect(pages).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/);
    expect(parse(pages)).toEqual([
      { loc: FEED_BASE, lastmod: '2026-05-31T16:30:00.000Z' },
      { loc: `${FEED_BASE}oil/`, lastmod: '2026-05-31T12:00:00.000Z' },
      { loc: `${FEED_BASE}older/`, lastmod: '2026-05-20T09:00:00.000Z' },
      { loc: `${FEED_BASE}tags/`, lastmod: '2026-05-31T12:00:00.000Z' },
      { loc: `${FEED_BASE}tags/${tagSlug('oil & gas')}/`, lastmod: '2026-05-31T12:00:00.000Z' },
      { loc: `${FEED_BASE}talks/`, lastmod: '2026-05-31T16:30:00.000Z' },
    ]);
    expect(news).toContain('<news:title>Oil &lt; $80 &amp; falling</news:title>');
    expect(news).toContain('<news:name>Mesa &amp; &lt;Redação&gt;</news:name>');
    expect(parse(news!)).toEqual([
      { loc: `${FEED_BASE}oil/`, news: { name: 'Mesa & <Redação>', language: 'pt', published: '2026-05-31T12:00:00Z', title: 'Oil < $80 & falling' } },
      { loc: `${FEED_BASE}talks/`, news: { name: 'Mesa & <Redação>', language: 'pt', published: '2026-05-30T09:00:00Z', title: 'Talks <resume> & "quotes"' } },
    ]);
    for (const xml of [pages, news!]) expect(xml).not.toMatch(/scoop|Embargoed/);
  });

  it('the 48-hour window by the build clock: its edges, and the embargo', async () => {
    const files = {
      '_story.md': ownStory(),
      'now.md': entryText({ slug: 'now', published: at(0) }),
      'inside.md': entryText({ slug: 'inside', published: at(-48 * HOUR + 1000) }),
      'edge.md': entryText({ slug: 'edge', published: at(-48 * HOUR) }),
      'future.md': entryText({ slug: 'future', published: at(1000) }),
    };
    const { news } = await written(files);
    expect(parse(news!).map((u) => [u.loc, u.news!.published])).toEqual([
      [`${FEED_BASE}now/`, '2026-06-01T00:00:00Z'],
      [`${FEED_BASE}inside/`, '2026-05-30T00:00:01Z'],
    ]);
    // One second later `inside` is out too, and `future` is in.
    const later = await written(files, new Date(NOW.getTime() + 1000));
    expect(parse(later.news!).map((u) => u.loc)).toEqual([`${FEED_BASE}future/`, `${FEED_BASE}now/`]);
  });

  it('nothing changed, the same bytes: a later clock writes an identical sitemap.xml', async () => {
    const a = await written(story, new Date('2026-06-01T00:00:00Z'));
    const b = await written(story, new Date('2026-06-01T08:59:59Z'));
    expect(b.pages).toBe(a.pages);
    expect(b.news).toBe(a.news);
  });
});
