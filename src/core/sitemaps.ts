// The sitemaps (issue 15), planned as data: `sitemap.xml` lists every page storyfeed writes with its
// lastmod (sitemaps.org protocol 0.9), `news-sitemap.xml` the developments published in the 48
// hours before the build's clock, at most 1,000 (Google's news sitemap extension). The `sitemap`
// package writes them, but only through asynchronous streams, while a PlannedFile renders
// synchronously: so the core plans the URLs, and the build serializes them (build/sitemaps.ts)
// before they go through the one writer like every other output.
//
// Only what is out is listed: a draft or embargoed entry has no slot (plan.ts), and a retracted
// one's notice page (`noindex`) is left out too. Every time comes from the entries, never from the
// clock, so an unchanged story writes the same bytes; the clock only decides which developments are
// recent enough for the news sitemap (model.ts `isRecentNews`; the build's up-to-date window ends
// when one ages out).

import { compareStrings } from './diagnostics.js';
import { documentKey, fingerprint } from './fingerprint.js';
import { formatRfc3339 } from './dates.js';
import { MEDIA_TYPES, SITEMAP_FILES, sitemapPartFile } from './formats.js';
import { defaultLink, anchorOf } from './links.js';
import { isRecentNews, isRetracted } from './model.js';
import { publisherName } from './render/json-ld.js';
import type { EntryMeta, Story } from './types.js';
import { RENDER_VERSION } from './versions.js';

/** Google: "Limit the sitemap to a maximum of 1,000 URLs." */
export const NEWS_LIMIT = 1000;
/**
 * sitemaps.org: "Each Sitemap file … must have no more than 50,000 URLs and must be no larger than
 * 50MB"; beyond that, parts and a sitemap index. (50,000 of our URLs come to about 8 MB.)
 */
export const PAGES_LIMIT = 50_000;

/** Google's news extension: the `news:news` of one URL. */
export interface NewsTag {
  /** `news:publication/news:name`: the publisher, as the pages' structured data names it. */
  readonly name: string;
  /** `news:publication/news:language`: ISO 639 (2 or 3 letters), or zh-cn / zh-tw. */
  readonly language: string;
  /** `news:publication_date`, W3C Datetime. */
  readonly published: string;
  /** `news:title`, plain text (the serializer escapes it). */
  readonly title: string;
}

export interface SitemapUrl {
  /** Absolute URL of a page (its canonical link). */
  readonly loc: string;
  /** W3C Datetime; absent for a page that shows no development yet (it has no meaningful time). */
  readonly lastmod?: string;
  readonly news?: NewsTag;
}

/** A sitemap as data, with the key the writer skips an unchanged file by (like a PlannedFile's). */
export interface PlannedSitemap {
  readonly path: string;
  readonly mediaType: string;
  /** `index`: a sitemap index (sitemaps.org), listing the parts of a sitemap too long for one file. */
  readonly kind: 'pages' | 'news' | 'index';
  readonly key: string;
  /** The key's fingerprint part (a sitemap depends on no entry's body: no deps). */
  readonly base: string;
  readonly urls: readonly SitemapUrl[];
}

/** A page with the time it last changed (ms; 0: it shows no development). */
export interface SitemapPage {
  readonly loc: string;
  readonly changed: number;
}

/**
 * The news sitemap's language (Google: an ISO 639 code of 2 or 3 letters; for Chinese zh-cn,
 * Simplified, or zh-tw, Traditional) from the story's BCP 47 tag; `und` (ISO 639-2
 * "undetermined") for a tag whose language subtag is neither.
 */
export function newsLanguage(tag: string): string {
  const subtags = tag.toLowerCase().split(/[-_]/);
  const primary = subtags[0] ?? '';
  if (primary === 'zh') return subtags.includes('hant') || subtags.some((s) => s === 'tw' || s === 'hk' || s === 'mo') ? 'zh-tw' : 'zh-cn';
  return /^[a-z]{2,3}$/.test(primary) ? primary : 'und';
}

const lastmodOf = (changed: number) => (changed > 0 ? { lastmod: formatRfc3339(new Date(changed)) } : {});

/** What one story's sitemaps list (plan.ts gathers it). */
export interface StorySitemapInput {
  readonly story: Story;
  /** Every entry that is out now (the story's slots' entries: published, retracted or not). */
  readonly entries: readonly EntryMeta[];
  /** The story page's and the tag pages' URLs and times, in any order. */
  readonly pages: readonly SitemapPage[];
  readonly now: Date;
}

/** The entry pages of a story and its news, from the entries that are out. */
export function storySitemapUrls(input: StorySitemapInput): { pages: SitemapUrl[]; news: SitemapUrl[] } {
  const { story, now } = input;
  const pages: SitemapUrl[] = input.pages.map((p) => ({ loc: p.loc, ...lastmodOf(p.changed) }));
  const news: Array<SitemapUrl & { at: number }> = [];
  const publication = { name: publisherName(story), language: newsLanguage(story.language) };
  for (const e of input.entries) {
    if (isRetracted(e, now)) continue;
    const loc = defaultLink(story.feedBase, e.id, anchorOf(e));
    pages.push({ loc, ...lastmodOf(e.updated.getTime()) });
    if (isRecentNews(e, now)) news.push({ loc, at: e.published.getTime(), news: { ...publication, published: formatRfc3339(e.published), title: e.title } });
  }
  return { pages, news: news.sort((a, b) => b.at - a.at || compareStrings(a.loc, b.loc)).map(({ at: _at, ...u }) => u) };
}

/**
 * The planned sitemaps of a set of URLs: the pages in URL order; the newest 1,000 news URLs,
 * newest first. No news sitemap while nothing is recent (the sitemaps.org schema requires a
 * `url` in every `urlset`, and the package refuses an empty one): the writer then deletes the
 * one an earlier run wrote. More pages than one file may hold go into parts of `limit` URLs
 * (`sitemap-1.xml` …, in URL order) with `sitemap.xml` their index, at `base` (the folder they are
 * published in); each part's lastmod in the index is its newest URL's.
 */
export function planSitemaps(pages: readonly SitemapUrl[], news: readonly SitemapUrl[], base: string, limit = PAGES_LIMIT): PlannedSitemap[] {
  const sorted = [...pages].sort((a, b) => compareStrings(a.loc, b.loc));
  const recent = [...news].sort((a, b) => Date.parse(b.news!.published) - Date.parse(a.news!.published) || compareStrings(a.loc, b.loc)).slice(0, NEWS_LIMIT);
  const planned = (path: string, kind: PlannedSitemap['kind'], urls: readonly SitemapUrl[]): PlannedSitemap[] => {
    if (urls.length === 0) return [];
    const base = fingerprint({ v: RENDER_VERSION, kind, urls });
    return [{ path, mediaType: kind === 'news' ? MEDIA_TYPES.newsSitemap : MEDIA_TYPES.sitemap, kind, key: documentKey(path, base, []), base, urls }];
  };
  const newsMap = planned(SITEMAP_FILES.news, 'news', recent);
  if (sorted.length <= limit) return [...planned(SITEMAP_FILES.pages, 'pages', sorted), ...newsMap];
  const parts: PlannedSitemap[] = [];
  for (let i = 0; i < sorted.length; i += limit) parts.push(...planned(sitemapPartFile(parts.length + 1), 'pages', sorted.slice(i, i + limit)));
  const index = parts.map((p) => ({ loc: new URL(p.path, base).href, ...lastmodOf(p.urls.reduce((max, u) => Math.max(max, u.lastmod === undefined ? 0 : Date.parse(u.lastmod)), 0)) }));
  return [...parts, ...planned(SITEMAP_FILES.pages, 'index', index), ...newsMap];
}

/**
 * A newsroom's sitemaps, at its root: the front page, then every story's pages; the news of every
 * story under one publication, the newsroom's. URLs outside the newsroom's folder (a story whose
 * `feed_base` is elsewhere) are left out: a sitemap may only list URLs at or below its own folder.
 */
export function planNewsroomSitemaps(newsroom: Story, stories: ReadonlyArray<readonly PlannedSitemap[]>): PlannedSitemap[] {
  const inside = (u: SitemapUrl) => u.loc.startsWith(newsroom.feedBase);
  const of = (kind: PlannedSitemap['kind']) => stories.flatMap((list) => list.filter((s) => s.kind === kind).flatMap((s) => s.urls.filter(inside)));
  const storyPages = of('pages');
  // The front page shows every story's latest development: it changed when the newest of them did.
  const newest = storyPages.reduce((max, u) => Math.max(max, u.lastmod === undefined ? 0 : Date.parse(u.lastmod)), 0);
  // The front page is listed where storyfeed writes it, unless its canonical link (home_page) is elsewhere.
  const front: SitemapUrl[] = newsroom.homePage === newsroom.feedBase ? [{ loc: newsroom.feedBase, ...lastmodOf(newest) }] : [];
  const publication = { name: publisherName(newsroom) };
  const news = of('news').map((u) => ({ ...u, news: { ...u.news!, ...publication } }));
  return planSitemaps([...front, ...storyPages], news, newsroom.feedBase);
}
