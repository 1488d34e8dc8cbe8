// Writes test/golden/every-configuration/entries: a story of 124 entries with item_limit 25 and
// every documented field in use (README "Entries" and "Story settings"), so that main, tag and
// archive documents, retractions, corrections, images and several authors all meet the checkers.
// Deterministic: run it again (`node test/golden/every-configuration/generate.mjs`) and the files
// are the same. The entries are checked in; this script only says how they were made.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'entries');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const ID = 'tag:newsroom.example.org,2026-05-25:every';
const COUNT = 124;

writeFileSync(
  path.join(dir, '_story.md'),
  `---
id: ${ID}
title: "Every configuration: talks & <terms>"
description: A story that uses every documented field, so that every document it makes is checked.
home_page: https://newsroom.example.org/stories/every/
feed_base: https://newsroom.example.org/stories/golden/feeds/
language: en-GB
authors:
  - name: Golden Desk
    email: desk@newsroom.example.org
    url: https://newsroom.example.org/desk/
  - Night Editor
item_limit: 25
ttl: 10
icon: https://newsroom.example.org/icon.png
favicon: https://newsroom.example.org/favicon.ico
copyright: © 2026 Newsroom & partners
time_zone: Asia/Tehran
schedule: "*/10 * * * *"
hub: https://hub.example.org/
retraction_window: 7
---
The standing summary, with **bold** and a [link](https://newsroom.example.org/background/).
`,
);

const pad = (n) => String(n).padStart(3, '0');
// One entry every six hours from 2026-03-01, so the newest are published just before `now`.
const at = (i, hours = 0) => new Date(Date.UTC(2026, 2, 1) + (i * 6 + hours) * 3_600_000).toISOString().replace('.000Z', 'Z');
const PEOPLE = [
  'Jane Reporter',
  '{name: Jane Reporter, email: jane@newsroom.example.org}',
  '{name: Ali Correspondent, url: "https://newsroom.example.org/ali/"}',
  '{name: Bo Third, email: bo@newsroom.example.org, url: "https://newsroom.example.org/bo/"}',
];

for (let i = 1; i <= COUNT; i++) {
  const lines = [`id: ${ID}/e${pad(i)}`];
  // Titles: plain, with & and <, with a tag-like <word>, with quotes and non-Latin text.
  const titles = [`Update ${i}`, `Talks & terms, round ${i}`, `Delegates <resume> talks, day ${i}`, `“Quoted” ${i} < ${i + 1} — مذاکرات`];
  lines.push(`title: ${JSON.stringify(titles[i % titles.length])}`);
  lines.push(`published: ${at(i)}`);
  if (i % 5 === 0) lines.push(`updated: ${at(i, 2)}`);
  if (i % 3 !== 0) lines.push(`summary: ${JSON.stringify(i % 6 === 1 ? `Summary ${i} with <angle> & ampersand.` : `Summary of update ${i}.`)}`);
  // Authors: none (the story's), one name, one with an email, several with and without.
  const authors = [null, [PEOPLE[0]], [PEOPLE[1]], [PEOPLE[1], PEOPLE[2]], [PEOPLE[2], PEOPLE[3], PEOPLE[0]]][i % 5];
  if (authors) lines.push(`authors: [${authors.join(', ')}]`);
  // Tags: "talks" on most (many archive pages), "sanctions" on 40 (one archive page), rare ones.
  const tags = [];
  if (i % 4 !== 0) tags.push('talks');
  if (i <= 40) tags.push('sanctions');
  if (i % 31 === 0) tags.push('Iran & U.S.');
  if (tags.length > 0) lines.push(`tags: [${tags.map((t) => JSON.stringify(t)).join(', ')}]`);
  if (i % 7 === 0) lines.push(`link: https://newsroom.example.org/2026/every/${i}/`);
  if (i % 9 === 0) lines.push(`image: {url: "https://newsroom.example.org/img/${i}.jpg", alt: "Photo ${i} & more", length: ${1000 + i}}`);
  else if (i % 11 === 0) lines.push(`image: {url: "https://newsroom.example.org/img/${i}.webp", alt: "Map ${i}"}`);
  if (i % 13 === 0) lines.push(`correction: {at: ${at(i, 3)}, note: "An earlier version of update ${i} misstated a date & a place."}`);
  // Retractions: an old one (past its window: tombstone only) and recent ones (stubs too).
  if (i === 17 || i === 118 || i === 121) lines.push(`retracted: {at: ${at(i, 4)}, reason: "Update ${i} could not be confirmed."}`);
  if (i === 60) lines.push('draft: true');
  writeFileSync(path.join(dir, `e${pad(i)}.md`), `---\n${lines.join('\n')}\n---\nBody of update ${i}: see [the background](/background/) & **more**.\n`);
}
// One entry under embargo at `now`: published after it.
writeFileSync(path.join(dir, 'embargoed.md'), `---\nid: ${ID}/embargoed\ntitle: Not yet\npublished: 2026-06-30T00:00:00Z\n---\nLater.\n`);

if (readdirSync(dir).length !== COUNT + 2) throw new Error('unexpected entry count');
