// Feed → feed.json. feed@6.0.0 writes JSON Feed 1.0 (defect 4), so the 1.1 document is built
// here from a typed wire format and serialized with JSON.stringify (no text templates).
// Field comments quote https://jsonfeed.org/version/1.1.

import { formatRfc3339 } from '../dates.js';
import type { Entry, Feed, Person } from '../types.js';
import { feedUrls } from './feed-options.js';

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
    items: feed.entries.map(toItem),
    ...(extras.archive ? { _archive: extras.archive } : {}),
  };
  return doc;
}

export function renderJsonFeed(feed: Feed, extras: JsonFeedExtras = {}): string {
  return `${JSON.stringify(buildJsonFeed(feed, extras), null, 2)}\n`;
}

function toItem(entry: Entry): JsonItem {
  const authors = entry.authors.map(toAuthor);
  const item: JsonItem = {
    id: entry.id,
    url: entry.link,
    title: entry.title,
    content_html: entry.contentHtml,
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
