// What RSS and Atom share when handed to the `feed` package: a fresh Feed per render (feed@6.0.0
// defect 13: rss2() mutates its input), every date passed explicitly (defects 11 and 14), self
// links per format only (defect 7), and nothing that feed serializes wrongly (those fields are
// added afterwards with the DOM, see rss.ts / atom.ts).

import { Feed as FeedWriter, type Item } from 'feed';
import { escapeHtml } from '../markdown.js';
import type { EntryMeta, Feed, Story } from '../types.js';
import { BODY_TOKEN } from './fragments.js';

export const GENERATOR = 'storyfeed';

/**
 * Text that reaches feed's CDATA writer must not contain `]]>` (defect 2: only the first is
 * escaped). Titles and summaries are HTML-escaped here, which removes every `>`; the renderers
 * then replace titles with plain-text nodes, and summaries are HTML by RSS's definition anyway.
 */
function cdataSafe(text: string): string {
  return escapeHtml(text);
}

/**
 * A fresh writer per render (defect 13). `items` are the entries feed writes; each body is
 * BODY_TOKEN (fragments.ts puts the real body in afterwards).
 */
export function createWriter(story: Story, updated: Date, items: readonly EntryMeta[], selfLinks: { rss: string; atom: string; json: string }): FeedWriter {
  const writer = new FeedWriter({
    id: story.id,
    title: story.title,
    description: story.description,
    link: story.homePage,
    language: story.language,
    ttl: story.ttl,
    updated,
    generator: GENERATOR,
    feedLinks: selfLinks,
    ...(story.hub ? { hub: story.hub } : {}),
    ...(story.icon ? { image: story.icon } : {}),
    ...(story.favicon ? { favicon: story.favicon } : {}),
    ...(story.copyright ? { copyright: story.copyright } : {}),
  });
  for (const entry of items) writer.addItem(toItem(entry));
  return writer;
}

function toItem(entry: EntryMeta): Item {
  // No author is passed: feed would write RSS <author> beside the dc:creator byline (W3C
  // DuplicateItemSemantics); people go out as dc:creator / atom:author from the DOM step.
  return {
    title: cdataSafe(entry.title),
    id: entry.id,
    guid: entry.id,
    link: entry.link,
    date: entry.updated,
    published: entry.published,
    // RSS profile (W3C NeedDescriptionBeforeContent): an item with content:encoded has a
    // description before it; without a summary, the headline is the synopsis. Atom and JSON Feed
    // leave their summary out instead.
    ...(entry.summary || entry.hasContent ? { description: cdataSafe(entry.summary ?? entry.title) } : {}),
    // An empty content makes feed leave the element out, as it should for an entry without a body.
    content: entry.hasContent ? BODY_TOKEN : '',
  };
}
