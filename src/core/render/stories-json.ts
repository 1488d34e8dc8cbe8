// stories.json: a newsroom's stories as data, in the front page's order (newsroom-plan.ts
// orderStories). Times are RFC 3339 in UTC; absent values are null, so that every key is always there.

import { formatRfc3339 } from '../dates.js';
import { feedUrls, NEWSROOM_FILES } from '../formats.js';
import type { StorySummary } from '../newsroom.js';
import type { Story } from '../types.js';

export const STORIES_JSON_VERSION = 1;

const time = (d: Date | undefined) => (d ? formatRfc3339(d) : null);

export function buildStoriesJson(newsroom: Story, stories: readonly StorySummary[]) {
  return {
    version: STORIES_JSON_VERSION,
    title: newsroom.title,
    home_page_url: newsroom.homePage,
    feeds: feedUrls(newsroom),
    opml_url: new URL(NEWSROOM_FILES.opml, newsroom.feedBase).href,
    stories: stories.map((s) => ({
      slug: s.slug,
      id: s.story.id,
      title: s.story.title,
      description: s.story.description,
      status: s.status,
      home_page_url: s.story.homePage,
      coverage_start: time(s.coverageStart),
      coverage_end: time(s.coverageEnd),
      entry_count: s.entryCount,
      feeds: feedUrls(s.story),
      latest: s.latest ? { id: s.latest.id, title: s.latest.title, url: s.latest.link, published: formatRfc3339(s.latest.published), updated: formatRfc3339(s.latest.updated) } : null,
    })),
  };
}

export function renderStoriesJson(newsroom: Story, stories: readonly StorySummary[]): string {
  return `${JSON.stringify(buildStoriesJson(newsroom, stories), null, 2)}\n`;
}
