// Feed → feed.json. feed@6.0.0 writes JSON Feed 1.0 (defect 4), so the 1.1 document is built
// here from a typed wire format and serialized with JSON.stringify (no text templates).
// Field comments quote https://jsonfeed.org/version/1.1.

import { formatRfc3339 } from '../dates.js';
import type { Entry, EntryMeta, Feed, Person } from '../types.js';
import { feedUrls } from '../formats.js';
import { assembleFormat, BODY_TOKEN, splitAtBody, type Fragment } from './fragments.js';

export const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

/** "authors (optional, array of objects)": name, url, avatar — email is not part of 1.1. */
interface JsonAuthor {
  name: string;
  url?: string;
}

interface JsonItem {
  /** "id (required, string) is unique for that item for that feed over time." */
  id: string;
  url?: string;
  title?: string;
  content_html?: string;
  summary?: string;
  image?: string;
  date_published?: string;
  date_modified?: string;
  authors?: JsonAuthor[];
  /** Deprecated in 1.1 but still read by 1.0 readers: the first author. */
  author?: JsonAuthor;
  tags?: string[];
  language?: string;
  attachments?: Array<{ url: string; mime_type: string; title?: string; size_in_bytes?: number }>;
  /** storyfeed extension (1.1 "Extensions": keys starting with an underscore). */
  _storyfeed?: { correction?: { date: string; note: string } };
}

export interface JsonFeedDocument {
  version: typeof JSON_FEED_VERSION;
  title: string;
  home_page_url?: string;
  feed_url?: string;
  description?: string;
  next_url?: string;
  icon?: string;
  favicon?: string;
  authors?: JsonAuthor[];
  author?: JsonAuthor;
  language?: string;
  hubs?: Array<{ type: string; url: string }>;
  items: JsonItem[];
  /** RFC 5005 in JSON: documented extension, see README "Archives". */
  _archive?: Record<string, unknown>;
}

export interface JsonFeedExtras {
  readonly folder?: string;
  readonly nextUrl?: string;
  readonly archive?: Record<string, unknown>;
}

/** The document without its items (`items` is empty; the shell puts them in). */
export function buildJsonFeed(feed: Feed, extras: JsonFeedExtras = {}): JsonFeedDocument {
  const { story } = feed;
  const authors = story.authors.map(toAuthor);
  const doc: JsonFeedDocument = {
    version: JSON_FEED_VERSION,
    title: story.title,
    home_page_url: story.homePage,
    feed_url: feedUrls(story, extras.folder).json,
    description: story.description,
    ...(extras.nextUrl ? { next_url: extras.nextUrl } : {}),
    ...(story.icon ? { icon: story.icon } : {}),
    ...(story.favicon ? { favicon: story.favicon } : {}),
    authors,
    ...(authors[0] ? { author: authors[0] } : {}),
    language: story.language,
    ...(story.hub ? { hubs: [{ type: 'WebSub', url: story.hub }] } : {}),
    items: [],
    ...(extras.archive ? { _archive: extras.archive } : {}),
  };
  return doc;
}

// The document is `JSON.stringify(doc, null, 2)`: items sit two levels deep. `"items": []` can only
// be the document's own key (a string holding it would have its quotes escaped).
const EMPTY_ITEMS = '"items": []';
const ITEM_INDENT = '    ';

/** The document around its items: JSON_SEPARATOR goes between two items. */
export function renderJsonShell(feed: Feed, extras: JsonFeedExtras = {}): readonly string[] {
  const text = `${JSON.stringify(buildJsonFeed(feed, extras), null, 2)}\n`;
  if (feed.entries.length === 0) return [text];
  const at = text.indexOf(EMPTY_ITEMS);
  if (at < 0) throw new Error('JSON Feed document without items');
  return [`${text.slice(0, at)}"items": [\n${ITEM_INDENT}`, `\n  ]${text.slice(at + EMPTY_ITEMS.length)}`];
}

export const JSON_SEPARATOR = `,\n${ITEM_INDENT}`;

/** Each entry's item as it stands in the document, split at its body. */
export function renderJsonItems(entries: readonly EntryMeta[]): Fragment[] {
  // JSON strings hold no raw line feed: every one in the text is layout, indented one level more
  // inside the items array. `"content_html": "<token>"` can only be the item's own key.
  return entries.map((e) => splitAtBody(JSON.stringify(toItem(e), null, 2).replaceAll('\n', `\n${ITEM_INDENT}`), '"content_html": ', '', JSON.stringify(BODY_TOKEN)));
}

/** A whole document, for callers that hold every entry's body (tests, small tools). */
export function renderJsonFeed(feed: Feed<Entry>, extras: JsonFeedExtras = {}): string {
  return assembleFormat(renderJsonShell(feed, extras), feed.entries, renderJsonItems(feed.entries), 'json', JSON_SEPARATOR);
}

/** The whole document with JSON.stringify, items and bodies included: the reference renderJsonFeed is tested against. */
export function renderJsonWhole(feed: Feed<Entry>, extras: JsonFeedExtras = {}): string {
  const doc = { ...buildJsonFeed(feed, extras), items: feed.entries.map((e) => ({ ...toItem(e), content_html: e.contentHtml })) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function toItem(entry: EntryMeta): JsonItem {
  const authors = entry.authors.map(toAuthor);
  const item: JsonItem = {
    id: entry.id,
    url: entry.link,
    title: entry.title,
    content_html: BODY_TOKEN,
    ...(entry.summary ? { summary: entry.summary } : {}),
    ...(entry.image ? { image: entry.image.url } : {}),
    date_published: formatRfc3339(entry.published),
    date_modified: formatRfc3339(entry.updated),
    authors,
    ...(authors[0] ? { author: authors[0] } : {}),
    ...(entry.tags.length > 0 ? { tags: [...entry.tags] } : {}),
    ...(entry.correction
      ? { _storyfeed: { correction: { date: formatRfc3339(entry.correction.at), note: entry.correction.note } } }
      : {}),
  };
  return item;
}

function toAuthor(person: Person): JsonAuthor {
  return { name: person.name, ...(person.url ? { url: person.url } : {}) };
}
