// Feed → rss.xml (RSS 2.0, rssboard.org/rss-specification, plus the RSS Advisory Board profile).

import type { Element } from '@xmldom/xmldom';
import type { Entry, EntryMeta, Feed, Story } from '../types.js';
import { createWriter, feedUrls, probeItems } from './feed-options.js';
import { assembleFormat, cutElements, ENTRIES_MARKER, fillBodies, splitAtBody, splitShell, type Fragment } from './fragments.js';
import { addElement, addStylesheet, childElements, declareNamespace, firstChild, NS, parseXml, serializeXml, setText } from './xml-dom.js';

export interface RssExtras {
  /** Folder of this document under the output folder ('' for the main feeds, 'tags/x/' …). */
  readonly folder?: string;
  /** Extra channel links (RFC 5005 archive links), rel → href. */
  readonly links?: ReadonlyArray<{ rel: string; href: string; type?: string }>;
  /** Adds the RFC 5005 fh:complete / fh:archive marker. */
  readonly history?: 'complete' | 'archive';
  readonly stylesheet?: string;
  /** Render the document's shell: the (one) probe item becomes ENTRIES_MARKER. */
  readonly shell?: boolean;
}

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
  const itemElements = childElements(channel, 'item');
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

  items.forEach((entry, i) => {
    const item = itemElements[i];
    if (!item) throw new Error('feed dropped an item');
    finishItem(item, entry);
  });
  if (extras.shell) {
    const probe = itemElements[0];
    if (probe) channel.replaceChild(doc.createComment(ENTRIES_MARKER.slice(4, -3)), probe);
  }
  addStylesheet(doc, extras.stylesheet);
  return serializeXml(doc);
}

/** Around an item's body: feed writes content:encoded as CDATA. */
const RSS_BODY = ['<content:encoded><![CDATA[', ']]></content:encoded>'] as const;

/** Each entry's <item>, split at its body. */
export function renderRssItems(story: Story, entries: readonly EntryMeta[]): Fragment[] {
  if (entries.length === 0) return [];
  const feed: Feed = { story, entries, retracted: [], updated: new Date(0), complete: true };
  const items = cutElements(rssDocument(feed, entries, {}), '<item>', '</item>');
  if (items.length !== entries.length) throw new Error('feed dropped an item');
  return items.map((item) => splitAtBody(item, RSS_BODY[0], RSS_BODY[1]));
}

/** The document around its items: RSS_SEPARATOR goes between two items. */
export function renderRssShell(feed: Feed, extras: RssExtras = {}): readonly string[] {
  return splitShell(rssDocument(feed, probeItems(feed), { ...extras, shell: true }));
}

/** Between two items: the indentation of the channel's children. */
export const RSS_SEPARATOR = '\n        ';

/** A whole document, for callers that hold every entry's body (tests, small tools). */
export function renderRss(feed: Feed<Entry>, extras: RssExtras = {}): string {
  const bodies = feed.entries.map((e) => e.contentHtml);
  return assembleFormat(renderRssShell(feed, extras), bodies, renderRssItems(feed.story, feed.entries), 'rss', RSS_SEPARATOR);
}

/**
 * The whole document in one pass of feed and the DOM (how documents were written before entry
 * fragments): the reference that test/property/feeds.property.test.ts holds renderRss to.
 */
export function renderRssWhole(feed: Feed<Entry>, extras: RssExtras = {}): string {
  return fillBodies(rssDocument(feed, feed.entries, extras), RSS_BODY[0], RSS_BODY[1], feed.entries);
}

function finishItem(item: Element, entry: EntryMeta): void {
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
