// Feed → index.html: the story page, from the same model as the feeds, in the same run.
// No external requests, no JavaScript needed to read it (one small script only enhances the copy
// buttons), semantic HTML, deterministic bytes.

import { formatHumanDate, formatRfc3339 } from '../dates.js';
import { escapeHtml } from '../markdown.js';
import { anchorOf } from '../links.js';
import type { DocumentPart, EntryMeta, Feed } from '../types.js';
import { FORMATS, feedUrls, PAGE_CSS_FILE } from '../formats.js';

/** The pages' one stylesheet, written once as `style.css` beside index.html. */

export const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fdfdfc; --muted: #595959; --rule: #d6d6d6; --accent: #0b57d0; --warn-bg: #fff4ce; --warn-fg: #4d3800; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececec; --bg: #141414; --muted: #b3b3b3; --rule: #3a3a3a; --accent: #8ab4f8; --warn-bg: #3d3200; --warn-fg: #ffe7a3; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 44rem; margin: 0 auto; padding: 1rem 1.25rem; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 1rem 0 .5rem; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 1rem 0 .5rem; }
h3 { font-size: 1.3rem; line-height: 1.3; margin: 0 0 .25rem; }
a { color: var(--accent); }
img { max-width: 100%; height: auto; }
.summary { border-bottom: 1px solid var(--rule); padding-bottom: 1rem; }
.subscribe { border: 1px solid var(--rule); border-radius: .5rem; padding: .75rem 1rem; margin: 1rem 0; }
.subscribe h2 { font-size: 1.05rem; }
.subscribe ul { list-style: none; margin: 0; padding: 0; }
.subscribe li { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .35rem 0; }
.subscribe input { flex: 1 1 16rem; min-width: 0; font: inherit; font-size: .9rem; padding: .25rem .4rem; color: var(--fg); background: var(--bg); border: 1px solid var(--rule); border-radius: .25rem; }
.subscribe button { font: inherit; font-size: .9rem; padding: .25rem .75rem; border-radius: .25rem; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; }
.subscribe button[hidden] { display: none; }
ol.timeline { list-style: none; margin: 0; padding: 0; }
ol.timeline > li { border-left: 3px solid var(--rule); padding: 0 0 1.5rem 1rem; margin: 0 0 0 .25rem; }
.meta { color: var(--muted); font-size: .95rem; margin: 0 0 .5rem; }
.tags { list-style: none; display: flex; flex-wrap: wrap; gap: .4rem; padding: 0; margin: .5rem 0 0; }
.tags li { border: 1px solid var(--rule); border-radius: 1rem; padding: 0 .6rem; font-size: .875rem; }
.retracted { color: var(--muted); }
.notice { background: var(--warn-bg); color: var(--warn-fg); padding: .5rem .75rem; border-radius: .25rem; }
figure { margin: .75rem 0; }
figcaption { color: var(--muted); font-size: .9rem; }
footer { color: var(--muted); font-size: .9rem; border-top: 1px solid var(--rule); }

`.trimStart();

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
 */
export const PAGE_IDS = ['subscribe-title', 'feed-rss', 'feed-atom', 'feed-json'] as const;

export interface PageOptions {
  /** Folder of this page under the output folder ('' for the story page, 'tags/x/' for a tag). */
  readonly folder: string;
  /** Tags that have pages, to link each entry's tags to (those of the page's entries suffice). */
  readonly tags: ReadonlyArray<{ tag: string; slug: string }>;
}

function rootPrefix(folder: string): string {
  return '../'.repeat(folder.split('/').filter(Boolean).length);
}

// Where an entry's body goes in the page text. NUL is stripped from every text field and cannot be
// in a URL, so only this module can have written it.
const BODY_SLOT = '\u0000storyfeed-body\u0000';

/** The page as parts: each published entry's body is an `html` slot. */
export function renderPage(feed: Feed, options: PageOptions = { folder: '', tags: [] }): DocumentPart[] {
  const withBodies = [...feed.entries].sort(compareTimeline);
  const pieces = pageText(feed, options).split(BODY_SLOT);
  if (pieces.length !== withBodies.length + 1) throw new Error('the page lost an entry body');
  const parts: DocumentPart[] = [pieces[0]!];
  withBodies.forEach((e, i) => parts.push({ entry: e.path, format: 'html' }, pieces[i + 1]!));
  return parts;
}

function compareTimeline(a: EntryMeta, b: EntryMeta): number {
  return b.published.getTime() - a.published.getTime() || (a.id < b.id ? -1 : 1);
}

function pageText(feed: Feed, options: PageOptions): string {
  const { story } = feed;
  const urls = feedUrls(story, options.folder);
  const root = rootPrefix(options.folder);
  const tagLinks = new Map(options.tags.map((t) => [t.tag, `${root}tags/${t.slug}/`]));
  const formats = [
    { key: 'rss', label: FORMATS.rss.label, type: FORMATS.rss.type, url: urls.rss },
    { key: 'atom', label: FORMATS.atom.label, type: FORMATS.atom.type, url: urls.atom },
    { key: 'json', label: FORMATS.json.label, type: FORMATS.json.type, url: urls.json },
  ];
  const title = escapeHtml(story.title);
  const timeline = [...feed.entries.map((e) => ({ entry: e, retracted: false })), ...feed.retracted.map((e) => ({ entry: e, retracted: true }))]
    .sort((a, b) => compareTimeline(a.entry, b.entry))
    .map(({ entry, retracted }) => (retracted ? renderRetracted(entry, feed) : renderEntry(entry, feed, tagLinks)));

  const head = formats.map((f) => `<link rel="alternate" type="${f.type}" title="${title} (${f.label})" href="${escapeHtml(f.url)}">`).join('\n');
  return `${pageStart(story.language, title, story.description, story.homePage, head, root)}
<header>
${options.folder === '' ? '' : `<p><a href="${root}">← All developments</a> · <a href="${root}tags/">All tags</a></p>\n`}<h1>${title}</h1>
<div class="summary">
${options.folder === '' ? story.summaryHtml : `<p>${escapeHtml(story.description)}</p>`}
</div>
<section class="subscribe" aria-labelledby="subscribe-title">
<h2 id="subscribe-title">Follow this story in your feed reader</h2>
<p>Copy one of these addresses into your feed reader to get every new development.</p>
<ul>
${formats
  .map(
    (f) =>
      `<li><label for="feed-${f.key}"><a href="${escapeHtml(f.url)}" type="${f.type}">${f.label}</a></label> <input id="feed-${f.key}" type="url" readonly value="${escapeHtml(f.url)}"> <button type="button" data-copy="feed-${f.key}" hidden>Copy</button></li>`,
  )
  .join('\n')}
</ul>
</section>
</header>
<main>
<h2>Developments, newest first</h2>
${timeline.length === 0 ? '<p>No developments have been published yet.</p>' : `<ol class="timeline">\n${timeline.join('\n')}\n</ol>`}
</main>
<footer>
<p>Updated <time datetime="${formatRfc3339(feed.updated)}">${escapeHtml(formatHumanDate(feed.updated, story.language, story.timeZone))}</time>. <a href="${root}tags/">Browse by tag</a>. Built by storyfeed.</p>
</footer>
<script>
${SCRIPT}
</script>
</body>
</html>
`;
}

function pageStart(language: string, title: string, description: string, canonical: string, extraHead: string, root: string): string {
  return `<!doctype html>
<html lang="${escapeHtml(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${escapeHtml(description)}">
<meta name="generator" content="storyfeed">
<link rel="canonical" href="${escapeHtml(canonical)}">
${extraHead}
<link rel="stylesheet" href="${root}${PAGE_CSS_FILE}">
</head>
<body>`;
}

/** tags/index.html: every tag with its count, page and feeds. */
export function renderTagIndex(feed: Feed, tags: ReadonlyArray<{ tag: string; slug: string; count: number }>): string {
  const { story } = feed;
  const title = escapeHtml(`${story.title}: tags`);
  const rows = tags.map((t) => {
    const urls = feedUrls(story, `tags/${t.slug}/`);
    return `<li><a href="${t.slug}/" rel="tag">${escapeHtml(t.tag)}</a> (${t.count}) — <a href="${escapeHtml(urls.rss)}" type="${FORMATS.rss.type}">${FORMATS.rss.label}</a> · <a href="${escapeHtml(urls.atom)}" type="${FORMATS.atom.type}">${FORMATS.atom.label}</a> · <a href="${escapeHtml(urls.json)}" type="${FORMATS.json.type}">${FORMATS.json.label}</a></li>`;
  });
  return `${pageStart(story.language, title, story.description, new URL('tags/', story.feedBase).href, '', '../')}
<header>
<p><a href="../">← All developments</a></p>
<h1>${title}</h1>
</header>
<main>
${rows.length === 0 ? '<p>No tags yet.</p>' : `<ul>\n${rows.join('\n')}\n</ul>`}
</main>
</body>
</html>
`;
}

function timeElement(date: Date, feed: Feed): string {
  return `<time datetime="${formatRfc3339(date)}">${escapeHtml(formatHumanDate(date, feed.story.language, feed.story.timeZone))}</time>`;
}

function renderEntry(entry: EntryMeta, feed: Feed, tagLinks: ReadonlyMap<string, string>): string {
  const updated = entry.updated.getTime() !== entry.published.getTime() ? ` · updated ${timeElement(entry.updated, feed)}` : '';
  const image = entry.image
    ? `<figure><img src="${escapeHtml(entry.image.url)}" alt="${escapeHtml(entry.image.alt)}" loading="lazy"></figure>\n`
    : '';
  const tags = entry.tags.length > 0 ? `\n<ul class="tags" aria-label="Tags">${entry.tags.map((t) => `<li>${tagLinks.has(t) ? `<a href="${escapeHtml(tagLinks.get(t)!)}" rel="tag">${escapeHtml(t)}</a>` : escapeHtml(t)}</li>`).join('')}</ul>` : '';
  const correction = entry.correction ? ' data-corrected="true"' : '';
  return `<li><article id="${anchorOf(entry)}"${correction}>
<h3><a href="#${anchorOf(entry)}">${escapeHtml(entry.title)}</a></h3>
<p class="meta">${timeElement(entry.published, feed)}${updated}</p>
${image}${BODY_SLOT}${tags}
</article></li>`;
}

function renderRetracted(entry: EntryMeta, feed: Feed): string {
  const retraction = entry.retraction!;
  return `<li><article id="${anchorOf(entry)}" class="retracted">
<h3>Retracted: ${escapeHtml(entry.title)}</h3>
<p class="meta">${timeElement(entry.published, feed)}</p>
<p class="notice"><strong>Retracted ${timeElement(retraction.at, feed)}:</strong> ${escapeHtml(retraction.reason)}</p>
</article></li>`;
}
