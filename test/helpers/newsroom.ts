// Test helpers: newsrooms as in-memory sources (`_newsroom.md` + story folders), for the pure core.
export const NEWSROOM_ID = 'tag:newsroom.example.org,2026-05-25:newsroom';
export const NEWSROOM_HOME = 'https://newsroom.example.org/live/';
export const NEWSROOM_FEEDS = 'https://newsroom.example.org/live/feeds/';

export function newsroomText(extra = '', body = 'What we cover, live.'): string {
  return `---
id: ${NEWSROOM_ID}
title: Example Newsroom
description: Every developing story of the Example Newsroom.
home_page: ${NEWSROOM_HOME}
feed_base: ${NEWSROOM_FEEDS}
language: en
item_limit: 3
authors:
  - name: Live Desk
    url: https://newsroom.example.org/desk/
${extra}---
${body}
`;
}

export function newsroomStoryText(slug: string, extra = '', title = `Story ${slug}`): string {
  return `---
id: tag:newsroom.example.org,2026-05-25:${slug}
title: ${JSON.stringify(title)}
description: The ${slug} story.
${extra}---
Standing summary of ${slug}.
`;
}

export function newsroomEntryText(slug: string, name: string, published: string, extra = ''): string {
  return `---
id: tag:newsroom.example.org,2026-05-25:${slug}/${name}
title: ${JSON.stringify(`${slug} ${name}`)}
published: ${published}
${extra}---
Body of ${slug} ${name}.
`;
}

/** Two live stories and an ended one, with entries spread over time. */
export function sampleNewsroom(): Record<string, string> {
  return {
    '_newsroom.md': newsroomText(),
    'talks/_story.md': newsroomStoryText('talks', '', 'U.S.–Iran talks'),
    'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
    'talks/b.md': newsroomEntryText('talks', 'b', '2026-05-28T09:00:00Z', 'tags: [diplomacy]\n'),
    'storm/_story.md': newsroomStoryText('storm', 'item_limit: 10\n', 'Storm <Alba>'),
    'storm/a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'),
    'storm/b.md': newsroomEntryText('storm', 'b', '2026-05-29T09:00:00Z'),
    'storm/later.md': newsroomEntryText('storm', 'later', '2026-07-01T09:00:00Z'),
    'vote/_story.md': newsroomStoryText('vote', 'status: ended\ncoverage_end: 2026-05-30T00:00:00Z\n', 'The vote'),
    'vote/a.md': newsroomEntryText('vote', 'a', '2026-05-25T09:00:00Z'),
    'vote/b.md': newsroomEntryText('vote', 'b', '2026-05-29T12:00:00Z'),
  };
}

/** A small newsroom for the browser tests (`entries/…` paths): a live story and an ended one. */
export function browserNewsroom(): Record<string, string> {
  const body = (what: string) => `Officials met for a **${what}** round.\n\n> A quoted official.\n`;
  return {
    'entries/_newsroom.md': newsroomText('copyright: © 2026 Example Newsroom\n', 'Every story we are following, **live**.'),
    'entries/talks/_story.md': newsroomStoryText('talks', '', 'U.S.–Iran talks'),
    'entries/talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z', 'tags: [diplomacy]\n').replace('Body of talks a.', body('first')),
    'entries/talks/b.md': newsroomEntryText('talks', 'b', '2026-05-28T09:00:00Z', 'tags: [diplomacy]\n').replace('Body of talks b.', body('second')),
    'entries/vote/_story.md': newsroomStoryText('vote', 'status: ended\ncoverage_end: 2026-05-30T00:00:00Z\n', 'The vote'),
    'entries/vote/a.md': newsroomEntryText('vote', 'a', '2026-05-25T09:00:00Z'),
    'entries/vote/b.md': newsroomEntryText('vote', 'b', '2026-05-29T12:00:00Z'),
  };
}
