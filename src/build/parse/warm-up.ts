// A small newsroom run through the parse worker's code once, when `npm run build` makes the code
// cache (code-cache.ts): V8 keeps in it what it compiled by then, so a worker's first parse — a
// newsroom patch run's settings and its one edited entry — does not compile the front matter,
// YAML, Markdown, sanitizing and fragment code first (~20–30 ms of it, on the run's critical path).
// What it parses is never seen: only the compiled code is kept.

import { parseBatch } from './batch.js';
import { parseStorySettings } from './settings.js';

const NEWSROOM = `---
id: tag:newsroom.example.org,2026-01-01:desk
title: A newsroom
description: Stories as they develop.
home_page: https://newsroom.example.org/
feed_base: https://newsroom.example.org/feeds/
language: en
authors:
  - name: The desk
    url: https://newsroom.example.org/desk/
time_zone: Etc/UTC
---
What we cover.
`;

const STORY = `---
id: tag:newsroom.example.org,2026-01-01:a-story
title: A story
description: One story, newest first.
status: live
---
`;

const ENTRY = `---
id: tag:newsroom.example.org,2026-01-01:a-story/first
title: "A first development: “talks” & more"
published: 2026-01-01T09:00:00Z
updated: 2026-01-01T10:30:00+01:00
summary: What happened first.
tags: [talks, diplomacy]
---
Officials met for a **first** round of _talks_, with [a statement](https://newsroom.example.org/s) and \`a code\`.

## What was said

- one point;
- another, with a footnote-like remark.

> A quotation from the statement.

1. A first step
2. A second step

\`\`\`
plain text
\`\`\`

<p>Some <em>HTML</em> <script>not run</script>.</p>
`;

/** Parse the small newsroom once (throws if it does not: the build that makes the cache fails). */
export function warmUp(): void {
  const settings = parseStorySettings({ path: '_newsroom.md', text: NEWSROOM }, [{ slug: 'a-story', file: { path: 'a-story/_story.md', text: STORY } }]);
  const story = settings?.[0]?.[1];
  if (!story) throw new Error('the warm-up newsroom did not parse');
  const [parsed] = parseBatch([{ path: 'first.md', text: ENTRY }], story, new Date('2026-01-02T00:00:00Z'));
  if (!parsed?.blob) throw new Error('the warm-up entry did not render');
}
