// The documents at a newsroom's root: the newsroom feed (RSS, Atom, JSON Feed: the newest
// `item_limit` entries of all stories), the front page, stories.opml and stories.json, and the
// stylesheets they link. Pure: newsroom + stories + now → PlannedFile[].

import { compareStrings } from './diagnostics.js';
import { documentKey, fingerprint } from './fingerprint.js';
import { FORMATS, MEDIA_TYPES, NEWSROOM_FILES, OUTPUT_FILES, PAGE_CSS_FILE, STYLESHEET_FILE } from './formats.js';
import { compareEntries, coverageEndAhead, isCoverageOn, isPublished, isRetracted, isStub, newestChange, retractionStub } from './model.js';
import { renderRetractionNotice } from './render/notices.js';
import { renderAtom } from './render/atom.js';
import { renderFrontPage } from './render/front-page.js';
import { renderJsonFeed } from './render/json-feed.js';
import { renderOpml } from './render/opml.js';
import { PAGE_CSS } from './render/page.js';
import { renderRss } from './render/rss.js';
import { renderStoriesJson } from './render/stories-json.js';
import { FEED_XSL } from './render/stylesheet.js';
import type { StorySummary } from './newsroom.js';
import type { Entry, EntryMeta, Feed, PlannedFile, Story } from './types.js';
import { RENDER_VERSION } from './versions.js';

export type { StorySummary };

/**
 * The front page's order, also stories.json's and the OPML's: live stories first, newest
 * development first (stories without one after, by slug); then ended stories, latest end first.
 */
export function orderStories(stories: readonly StorySummary[], now: Date): StorySummary[] {
  const time = (d: Date | undefined) => d?.getTime() ?? -Infinity;
  const live = new Map(stories.map((s) => [s, isCoverageOn(s, now)]));
  return [...stories].sort((a, b) => {
    if (live.get(a) !== live.get(b)) return live.get(a) ? -1 : 1;
    const key = (s: StorySummary) => (live.get(s) ? time(s.latest?.published) : time(s.coverageEnd));
    return key(b) - key(a) || compareStrings(a.slug, b.slug);
  });
}

/**
 * The newsroom feed's entries at `now`: the newest `limit` published entries over all stories, each
 * with its story's title as its first category and its path qualified by its story's folder
 * (`<slug>/a.md`). Retracted entries go to Atom's tombstones, and those within their story's
 * `retraction_window` to RSS and JSON Feed as stubs, as in a story's feeds (README "Retractions"):
 * a reader who took the item from the newsroom's feed learns of its retraction there too. Only what
 * the feed shows is copied: a newsroom of 10,000 entries shows 50.
 */
export function selectNewsroomEntries(
  stories: ReadonlyArray<{ readonly summary: StorySummary; readonly entries: readonly EntryMeta[] }>,
  limit: number,
  now: Date,
): NewsroomSelection {
  const all: EntryMeta[] = [];
  const retracted: EntryMeta[] = [];
  const storyOf = new Map<EntryMeta, StorySummary>();
  for (const { summary, entries } of stories) {
    for (const e of entries) {
      if (!isPublished(e, now)) continue;
      storyOf.set(e, summary);
      (isRetracted(e, now) ? retracted : all).push(e);
    }
  }
  all.sort(compareEntries);
  retracted.sort((a, b) => b.retraction!.at.getTime() - a.retraction!.at.getTime() || compareStrings(a.id, b.id));
  const shown = (e: EntryMeta): EntryMeta => {
    const { slug, story } = storyOf.get(e)!;
    return { ...e, path: `${slug}/${e.path}`, tags: [story.title, ...e.tags.filter((t) => t !== story.title)] };
  };
  // Stubs within the span the feed shows (a story's feed shows a stub in its entry's place among its
  // newest; an older one is in its archives, which the newsroom has none of), the notice in the
  // entry's story's language and zone, as its story's stub says it.
  const oldest = all.length > limit ? all[limit - 1] : undefined;
  const inSpan = (e: EntryMeta) => !oldest || compareEntries(e, oldest) < 0;
  const stubs = retracted.filter((e) => isStub(e, now) && inSpan(e)).map((e) => ({ ...retractionStub(shown(e)), contentHtml: renderRetractionNotice(e.retraction!, storyOf.get(e)!.story) }));
  return { entries: all.slice(0, limit).map(shown), retracted: retracted.map(shown), stubs: stubs.sort(compareEntries), complete: all.length <= limit };
}

/** What the newsroom feed shows (selectNewsroomEntries). */
export interface NewsroomSelection {
  readonly entries: readonly EntryMeta[];
  readonly retracted: readonly EntryMeta[];
  /** Retracted entries within their window, as RSS and JSON Feed show them (their notice as the body). */
  readonly stubs: readonly Entry[];
  /** Every published entry is in it (RFC 5005 complete feed). */
  readonly complete: boolean;
}

export interface NewsroomPlanOptions {
  /** OPML dateCreated / dateModified, when the caller keeps them; else taken from the data. */
  readonly opmlDates?: { readonly created?: Date; readonly modified?: Date };
}

/**
 * The newsroom's documents, its feed showing `selected` (selectNewsroomEntries); `bodyHtml` gives
 * an entry's body (sanitized HTML) by its qualified path, asked only when a feed is rendered (a
 * build with the cache has it read from the fragment pack by then).
 */
export function planNewsroom(
  newsroom: Story,
  stories: readonly StorySummary[],
  selected: NewsroomSelection,
  now: Date,
  bodyHtml: (path: string) => string,
  options: NewsroomPlanOptions = {},
): PlannedFile[] {
  const meta = { story: newsroom, retracted: selected.retracted, updated: newestChange(selected.entries, selected.retracted), complete: selected.complete };
  let withBodies: Feed<Entry> | undefined;
  const feedOf = () => (withBodies ??= { ...meta, entries: selected.entries.map((e) => ({ ...e, contentHtml: bodyHtml(e.path) })) });
  // Atom carries tombstones in place of retracted entries; RSS and JSON Feed, which have none, the stubs.
  let withStubs: Feed<Entry> | undefined;
  const stubbedOf = () => (withStubs ??= selected.stubs.length === 0 ? feedOf() : { ...feedOf(), entries: [...feedOf().entries, ...selected.stubs].sort(compareEntries) });
  const ordered = orderStories(stories, now);
  // The key: everything the documents show (entry prints stand for their bodies).
  const base = fingerprint({
    v: RENDER_VERSION,
    newsroom: fingerprint(newsroom),
    entries: selected.entries.map((e) => [e.path, e.print, e.tags[0]]),
    retracted: selected.retracted.map((e) => [e.path, e.print]),
    // Which are stubs depends on the time, not on the prints.
    stubs: selected.stubs.map((e) => e.path),
    stories: ordered.map((s) => fingerprint(s)),
    endsAhead: ordered.map((s) => coverageEndAhead(s, now)),
    opml: options.opmlDates ?? null,
  });
  // Every entry whose print is in the key, by its qualified path: a patch run (build/patch.ts) that
  // finds an edited entry among them leaves the newsroom's documents to a full build. The key
  // itself has them in `base` already, so none is added to it.
  const deps = [...new Set([...selected.entries, ...selected.retracted].map((e) => e.path).concat(stories.flatMap((s) => (s.latest ? [`${s.slug}/${s.latest.path}`] : []))))];
  const file = (path: string, mediaType: string, render: () => string): PlannedFile => {
    let text: string | undefined;
    return { path, mediaType, key: documentKey(path, base, []), base, deps, render: () => [(text ??= render())] };
  };
  const xml = { folder: '', stylesheet: STYLESHEET_FILE, ...(selected.complete ? { history: 'complete' as const } : {}) };
  return [
    file(OUTPUT_FILES.rss, MEDIA_TYPES.rss, () => renderRss(stubbedOf(), xml)),
    file(OUTPUT_FILES.atom, MEDIA_TYPES.atom, () => renderAtom(feedOf(), xml)),
    file(OUTPUT_FILES.json, MEDIA_TYPES.json, () => renderJsonFeed(stubbedOf(), { folder: '' })),
    file(OUTPUT_FILES.page, MEDIA_TYPES.html, () => renderFrontPage(newsroom, ordered, now)),
    file(NEWSROOM_FILES.opml, MEDIA_TYPES.opml, () => renderOpml(newsroom, ordered, now, options.opmlDates)),
    file(NEWSROOM_FILES.stories, MEDIA_TYPES.stories, () => renderStoriesJson(newsroom, ordered)),
    file(STYLESHEET_FILE, MEDIA_TYPES.xsl, () => FEED_XSL),
    file(PAGE_CSS_FILE, MEDIA_TYPES.css, () => PAGE_CSS),
  ].sort((a, b) => compareStrings(a.path, b.path));
}

/** The labels of the three feed formats, for links. */
export const FEED_FORMATS = (['rss', 'atom', 'json'] as const).map((k) => ({ key: k, label: FORMATS[k].label, type: FORMATS[k].type }));
