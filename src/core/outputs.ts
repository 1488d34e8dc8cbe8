// Every document one run publishes: the subscription feeds, RFC 5005 archive pages, per-tag feeds
// and pages, the story page and the feed stylesheet. Pure: Story + entries + now → PlannedFile[]
// (rendered on demand; each with a key that fingerprints its inputs).

import { createHash } from 'node:crypto';
import { compareStrings, diagnostic, FILE_START, type Diagnostic } from './diagnostics.js';
import { documentKey, fingerprint } from './fingerprint.js';
import { buildFeed, compareEntries, newestChange, selectVisible } from './model.js';
import { ATOM_SEPARATOR, renderAtomShell } from './render/atom.js';
import { feedUrls, OUTPUT_FILES } from './render/feed-options.js';
import { fillShell } from './render/fragments.js';
import { JSON_SEPARATOR, renderJsonShell } from './render/json-feed.js';
import { PAGE_CSS, PAGE_CSS_FILE, renderPage, renderTagIndex } from './render/page.js';
import { renderRssShell, RSS_SEPARATOR } from './render/rss.js';
import { FEED_XSL, STYLESHEET_FILE } from './render/stylesheet.js';
import type { DocumentPart, EntryMeta, Feed, PlannedFile, Story } from './types.js';
import { RENDER_VERSION } from './versions.js';

export const MEDIA_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xsl: 'text/xsl; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

export const ARCHIVE_FOLDER = 'archive';
export const TAGS_FOLDER = 'tags';

/** The `_archive` JSON Feed extension (JSON Feed 1.1 "Extensions") carries RFC 5005's links; `about` names that RFC. */
export const ARCHIVE_EXTENSION_ABOUT = 'https://www.rfc-editor.org/rfc/rfc5005';

interface DocumentLinks {
  readonly folder: string;
  readonly history?: 'complete' | 'archive';
  readonly links: ReadonlyArray<{ rel: string; href: string; type?: string }>;
  readonly nextUrl?: string;
  readonly archive?: Record<string, unknown>;
}

export { RENDER_VERSION } from './versions.js';

export { documentKey, fingerprint } from './fingerprint.js';

const storyPrints = new WeakMap<Story, string>();

/** The story's part of every key, computed once per story object (the story holds its summary HTML). */
function storyFingerprint(story: Story): string {
  let print = storyPrints.get(story);
  if (print === undefined) {
    print = fingerprint(story);
    storyPrints.set(story, print);
  }
  return print;
}

/** What a feed's documents are made of besides its entries' prints (those are the key's deps). */
function feedBase(feed: Feed): unknown {
  return {
    v: RENDER_VERSION,
    story: storyFingerprint(feed.story),
    entries: feed.entries.length,
    retracted: feed.retracted.length,
    updated: feed.updated.getTime(),
    complete: feed.complete,
  };
}

const feedDeps = (feed: Feed): EntryMeta[] => [...feed.entries, ...feed.retracted];


export function planned(path: string, mediaType: string, inputs: unknown, deps: readonly EntryMeta[], render: () => readonly DocumentPart[]): PlannedFile {
  const base = fingerprint(inputs);
  return { path, mediaType, key: documentKey(path, base, deps.map((e) => e.print)), base, deps: deps.map((e) => e.path), render };
}

function planDocuments(feed: Feed, doc: DocumentLinks): PlannedFile[] {
  const prefix = doc.folder;
  // Each format links its own kind of document (RFC 5005 links are per format).
  const own = (type: string) => doc.links.filter((l) => l.type === type);
  const xmlExtras = {
    folder: doc.folder,
    stylesheet: `${'../'.repeat(doc.folder.split('/').filter(Boolean).length)}${STYLESHEET_FILE}`,
    ...(doc.history ? { history: doc.history } : {}),
  };
  const jsonExtras = { folder: doc.folder, ...(doc.nextUrl ? { nextUrl: doc.nextUrl } : {}), ...(doc.archive ? { archive: doc.archive } : {}) };
  const inputs = { feed: feedBase(feed), doc };
  const deps = feedDeps(feed);
  return [
    planned(`${prefix}${OUTPUT_FILES.rss}`, MEDIA_TYPES.rss, inputs, deps, () =>
      fillShell(renderRssShell(feed, { ...xmlExtras, links: own('application/rss+xml') }), feed.entries, 'rss', RSS_SEPARATOR),
    ),
    planned(`${prefix}${OUTPUT_FILES.atom}`, MEDIA_TYPES.atom, inputs, deps, () =>
      fillShell(renderAtomShell(feed, { ...xmlExtras, links: own('application/atom+xml') }), feed.entries, 'atom', ATOM_SEPARATOR),
    ),
    planned(`${prefix}${OUTPUT_FILES.json}`, MEDIA_TYPES.json, inputs, deps, () => fillShell(renderJsonShell(feed, jsonExtras), feed.entries, 'json', JSON_SEPARATOR)),
  ];
}

/**
 * RFC 5005 §4 archives. Entries that fall out of the subscription feed are cut into pages counted
 * from the oldest: page 1 holds the oldest `pageSize` entries, page 2 the next, and so on. A full
 * page therefore never changes again unless one of its own entries is corrected or retracted.
 */
export function archivePages<E extends EntryMeta>(visible: readonly E[], itemLimit: number): E[][] {
  const older = [...visible.slice(itemLimit)].reverse(); // oldest first
  const pages: E[][] = [];
  for (let i = 0; i < older.length; i += itemLimit) pages.push(older.slice(i, i + itemLimit));
  return pages;
}

function archiveFolder(page: number): string {
  return `${ARCHIVE_FOLDER}/${page}/`;
}

function withLinkTypes(urls: { rss: string; atom: string; json: string }, rel: string) {
  return { rss: { rel, href: urls.rss, type: 'application/rss+xml' }, atom: { rel, href: urls.atom, type: 'application/atom+xml' }, json: urls.json };
}

/** Subscription feeds + archives for one stream of entries (the story, or one tag). */
function planStream(story: Story, entries: readonly EntryMeta[], retracted: readonly EntryMeta[], folder: string): PlannedFile[] {
  const visible = [...entries].sort(compareEntries);
  const current = visible.slice(0, story.itemLimit);
  const pages = archivePages(visible, story.itemLimit);
  const files: PlannedFile[] = [];
  const currentUrls = feedUrls(story, folder);
  const pageUrls = (n: number) => feedUrls(story, `${folder}${archiveFolder(n)}`);

  const subscription: Feed = { story, entries: current, retracted, updated: newestChange(current, retracted), complete: pages.length === 0 };
  const newest = pages.length;
  const prev = newest > 0 ? withLinkTypes(pageUrls(newest), 'prev-archive') : undefined;
  files.push(
    ...planDocuments(subscription, {
      folder,
      ...(pages.length === 0 ? { history: 'complete' as const } : {}),
      // RFC 5005 §4: the subscription document points at the newest archive document.
      links: prev ? [prev.rss, prev.atom] : [],
      ...(prev ? { nextUrl: prev.json, archive: { about: ARCHIVE_EXTENSION_ABOUT, prev_archive: prev.json } } : {}),
    }),
  );
  pages.forEach((pageEntries, i) => {
    const n = i + 1;
    const newestFirst = [...pageEntries].sort(compareEntries);
    const feed: Feed = { story, entries: newestFirst, retracted: [], updated: newestChange(newestFirst, []), complete: false };
    const cur = withLinkTypes(currentUrls, 'current');
    const older = n > 1 ? withLinkTypes(pageUrls(n - 1), 'prev-archive') : undefined;
    const newer = n < newest ? withLinkTypes(pageUrls(n + 1), 'next-archive') : undefined;
    const xmlLinks = [cur.rss, cur.atom, ...(older ? [older.rss, older.atom] : []), ...(newer ? [newer.rss, newer.atom] : [])];
    files.push(
      ...planDocuments(feed, {
        folder: `${folder}${archiveFolder(n)}`,
        history: 'archive',
        links: xmlLinks,
        ...(older ? { nextUrl: older.json } : {}),
        archive: {
          about: ARCHIVE_EXTENSION_ABOUT,
          archive: true,
          current: cur.json,
          ...(older ? { prev_archive: older.json } : {}),
          ...(newer ? { next_archive: newer.json } : {}),
        },
      }),
    );
  });
  return files;
}

/**
 * A tag's folder name: the tag itself when it is already a clean ASCII slug, otherwise an ASCII
 * approximation plus a short hash of the exact text, so that it is stable (it depends on the tag
 * alone, never on the other tags), unique, and safe as a path segment and in a URL.
 *
 * The two forms never meet: every hashed slug ends in `-` and 8 hex digits, so a clean tag that
 * happens to end that way (`iran-18d4e170`, which is `Iran`'s hashed slug) is hashed too. Two
 * hashed slugs can only meet through a 32-bit hash collision, which is diagnosed
 * (tagSlugClashes, E_TAG_SLUG_CLASH) rather than trusted never to happen.
 */
export function tagSlug(tag: string): string {
  const ascii = tag
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  if (ascii === tag && !HASHED_SLUG.test(tag)) return ascii;
  const hash = createHash('sha256').update(tag, 'utf8').digest('hex').slice(0, 8);
  return ascii === '' ? `tag-${hash}` : `${ascii}-${hash}`;
}

/** The shape of every hashed tag slug (its last 9 characters). */
const HASHED_SLUG = /-[0-9a-f]{8}$/;

/**
 * Tags of different text that would share one folder, each reported on the entry that uses the
 * later one (files in path order), naming both tags and both files (the entry's tags have no
 * position of their own after parsing: reported at the file's start). Unique by construction except
 * for a hash collision (tagSlug), which a hostile tag could be made to cause.
 */
export function tagSlugClashes(entries: readonly EntryMeta[]): Diagnostic[] {
  // Linear in the entries: each distinct tag is hashed once, with the first file (by path) using it.
  const firstUse = new Map<string, string>();
  for (const entry of entries) {
    for (const tag of entry.tags) {
      const path = firstUse.get(tag);
      if (path === undefined || compareStrings(entry.path, path) < 0) firstUse.set(tag, entry.path);
    }
  }
  const bySlug = new Map<string, Array<{ tag: string; path: string }>>();
  for (const [tag, path] of firstUse) {
    const slug = tagSlug(tag);
    const list = bySlug.get(slug);
    if (list) list.push({ tag, path });
    else bySlug.set(slug, [{ tag, path }]);
  }
  const diagnostics: Diagnostic[] = [];
  for (const [slug, list] of bySlug) {
    if (list.length < 2) continue;
    const [first, ...later] = list.sort((a, b) => compareStrings(a.path, b.path) || compareStrings(a.tag, b.tag));
    for (const t of later) {
      diagnostics.push(
        diagnostic(t.path, FILE_START, 'E_TAG_SLUG_CLASH', `the tag \`${t.tag}\` would share the folder \`${TAGS_FOLDER}/${slug}/\` with the tag \`${first!.tag}\` of ${first!.path}`, `rename one of the two tags (here or in ${first!.path}): each tag needs its own feeds and page`, 'tags'),
      );
    }
  }
  return diagnostics;
}

export interface TagSummary {
  readonly tag: string;
  readonly slug: string;
  readonly count: number;
}

export function planOutputs(story: Story, entries: readonly EntryMeta[], now: Date): { feed: Feed; files: PlannedFile[]; tags: TagSummary[] } {
  const feed = buildFeed(story, entries, now);
  const visible = selectVisible(entries, now);
  const files: PlannedFile[] = [...planStream(story, visible, feed.retracted, '')];

  const byTag = new Map<string, EntryMeta[]>();
  for (const e of visible) {
    for (const t of e.tags) {
      const list = byTag.get(t);
      if (list) list.push(e);
      else byTag.set(t, [e]);
    }
  }
  const tags: TagSummary[] = [...byTag.entries()]
    .map(([tag, list]) => ({ tag, slug: tagSlug(tag), count: list.length }))
    .sort((a, b) => compareStrings(a.slug, b.slug));
  for (const t of tags) {
    const folder = `${TAGS_FOLDER}/${t.slug}/`;
    const tagStory: Story = {
      ...story,
      id: `${story.id}/tags/${t.slug}`,
      title: `${story.title}: ${t.tag}`,
      description: `Developments tagged “${t.tag}” in: ${story.title}`,
      homePage: new URL(folder, story.feedBase).href,
    };
    const tagEntries = byTag.get(t.tag)!;
    files.push(...planStream(tagStory, tagEntries, [], folder));
    const tagFeed: Feed = { story: tagStory, entries: tagEntries.slice(0, story.itemLimit), retracted: [], updated: newestChange(tagEntries, []), complete: true };
    files.push(planned(`${folder}${OUTPUT_FILES.page}`, MEDIA_TYPES.html, { feed: feedBase(tagFeed), folder, tags }, feedDeps(tagFeed), () => renderPage(tagFeed, { folder, tags })));
  }
  const pageInputs = { feed: feedBase(feed), tags };
  files.push(planned(`${TAGS_FOLDER}/${OUTPUT_FILES.page}`, MEDIA_TYPES.html, pageInputs, feedDeps(feed), () => [renderTagIndex(feed, tags)]));
  files.push(planned(OUTPUT_FILES.page, MEDIA_TYPES.html, pageInputs, feedDeps(feed), () => renderPage(feed, { folder: '', tags })));
  files.push(planned(STYLESHEET_FILE, MEDIA_TYPES.xsl, { v: RENDER_VERSION, xsl: FEED_XSL }, [], () => [FEED_XSL]));
  files.push(planned(PAGE_CSS_FILE, MEDIA_TYPES.css, { v: RENDER_VERSION, css: PAGE_CSS }, [], () => [PAGE_CSS]));
  return { feed, files, tags };
}
