// Feed → index.html: the story page, from the same model as the feeds, in the same run.
// No external requests, no JavaScript needed to read it (one small script only enhances the copy
// buttons), semantic HTML, deterministic bytes. It leads with the news: the story's status and
// latest update, then the latest development, then the standing summary, then the earlier ones.
// A tag page lists its developments, each by its summary where it has one (the body is on the
// story page and on the development's own page, which the headline links to).

import { formatHumanDate, formatRfc3339 } from '../dates.js';
import { escapeHtml } from '../markdown.js';
import { anchorOf } from '../links.js';
import type { DocumentPart, EntryFormat, EntryMeta, EntrySlot, Feed, Person, ShellText } from '../types.js';
import { textOf } from './fragments.js';
import { FORMATS, feedUrls } from '../formats.js';
import { renderLiveBlog } from './json-ld.js';
import { renderHead } from './page-head.js';
import { renderCorrectionNote } from './notices.js';
import { coverageEndOf } from '../model.js';

export { PAGE_CSS } from './page-css.js';

// Progressive enhancement only: without JavaScript the URLs are still selectable text fields.
const SCRIPT = `
for (const button of document.querySelectorAll('button[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const input = document.getElementById(button.dataset.copy);
    try { await navigator.clipboard.writeText(input.value); } catch { input.select(); document.execCommand('copy'); }
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}
`.trim();

/**
 * The ids the pages use for themselves. Entry anchors share the id space of the story page
 * (HTML §3.2.6.1: an id is unique in its document), so core/anchors.ts never gives these to an entry.
 * Adding one could move an entry's published anchor: the pages use no other ids.
 */
export const PAGE_IDS = ['subscribe-title', 'feed-rss', 'feed-atom', 'feed-json'] as const;

export interface PageOptions {
  /** Folder of this page under the output folder ('' for the story page, 'tags/x/' for a tag). */
  readonly folder: string;
  /** Tags that have pages, to link each entry's tags to (those of the page's entries suffice). */
  readonly tags: ReadonlyArray<{ tag: string; slug: string }>;
  /** First publication of any entry of the story (archives included): the coverage start. */
  readonly coverageStart?: Date;
  /** An ended story whose `coverage_end` is still ahead (the planner's clock): the page says when coverage ends. */
  readonly coverageEndAhead?: boolean;
}

function rootPrefix(folder: string): string {
  return '../'.repeat(folder.split('/').filter(Boolean).length);
}

/**
 * Where the page's entry slots go in its text: NUL, the slot's number, NUL. NUL is stripped from
 * every text field and cannot be in a URL, so only this module can have written it.
 */
export class Slots {
  readonly list: EntrySlot[] = [];
  mark(entry: EntryMeta, format: EntryFormat): string {
    this.list.push({ entry: entry.path, format });
    return `\u0000${this.list.length - 1}\u0000`;
  }
}

/**
 * The page as parts: each published entry's body is an `html` slot (and a `text` slot in the
 * structured data); on a tag page, an entry with a summary shows the summary instead.
 */
export function renderPage(feed: Feed, options: PageOptions = { folder: '', tags: [] }): DocumentPart[] {
  const slots = new Slots();
  return partsOf(pageText(feed, options, slots), slots);
}

/** The page as a shell (render/shells.ts): its text, then each slot as `format:entry`, in order. */
export function renderPageShell(feed: Feed, options: PageOptions): string[] {
  const slots = new Slots();
  const text = pageText(feed, options, slots);
  return [text, ...slots.list.map((s) => `${s.format}:${s.entry}`)];
}

/** The parts of a page from its shell (renderPageShell), as text or as the bytes a worker sent: the same parts renderPage gives. */
export function pageFromShell(shell: ShellText): DocumentPart[] {
  const slots = new Slots();
  for (const piece of shell.slice(1)) {
    const s = textOf(piece);
    const at = s.indexOf(':');
    slots.list.push({ format: s.slice(0, at) as EntryFormat, entry: s.slice(at + 1) });
  }
  const text = shell[0]!;
  return typeof text === 'string' ? partsOf(text, slots) : partsOfBytes(text, slots);
}

/** A page's text cut at its slot markers. */
export function partsOf(text: string, slots: Slots): DocumentPart[] {
  const pieces = text.split(/\u0000(\d+)\u0000/);
  const parts: DocumentPart[] = [];
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) parts.push(piece);
    else parts.push(slots.list[Number(piece)]!);
  });
  return checked(parts, slots);
}

/** partsOf on the text's UTF-8 bytes: NUL is one byte, 0, and no other character has that byte. */
function partsOfBytes(bytes: Uint8Array, slots: Slots): DocumentPart[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: DocumentPart[] = [];
  let from = 0;
  for (let open = b.indexOf(0, from); open >= 0; open = b.indexOf(0, from)) {
    const close = b.indexOf(0, open + 1);
    const slot = close < 0 ? undefined : slots.list[Number(b.toString('latin1', open + 1, close))];
    if (!slot) throw new Error('the page has a broken entry slot marker');
    parts.push(b.subarray(from, open), slot);
    from = close + 1;
  }
  parts.push(b.subarray(from));
  return checked(parts, slots);
}

function checked(parts: DocumentPart[], slots: Slots): DocumentPart[] {
  if (parts.length !== 2 * slots.list.length + 1) throw new Error('the page lost an entry slot');
  return parts;
}

function compareTimeline(a: EntryMeta, b: EntryMeta): number {
  return b.published.getTime() - a.published.getTime() || (a.id < b.id ? -1 : 1);
}

function pageText(feed: Feed, options: PageOptions, slots: Slots): string {
  const { story } = feed;
  const isStory = options.folder === '';
  const urls = feedUrls(story, options.folder);
  const root = rootPrefix(options.folder);
  const tagLinks = new Map(options.tags.map((t) => [t.tag, `${root}tags/${t.slug}/`]));
  const formats = [
    { key: 'rss', label: FORMATS.rss.label, type: FORMATS.rss.type, url: urls.rss },
    { key: 'atom', label: FORMATS.atom.label, type: FORMATS.atom.type, url: urls.atom },
    { key: 'json', label: FORMATS.json.label, type: FORMATS.json.type, url: urls.json },
  ];
  const title = escapeHtml(story.title);
  const shown = { figure: false };
  const timeline = [...feed.entries.map((e) => ({ entry: e, retracted: false })), ...feed.retracted.map((e) => ({ entry: e, retracted: true }))]
    .sort((a, b) => compareTimeline(a.entry, b.entry))
    .map(({ entry, retracted }) => (retracted ? renderRetracted(entry, feed) : renderEntry(entry, feed, { tagLinks, slots, root, teaser: !isStory, shown })));
  const lead = [...feed.entries].sort(compareTimeline)[0];
  const image = lead?.image ?? (story.icon ? { url: story.icon, alt: story.title } : undefined);
  const alternates = formats.map((f) => `<link rel="alternate" type="${f.type}" title="${title} (${f.label})" href="${escapeHtml(f.url)}">`);
  // Coverage ends when the story says so (`status: ended` with `coverage_end`, core/newsroom.ts).
  const ended = coverageEndOf(story);
  const structured = isStory
    ? [renderLiveBlog(feed, { url: story.homePage, ...(options.coverageStart ? { coverageStart: options.coverageStart } : {}), ...(ended ? { coverageEnd: ended } : {}), bodySlot: (e) => slots.mark(e, 'text') })]
    : [];
  const status = !isStory ? '' : ended ? `<strong>Coverage ${options.coverageEndAhead ? 'ends' : 'ended'}</strong> ${timeElement(ended, feed)} · ` : '<strong>Developing story</strong> · ';
  const head = renderHead({
    language: story.language,
    title: story.title,
    description: story.description,
    canonical: story.homePage,
    root,
    ...(story.favicon ? { favicon: story.favicon } : {}),
    ogType: isStory ? 'article' : 'website',
    ...(image ? { image } : {}),
    extra: [...alternates, ...structured].join('\n'),
  });
  // The body slots are marked in document order (the structured data's, in <head>, came first).
  const items = timeline.map((render) => render());
  const [first, ...rest] = items;
  const body = isStory
    ? `${first === undefined ? '<h2>Developments</h2>\n<p>No developments have been published yet.</p>' : `<h2>Latest development</h2>\n<ol class="timeline">\n${first}\n</ol>`}
${story.summaryHtml === '' ? '' : `<section class="summary">\n<h2>The story so far</h2>\n${story.summaryHtml}\n</section>\n`}${rest.length === 0 ? '' : `<h2>Earlier developments</h2>\n<ol class="timeline">\n${rest.join('\n')}\n</ol>\n`}`
    : `<h2>Developments, newest first</h2>
${items.length === 0 ? '<p>No developments have been published yet.</p>' : `<ol class="timeline">\n${items.join('\n')}\n</ol>`}
`;
  return `${head}
<header>
${isStory ? '' : `<p class="crumbs"><a href="${root}">← All developments</a> · <a href="${root}tags/">All tags</a></p>\n`}<p class="status">${status}Updated ${timeElement(feed.updated, feed)}</p>
<h1>${title}</h1>
${isStory ? '' : `<p class="lede">${escapeHtml(story.description)}</p>\n`}${renderFollow(isStory ? 'story' : 'tag', formats)}
</header>
<main>
${body}</main>
<footer>
<p><a href="${root}tags/">Browse by tag</a>. Built by storyfeed.</p>
</footer>
<script>
${SCRIPT}
</script>
</body>
</html>
`;
}

/** Subscribing, in one line: the three feeds as links; their addresses to copy behind a disclosure. */
function renderFollow(what: 'story' | 'tag', formats: ReadonlyArray<{ key: string; label: string; type: string; url: string }>): string {
  return `<div class="follow" role="group" aria-labelledby="subscribe-title">
<span id="subscribe-title">Follow this ${what} in a feed reader:</span>
${formats.map((f) => `<a href="${escapeHtml(f.url)}" type="${f.type}">${f.label}</a>`).join('\n')}
<details>
<summary>Copy a feed address</summary>
<ul>
${formats
  .map((f) => `<li><label for="feed-${f.key}">${f.label}</label> <input id="feed-${f.key}" type="url" readonly value="${escapeHtml(f.url)}"> <button type="button" data-copy="feed-${f.key}" hidden>Copy</button></li>`)
  .join('\n')}
</ul>
</details>
</div>`;
}

/** tags/index.html: every tag with its count, page and feeds. */
export function renderTagIndex(feed: Feed, tags: ReadonlyArray<{ tag: string; slug: string; count: number }>): string {
  const { story } = feed;
  const title = `${story.title}: tags`;
  const rows = tags.map((t) => {
    const urls = feedUrls(story, `tags/${t.slug}/`);
    return `<li><a href="${t.slug}/" rel="tag">${escapeHtml(t.tag)}</a> (${t.count}) — <a href="${escapeHtml(urls.rss)}" type="${FORMATS.rss.type}">${FORMATS.rss.label}</a> · <a href="${escapeHtml(urls.atom)}" type="${FORMATS.atom.type}">${FORMATS.atom.label}</a> · <a href="${escapeHtml(urls.json)}" type="${FORMATS.json.type}">${FORMATS.json.label}</a></li>`;
  });
  const head = renderHead({
    language: story.language,
    title,
    description: story.description,
    canonical: new URL('tags/', story.feedBase).href,
    root: '../',
    ...(story.favicon ? { favicon: story.favicon } : {}),
    ogType: 'website',
  });
  return `${head}
<header>
<p class="crumbs"><a href="../">← All developments</a></p>
<h1>${escapeHtml(title)}</h1>
</header>
<main>
${rows.length === 0 ? '<p>No tags yet.</p>' : `<ul>\n${rows.join('\n')}\n</ul>`}
</main>
</body>
</html>
`;
}

// A newsroom's pages show each entry's times on its story page and on each of its tags' pages
// (~50,000 rows for 10,000 entries): each element is made once per language and zone.
const timeElements = new Map<string, Map<number, string>>();

export function timeElement(date: Date, feed: Feed): string {
  const { language, timeZone } = feed.story;
  const zone = `${language}\u0000${timeZone}`;
  let made = timeElements.get(zone);
  if (!made) timeElements.set(zone, (made = new Map()));
  const known = made.get(date.getTime());
  if (known !== undefined) return known;
  const text = `<time datetime="${formatRfc3339(date)}">${escapeHtml(formatHumanDate(date, language, timeZone))}</time>`;
  if (made.size >= 65536) made.clear();
  made.set(date.getTime(), text);
  return text;
}

// Intl.ListFormat is costly to make and immutable: one per language. Bylines repeat (most entries
// are the desk's, on every page that shows them): each made once per build (issue 17).
const listFormats = new Map<string, Intl.ListFormat>();
const bylines = new Map<string, string>();

/** "By A, B and C", each name linked to its `url`. */
export function renderByline(authors: readonly Person[], language: string): string {
  if (authors.length === 0) return '';
  const key = JSON.stringify([language, ...authors.map((p) => [p.name, p.url ?? null])]);
  const known = bylines.get(key);
  if (known !== undefined) return known;
  const names = authors.map((p) => (p.url ? `<a href="${escapeHtml(p.url)}" rel="author">${escapeHtml(p.name)}</a>` : escapeHtml(p.name)));
  let list = listFormats.get(language);
  if (!list) listFormats.set(language, (list = new Intl.ListFormat(language, { type: 'conjunction' })));
  // Intl.ListFormat joins in the story's language; the placeholders keep the markup out of it.
  const joined = list
    .formatToParts(names.map((_, i) => `\u0000${i}\u0000`))
    .map((p) => (p.type === 'element' ? names[Number(p.value.slice(1, -1))]! : escapeHtml(p.value)))
    .join('');
  const byline = `<span class="byline">By ${joined}</span> · `;
  if (bylines.size >= 4096) bylines.clear();
  bylines.set(key, byline);
  return byline;
}

export function renderImage(entry: EntryMeta, lazy: boolean): string {
  const image = entry.image;
  if (!image) return '';
  const caption = [image.caption ? escapeHtml(image.caption) : '', image.credit ? `<span class="credit">${escapeHtml(image.credit)}</span>` : ''].filter(Boolean).join(' ');
  return `<figure><img src="${escapeHtml(image.url)}" alt="${escapeHtml(image.alt)}"${lazy ? ' loading="lazy"' : ''} decoding="async">${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>\n`;
}

interface EntryContext {
  readonly tagLinks: ReadonlyMap<string, string>;
  readonly slots: Slots;
  readonly root: string;
  /** A tag page: an entry with a summary shows it (and its correction's note), not its body (that is on the story page and its own page). */
  readonly teaser: boolean;
  /** Whether a figure was rendered above: only the page's first loads at once. */
  readonly shown: { figure: boolean };
}

/** An entry, as a function that marks its body slot when called (in the order the page shows them). */
function renderEntry(entry: EntryMeta, feed: Feed, { tagLinks, slots, root, teaser, shown }: EntryContext): () => string {
  return () => {
    const lead = entry.image !== undefined && !shown.figure;
    if (entry.image) shown.figure = true;
    const updated = entry.updated.getTime() !== entry.published.getTime() ? ` · Updated ${timeElement(entry.updated, feed)}` : '';
    const tags = entry.tags.length > 0 ? `\n<ul class="tags" aria-label="Tags">${entry.tags.map((t) => `<li>${tagLinks.has(t) ? `<a href="${escapeHtml(tagLinks.get(t)!)}" rel="tag">${escapeHtml(t)}</a>` : escapeHtml(t)}</li>`).join('')}</ul>` : '';
    const correction = entry.correction ? ' data-corrected="true"' : '';
    return `<li><article id="${anchorOf(entry)}"${correction}>
<h3><a href="${root}${anchorOf(entry)}/">${escapeHtml(entry.title)}</a></h3>
<p class="meta">${renderByline(entry.authors, feed.story.language)}${timeElement(entry.published, feed)}${updated}</p>
${renderImage(entry, !lead)}${teaser && entry.summary ? `${entry.correction ? renderCorrectionNote(entry.correction, feed.story) : ''}<p class="teaser">${escapeHtml(entry.summary)}</p>` : slots.mark(entry, 'html')}${tags}
</article></li>`;
  };
}

function renderRetracted(entry: EntryMeta, feed: Feed): () => string {
  const retraction = entry.retraction!;
  return () => `<li><article id="${anchorOf(entry)}" class="retracted">
<h3>Retracted: ${escapeHtml(entry.title)}</h3>
<p class="meta">${timeElement(entry.published, feed)}</p>
<p class="notice"><strong>Retracted ${timeElement(retraction.at, feed)}:</strong> ${escapeHtml(retraction.reason)}</p>
</article></li>`;
}
