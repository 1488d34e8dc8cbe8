// Valid in every configuration (issue 12 item 9), not only in the shipped story: the W3C Feed
// Validation Service's structure rules (checkW3cStructure in test/helpers/checkers.ts, which every
// golden case's checker also runs) over every document of the every-configuration story — 124
// entries, item_limit 25, every documented field — rendered by the code, and over the shipped
// story; then what feedparser and newsboat read of its authors and titles.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_PATH } from '../../src/io/state-folder.js';
import { compile } from '../../src/core/compile.js';
import type { EntryMeta, RenderedFile } from '../../src/core/types.js';
import { byline } from '../../src/core/render/rss.js';
import { checkOutputFile, checkW3cStructure, parseWithFeedparser, readWithNewsboat } from '../helpers/checkers.js';
import { readSources } from '../helpers/read-sources.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';

const caseDir = new URL('../golden/every-configuration/', import.meta.url).pathname;
const storyDir = new URL('../../entries/', import.meta.url).pathname;
const SELF_BASE = 'https://newsroom.example.org/stories/golden/feeds/';

async function build(entries: string, now: Date): Promise<{ files: RenderedFile[]; entries: readonly EntryMeta[] }> {
  const read = await readSources(entries);
  const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now, ledgerPath: LEDGER_PATH });
  expect(result.diagnostics).toEqual([]);
  return { files: [...result.files], entries: result.entries };
}

const isXmlFeed = (p: string) => /(^|\/)(rss|atom)\.xml$/.test(p);

let every: { files: RenderedFile[]; entries: readonly EntryMeta[] };
let shipped: RenderedFile[];

beforeAll(async () => {
  every = await build(path.join(caseDir, 'entries'), new Date(readFileSync(path.join(caseDir, 'now'), 'utf8').trim()));
  shipped = (await build(storyDir, new Date('2026-06-01T00:00:00Z'))).files;
});

// Each rule, shown to bite: a document that breaks it, and the same document put right.
const rss = (channel: string, items: string) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0">\n<channel>\n<title>T</title>\n${channel}\n${items}\n</channel>\n</rss>\n`;
const item = (inner: string) => `<item>\n<guid isPermaLink="false">tag:e.org,2026:1</guid>\n${inner}\n</item>`;
const RULES: Array<[rule: string, bad: string, good: string]> = [
  ['MisplacedItem', rss('', `${item('<title>a</title>')}\n<atom:link rel="current" href="https://e.org/rss.xml"/>`), rss('<atom:link rel="current" href="https://e.org/rss.xml"/>', item('<title>a</title>'))],
  ['DuplicateItemSemantics', rss('', item('<author>jane@e.org (Jane)</author>\n<dc:creator>Jane</dc:creator>')), rss('', item('<dc:creator>Jane</dc:creator>'))],
  ['NeedDescriptionBeforeContent', rss('', item('<content:encoded>x</content:encoded>')), rss('', item('<description>d</description>\n<content:encoded>x</content:encoded>'))],
  ['CharacterData', rss('', item('<title>Talks &lt;resume&gt; &amp; go on</title>')), rss('', item('<title>Talks &#x3C;resume&#x3E; &#x26; go on</title>'))],
  ['CharacterData', rss('<description>A &lt;b&gt; story</description>', ''), rss('<description>A &#x3C;b&#x3E; story</description>', '')],
  ['ArchiveIncomplete', rss('<atom:link rel="current" href="https://e.org/rss.xml"/>\n<fh:archive/>', ''), rss('<atom:link rel="current" href="https://e.org/rss.xml"/>', '')],
  ['MissingCurrentInArchive', rss('<atom:link rel="prev-archive" href="https://e.org/a/1/rss.xml"/>\n<fh:archive/>', ''), rss('<atom:link rel="prev-archive" href="https://e.org/a/1/rss.xml"/>\n<atom:link rel="current" href="https://e.org/rss.xml"/>\n<fh:archive/>', '')],
  ['FeedRelInCompleteFeed', rss('<atom:link rel="prev-archive" href="https://e.org/a/1/rss.xml"/>\n<fh:complete/>', ''), rss('<fh:complete/>', '')],
  [
    'MisplacedMetadata',
    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>tag:e.org,2026:1</id></entry><link rel="current" href="https://e.org/atom.xml"/></feed>',
    '<feed xmlns="http://www.w3.org/2005/Atom"><link rel="current" href="https://e.org/atom.xml"/><entry><id>tag:e.org,2026:1</id></entry></feed>',
  ],
];

describe('each W3C structure rule catches what it names', () => {
  it.each(RULES)('%s', (rule, bad, good) => {
    expect(checkW3cStructure(bad).map((p) => p.message.split(':')[0])).toContain(rule);
    expect(checkW3cStructure(good)).toEqual([]);
  });
});

describe('the every-configuration story (124 entries, item_limit 25, every documented field)', () => {
  it('makes main, archive, tag and tag-archive documents, with a tag whose archive is one page', () => {
    const paths = every.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['rss.xml', 'archive/4/rss.xml', 'tags/talks/archive/3/atom.xml', 'tags/sanctions/archive/1/rss.xml']));
    expect(paths).not.toContain('tags/sanctions/archive/2/rss.xml');
    expect(paths.filter(isXmlFeed).length).toBe(24);
  });

  it('every RSS and Atom document meets the W3C structure rules', () => {
    const problems = every.files.filter((f) => isXmlFeed(f.path)).flatMap((f) => checkW3cStructure(f.contents, new URL(f.path, SELF_BASE).href).map((p) => `${f.path}: ${p.message}`));
    expect(problems).toEqual([]);
  });

  it('the only archive page of a tag is no fh:archive (RFC 5005 §4: no prev-archive, no next-archive); longer chains are', () => {
    const get = (p: string) => every.files.find((f) => f.path === p)!.contents;
    for (const format of ['rss.xml', 'atom.xml']) {
      expect(get(`tags/sanctions/archive/1/${format}`)).not.toContain('fh:archive');
      expect(get(`tags/sanctions/archive/1/${format}`)).toContain('rel="current"');
      expect(get(`tags/talks/archive/1/${format}`)).toContain('<fh:archive/>');
    }
  });

  it('every document passes every checker', async () => {
    for (const f of every.files.filter((x) => /(rss\.xml|atom\.xml|feed\.json)$/.test(x.path))) {
      expect([f.path, await checkOutputFile(f.path, f.contents, { selfUrl: new URL(f.path, SELF_BASE).href })]).toEqual([f.path, []]);
    }
  });
});

describe('the shipped story', () => {
  it('every RSS and Atom document meets the W3C structure rules', () => {
    const problems = shipped.filter((f) => isXmlFeed(f.path)).flatMap((f) => checkW3cStructure(f.contents).map((p) => `${f.path}: ${p.message}`));
    expect(problems).toEqual([]);
  });
});

describe.skipIf(skipWithout('feedparser'))(`feedparser reads each RSS item's authors right${withoutNote('feedparser')}`, () => {
  it('one author, the byline, with no email borrowed from another author, in every RSS document', async () => {
    const byId = new Map(every.entries.map((e) => [e.id, e]));
    for (const f of every.files.filter((x) => /(^|\/)rss\.xml$/.test(x.path))) {
      const read = await parseWithFeedparser(f.contents);
      if ('checker' in read) throw new Error(read.message);
      expect([f.path, read.bozo]).toEqual([f.path, false]);
      for (const e of read.entries) {
        const entry = byId.get(e.id!)!;
        expect([f.path, e.id, e.authors]).toEqual([f.path, e.id, [{ name: byline(entry.authors) }]]);
      }
    }
  });

  it('titles with & and < read back as written', async () => {
    const read = await parseWithFeedparser(every.files.find((f) => f.path === 'rss.xml')!.contents);
    if ('checker' in read) throw new Error(read.message);
    const titles = new Map(every.entries.map((e) => [e.id, e.title]));
    for (const e of read.entries) if (!e.title!.startsWith('Retracted')) expect(e.title).toBe(titles.get(e.id!));
    expect(read.entries.some((e) => e.title!.includes('<resume>'))).toBe(true);
  });
});

describe.skipIf(skipWithout('newsboat'))(`newsboat reads each RSS item's byline and title${withoutNote('newsboat')}`, () => {
  it.each(['rss.xml', 'archive/1/rss.xml', 'tags/sanctions/archive/1/rss.xml'])('%s', async (p) => {
    const items = await readWithNewsboat(every.files.find((f) => f.path === p)!.contents);
    if ('checker' in items) throw new Error(items.message);
    const byId = new Map(every.entries.map((e) => [e.id, e]));
    expect(items.length).toBeGreaterThan(0);
    for (const it of items) {
      const entry = byId.get(it.guid)!;
      expect([it.guid, it.author]).toEqual([it.guid, byline(entry.authors)]);
      if (!it.title.startsWith('Retracted')) expect([it.guid, it.title]).toEqual([it.guid, entry.title]);
    }
  });
});
