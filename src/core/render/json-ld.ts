// The story page's structured data: a schema.org LiveBlogPosting (https://schema.org/LiveBlogPosting)
// in a <script type="application/ld+json">, the type search engines read for live coverage.
// Only what the page itself shows goes in: published entries (never drafts, embargoed or retracted
// ones — the page's Feed holds none of them), newest first.

import { decodeHTML } from 'entities';
import type { BlogPosting, LiveBlogPosting, Organization, Person as SchemaPerson, WithContext } from 'schema-dts';
import { formatRfc3339 } from '../dates.js';
import { JSON_LD_TYPE } from '../formats.js';
import { anchorOf, defaultLink } from '../links.js';
import { balanceBidi, hasBidiControls } from '../xml-chars.js';
import type { EntryMeta, Feed, Person, Story } from '../types.js';

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/;
const SCRIPT_UNSAFE_ALL = /[<>&\u2028\u2029]/g;
const SCRIPT_ESCAPES: Readonly<Record<string, string>> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * JSON that cannot end or confuse the script element it stands in (HTML §4.12.1.3 "Restrictions
 * for contents of script elements"): every `<` is written \u003c, so neither `</script` nor `<!--`
 * can occur; `>` and `&` likewise for symmetry. U+2028/2029 are escaped because they end a line in
 * pre-ES2019 JavaScript, where JSON text is sometimes evaluated.
 */
export function scriptSafeJson(value: unknown, indent?: number): string {
  const json = JSON.stringify(value, null, indent);
  return SCRIPT_UNSAFE.test(json) ? json.replace(SCRIPT_UNSAFE_ALL, (c) => SCRIPT_ESCAPES[c]!) : json;
}

// Any start or end tag of sanitized HTML (attribute values are quoted and may hold `>`).
const TAG = /<(?:[^>"']|"[^"]*"|'[^']*')*>/g;
// Elements that end a line of text: their tags become a space, so words never run together.
const BLOCK = /^<\/?(?:p|div|h[1-6]|li|ul|ol|blockquote|pre|table|tr|td|th|br|hr|figure|figcaption)\b/i;

// Where a block ended: U+0000 cannot be in an entry's text (stripped as XML-illegal on reading).
const BLOCK_END = '\u0000';

/**
 * Sanitized HTML → plain text: tags dropped, character references decoded, white space collapsed.
 * A bidi control a paragraph leaves open is closed where the paragraph ends (UAX #9 ends it at a
 * block in HTML; found from outside: once the blocks were one line of text, it ran on).
 */
export function plainTextOf(html: string): string {
  const text = decodeHTML(html.replace(TAG, (tag) => (BLOCK.test(tag) ? BLOCK_END : '')));
  return (hasBidiControls(text) ? text.split(BLOCK_END).map(balanceBidi).join(' ') : text.replaceAll(BLOCK_END, ' '))
    // Every run of white space that is not already one space becomes one (the same as /\s+/ → ' ',
    // without rewriting each single space between two words).
    .replace(/\s{2,}|[^\S ]/g, ' ')
    .trim();
}

/** An entry body's `text` fragment: its plain text as a script-safe JSON string literal. */
export function bodyTextFragment(html: string): string {
  return scriptSafeJson(plainTextOf(html));
}

function person(p: Person): SchemaPerson {
  return { '@type': 'Person', name: p.name, ...(p.url ? { url: p.url } : {}) };
}

/** The name of the organization that publishes the story (also the news sitemap's publication, core/sitemaps.ts). */
export function publisherName(story: Story): string {
  return story.authors[0]?.name ?? new URL(story.homePage).host;
}

/** The organization that publishes the story: its first author (a desk, usually), else the site's host. */
function publisher(feed: Feed): Organization {
  const { story } = feed;
  const name = publisherName(story);
  const url = story.authors[0]?.url ?? new URL('/', story.homePage).href;
  return { '@type': 'Organization', name, url, ...(story.icon ? { logo: { '@type': 'ImageObject', url: story.icon } } : {}) };
}

export interface LiveBlogOptions {
  /** The story page's URL (its canonical link). */
  readonly url: string;
  /** When coverage started: the first publication of any entry of the story, archives included. */
  readonly coverageStart?: Date;
  /** When coverage ended, once the story says so. */
  readonly coverageEnd?: Date;
  /** The marker the page puts where an entry's `text` fragment goes. */
  readonly bodySlot: (entry: EntryMeta) => string;
}

// A JSON string no field can produce (every text field has NUL stripped): where a body goes.
const PLACEHOLDER = (i: number) => `\u0000body${i}\u0000`;
// PLACEHOLDER as scriptSafeJson writes it: JSON escapes NUL as \u0000.
const PLACED = /"\\u0000body(\d+)\\u0000"/g;

/** The `<script type="application/ld+json">` element, with the entries' bodies as slots. */
export function renderLiveBlog(feed: Feed, options: LiveBlogOptions): string {
  const { story } = feed;
  const entries = feed.entries;
  const oldest = entries.length > 0 ? entries[entries.length - 1]!.published : undefined;
  const start = options.coverageStart ?? oldest;
  // Google recommends an image for every Article type: the story's icon, else the newest photo.
  const image = story.icon ?? entries.find((e) => e.image)?.image?.url;
  const updates: BlogPosting[] = entries.map((e, i) => ({
    '@type': 'BlogPosting',
    headline: e.title,
    // The development's own page (core/entry-pages.ts), the link the feeds give it by default.
    url: defaultLink(story.feedBase, e.id, anchorOf(e)),
    datePublished: formatRfc3339(e.published),
    dateModified: formatRfc3339(e.updated),
    ...(e.authors.length > 0 ? { author: e.authors.map(person) } : {}),
    ...(e.image ? { image: e.image.url } : {}),
    articleBody: PLACEHOLDER(i),
  }));
  const data: WithContext<LiveBlogPosting> = {
    '@context': 'https://schema.org',
    '@type': 'LiveBlogPosting',
    headline: story.title,
    description: story.description,
    url: options.url,
    mainEntityOfPage: options.url,
    inLanguage: story.language,
    ...(start ? { coverageStartTime: formatRfc3339(start), datePublished: formatRfc3339(start) } : {}),
    ...(options.coverageEnd ? { coverageEndTime: formatRfc3339(options.coverageEnd) } : {}),
    dateModified: formatRfc3339(feed.updated),
    ...(story.authors.length > 0 ? { author: story.authors.map(person) } : {}),
    publisher: publisher(feed),
    ...(image ? { image } : {}),
    liveBlogUpdate: updates,
  };
  // Marked in the entries' order (the page's slots are numbered as marked), then put in at once:
  // one placeholder replaced at a time rescanned and copied the whole text for each entry.
  const slots = entries.map((e) => options.bodySlot(e));
  const json = scriptSafeJson(data, 1).replace(PLACED, (_, i: string) => slots[Number(i)]!);
  return `<script type="${JSON_LD_TYPE}">\n${json}\n</script>`;
}

/** `value` as indented JSON text that is safe inside `<script type="application/ld+json">`. */
export function scriptJson(value: unknown): string {
  return scriptSafeJson(value, 2);
}

/** The whole element. */
export function renderJsonLd(value: unknown): string {
  return `<script type="${JSON_LD_TYPE}">\n${scriptJson(value)}\n</script>`;
}
