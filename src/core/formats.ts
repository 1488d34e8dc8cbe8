// THE registry of what storyfeed publishes: per format its file name (the same in every folder:
// the story's, each archive page's, each tag's), its media type, and the self URLs built from
// them. The planner, the page, the server and WebSub read it; nothing else names these files or
// types. Media types: RSS (the RSS Advisory Board's application/rss+xml), RFC 4287 §7
// (application/atom+xml), JSON Feed 1.1 (application/feed+json).
import type { Story } from './types.js';

export const FORMATS = {
  rss: { file: 'rss.xml', type: 'application/rss+xml', label: 'RSS' },
  atom: { file: 'atom.xml', type: 'application/atom+xml', label: 'Atom' },
  json: { file: 'feed.json', type: 'application/feed+json', label: 'JSON Feed' },
  html: { file: 'index.html', type: 'text/html' },
  // Chromium applies an xml-stylesheet only when the stylesheet is served with an XML type.
  xsl: { file: 'feed.xsl', type: 'text/xsl' },
  css: { file: 'style.css', type: 'text/css' },
  // A newsroom's root (core/newsroom-plan.ts): the subscription list (OPML 2.0; no registered
  // media type, text/x-opml is what readers and opml.org use) and the stories as data.
  opml: { file: 'stories.opml', type: 'text/x-opml' },
  stories: { file: 'stories.json', type: 'application/json' },
  // Sitemaps (core/sitemaps.ts): the sitemaps.org 0.9 protocol and Google's news extension, both
  // XML. The protocol names no media type; servers and Google's docs use application/xml.
  sitemap: { file: 'sitemap.xml', type: 'application/xml' },
  newsSitemap: { file: 'news-sitemap.xml', type: 'application/xml' },
} as const;

export type Format = keyof typeof FORMATS;

/** Every published file is UTF-8. */
const withCharset = (type: string) => `${type}; charset=utf-8`;

/** The Content-Type each format is written and served with. */
export const MEDIA_TYPES = Object.fromEntries(Object.entries(FORMATS).map(([k, f]) => [k, withCharset(f.type)])) as { readonly [K in Format]: string };

/** The file names of the documents every folder of a stream holds. */
export const OUTPUT_FILES = { rss: FORMATS.rss.file, atom: FORMATS.atom.file, json: FORMATS.json.file, page: FORMATS.html.file } as const;
export const STYLESHEET_FILE = FORMATS.xsl.file;
export const PAGE_CSS_FILE = FORMATS.css.file;
/** The files only a newsroom's root holds, besides its feeds, page and stylesheets. */
export const NEWSROOM_FILES = { opml: FORMATS.opml.file, stories: FORMATS.stories.file } as const;
/** The sitemaps, at the root of the output folder only (sitemaps.org: a sitemap lists URLs at or below its own folder). */
export const SITEMAP_FILES = { pages: FORMATS.sitemap.file, news: FORMATS.newsSitemap.file } as const;

/**
 * The n-th part (from 1) of a sitemap too long for one file (sitemaps.org: at most 50,000 URLs a
 * file); `sitemap.xml` is then their index.
 */
export function sitemapPartFile(n: number): string {
  return `sitemap-${n}.xml`;
}

/** Is this output path one of the sitemaps? (They list pages, so publish sends them after every page.) */
export function isSitemapFile(file: string): boolean {
  return file === SITEMAP_FILES.pages || file === SITEMAP_FILES.news || /^sitemap-[1-9]\d*\.xml$/.test(file);
}

/** The self URL of each feed format in `folder` (relative to the story's feed base). */
export function feedUrls(story: Story, folder = ''): { rss: string; atom: string; json: string } {
  const base = new URL(folder, story.feedBase).href;
  return {
    rss: new URL(OUTPUT_FILES.rss, base).href,
    atom: new URL(OUTPUT_FILES.atom, base).href,
    json: new URL(OUTPUT_FILES.json, base).href,
  };
}

/** Structured data in a page (JSON-LD 1.1 §9.1; HTML <script type>). */
export const JSON_LD_TYPE = 'application/ld+json';

/** JSON that is not a feed: the build's state files, the remote's publish manifest and lease. */
export const JSON_TYPE = withCharset('application/json');

/** The type an XML feed is served with to a browser, which parses and styles it (feed.xsl). */
export const BROWSER_XML_TYPE = withCharset('application/xml');

/** The server's own short answers (404, 405 …). */
export const PLAIN_TEXT_TYPE = withCharset('text/plain');

/** How a WebSub publisher pings its hub (W3C WebSub §7: a form-encoded POST). */
export const HUB_PING_TYPE = 'application/x-www-form-urlencoded';

/** How the renderers' XML is parsed back (DOMParser's mode for generic XML). */
export const XML_PARSE_TYPE = 'text/xml';

/** IANA media types for the image extensions newsrooms use (an entry's `image:`; images served locally). */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

/** Other files a server may find in the output folder (images an entry links locally), by extension. */
const BY_EXTENSION: ReadonlyArray<readonly [string, string]> = [
  ['.html', MEDIA_TYPES.html],
  ['.xsl', MEDIA_TYPES.xsl],
  ['.xml', BROWSER_XML_TYPE],
  ['.json', JSON_TYPE],
  ['.css', MEDIA_TYPES.css],
  ['.opml', MEDIA_TYPES.opml],
  ...(['svg', 'png', 'jpg', 'jpeg', 'webp', 'gif'] as const).map((ext) => [`.${ext}`, IMAGE_TYPES[ext]!] as const),
];

/**
 * The media type of a file in the output folder, by its name: a feed by its format's file name
 * (also `rss-….xml` and the like), anything else by its extension.
 */
export function mediaTypeOfFile(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  for (const format of ['rss', 'atom', 'json'] as const) {
    const dot = FORMATS[format].file.lastIndexOf('.');
    const stem = FORMATS[format].file.slice(0, dot);
    const ext = FORMATS[format].file.slice(dot);
    if (name.endsWith(ext) && (name === FORMATS[format].file || name.startsWith(`${stem}-`))) return MEDIA_TYPES[format];
  }
  for (const [ext, type] of BY_EXTENSION) if (name.endsWith(ext)) return type;
  return 'application/octet-stream';
}

/** Media types worth compressing: text, the feeds and JSON, XML and SVG. */
export function isCompressible(type: string): boolean {
  return /^(text\/|application\/(rss\+xml|atom\+xml|feed\+json|json|xml)|image\/svg\+xml)/.test(type);
}

/** The XML feed types (RSS, Atom), which browsers will not style with the feed's stylesheet. */
export function isXmlFeedType(type: string): boolean {
  return type.startsWith(FORMATS.rss.type) || type.startsWith(FORMATS.atom.type);
}
