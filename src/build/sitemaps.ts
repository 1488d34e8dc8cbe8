// The sitemaps, serialized with the `sitemap` package (issue 15: "written with the sitemap
// package"). The core plans them as data (core/sitemaps.ts) because the package writes only
// through streams (SitemapStream, streamToPromise), which are asynchronous, while a PlannedFile
// renders synchronously. Here each becomes a file the writer renders asynchronously, so that it is
// written like every other output: skipped by its key (then not even serialized), atomically, and
// not at all when its bytes are unchanged.

import { once } from 'node:events';
import { ErrorLevel, normalizeURL, SitemapIndexStream, SitemapStream, streamToPromise, validateSMIOptions, type IndexItem, type SitemapItemLoose } from 'sitemap';
import type { PlannedSitemap, SitemapUrl } from '../core/sitemaps.js';
import type { WritableFile } from '../io/write-outputs.js';

function itemOf(u: SitemapUrl): SitemapItemLoose {
  return {
    url: u.loc,
    ...(u.lastmod ? { lastmod: u.lastmod } : {}),
    ...(u.news ? { news: { publication: { name: u.news.name, language: u.news.language }, publication_date: u.news.published, title: u.news.title } } : {}),
  };
}

/** One sitemap's XML, as the package writes it (only the namespaces it uses are declared). */
export async function renderSitemap(sitemap: PlannedSitemap): Promise<string> {
  if (sitemap.kind === 'index') {
    // An index of the parts of a sitemap too long for one file (core/sitemaps.ts PAGES_LIMIT).
    const stream = new SitemapIndexStream({ level: ErrorLevel.THROW });
    const text = streamToPromise(stream);
    for (const u of sitemap.urls) if (!stream.write({ url: u.loc, ...(u.lastmod ? { lastmod: u.lastmod } : {}) } satisfies IndexItem)) await once(stream, 'drain');
    stream.end();
    return (await text).toString('utf8');
  }
  const items = sitemap.urls.map(itemOf);
  // The package's own checks, before streaming: inside the stream a failed check would be thrown
  // from a later tick, out of reach. What the core plans always passes them; failing is a bug.
  for (const item of items) validateSMIOptions(normalizeURL(item), ErrorLevel.THROW);
  const stream = new SitemapStream({ level: ErrorLevel.THROW, xmlns: { news: sitemap.kind === 'news', xhtml: false, image: false, video: false } });
  const text = streamToPromise(stream);
  for (const item of items) if (!stream.write(item)) await once(stream, 'drain');
  stream.end();
  return (await text).toString('utf8');
}

/** The planned files with the sitemaps among them, each serialized when the writer renders it: what the writer is given. */
export function withSitemaps(planned: readonly WritableFile[], sitemaps: readonly PlannedSitemap[]): WritableFile[] {
  return [...planned, ...sitemaps.map((s): WritableFile => ({ path: s.path, mediaType: s.mediaType, key: s.key, base: s.base, deps: [], render: async () => [await renderSitemap(s)] }))];
}
