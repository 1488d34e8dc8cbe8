// Feed → rss.xml (RSS 2.0, rssboard.org/rss-specification, plus the RSS Advisory Board profile).

import type { Element } from '@xmldom/xmldom';
import type { Entry, Feed } from '../types.js';
import { createWriter, feedUrls } from './feed-options.js';
import { addElement, addStylesheet, childElements, declareNamespace, firstChild, NS, parseXml, serializeXml, setText } from './xml-dom.js';

export interface RssExtras {
  /** Folder of this document under the output folder ('' for the main feeds, 'tags/x/' …). */
  readonly folder?: string;
  /** Extra channel links (RFC 5005 archive links), rel → href. */
  readonly links?: ReadonlyArray<{ rel: string; href: string; type?: string }>;
  /** Adds the RFC 5005 fh:complete / fh:archive marker. */
  readonly history?: 'complete' | 'archive';
  readonly stylesheet?: string;
}

export function renderRss(feed: Feed, extras: RssExtras = {}): string {
  const urls = feedUrls(feed.story, extras.folder);
  const doc = parseXml(createWriter(feed, urls).rss2());
  const rss = doc.documentElement;
  if (!rss) throw new Error('feed produced no <rss> element');
  const channel = firstChild(rss, 'channel');

  // feed declares dc and content only when an item has content; declare what we use, always.
  declareNamespace(rss, 'atom', NS.atom);
  declareNamespace(rss, 'dc', NS.dc);
  declareNamespace(rss, 'content', NS.content);
  const items = childElements(channel, 'item');
  if (feed.entries.some((e) => e.image)) declareNamespace(rss, 'media', NS.media);

  // The docs URL feed writes points at the W3C validator's copy; the Board's spec is canonical.
  setText(firstChild(channel, 'docs'), 'https://www.rssboard.org/rss-specification');

  for (const link of extras.links ?? []) {
    addElement(channel, NS.atom, 'atom:link', { attributes: { rel: link.rel, href: link.href, type: link.type } });
  }
  if (extras.history) {
    declareNamespace(rss, 'fh', NS.fh);
    addElement(channel, NS.fh, `fh:${extras.history}`);
  }

  feed.entries.forEach((entry, i) => {
    const item = items[i];
    if (!item) throw new Error('feed dropped an item');
    finishItem(item, entry);
  });
  addStylesheet(doc, extras.stylesheet);
  return serializeXml(doc);
}

function finishItem(item: Element, entry: Entry): void {
  // Titles are plain text: an escaped text node, not HTML in CDATA (feed's choice), so that
  // `<` and `&` in a headline are shown, never interpreted, and `]]>` is harmless.
  setText(firstChild(item, 'title'), entry.title);
  // RSS profile: a name without an email goes in dc:creator, never in <author> (defect 8).
  for (const person of entry.authors) addElement(item, NS.dc, 'dc:creator', { text: person.name });
  // Categories are added here, not by feed: it prints `undefined` for a missing name and leaves
  // the domain attribute unescaped (defects 3 and 9).
  for (const tag of entry.tags) addElement(item, null, 'category', { text: tag });
  if (entry.image) {
    // Media RSS thumbnail always; an <enclosure> only with a known length (RSS 2.0 requires
    // url, length and type, and feed would guess the type from the extension — defect 6).
    addElement(item, NS.media, 'media:thumbnail', { attributes: { url: entry.image.url } });
    if (entry.image.length) {
      addElement(item, null, 'enclosure', { attributes: { url: entry.image.url, length: entry.image.length, type: entry.image.type } });
    }
  }
}
