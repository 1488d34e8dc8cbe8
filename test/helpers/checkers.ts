// The judges of our output, none of them written here: a real XML parser (saxes), xmllint,
// jing with the Atom RELAX NG schema, the Universal Feed Parser (Debian python3-feedparser), the
// JSON Feed 1.1 JSON Schema (ajv), feedsmith — plus the W3C Feed Validation Service's rules that
// apply to us (the service itself is online only), each named as in w3c/feedvalidator docs/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import { Parser as HtmlParser } from 'htmlparser2';
import { SaxesParser } from 'saxes';
import { checkerMissing, hasTool } from './tools.js';

export interface Problem {
  checker: string;
  message: string;
}

const require = createRequire(import.meta.url);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const ATOM_SCHEMA = path.resolve(repoRoot, 'test/fixtures/atom.rnc');
const FEEDPARSER_SCRIPT = fileURLToPath(new URL('./feedparser_dump.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function withTempFile<T>(contents: string, ext: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storyfeed-check-'));
  const file = path.join(dir, `doc${ext}`);
  await writeFile(file, contents);
  try {
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- well-formedness

export function checkSaxes(xml: string): Problem[] {
  try {
    new SaxesParser({ xmlns: true }).write(xml).close();
    return [];
  } catch (error) {
    return [{ checker: 'saxes', message: (error as Error).message }];
  }
}

export async function checkXmllint(xml: string): Promise<Problem[]> {
  if (!hasTool('xmllint')) return checkerMissing('xmllint');
  const r = await run('xmllint', ['--noout', '-'], xml);
  return r.code === 0 ? [] : [{ checker: 'xmllint', message: r.stderr.trim() || `exit ${r.code}` }];
}

export async function checkJing(xml: string): Promise<Problem[]> {
  if (!existsSync(ATOM_SCHEMA)) return [{ checker: 'jing', message: `the Atom schema is missing at ${ATOM_SCHEMA}` }];
  if (!hasTool('jing')) return checkerMissing('jing');
  return withTempFile(xml, '.xml', async (file) => {
    const r = await run('jing', ['-c', ATOM_SCHEMA, file]);
    return r.code === 0 ? [] : [{ checker: 'jing', message: (r.stdout + r.stderr).trim().replaceAll(file, 'atom.xml') }];
  });
}

// ---------------------------------------------------------------- Universal Feed Parser

export interface FeedparserEntry {
  id?: string;
  title?: string;
  title_type?: string;
  link?: string;
  links?: Array<{ rel?: string; href?: string; type?: string; length?: string }>;
  published?: string;
  updated?: string;
  summary?: string;
  summary_type?: string;
  content?: string;
  authors?: Array<{ name?: string; email?: string; href?: string }>;
  tags?: string[];
  media_thumbnail?: Array<{ url?: string }>;
  enclosures?: Array<{ href?: string; type?: string; length?: string }>;
}

export interface FeedparserResult {
  bozo: boolean;
  bozo_exception?: string;
  version: string;
  feed: { title?: string; link?: string; language?: string; id?: string; updated?: string; subtitle?: string; authors?: Array<{ name?: string }> };
  entries: FeedparserEntry[];
}

/** What the Universal Feed Parser reads (callers that need it skip without it: see tools.ts). */
export async function parseWithFeedparser(contents: string): Promise<FeedparserResult | Problem> {
  return withTempFile(contents, '.xml', async (file) => {
    const r = await run(PYTHON, [FEEDPARSER_SCRIPT, file]);
    if (r.code !== 0) return { checker: 'feedparser', message: r.stderr.trim() || `exit ${r.code}` };
    return JSON.parse(r.stdout) as FeedparserResult;
  });
}

async function checkFeedparser(xml: string, expected: 'rss20' | 'atom10'): Promise<Problem[]> {
  if (!hasTool('feedparser')) return checkerMissing('feedparser');
  const r = await parseWithFeedparser(xml);
  if ('checker' in r) return [r];
  const problems: Problem[] = [];
  if (r.bozo) problems.push({ checker: 'feedparser', message: `bozo: ${r.bozo_exception}` });
  if (r.version !== expected) problems.push({ checker: 'feedparser', message: `detected version ${r.version}, expected ${expected}` });
  return problems;
}

// ---------------------------------------------------------------- newsboat

export interface NewsboatItem {
  guid: string;
  title: string;
  author: string;
}

/**
 * What newsboat stores for each item of an RSS or Atom document: it reloads the file (file://) into
 * a fresh cache, which Python's sqlite3 then reads (newsboat prints no items without a terminal).
 */
export async function readWithNewsboat(contents: string): Promise<NewsboatItem[] | Problem> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storyfeed-newsboat-'));
  try {
    const feed = path.join(dir, 'feed.xml');
    await writeFile(feed, contents);
    await writeFile(path.join(dir, 'urls'), `file://${feed}\n`);
    await writeFile(path.join(dir, 'config'), '');
    const cache = path.join(dir, 'cache.db');
    const reload = await run('newsboat', ['-u', path.join(dir, 'urls'), '-c', cache, '-C', path.join(dir, 'config'), '-x', 'reload']);
    if (reload.code !== 0) return { checker: 'newsboat', message: reload.stderr.trim() || `exit ${reload.code}` };
    const dump = await run(PYTHON, ['-c', 'import json,sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(json.dumps([dict(zip(("guid","title","author"),r)) for r in c.execute("select guid,title,author from rss_item")]))', cache]);
    if (dump.code !== 0) return { checker: 'newsboat', message: dump.stderr.trim() };
    return JSON.parse(dump.stdout) as NewsboatItem[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The feed URLs newsboat subscribes to when it imports an OPML list (`newsboat -i`), in a fresh HOME. */
export async function importWithNewsboat(opml: string): Promise<string[] | Problem> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storyfeed-newsboat-'));
  try {
    const file = path.join(dir, 'stories.opml');
    await writeFile(file, opml);
    await writeFile(path.join(dir, 'urls'), '');
    await writeFile(path.join(dir, 'config'), '');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('newsboat', ['-i', file, '-u', path.join(dir, 'urls'), '-C', path.join(dir, 'config'), '-c', path.join(dir, 'cache.db')], { timeout: 60_000, env: { ...process.env, HOME: dir } }, (error, _stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
      );
    });
    if (r.code !== 0) return { checker: 'newsboat', message: r.stderr.trim() || `exit ${r.code}` };
    const { readFile } = await import('node:fs/promises');
    return (await readFile(path.join(dir, 'urls'), 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- JSON Feed 1.1

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateJsonSchema = ajv.compile(require('jsonfeed-schema/schema-v1.1.json') as object);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function checkJsonFeedDocument(text: string, selfUrl?: string): Problem[] {
  const problems: Problem[] = [];
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return [{ checker: 'json', message: (error as Error).message }];
  }
  if (!validateJsonSchema(doc)) {
    for (const e of validateJsonSchema.errors ?? []) problems.push({ checker: 'jsonfeed-schema', message: `${e.instancePath} ${e.message}` });
  }
  if (doc['version'] !== 'https://jsonfeed.org/version/1.1') problems.push({ checker: 'jsonfeed-1.1', message: `version is ${String(doc['version'])}` });
  if (selfUrl && doc['feed_url'] !== selfUrl) problems.push({ checker: 'jsonfeed-1.1', message: `feed_url ${String(doc['feed_url'])} is not ${selfUrl}` });
  const items = Array.isArray(doc['items']) ? (doc['items'] as Array<Record<string, unknown>>) : [];
  const ids = new Set<string>();
  for (const item of items) {
    if (typeof item['id'] !== 'string') problems.push({ checker: 'jsonfeed-1.1', message: 'an item has no string id' });
    else if (ids.has(item['id'])) problems.push({ checker: 'jsonfeed-1.1', message: `duplicate item id ${item['id']}` });
    else ids.add(item['id']);
    if (typeof item['content_html'] !== 'string' && typeof item['content_text'] !== 'string') problems.push({ checker: 'jsonfeed-1.1', message: `item ${String(item['id'])} has neither content_html nor content_text` });
    for (const key of ['date_published', 'date_modified']) {
      if (item[key] !== undefined && !RFC3339.test(String(item[key]))) problems.push({ checker: 'jsonfeed-1.1', message: `item ${key} ${String(item[key])} is not RFC 3339` });
    }
    if (typeof item['content_html'] === 'string') problems.push(...checkHtml(item['content_html'], 'jsonfeed-1.1'));
  }
  try {
    parseJsonFeed(doc);
  } catch (error) {
    problems.push({ checker: 'feedsmith', message: (error as Error).message });
  }
  return problems;
}

// ---------------------------------------------------------------- W3C Feed Validation Service rules

const DANGEROUS_TAGS = new Set(['script', 'iframe', 'object', 'embed', 'applet', 'form', 'meta', 'link', 'style', 'base', 'frame', 'frameset']);

/** HTML in content: the validator's SecurityRisk / ContainsScript / DangerousStyleAttr / ContainsRelRef. */
export function checkHtml(html: string, checker = 'w3c'): Problem[] {
  const problems: Problem[] = [];
  const parser = new HtmlParser({
    onopentag(name, attribs) {
      if (DANGEROUS_TAGS.has(name)) problems.push({ checker, message: `SecurityRisk: <${name}> in content` });
      for (const [attr, value] of Object.entries(attribs)) {
        if (/^on/i.test(attr)) problems.push({ checker, message: `ContainsScript: ${attr} handler on <${name}>` });
        if (attr === 'style') problems.push({ checker, message: `DangerousStyleAttr: style on <${name}>` });
        if (['href', 'src', 'srcset', 'action', 'cite', 'poster', 'background'].includes(attr)) {
          const url = value.trim();
          if (/^(javascript|vbscript|data):/i.test(url.replace(/[\s\u0000-\u001f]/g, ''))) problems.push({ checker, message: `ContainsScript: ${attr}="${url}" on <${name}>` });
          else if (!/^(https?:|mailto:)/i.test(url)) problems.push({ checker, message: `ContainsRelRef: ${attr}="${url}" on <${name}>` });
        }
      }
    },
  });
  parser.end(html);
  return problems;
}

// feedvalidator validators.py class nonhtml: an HTML end tag or an entity reference in decoded
// plain text is ContainsHTML (RSS) / ContainsUndeclaredHTML (Atom type="text").
const HTML_END_TAG = /<\/(a|abbr|b|big|blockquote|body|br|center|code|div|em|font|h[1-6]|head|html|i|iframe|img|li|object|ol|p|pre|s|script|small|span|strike|strong|style|sub|sup|table|td|th|tr|tt|u|ul)>/i;
function nonHtml(text: string, where: string, checker: string): Problem[] {
  if (HTML_END_TAG.test(text)) return [{ checker, message: `ContainsHTML: ${where} ${text}` }];
  if (/&#?\w+;/.test(text)) return [{ checker, message: `ContainsHTML (entity): ${where} ${text}` }];
  return [];
}

function parseDom(xml: string) {
  return new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
}

function children(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (n as Element).nodeName === name) out.push(n as Element);
  return out;
}

const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UT|[+-]\d{4})$/;
const EMAIL_WITH_NAME = /^[^@\s]+@[^@\s]+\.[^@\s]+( \(.+\))?$/;
const ABSOLUTE_IRI = /^[a-z][a-z0-9+.-]*:\S+$/i;

function isLanguageTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export function checkW3cRss(xml: string, selfUrl?: string): Problem[] {
  const p = (message: string) => ({ checker: 'w3c-rss', message });
  const problems: Problem[] = [];
  const doc = parseDom(xml);
  const rss = doc.documentElement;
  if (!rss || rss.nodeName !== 'rss' || rss.getAttribute('version') !== '2.0') return [p('not an RSS 2.0 document')];
  const channel = children(rss, 'channel')[0];
  if (!channel) return [p('MissingElement: channel')];
  for (const name of ['title', 'link', 'description']) if (children(channel, name).length !== 1) problems.push(p(`MissingElement / DuplicateElement: channel ${name}`));
  const self = children(channel, 'atom:link').filter((l) => l.getAttribute('rel') === 'self');
  if (self.length !== 1) problems.push(p('MissingAtomSelfLink'));
  else {
    if (self[0]!.getAttribute('type') !== 'application/rss+xml') problems.push(p('SelfDoesntMatchLocation: self link type'));
    if (selfUrl && self[0]!.getAttribute('href') !== selfUrl) problems.push(p(`SelfDoesntMatchLocation: ${self[0]!.getAttribute('href')} ≠ ${selfUrl}`));
  }
  for (const el of children(channel, 'title')) problems.push(...nonHtml(el.textContent ?? '', 'channel title', 'w3c-rss'));
  for (const name of ['lastBuildDate', 'pubDate']) for (const el of children(channel, name)) if (!RFC822.test(el.textContent ?? '')) problems.push(p(`InvalidRFC2822Date: channel ${name} ${el.textContent}`));
  for (const el of children(channel, 'language')) if (!isLanguageTag(el.textContent ?? '')) problems.push(p(`InvalidLanguage: ${el.textContent}`));
  for (const el of children(channel, 'ttl')) if (!/^\d+$/.test(el.textContent ?? '')) problems.push(p(`InvalidInteger: ttl ${el.textContent}`));
  const guids = new Set<string>();
  for (const item of children(channel, 'item')) {
    if (children(item, 'title').length === 0 && children(item, 'description').length === 0) problems.push(p('ItemMustContainTitleOrDescription'));
    const guid = children(item, 'guid')[0];
    if (!guid) problems.push(p('MissingGuid'));
    else {
      const value = guid.textContent ?? '';
      if (guids.has(value)) problems.push(p(`DuplicateItem: guid ${value}`));
      guids.add(value);
      const permalink = guid.getAttribute('isPermaLink') !== 'false';
      if (permalink && !/^https?:\/\//.test(value)) problems.push(p(`InvalidHttpGUID: ${value}`));
    }
    for (const el of children(item, 'pubDate')) if (!RFC822.test(el.textContent ?? '')) problems.push(p(`InvalidRFC2822Date: ${el.textContent}`));
    for (const el of children(item, 'author')) if (!EMAIL_WITH_NAME.test(el.textContent ?? '')) problems.push(p(`InvalidContact: author ${el.textContent}`));
    for (const el of children(item, 'link')) if (!/^https?:\/\/\S+$/.test(el.textContent ?? '')) problems.push(p(`InvalidURLAttribute: link ${el.textContent}`));
    for (const el of children(item, 'enclosure')) {
      for (const attr of ['url', 'length', 'type']) if (!el.getAttribute(attr)) problems.push(p(`MissingAttribute: enclosure ${attr}`));
      if (!/^\d+$/.test(el.getAttribute('length') ?? '')) problems.push(p('InvalidIntegerAttribute: enclosure length'));
    }
    if (children(item, 'enclosure').length > 1) problems.push(p('DuplicateEnclosure'));
    for (const name of ['description', 'content:encoded']) for (const el of children(item, name)) problems.push(...checkHtml(el.textContent ?? '', 'w3c-rss'));
    for (const name of ['title', 'category', 'dc:creator']) for (const el of children(item, name)) problems.push(...nonHtml(el.textContent ?? '', `item ${name}`, 'w3c-rss'));
  }
  // Prefixed elements need their namespace declared (UndefinedNamedEntity / undeclared prefix).
  for (const prefix of new Set([...xml.matchAll(/<([a-z]+):[a-zA-Z]/g)].map((m) => m[1]!))) {
    if (prefix !== 'xml' && !rss.getAttribute(`xmlns:${prefix}`)) problems.push(p(`undeclared namespace prefix ${prefix}`));
  }
  return problems;
}

export function checkW3cAtom(xml: string, selfUrl?: string): Problem[] {
  const p = (message: string) => ({ checker: 'w3c-atom', message });
  const problems: Problem[] = [];
  const doc = parseDom(xml);
  const feed = doc.documentElement;
  if (!feed || feed.localName !== 'feed' || feed.namespaceURI !== 'http://www.w3.org/2005/Atom') return [p('not an Atom feed')];
  for (const name of ['id', 'title', 'updated']) if (children(feed, name).length !== 1) problems.push(p(`MissingElement / DuplicateElement: feed ${name}`));
  const lang = feed.getAttribute('xml:lang');
  if (lang && !isLanguageTag(lang)) problems.push(p(`InvalidLanguage: ${lang}`));
  const self = children(feed, 'link').filter((l) => l.getAttribute('rel') === 'self');
  if (self.length !== 1) problems.push(p('MissingSelf'));
  else if (selfUrl && self[0]!.getAttribute('href') !== selfUrl) problems.push(p(`SelfDoesntMatchLocation: ${self[0]!.getAttribute('href')} ≠ ${selfUrl}`));
  for (const el of children(feed, 'id')) if (!ABSOLUTE_IRI.test(el.textContent ?? '')) problems.push(p(`InvalidFullLink: feed id ${el.textContent}`));
  for (const el of children(feed, 'updated')) if (!RFC3339.test(el.textContent ?? '')) problems.push(p(`InvalidRFC3339Date: ${el.textContent}`));
  const feedHasAuthor = children(feed, 'author').length > 0;
  const ids = new Set<string>();
  for (const entry of children(feed, 'entry')) {
    for (const name of ['id', 'title', 'updated']) if (children(entry, name).length !== 1) problems.push(p(`MissingElement / DuplicateElement: entry ${name}`));
    const id = children(entry, 'id')[0]?.textContent ?? '';
    if (!ABSOLUTE_IRI.test(id)) problems.push(p(`InvalidFullLink: entry id ${id}`));
    if (ids.has(id)) problems.push(p(`DuplicateEntries: ${id}`));
    ids.add(id);
    if (!feedHasAuthor && children(entry, 'author').length === 0) problems.push(p('MissingAuthor'));
    const alternate = children(entry, 'link').some((l) => !l.getAttribute('rel') || l.getAttribute('rel') === 'alternate');
    if (children(entry, 'content').length === 0 && !alternate) problems.push(p('MissingAlternateLink'));
    for (const name of ['updated', 'published']) for (const el of children(entry, name)) if (!RFC3339.test(el.textContent ?? '')) problems.push(p(`InvalidRFC3339Date: ${el.textContent}`));
    for (const el of children(entry, 'category')) if (!el.getAttribute('term')) problems.push(p('MissingAttribute: category term'));
    for (const name of ['content', 'summary']) {
      for (const el of children(entry, name)) {
        if (el.getAttribute('type') === 'html') problems.push(...checkHtml(el.textContent ?? '', 'w3c-atom'));
      }
    }
    for (const el of children(entry, 'title')) {
      if (el.getAttribute('type') === 'html' || el.getAttribute('type') === 'xhtml') problems.push(p('title is not plain text'));
      else problems.push(...nonHtml(el.textContent ?? '', 'entry title', 'w3c-atom'));
    }
    for (const el of children(entry, 'category')) problems.push(...nonHtml(el.getAttribute('term') ?? '', 'category term', 'w3c-atom'));
    for (const link of children(entry, 'link')) if (!/^https?:\/\//.test(link.getAttribute('href') ?? '')) problems.push(p(`InvalidFullLink: link ${link.getAttribute('href')}`));
  }
  for (const tomb of children(feed, 'at:deleted-entry')) {
    if (!ABSOLUTE_IRI.test(tomb.getAttribute('ref') ?? '')) problems.push(p('tombstone ref is not an IRI'));
    if (!RFC3339.test(tomb.getAttribute('when') ?? '')) problems.push(p('tombstone when is not RFC 3339'));
  }
  return problems;
}

// ---------------------------------------------------------------- W3C: RSS profile and RFC 5005
// The validator's rules for document structure, as w3c/feedvalidator src/feedvalidator implements
// them: channel.py (MisplacedItem), item.py (DuplicateItemSemantics, NeedDescriptionBeforeContent),
// validators.py nonhtml + __init__.py rssCharData (CharacterData), feed.py (ArchiveIncomplete,
// MissingCurrentInArchive, FeedRelInCompleteFeed, CurrentNotSelfInCompleteFeed, MisplacedMetadata).
// Where ours is stricter, it says so.

const RFC5005_RELS = new Set(['current', 'first', 'last', 'next', 'next-archive', 'prev-archive', 'previous']);
const ITEM_SEMANTICS: ReadonlyArray<readonly [core: string, ext: string]> = [
  ['author', 'dc:creator'],
  ['category', 'dc:subject'],
  ['pubDate', 'dc:date'],
  ['pubDate', 'atom:published'],
  ['guid', 'atom:id'],
  ['source', 'dc:source'],
];
// RSS 2.0 elements the validator reads as plain text (validators.py class nonhtml and subclasses).
const RSS_PLAIN_TEXT: Readonly<Record<string, readonly string[]>> = {
  channel: ['title', 'description', 'copyright', 'category'],
  image: ['title'],
  item: ['title', 'category', 'source'],
};

function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** RFC 5005 markers and links of a feed-level element (RSS channel, Atom feed). */
function checkHistory(top: Element, linkName: string, selfUrl: string | undefined, p: (m: string) => Problem): Problem[] {
  const problems: Problem[] = [];
  const kids = elementChildren(top);
  const has = (name: string) => kids.some((k) => k.nodeName === name);
  const links = kids.filter((k) => k.nodeName === linkName).map((l) => ({ rel: l.getAttribute('rel') ?? '', href: l.getAttribute('href') ?? '' }));
  if (has('fh:complete')) {
    for (const l of links.filter((x) => RFC5005_RELS.has(x.rel))) {
      if (l.rel !== 'current') problems.push(p(`FeedRelInCompleteFeed: rel="${l.rel}" in a complete feed`));
      else if (selfUrl && l.href !== selfUrl) problems.push(p('CurrentNotSelfInCompleteFeed'));
    }
  }
  if (has('fh:archive') && !has('fh:complete')) {
    if (!links.some((l) => l.rel === 'prev-archive' || l.rel === 'next-archive')) problems.push(p('ArchiveIncomplete: fh:archive without prev-archive or next-archive'));
    if (!links.some((l) => l.rel === 'current')) problems.push(p('MissingCurrentInArchive'));
  }
  return problems;
}

/** The RSS profile and RFC 5005 rules of the W3C validator, over one document. */
export function checkW3cStructure(xml: string, selfUrl?: string): Problem[] {
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (!root) return [];
  if (root.nodeName === 'rss') {
    const p = (message: string) => ({ checker: 'w3c-rss', message });
    const problems: Problem[] = [];
    const channel = children(root, 'channel')[0];
    if (!channel) return [];
    // MisplacedItem: the validator names the channel elements it knows; any element after the
    // first item is ours (atom:link and fh:* included).
    let seenItem = false;
    for (const kid of elementChildren(channel)) {
      if (kid.nodeName === 'item') seenItem = true;
      else if (seenItem) problems.push(p(`MisplacedItem: <${kid.nodeName}> after the first <item>`));
    }
    for (const item of children(channel, 'item')) {
      const names = elementChildren(item).map((k) => k.nodeName);
      for (const [core, ext] of ITEM_SEMANTICS) {
        if (names.includes(core) && names.includes(ext)) problems.push(p(`DuplicateItemSemantics: an item should not include both ${core} and ${ext}`));
      }
      const content = names.indexOf('content:encoded');
      if (content >= 0 && !names.slice(0, content).includes('description')) problems.push(p('NeedDescriptionBeforeContent'));
    }
    // CharacterData: decoded plain text holding `&#x`, `&#0-9`, `</` or `<letter>`, with no `&#x`
    // reference on the element's lines in the source (the validator's rssCharData, line based).
    const lines = xml.split('\n');
    const plain = (parent: Element, names: readonly string[]) => {
      for (const el of elementChildren(parent).filter((k) => names.includes(k.nodeName))) {
        const text = el.textContent ?? '';
        if (!/&#[x0-9]|<[/a-zA-Z]/.test(text)) continue;
        const start = (el as unknown as { lineNumber: number }).lineNumber;
        const span = lines.slice(start - 1, start + (text.match(/\n/g)?.length ?? 0));
        if (!span.some((line) => line.includes('&#x'))) problems.push(p(`CharacterData: encode "&" and "<" in plain text using hexadecimal character references (${parent.nodeName} ${el.nodeName} ${JSON.stringify(text)})`));
      }
    };
    plain(channel, RSS_PLAIN_TEXT['channel']!);
    for (const image of children(channel, 'image')) plain(image, RSS_PLAIN_TEXT['image']!);
    for (const item of children(channel, 'item')) plain(item, RSS_PLAIN_TEXT['item']!);
    return [...problems, ...checkHistory(channel, 'atom:link', selfUrl, p)];
  }
  if (root.localName === 'feed') {
    const p = (message: string) => ({ checker: 'w3c-atom', message });
    const problems: Problem[] = [];
    // MisplacedMetadata (an error): feed metadata after the first entry; stricter, every element.
    let seenEntry = false;
    for (const kid of elementChildren(root)) {
      if (kid.localName === 'entry') seenEntry = true;
      else if (seenEntry) problems.push(p(`MisplacedMetadata: <${kid.nodeName}> after the first <entry>`));
    }
    return [...problems, ...checkHistory(root, 'link', selfUrl, p)];
  }
  return [];
}

// ---------------------------------------------------------------- per format

export async function checkRss(xml: string, opts: { selfUrl?: string } = {}): Promise<Problem[]> {
  const wellFormed = checkSaxes(xml);
  if (wellFormed.length > 0) return wellFormed;
  const problems = [...checkW3cRss(xml, opts.selfUrl), ...checkW3cStructure(xml, opts.selfUrl)];
  try {
    parseRssFeed(xml);
  } catch (error) {
    problems.push({ checker: 'feedsmith', message: (error as Error).message });
  }
  const external = await Promise.all([checkXmllint(xml), checkFeedparser(xml, 'rss20')]);
  return [...problems, ...external.flat()];
}

export async function checkAtom(xml: string, opts: { selfUrl?: string } = {}): Promise<Problem[]> {
  const wellFormed = checkSaxes(xml);
  if (wellFormed.length > 0) return wellFormed;
  const problems = [...checkW3cAtom(xml, opts.selfUrl), ...checkW3cStructure(xml, opts.selfUrl)];
  try {
    parseAtomFeed(xml);
  } catch (error) {
    problems.push({ checker: 'feedsmith', message: (error as Error).message });
  }
  const external = await Promise.all([checkXmllint(xml), checkJing(xml), checkFeedparser(xml, 'atom10')]);
  return [...problems, ...external.flat()];
}

export async function checkJsonFeed(json: string, opts: { selfUrl?: string } = {}): Promise<Problem[]> {
  return checkJsonFeedDocument(json, opts.selfUrl);
}

/** Check an output by its file name (rss.xml, atom.xml, feed.json; also inside archive/ and tags/). */
export async function checkOutputFile(name: string, contents: string, opts: { selfUrl?: string } = {}): Promise<Problem[]> {
  const base = path.basename(name);
  if (base === 'rss.xml') return checkRss(contents, opts);
  if (base === 'atom.xml') return checkAtom(contents, opts);
  if (base === 'feed.json') return checkJsonFeed(contents, opts);
  if (base === 'sitemap.xml' || base === 'news-sitemap.xml' || /^sitemap-\d+\.xml$/.test(base)) return checkSitemap(contents);
  return [];
}

// ---------------------------------------------------------------- sitemaps

/** The sitemaps.org 0.9 schema and Google's news extension, imported by one schema (test/fixtures/sitemaps.xsd). */
export const SITEMAP_SCHEMA = path.resolve(repoRoot, 'test/fixtures/sitemaps.xsd');

/** The sitemaps.org 0.9 schema of a sitemap index (its own file: it shares the namespace of sitemap.xsd). */
export const SITEINDEX_SCHEMA = path.resolve(repoRoot, 'test/fixtures/siteindex.xsd');

/** A sitemap or a sitemap index: well-formed (saxes) and valid against its schemas (xmllint). */
export async function checkSitemap(xml: string): Promise<Problem[]> {
  const problems = checkSaxes(xml);
  if (!hasTool('xmllint')) return [...problems, ...checkerMissing('xmllint')];
  const schema = /^<\?xml[^>]*\?>\s*<sitemapindex[\s>]/.test(xml) ? SITEINDEX_SCHEMA : SITEMAP_SCHEMA;
  const r = await run('xmllint', ['--noout', '--schema', schema, '-'], xml);
  return r.code === 0 ? problems : [...problems, { checker: 'xmllint --schema', message: r.stderr.trim() || `exit ${r.code}` }];
}
