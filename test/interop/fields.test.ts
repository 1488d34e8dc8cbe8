// Every field survives: each output is parsed back by parsers nobody here wrote (feedsmith
// in-process for all three formats, the Universal Feed Parser for RSS and Atom) and compared,
// field by field, with the entry it came from.
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EntryMeta } from '../../src/core/types.js';
import { compileEntries, type Outputs } from '../helpers/compile.js';
import { parseWithFeedparser, type FeedparserResult } from '../helpers/checkers.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';

/** Without Debian's python3-feedparser (and not under CI), its rows are skipped, and say so. */
const noFeedparser = skipWithout('feedparser');

const ENTRY = {
  slug: 'rich',
  title: 'Talks <resume> & “go on” — مذاکرات 🕊️',
  published: '2026-05-26T09:30:00+04:30',
  extra: [
    'updated: 2026-05-26T12:00:00Z',
    'summary: "A summary with <angle> & ampersand."',
    'authors: [{name: Reporter One, email: one@newsroom.example.org, url: "https://newsroom.example.org/one/"}, Reporter Two]',
    'tags: [diplomacy, "Iran & U.S."]',
    'link: https://newsroom.example.org/2026/05/26/rich/',
    'image: {url: "https://newsroom.example.org/img/rich.png", alt: "Delegates", length: 2048}',
    '',
  ].join('\n'),
  body: 'Body with a [relative link](/background/) and **bold**.',
};

let out: Outputs;
let entry: EntryMeta;
let body: string;
let fpRss: FeedparserResult;
let fpAtom: FeedparserResult;

beforeAll(async () => {
  out = compileEntries([ENTRY]);
  entry = out.result.entries[0]!;
  body = out.result.fragments.get(entry.path)!.html;
  if (noFeedparser) return;
  const [r, a] = await Promise.all([parseWithFeedparser(out.rss), parseWithFeedparser(out.atom)]);
  if ('checker' in r || 'checker' in a) throw new Error(`feedparser unavailable: ${JSON.stringify([r, a])}`);
  fpRss = r;
  fpAtom = a;
});

const iso = (d: Date) => d.toISOString();
const date = (s: string | undefined) => (s ? new Date(s).toISOString() : undefined);
/** RSS description and Atom summary type="html" carry the plain-text summary escaped as HTML. */
const unescapeHtml = (s: string | undefined) => s?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

type Getter = () => unknown;
const rss = () => parseRssFeed(out.rss).items![0]!;
const atom = () => parseAtomFeed(out.atom).entries![0]!;
const json = () => parseJsonFeed(JSON.parse(out.json)).items![0]!;

const table: Array<[field: string, expected: () => unknown, parsers: Record<string, Getter>]> = [
  ['id', () => entry.id, {
    'rss/feedsmith': () => rss().guid?.value,
    'atom/feedsmith': () => atom().id,
    'json/feedsmith': () => json().id,
    'rss/feedparser': () => fpRss.entries[0]!.id,
    'atom/feedparser': () => fpAtom.entries[0]!.id,
  }],
  ['title', () => entry.title, {
    'rss/feedsmith': () => rss().title,
    'atom/feedsmith': () => (atom().title as { value?: string } | undefined)?.value,
    'json/feedsmith': () => json().title,
    'rss/feedparser': () => fpRss.entries[0]!.title,
    'atom/feedparser': () => fpAtom.entries[0]!.title,
  }],
  ['link', () => entry.link, {
    'rss/feedsmith': () => rss().link,
    'atom/feedsmith': () => atom().links?.find((l) => !l.rel || l.rel === 'alternate')?.href,
    'json/feedsmith': () => json().url,
    'rss/feedparser': () => fpRss.entries[0]!.link,
    'atom/feedparser': () => fpAtom.entries[0]!.link,
  }],
  ['published', () => iso(entry.published), {
    'rss/feedsmith': () => date(rss().pubDate as string),
    'atom/feedsmith': () => date(atom().published as string),
    'json/feedsmith': () => date(json().date_published as string),
    'rss/feedparser': () => date(fpRss.entries[0]!.published),
    'atom/feedparser': () => date(fpAtom.entries[0]!.published),
  }],
  ['updated', () => iso(entry.updated), {
    'atom/feedsmith': () => date(atom().updated as string),
    'json/feedsmith': () => date(json().date_modified as string),
    'atom/feedparser': () => date(fpAtom.entries[0]!.updated),
  }],
  ['summary', () => entry.summary, {
    'rss/feedsmith': () => unescapeHtml(rss().description),
    'atom/feedsmith': () => unescapeHtml((atom().summary as { value?: string } | undefined)?.value),
    'json/feedsmith': () => json().summary,
    'rss/feedparser': () => unescapeHtml(fpRss.entries[0]!.summary),
    'atom/feedparser': () => unescapeHtml(fpAtom.entries[0]!.summary),
  }],
  ['content', () => body.trim(), {
    'rss/feedsmith': () => rss().content?.encoded?.trim(),
    'atom/feedsmith': () => (atom().content as { value?: string } | undefined)?.value?.trim(),
    'json/feedsmith': () => (json().content_html as string).trim(),
    'rss/feedparser': () => fpRss.entries[0]!.content?.trim(),
    'atom/feedparser': () => fpAtom.entries[0]!.content?.trim(),
  }],
  ['authors', () => entry.authors.map((a) => a.name), {
    'atom/feedsmith': () => atom().authors?.map((a) => a.name),
    'json/feedsmith': () => json().authors?.map((a) => a.name),
    'atom/feedparser': () => fpAtom.entries[0]!.authors?.map((a) => a.name),
  }],
  // RSS has one byline (one dc:creator, no <author>): read as one author, no email borrowed.
  ['authors (RSS byline)', () => [{ name: 'Reporter One, Reporter Two' }], {
    'rss/feedsmith': () => rss().dc?.creators?.map((name) => ({ name })),
    'rss/feedparser': () => fpRss.entries[0]!.authors,
  }],
  ['author email', () => 'one@newsroom.example.org', {
    'atom/feedsmith': () => atom().authors?.[0]?.email,
    'atom/feedparser': () => fpAtom.entries[0]!.authors?.[0]?.email,
  }],
  ['tags', () => [...entry.tags], {
    'rss/feedsmith': () => rss().categories?.map((c) => c.name),
    'atom/feedsmith': () => atom().categories?.map((c) => c.term),
    'json/feedsmith': () => json().tags,
    'rss/feedparser': () => fpRss.entries[0]!.tags,
    'atom/feedparser': () => fpAtom.entries[0]!.tags,
  }],
  ['image', () => entry.image?.url, {
    'rss/feedsmith': () => rss().enclosures?.[0]?.url ?? rss().media?.thumbnails?.[0]?.url,
    'atom/feedsmith': () => atom().links?.find((l) => l.rel === 'enclosure')?.href,
    'json/feedsmith': () => json().image,
    'rss/feedparser': () => fpRss.entries[0]!.media_thumbnail?.[0]?.url,
    'atom/feedparser': () => fpAtom.entries[0]!.enclosures?.[0]?.href,
  }],
  ['image type and length', () => 'image/png 2048', {
    'rss/feedsmith': () => `${rss().enclosures?.[0]?.type} ${rss().enclosures?.[0]?.length}`,
    'atom/feedsmith': () => { const l = atom().links?.find((x) => x.rel === 'enclosure'); return `${l?.type} ${l?.length}`; },
    'rss/feedparser': () => `${fpRss.entries[0]!.enclosures?.[0]?.type} ${fpRss.entries[0]!.enclosures?.[0]?.length}`,
    'atom/feedparser': () => `${fpAtom.entries[0]!.enclosures?.[0]?.type} ${fpAtom.entries[0]!.enclosures?.[0]?.length}`,
  }],
  ['language', () => 'en', {
    'rss/feedsmith': () => parseRssFeed(out.rss).language,
    'atom/feedsmith': () => (parseAtomFeed(out.atom) as { xml?: { lang?: string } }).xml?.lang,
    'json/feedsmith': () => (JSON.parse(out.json) as { language: string }).language,
    'rss/feedparser': () => fpRss.feed.language,
    'atom/feedparser': () => fpAtom.feed.language,
  }],
];

describe.each(table)('field %s', (_field, expected, parsers) => {
  const rows = Object.entries(parsers);
  it.each(rows.filter(([name]) => !name.includes('feedparser')))('survives through %s', (_name, get) => {
    expect(get()).toEqual(expected());
  });
  it.skipIf(noFeedparser).each(rows.filter(([name]) => name.includes('feedparser')))(`survives through %s${withoutNote('feedparser')}`, (_name, get) => {
    expect(get()).toEqual(expected());
  });
});

describe.skipIf(noFeedparser)(`titles stay plain text for feedparser${withoutNote('feedparser')}`, () => {
  it('RSS and Atom titles are read as text/plain', () => {
    expect(fpRss.entries[0]!.title_type).toBe('text/plain');
    expect(fpAtom.entries[0]!.title_type).toBe('text/plain');
  });
});
