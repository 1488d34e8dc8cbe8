// Feed → rss.xml (RSS 2.0, rssboard.org/rss-specification, plus the RSS Advisory Board profile).

import type { Element } from '@xmldom/xmldom';
import type { EntryMeta, Feed, Person } from '../types.js';
import { feedUrls } from '../formats.js';
import { createWriter } from './feed-options.js';
import { ENTRIES_MARKER } from './fragments.js';
import { xmlFormat, type XmlExtras } from './xml-format.js';
import { addElement, addStylesheet, appendEntriesMarker, childElements, declareNamespace, firstChild, NS, parseXml, redeclareNamespaceLast, serializeXml, setText } from './xml-dom.js';
import { escapeTextHex, localName, readRawElement, writeChild, writeElement } from './xml-tokens.js';

export type RssExtras = XmlExtras;

/**
 * The DOM pipeline: feed writes the channel with `items` (bodies as BODY_TOKEN), the DOM finishes
 * it. Channel-level choices come from `feed` (all the document's entries), never from `items`.
 */
function rssDocument(feed: Feed, items: readonly EntryMeta[], extras: RssExtras): string {
  const urls = feedUrls(feed.story, extras.folder);
  const doc = parseXml(createWriter(feed.story, feed.updated, items, urls).rss2());
  const rss = doc.documentElement;
  if (!rss) throw new Error('feed produced no <rss> element');
  const channel = firstChild(rss, 'channel');

  // feed declares dc and content only when an item has content; declare what we use, always.
  declareNamespace(rss, 'atom', NS.atom);
  declareNamespace(rss, 'dc', NS.dc);
  declareNamespace(rss, 'content', NS.content);
  // feed declares atom after dc and content when an item has a body; a shell is written without
  // its entries, so it puts atom where the whole document has it.
  if (extras.shell && feed.entries.some((e) => e.hasContent)) redeclareNamespaceLast(rss, 'atom', NS.atom);
  const itemElements = childElements(channel, 'item');
  if (feed.entries.some((e) => e.image)) declareNamespace(rss, 'media', NS.media);

  // The docs URL feed writes points at the W3C validator's copy; the Board's spec is canonical.
  setText(firstChild(channel, 'docs'), 'https://www.rssboard.org/rss-specification');

  // RSS profile §4 (W3C "Misplaced Item"): every channel element comes before the first item.
  const before = itemElements[0] ?? null;
  for (const link of extras.links ?? []) {
    addElement(channel, NS.atom, 'atom:link', { attributes: { rel: link.rel, href: link.href, type: link.type }, before });
  }
  if (extras.history) {
    declareNamespace(rss, 'fh', NS.fh);
    addElement(channel, NS.fh, `fh:${extras.history}`, { before });
  }

  items.forEach((entry, i) => {
    const item = itemElements[i];
    if (!item) throw new Error('feed dropped an item');
    finishItem(item, entry);
  });
  if (extras.shell && feed.entries.length > 0) appendEntriesMarker(channel, ENTRIES_MARKER.slice(4, -3));
  addStylesheet(doc, extras.stylesheet);
  return serializeXml(doc, { hexTextReferences: true });
}

const RSS = xmlFormat({
  format: 'rss',
  raw: (story, items) => createWriter(story, new Date(0), items, feedUrls(story)).rss2(),
  finish: finishRssItemText,
  document: rssDocument,
  element: ['<item>', '</item>'],
  // feed writes the body as CDATA
  body: ['<content:encoded><![CDATA[', ']]></content:encoded>'],
  // the indentation of the channel's children
  separator: '\n        ',
});

/** Each entry's <item>, split at its body. */
export const renderRssItems = RSS.items;
/** renderRssItems through the DOM only: the reference its token path is tested against. */
export const renderRssItemsDom = RSS.itemsDom;
/** The document around its items: RSS_SEPARATOR goes between two. */
export const renderRssShell = RSS.shell;
export const RSS_SEPARATOR = RSS.separator;
/** A whole document, for callers that hold every entry's body (tests, small tools). */
export const renderRss = RSS.render;
/** The whole document in one pass of feed and the DOM: the reference renderRss is tested against. */
export const renderRssWhole = RSS.whole;

/** The names in order, comma-separated: language-neutral, and what every reader shows as is. */
export function byline(people: readonly Person[]): string {
  return people.map((p) => p.name).join(', ');
}

function finishItem(item: Element, entry: EntryMeta): void {
  // Titles are plain text: an escaped text node, not HTML in CDATA (feed's choice), so that
  // `<` and `&` in a headline are shown, never interpreted, and `]]>` is harmless.
  setText(firstChild(item, 'title'), entry.title);
  // One byline, in one dc:creator. Not <author> too: W3C DuplicateItemSemantics ("An item should
  // not include both author and dc:creator"), and feedparser then reads each author twice and
  // copies the first one's email onto the next. Not one dc:creator per author: newsboat keeps only
  // the last. RSS <author> would need an email for every name (defect 8), so the emails stay in
  // Atom and JSON Feed.
  if (entry.authors.length > 0) addElement(item, NS.dc, 'dc:creator', { text: byline(entry.authors) });
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

/** An item's children, at their depth in the channel (rss > channel > item > child). */
const ITEM_CHILD = '\n' + '    '.repeat(3);

/**
 * finishItem as token operations on feed's <item> (xml-tokens.ts): the same nodes, written as
 * serializeXml({ hexTextReferences: true }) writes them. `null` where the DOM must decide.
 */
export function finishRssItemText(raw: string, entry: EntryMeta): string | null {
  const el = readRawElement(raw, '<item>', '</item>');
  if (!el || el.closingSpace === '' || !el.children.some((c) => c.name === 'title')) return null;
  let out = '<item>';
  let title = true;
  for (const c of el.children) {
    // childElements matches by local name too: leave any prefixed twin to the DOM.
    if (localName(c.name) === 'title' && (c.name !== 'title' || !title)) return null;
    out += c.space;
    if (c.name === 'title') {
      out += writeElement('title', c.attributes, escapeTextHex(entry.title));
      title = false;
    } else out += writeChild(c, escapeTextHex);
  }
  if (entry.authors.length > 0) out += ITEM_CHILD + writeElement('dc:creator', [], escapeTextHex(byline(entry.authors)));
  for (const tag of entry.tags) out += ITEM_CHILD + writeElement('category', [], escapeTextHex(tag));
  if (entry.image) {
    out += ITEM_CHILD + writeElement('media:thumbnail', [['url', entry.image.url]]);
    if (entry.image.length) {
      out += ITEM_CHILD + writeElement('enclosure', [['url', entry.image.url], ['length', entry.image.length], ['type', entry.image.type]]);
    }
  }
  return out + el.closingSpace + '</item>';
}
