// stories.opml: OPML 2.0 (http://opml.org/spec2.opml) subscription list of a newsroom's stories.
// One `type="rss"` outline per story (text, title, htmlUrl, xmlUrl = its Atom feed), holding its RSS
// and JSON Feed as further outlines. Dates are RFC 822 (spec2 "<head>"), from the data (the clock
// only says whether a planned coverage_end has passed).

import { escapeHtml } from '../markdown.js';
import { feedUrls, FORMATS } from '../formats.js';
import type { StorySummary } from '../newsroom.js';
import { coverageEndAhead } from '../model.js';
import type { Story } from '../types.js';

/** XML attribute text: escapeHtml covers & < > " ', and line ends are kept as character references. */
const attr = (value: string) => escapeHtml(value).replaceAll('\n', '&#10;').replaceAll('\t', '&#9;');

/** RFC 822 date-time (RFC 1123's four-digit year), in GMT. */
const rfc822 = (d: Date) => d.toUTCString();

/** `now`: a planned `coverage_end` still ahead has not modified anything yet (found from outside: it was the list's dateModified). */
export function opmlDates(stories: readonly StorySummary[], now: Date): { created?: Date; modified?: Date } {
  let created: Date | undefined;
  let modified: Date | undefined;
  for (const s of stories) {
    for (const d of [s.coverageStart, s.latest?.published]) if (d && (!created || d < created)) created = d;
    const ended = coverageEndAhead(s, now) ? undefined : s.coverageEnd;
    for (const d of [s.latest?.updated, ended, s.coverageStart]) if (d && (!modified || d > modified)) modified = d;
  }
  return { ...(created ? { created } : {}), ...(modified ? { modified } : {}) };
}

export function renderOpml(newsroom: Story, stories: readonly StorySummary[], now: Date, dates?: { readonly created?: Date; readonly modified?: Date }): string {
  const fromData = opmlDates(stories, now);
  const created = dates?.created ?? fromData.created;
  const modified = dates?.modified ?? fromData.modified;
  const head = [
    `    <title>${attr(newsroom.title)}</title>`,
    ...(created ? [`    <dateCreated>${rfc822(created)}</dateCreated>`] : []),
    ...(modified ? [`    <dateModified>${rfc822(modified)}</dateModified>`] : []),
    ...(newsroom.authors[0] ? [`    <ownerName>${attr(newsroom.authors[0].name)}</ownerName>`] : []),
    `    <docs>http://opml.org/spec2.opml</docs>`,
  ];
  const outlines = stories.map((s) => {
    const urls = feedUrls(s.story);
    const title = attr(s.story.title);
    // Built, not patched with String.replace: a title's `$&` or `$'` would be read as a replacement pattern.
    const common = (label?: string) => {
      const text = label ? `${title} (${label})` : title;
      return `type="rss" text="${text}" title="${text}" htmlUrl="${attr(s.story.homePage)}" language="${attr(s.story.language)}"`;
    };
    return [
      `    <outline ${common()} description="${attr(s.story.description)}" xmlUrl="${attr(urls.atom)}" version="ATOM">`,
      `      <outline ${common(FORMATS.rss.label)} xmlUrl="${attr(urls.rss)}" version="RSS2"/>`,
      `      <outline ${common(FORMATS.json.label)} xmlUrl="${attr(urls.json)}" version="JSONFEED"/>`,
      `    </outline>`,
    ].join('\n');
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head>
${head.join('\n')}
  </head>
  <body>
${outlines.join('\n')}
  </body>
</opml>
`;
}
