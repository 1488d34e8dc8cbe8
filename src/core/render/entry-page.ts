// <slug>/index.html: one development's own page (issue 15 "A page per development"), in the story
// page's layout and stylesheet, with a schema.org NewsArticle (https://schema.org/NewsArticle) for
// search engines. Its body is the entry's `html` fragment slot, as on the story page, so patch and
// cached builds fill it the same way. A retracted entry gets only the notice, for its window.

import type { NewsArticle, Organization, Person as SchemaPerson, WithContext } from 'schema-dts';
import { formatRfc3339 } from '../dates.js';
import { escapeHtml } from '../markdown.js';
import { FORMATS, feedUrls } from '../formats.js';
import type { DocumentPart, EntryMeta, Feed, Person, Story } from '../types.js';
import { renderJsonLd } from './json-ld.js';
import { renderHead } from './page-head.js';
import { partsOf, renderByline, renderImage, Slots, timeElement } from './page.js';

/** What every page of one story shares, made once per story, not once per entry (issue 17). */
interface StoryParts {
  /** `new URL('.', feedBase)`: an entry page's URL is this and its slug, when the slug is one plain segment. */
  readonly folder: string;
  /** The feed autodiscovery links. */
  readonly alternates: readonly string[];
  readonly publisher: Organization;
}

const partsByStory = new WeakMap<Story, StoryParts>();

function storyParts(story: Story): StoryParts {
  let parts = partsByStory.get(story);
  if (!parts) {
    const urls = feedUrls(story);
    parts = {
      folder: new URL('.', story.feedBase).href,
      alternates: (['rss', 'atom', 'json'] as const).map((k) => `<link rel="alternate" type="${FORMATS[k].type}" title="${escapeHtml(story.title)} (${FORMATS[k].label})" href="${escapeHtml(urls[k])}">`),
      publisher: publisher(story),
    };
    partsByStory.set(story, parts);
  }
  return parts;
}

// A slug the URL parser leaves as it is: no dot segment, nothing to percent-encode.
const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** The URL of the page of the entry whose slug (its anchor) is `slug`. */
export function entryPageUrl(story: Story, slug: string): string {
  return PLAIN_SEGMENT.test(slug) ? `${storyParts(story).folder}${slug}/` : new URL(`${slug}/`, story.feedBase).href;
}

function person(p: Person): SchemaPerson {
  return { '@type': 'Person', name: p.name, ...(p.url ? { url: p.url } : {}) };
}

/** Who publishes: the story's first author (a desk, usually), else the site's host (as json-ld.ts). */
function publisher(story: Story): Organization {
  const first = story.authors[0];
  return {
    '@type': 'Organization',
    name: first?.name ?? new URL(story.homePage).host,
    url: first?.url ?? new URL('/', story.homePage).href,
    ...(story.icon ? { logo: { '@type': 'ImageObject', url: story.icon } } : {}),
  };
}

/** The NewsArticle: Google's Article properties (headline, image, dates, author) and its place in the live story. */
export function newsArticle(entry: EntryMeta, story: Story, url: string): WithContext<NewsArticle> {
  const authors = entry.authors.length > 0 ? entry.authors : story.authors;
  const image = entry.image?.url ?? story.icon;
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: entry.title,
    ...(entry.summary ? { description: entry.summary } : {}),
    url,
    mainEntityOfPage: url,
    inLanguage: story.language,
    datePublished: formatRfc3339(entry.published),
    dateModified: formatRfc3339(entry.updated),
    ...(authors.length > 0 ? { author: authors.map(person) } : {}),
    ...(image ? { image } : {}),
    publisher: storyParts(story).publisher,
    isPartOf: { '@type': 'LiveBlogPosting', '@id': story.homePage, url: story.homePage, headline: story.title },
  };
}

export interface EntryPageOptions {
  /** The entry's slug: its folder under the story's. */
  readonly slug: string;
  /** Tags that have pages, by tag → slug. */
  readonly tags: ReadonlyArray<{ tag: string; slug: string }>;
}

function page(story: Story, url: string, title: string, description: string, extra: string, image: EntryMeta['image'], main: string): string {
  const { alternates } = storyParts(story);
  const head = renderHead({
    language: story.language,
    title: `${title} — ${story.title}`,
    description,
    canonical: url,
    root: '../',
    ...(story.favicon ? { favicon: story.favicon } : {}),
    ogType: 'article',
    ...(image ? { image } : {}),
    extra: [...alternates, ...(extra ? [extra] : [])].join('\n'),
  });
  return `${head}
<header>
<p class="crumbs"><a href="../">← ${escapeHtml(story.title)}</a></p>
<h1>${escapeHtml(title)}</h1>
</header>
<main>
${main}
</main>
<footer>
<p><a href="../">All developments of this story</a> · <a href="../tags/">Browse by tag</a>. Built by storyfeed.</p>
</footer>
</body>
</html>
`;
}

/** A published development's page: the body is an `html` slot. */
export function renderEntryPage(entry: EntryMeta, story: Story, options: EntryPageOptions): DocumentPart[] {
  const slots = new Slots();
  const url = entryPageUrl(story, options.slug);
  const feed: Feed = { story, entries: [entry], retracted: [], updated: entry.updated, complete: true };
  const tagSlug = new Map(options.tags.map((t) => [t.tag, t.slug]));
  const updated = entry.updated.getTime() !== entry.published.getTime() ? ` · Updated ${timeElement(entry.updated, feed)}` : '';
  const tags =
    entry.tags.length > 0
      ? `\n<ul class="tags" aria-label="Tags">${entry.tags.map((t) => `<li>${tagSlug.has(t) ? `<a href="../tags/${escapeHtml(tagSlug.get(t)!)}/" rel="tag">${escapeHtml(t)}</a>` : escapeHtml(t)}</li>`).join('')}</ul>`
      : '';
  const main = `<article${entry.correction ? ' data-corrected="true"' : ''}>
<p class="meta">${renderByline(entry.authors, story.language)}${timeElement(entry.published, feed)}${updated}</p>
${renderImage(entry, false)}${slots.mark(entry, 'html')}${tags}
</article>
<p><a href="../#${escapeHtml(options.slug)}">Read this development in the whole story</a></p>`;
  const description = entry.summary ?? story.description;
  return partsOf(page(story, url, entry.title, description, renderJsonLd(newsArticle(entry, story, url)), entry.image, main), slots);
}

/** A retracted development's page, for its retraction window: the notice only, never the body. */
export function renderRetractedPage(entry: EntryMeta, story: Story, slug: string): string {
  const retraction = entry.retraction!;
  const feed: Feed = { story, entries: [], retracted: [entry], updated: retraction.at, complete: true };
  const main = `<article class="retracted">
<p class="meta">${timeElement(entry.published, feed)}</p>
<p class="notice"><strong>Retracted ${timeElement(retraction.at, feed)}:</strong> ${escapeHtml(retraction.reason)}</p>
</article>`;
  return page(story, entryPageUrl(story, slug), `Retracted: ${entry.title}`, `Retracted: ${retraction.reason}`, '<meta name="robots" content="noindex">', undefined, main);
}
