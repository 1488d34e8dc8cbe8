// index.html of a newsroom: the introduction, subscribe links (the newsroom feed, the OPML list,
// stories.json), live stories first — newest development first, each with its latest headline and
// time — then ended stories, and an `ItemList` of the stories in JSON-LD (schema.org). It links
// the stories' own stylesheet (`style.css`, render/page.ts PAGE_CSS) and uses its classes.

import { formatHumanDate, formatRfc3339 } from '../dates.js';
import { renderHead } from './page-head.js';
import { escapeHtml } from '../markdown.js';
import { feedUrls, FORMATS, NEWSROOM_FILES } from '../formats.js';
import type { StorySummary } from '../newsroom.js';
import type { Story } from '../types.js';
import { renderJsonLd } from './json-ld.js';
import { coverageEndAhead, coverageEndOf, isCoverageOn } from '../model.js';

/** schema.org ItemList of the stories, in the page's order. */
export function storiesItemList(newsroom: Story, stories: readonly StorySummary[]) {
  return {
    '@context': 'https://schema.org',
    '@type': 'ItemList',
    name: newsroom.title,
    url: newsroom.homePage,
    numberOfItems: stories.length,
    itemListElement: stories.map((s, i) => ({ '@type': 'ListItem', position: i + 1, url: s.story.homePage, name: s.story.title })),
  };
}

function time(d: Date, newsroom: Story): string {
  return `<time datetime="${formatRfc3339(d)}">${escapeHtml(formatHumanDate(d, newsroom.language, newsroom.timeZone))}</time>`;
}

function feedLinks(story: Story, folder: string): string {
  const urls = feedUrls(story, folder);
  return (['rss', 'atom', 'json'] as const).map((k) => `<a href="${escapeHtml(urls[k])}" type="${FORMATS[k].type}">${FORMATS[k].label}</a>`).join(' · ');
}

function storyItem(s: StorySummary, newsroom: Story, now: Date): string {
  const lines = [`<li class="story" id="story-${s.slug}">`, `<h3><a href="${s.slug}/">${escapeHtml(s.story.title)}</a></h3>`];
  lines.push(`<p>${escapeHtml(s.story.description)}</p>`);
  if (s.latest) lines.push(`<p class="meta">Latest: <a href="${escapeHtml(s.latest.link)}">${escapeHtml(s.latest.title)}</a> · ${time(s.latest.published, newsroom)}</p>`);
  else lines.push('<p class="meta">No developments yet.</p>');
  const end = coverageEndOf(s);
  if (end) lines.push(`<p class="meta">Coverage ${coverageEndAhead(s, now) ? 'ends' : 'ended'} ${time(end, newsroom)}</p>`);
  lines.push(`<p class="meta">${feedLinks(s.story, '')}</p>`, '</li>');
  return lines.join('\n');
}

/** `now`: the planner's clock (an ended story's planned end still ahead says "Coverage ends"). */
export function renderFrontPage(newsroom: Story, stories: readonly StorySummary[], now: Date): string {
  const title = escapeHtml(newsroom.title);
  const urls = feedUrls(newsroom);
  const live = stories.filter((s) => isCoverageOn(s, now));
  const ended = stories.filter((s) => !isCoverageOn(s, now));
  const section = (id: string, heading: string, list: readonly StorySummary[], empty: string) =>
    `<section aria-labelledby="${id}">\n<h2 id="${id}">${heading}</h2>\n${list.length === 0 ? `<p>${empty}</p>` : `<ol class="timeline">\n${list.map((s) => storyItem(s, newsroom, now)).join('\n')}\n</ol>`}\n</section>`;
  const alternates = (['rss', 'atom', 'json'] as const).map((k) => `<link rel="alternate" type="${FORMATS[k].type}" title="${title} (${FORMATS[k].label})" href="${escapeHtml(urls[k])}">`);
  return `${renderHead({
    language: newsroom.language,
    title: newsroom.title,
    description: newsroom.description,
    canonical: newsroom.homePage,
    root: '',
    ...(newsroom.favicon ? { favicon: newsroom.favicon } : {}),
    ogType: 'website',
    extra: `${alternates.join('\n')}\n${renderJsonLd(storiesItemList(newsroom, stories))}`,
  })}
<header>
<h1>${title}</h1>
${newsroom.summaryHtml === '' ? '' : `<div class="summary">\n${newsroom.summaryHtml}\n</div>\n`}<section class="subscribe" aria-labelledby="subscribe-title">
<h2 id="subscribe-title">Subscribe</h2>
<p>Every story: ${feedLinks(newsroom, '')}</p>
<p>All stories in your reader: <a href="${NEWSROOM_FILES.opml}" type="${FORMATS.opml.type}">OPML list</a> · as data: <a href="${NEWSROOM_FILES.stories}" type="${FORMATS.stories.type}">stories.json</a></p>
</section>
</header>
<main>
${section('live-title', 'Live now', live, 'No live stories.')}
${section('ended-title', 'Ended', ended, 'No ended stories.')}
</main>
<footer>
${newsroom.copyright ? `<p class="meta">${escapeHtml(newsroom.copyright)}</p>\n` : ''}<p>Built by storyfeed.</p>
</footer>
</body>
</html>
`;
}
