// Every document one run publishes: the subscription feeds, RFC 5005 archive pages, per-tag feeds
// and pages, the story page, a page per development (entry-pages.ts) and the feed stylesheet. Pure: Story + entries + now + the ids the
// ledger remembers → PlannedFile[] (rendered on demand; each with a key that fingerprints what it
// shows, so that planning costs what the documents hold).

import { compareStrings } from './diagnostics.js';
import { planEntryPages } from './entry-pages.js';
import { documentKey, fingerprint } from './fingerprint.js';
import { compareEntries, coverageEndAhead, isPublished, isRetracted, isStub, newestChange, retractionStub } from './model.js';
import { ATOM_SEPARATOR } from './render/atom.js';
import { feedUrls, FORMATS, MEDIA_TYPES, OUTPUT_FILES, PAGE_CSS_FILE, STYLESHEET_FILE } from './formats.js';
import { fillShell } from './render/fragments.js';
import { JSON_SEPARATOR, renderJsonShell } from './render/json-feed.js';
import { PAGE_CSS, pageFromShell, renderPage, renderTagIndex } from './render/page.js';
import { RSS_SEPARATOR } from './render/rss.js';
import { renderShell, shellJob } from './render/shells.js';
import { FEED_XSL } from './render/stylesheet.js';
import type { DocumentPart, EntryMeta, Feed, PlannedFile, ShellRender, Story } from './types.js';
import { RENDER_VERSION } from './versions.js';
import { planSitemaps, storySitemapUrls, type PlannedSitemap, type SitemapPage } from './sitemaps.js';
import { tagLinkMap, tagLinks, tagSlug, TAGS_FOLDER, type TagLink } from './tags.js';
import { withFields } from './objects.js';

export const ARCHIVE_FOLDER = 'archive';

/** The `_archive` JSON Feed extension (JSON Feed 1.1 "Extensions") carries RFC 5005's links; `about` names that RFC. */
export const ARCHIVE_EXTENSION_ABOUT = 'https://www.rfc-editor.org/rfc/rfc5005';

interface DocumentLinks {
  readonly folder: string;
  readonly history?: 'complete' | 'archive';
  readonly links: ReadonlyArray<{ rel: string; href: string; type?: string }>;
  readonly nextUrl?: string;
  readonly archive?: Record<string, unknown>;
}

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

/** What a document is made of besides its entries' prints (those are the key's deps). */
function feedBase(feed: Feed, stubs: readonly EntryMeta[] = []): unknown {
  return {
    v: RENDER_VERSION,
    story: storyFingerprint(feed.story),
    entries: feed.entries.length,
    // Which of the entries are retraction stubs (their prints alone do not say: it depends on the time).
    stubs: stubs.map((e) => e.id),
    retracted: feed.retracted.length,
    updated: feed.updated.getTime(),
    complete: feed.complete,
  };
}

export function planned(path: string, mediaType: string, inputs: unknown, deps: readonly EntryMeta[], render: () => readonly DocumentPart[]): PlannedFile {
  return plannedFrom(path, mediaType, fingerprint(inputs), deps.map((e) => e.print), deps.map((e) => e.path), render);
}

/** A planned file from its inputs' fingerprint (the three formats of a document share theirs). */
function plannedFrom(path: string, mediaType: string, base: string, prints: readonly string[], deps: readonly string[], render: () => readonly DocumentPart[]): PlannedFile {
  return { path, mediaType, key: documentKey(path, base, prints), base, deps, render };
}

/** An RSS or Atom document, whose shell the writer may have rendered elsewhere (PlannedFile.shell). */
const withShell = (path: string, mediaType: string, base: string, prints: readonly string[], deps: readonly string[], shell: ShellRender): PlannedFile =>
  withFields(plannedFrom(path, mediaType, base, prints, deps, () => shell.fill(renderShell(shell.job()))), { shell });

/** What one document of a stream (a subscription feed or an archive page) holds at `now`. */
interface DocumentContent {
  /** Entries shown whole: published, not retracted; newest first. */
  readonly visible: readonly EntryMeta[];
  /** Retracted entries within their window, as RSS and JSON Feed show them (retractionStub). */
  readonly stubs: readonly EntryMeta[];
  /** Retracted entries, whatever the window: Atom's RFC 6721 tombstones; newest retraction first. */
  readonly retracted: readonly EntryMeta[];
}

function planDocuments(story: Story, content: DocumentContent, complete: boolean, doc: DocumentLinks): PlannedFile[] {
  const prefix = doc.folder;
  const updated = newestChange(content.visible, content.retracted);
  // Atom carries the tombstones in place of retracted entries; RSS and JSON Feed, which have none,
  // carry the stubs among the entries for the window (RFC 6721 §1; README "Retractions").
  const atomFeed: Feed = { story, entries: content.visible, retracted: content.retracted, updated, complete };
  const withStubs = content.stubs.length === 0 ? content.visible : [...content.visible, ...content.stubs].sort(compareEntries);
  const itemFeed: Feed = { ...atomFeed, entries: withStubs };
  // Each format links its own kind of document (RFC 5005 links are per format).
  const own = (type: string) => doc.links.filter((l) => l.type === type);
  const xmlExtras = {
    folder: doc.folder,
    stylesheet: `${'../'.repeat(doc.folder.split('/').filter(Boolean).length)}${STYLESHEET_FILE}`,
    ...(doc.history ? { history: doc.history } : {}),
  };
  const jsonExtras = { folder: doc.folder, ...(doc.nextUrl ? { nextUrl: doc.nextUrl } : {}), ...(doc.archive ? { archive: doc.archive } : {}) };
  const base = fingerprint({ feed: feedBase(atomFeed, content.stubs), doc });
  const entries = [...withStubs, ...content.retracted];
  const prints = entries.map((e) => e.print);
  const deps = entries.map((e) => e.path);
  return [
    withShell(`${prefix}${OUTPUT_FILES.rss}`, MEDIA_TYPES.rss, base, prints, deps, {
      job: () => shellJob('rss', itemFeed, { ...xmlExtras, links: own(FORMATS.rss.type) }),
      fill: (shell) => fillShell(shell, itemFeed.entries, 'rss', RSS_SEPARATOR),
    }),
    withShell(`${prefix}${OUTPUT_FILES.atom}`, MEDIA_TYPES.atom, base, prints, deps, {
      job: () => shellJob('atom', atomFeed, { ...xmlExtras, links: own(FORMATS.atom.type) }),
      fill: (shell) => fillShell(shell, atomFeed.entries, 'atom', ATOM_SEPARATOR),
    }),
    plannedFrom(`${prefix}${OUTPUT_FILES.json}`, MEDIA_TYPES.json, base, prints, deps, () => fillShell(renderJsonShell(itemFeed, jsonExtras), itemFeed.entries, 'json', JSON_SEPARATOR)),
  ];
}

/**
 * One place in a stream's order: an id that is published now, or was published before (the
 * ledger remembers it). `entry` is what the stream shows there now: a published entry (visible or
 * retracted) that, in a tag's stream, still carries the tag. Without one the slot is a hole — an
 * entry made a draft again, moved back under embargo, deleted, or untagged — and keeps its place.
 */
export interface Slot {
  readonly id: string;
  /** Publication time (ms): the entry's now, or the ledger's for an id no longer published. */
  readonly published: number;
  readonly entry?: EntryMeta;
}

/** Oldest first; ties broken by id, the reverse of compareEntries (newest first). */
function compareSlots(a: Slot, b: Slot): number {
  return a.published - b.published || compareStrings(b.id, a.id);
}

/** An id published before, as the ledger remembers it (compile.ts reads it from the ledger). */
export interface PastEntry {
  /** Publication time (ms). */
  readonly published: number;
  /** The tags it was published with; undefined when the ledger predates tag records. */
  readonly tags?: readonly string[];
}

/**
 * RFC 5005 §4 archives with stable pages. A stream's slots (oldest first) are cut into pages of
 * `pageSize` counted from the oldest: slot i is on page ⌊i / pageSize⌋ + 1, and the newest
 * `pageSize` slots are the subscription feed's. A slot never moves because another is withdrawn:
 * holes keep their place, so a removal changes only the document that held the entry, and the
 * chain's length depends only on how many ids were ever published. Returns the subscription's
 * first slot and the pages as [start, end) ranges of slots.
 */
export function archiveRanges(slotCount: number, pageSize: number): { current: number; pages: Array<readonly [number, number]> } {
  const current = Math.max(0, slotCount - pageSize);
  const pages: Array<readonly [number, number]> = [];
  for (let start = 0; start < current; start += pageSize) pages.push([start, Math.min(start + pageSize, current)]);
  return { current, pages };
}

function archiveFolder(page: number): string {
  return `${ARCHIVE_FOLDER}/${page}/`;
}

function withLinkTypes(urls: { rss: string; atom: string; json: string }, rel: string) {
  return { rss: { rel, href: urls.rss, type: FORMATS.rss.type }, atom: { rel, href: urls.atom, type: FORMATS.atom.type }, json: urls.json };
}

/** What slots [start, end) hold at `now`. */
function contentOf(slots: readonly Slot[], start: number, end: number, now: Date): DocumentContent {
  const visible: EntryMeta[] = [];
  const stubs: EntryMeta[] = [];
  const retracted: EntryMeta[] = [];
  // Newest first: the slots are oldest first, in compareEntries' order reversed.
  for (let i = end - 1; i >= start; i--) {
    const e = slots[i]!.entry;
    if (!e) continue;
    if (!isRetracted(e, now)) visible.push(e);
    else {
      retracted.push(e);
      if (isStub(e, now)) stubs.push(retractionStub(e));
    }
  }
  retracted.sort(compareRetractions);
  return { visible, stubs, retracted };
}

/** Newest retraction first, ties by id. */
function compareRetractions(a: EntryMeta, b: EntryMeta): number {
  return b.retraction!.at.getTime() - a.retraction!.at.getTime() || compareStrings(a.id, b.id);
}

/**
 * Subscription feeds + archives for one stream of slots (the story, or one tag), oldest first.
 * Returns the files and what the stream's page shows: the subscription feed's entries, and the
 * notice of every retraction of the stream still within its window.
 */
function planStream(story: Story, slots: readonly Slot[], folder: string, now: Date): { files: PlannedFile[]; page: Feed } {
  const { current, pages } = archiveRanges(slots.length, story.itemLimit);
  const files: PlannedFile[] = [];
  const currentUrls = feedUrls(story, folder);
  const pageUrls = (n: number) => feedUrls(story, `${folder}${archiveFolder(n)}`);

  // The subscription feed holds the newest slots; every retraction of the stream reaches its
  // readers there (the tombstone, and the stub within the window), wherever the entry was.
  const all = contentOf(slots, 0, slots.length, now);
  const head = contentOf(slots, current, slots.length, now);
  const subscription: DocumentContent = { visible: head.visible, stubs: all.stubs, retracted: all.retracted };
  const newest = pages.length;
  const prev = newest > 0 ? withLinkTypes(pageUrls(newest), 'prev-archive') : undefined;
  files.push(
    ...planDocuments(story, subscription, newest === 0, {
      folder,
      ...(newest === 0 ? { history: 'complete' as const } : {}),
      // RFC 5005 §4: the subscription document points at the newest archive document.
      links: prev ? [prev.rss, prev.atom] : [],
      ...(prev ? { nextUrl: prev.json, archive: { about: ARCHIVE_EXTENSION_ABOUT, prev_archive: prev.json } } : {}),
    }),
  );
  pages.forEach(([start, end], i) => {
    const n = i + 1;
    const cur = withLinkTypes(currentUrls, 'current');
    const older = n > 1 ? withLinkTypes(pageUrls(n - 1), 'prev-archive') : undefined;
    const newer = n < newest ? withLinkTypes(pageUrls(n + 1), 'next-archive') : undefined;
    const xmlLinks = [cur.rss, cur.atom, ...(older ? [older.rss, older.atom] : []), ...(newer ? [newer.rss, newer.atom] : [])];
    files.push(
      ...planDocuments(story, contentOf(slots, start, end, now), false, {
        folder: `${folder}${archiveFolder(n)}`,
        // RFC 5005 §4: an archive links the archive before it unless it is the first, and the one
        // after it unless it is the newest. A stream's only page is both, so it has neither link,
        // and an fh:archive without one reads as a broken chain (the W3C validator's
        // ArchiveIncomplete). It is not complete either (fh:complete), so it keeps only `current`.
        ...(newest > 1 ? { history: 'archive' as const } : {}),
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
  // The pages show the notice in the entry's place, for the same window as the stubs.
  const stubbed = all.stubs.length === 0 ? [] : all.retracted.filter((e) => isStub(e, now));
  const page: Feed = { story, entries: head.visible, retracted: stubbed, updated: newestChange(head.visible, all.retracted), complete: newest === 0 };
  return { files, page };
}

export interface TagSummary {
  readonly tag: string;
  readonly slug: string;
  /** Entries of the tag shown whole somewhere (published, not retracted). */
  readonly count: number;
}

/**
 * The story's slots: every id published now or before (`past`, from the ledger), oldest first.
 * An id in the ledger whose entry is not published now (a draft again, embargoed again, deleted)
 * is a hole at the time the ledger remembers.
 */
export function storySlots(entries: readonly EntryMeta[], now: Date, past: ReadonlyMap<string, PastEntry>): Slot[] {
  const slots: Slot[] = [];
  const published = new Set<string>();
  for (const e of entries) {
    // A retraction is only announced for an entry that was out: an embargoed or draft entry
    // withdrawn before its time leaves no trace (no tombstone, no stub, no place).
    if (!isPublished(e, now)) continue;
    slots.push({ id: e.id, published: e.published.getTime(), entry: e });
    published.add(e.id);
  }
  for (const [id, p] of past) if (!published.has(id) && Number.isFinite(p.published)) slots.push({ id, published: p.published });
  return slots.sort(compareSlots);
}

/**
 * Each tag's slots, in the story's order: every slot whose entry carries the tag now or was
 * published with it (the ledger's tags). A slot whose entry is not published now, or no longer
 * carries the tag, is a hole in that tag's stream. One pass over the slots and their tags.
 */
export function tagSlots(slots: readonly Slot[], entries: readonly EntryMeta[], past: ReadonlyMap<string, PastEntry>): Map<string, Slot[]> {
  const present = new Map<string, EntryMeta>();
  for (const e of entries) present.set(e.id, e);
  const byTag = new Map<string, Slot[]>();
  for (const slot of slots) {
    const now = slot.entry?.tags ?? [];
    // A ledger from before tag records: an unpublished entry keeps the places of the tags it has.
    const before = past.get(slot.id)?.tags ?? (slot.entry ? [] : (present.get(slot.id)?.tags ?? []));
    const carried = new Set(now);
    const tags = before.length === 0 ? carried : new Set([...now, ...before]);
    for (const t of tags) {
      const member: Slot = slot.entry && carried.has(t) ? slot : { id: slot.id, published: slot.published };
      const list = byTag.get(t);
      if (list) list.push(member);
      else byTag.set(t, [member]);
    }
  }
  return byTag;
}

/**
 * The tags a page links to: those of its entries, each with its slug — not the whole tag list, so
 * that a page's key depends on what it shows. An entry is on as many tag pages as it has tags:
 * its own links are made once (`made`) and a page of one entry takes them as they are.
 */
function linkedTags(entries: readonly EntryMeta[], linkOf: ReadonlyMap<string, TagLink>, made: WeakMap<EntryMeta, TagLink[]>): readonly TagLink[] {
  const own = (e: EntryMeta): TagLink[] => {
    let links = made.get(e);
    if (!links) {
      links = tagLinks(e.tags, linkOf);
      made.set(e, links);
    }
    return links;
  };
  if (entries.length === 1) return own(entries[0]!);
  const seen = new Map<string, TagLink>();
  for (const e of entries) for (const link of own(e)) seen.set(link.tag, link);
  return [...seen.values()].sort((a, b) => compareStrings(a.slug, b.slug));
}

export interface Plan {
  /** What the story page shows: the subscription feed's entries and the retractions within their window. */
  readonly feed: Feed;
  readonly files: PlannedFile[];
  /** Tags with a page in the tag index (some entry shown whole). */
  readonly tags: TagSummary[];
  /** The retraction stubs some document holds (RSS and JSON Feed): their fragments are the retraction notice. */
  readonly stubs: EntryMeta[];
  /** The sitemaps, as data: the build serializes them (build/sitemaps.ts). */
  readonly sitemaps: PlannedSitemap[];
}

/**
 * Every document at `now`, linear in what they hold: each key fingerprints only what its
 * document shows. `past` is the ledger's memory of ids published before, which keeps withdrawn
 * entries' places (archive pages do not shift) and their tags' feeds (their tombstones).
 */
export function planOutputs(story: Story, entries: readonly EntryMeta[], now: Date, past: ReadonlyMap<string, PastEntry> = new Map()): Plan {
  const slots = storySlots(entries, now, past);
  const main = planStream(story, slots, '', now);
  const files: PlannedFile[] = [...main.files];
  const stubs = new Map<string, EntryMeta>();
  for (const slot of slots) if (slot.entry && isStub(slot.entry, now)) stubs.set(slot.entry.path, retractionStub(slot.entry));

  // A tag keeps its feeds while it holds a published entry, retracted ones included (its readers
  // get the tombstone); the tag index lists the tags that show an entry whole.
  const streams = [...tagSlots(slots, entries, past)]
    .filter(([, list]) => list.some((s) => s.entry))
    .map(([tag, list]) => ({ tag, slug: tagSlug(tag), slots: list }))
    .sort((a, b) => compareStrings(a.slug, b.slug));
  const linkOf = tagLinkMap(streams.map((t) => [t.tag, t.slug] as const));
  const links = new WeakMap<EntryMeta, TagLink[]>();
  const tags: TagSummary[] = [];
  for (const t of streams) {
    let count = 0;
    for (const s of t.slots) if (s.entry && !isRetracted(s.entry, now)) count += 1;
    if (count > 0) tags.push({ tag: t.tag, slug: t.slug, count });
  }
  const pages: SitemapPage[] = [];
  for (const t of streams) {
    const folder = `${TAGS_FOLDER}/${t.slug}/`;
    const tagStory: Story = {
      ...story,
      id: `${story.id}/tags/${t.slug}`,
      title: `${story.title}: ${t.tag}`,
      description: `Developments tagged “${t.tag}” in: ${story.title}`,
      homePage: new URL(folder, story.feedBase).href,
    };
    const stream = planStream(tagStory, t.slots, folder, now);
    files.push(...stream.files);
    files.push(planPage(`${folder}${OUTPUT_FILES.page}`, stream.page, folder, linkedTags(stream.page.entries, linkOf, links)));
    pages.push({ loc: tagStory.homePage, changed: stream.page.updated.getTime() });
  }
  // The sitemaps list every page (core/sitemaps.ts): the tag index changed when a tag page did; the
  // story page is listed where it is written unless its canonical link (home_page) is elsewhere.
  pages.push({ loc: new URL(`${TAGS_FOLDER}/`, story.feedBase).href, changed: Math.max(0, ...pages.map((p) => p.changed)) });
  if (story.homePage === story.feedBase) pages.push({ loc: story.feedBase, changed: main.page.updated.getTime() });
  const sitemap = storySitemapUrls({ story, entries: slots.flatMap((s) => s.entry ?? []), pages, now });
  files.push(planned(`${TAGS_FOLDER}/${OUTPUT_FILES.page}`, MEDIA_TYPES.html, { v: RENDER_VERSION, story: storyFingerprint(story), tags }, [], () => [renderTagIndex(main.page, tags)]));
  // Coverage started when `coverage_start` says, else with the first entry ever published (the
  // ledger remembers those no longer out).
  const first = slots[0];
  files.push(planPage(OUTPUT_FILES.page, main.page, '', linkedTags(main.page.entries, linkOf, links), story.coverageStart ?? (first ? new Date(first.published) : undefined), coverageEndAhead(story, now)));
  files.push(...planEntryPages(story, storyFingerprint(story), slots, now, linkOf, planned));
  files.push(planned(STYLESHEET_FILE, MEDIA_TYPES.xsl, { v: RENDER_VERSION, xsl: FEED_XSL }, [], () => [FEED_XSL]));
  files.push(planned(PAGE_CSS_FILE, MEDIA_TYPES.css, { v: RENDER_VERSION, css: PAGE_CSS }, [], () => [PAGE_CSS]));
  return { feed: main.page, files, tags, stubs: [...stubs.values()], sitemaps: planSitemaps(sitemap.pages, sitemap.news, story.feedBase) };
}

/** A story or tag page: its entries (whole, or a tag page's by their summaries), the retraction notices within their window; its text is a shell a worker may render (build/shell-render.ts). */
function planPage(path: string, feed: Feed, folder: string, tags: readonly TagLink[], coverageStart?: Date, endAhead = false): PlannedFile {
  const options = { folder, tags, ...(coverageStart ? { coverageStart } : {}), ...(endAhead ? { coverageEndAhead: true } : {}) };
  const shell: ShellRender = { job: () => ({ format: 'page', feed, options }), fill: pageFromShell };
  return { ...planned(path, MEDIA_TYPES.html, { feed: feedBase(feed), folder, tags, start: coverageStart?.getTime(), ...(endAhead ? { endAhead } : {}) }, [...feed.entries, ...feed.retracted], () => renderPage(feed, options)), shell };
}
