// What one publish does, decided without touching the network: which files to upload, in what
// order, and which of storyfeed's own objects to delete afterwards. Pure: local files (hashed) and
// the remote manifest (and listing) in, a plan out.
//
// The order is the point (issue 16: "at no moment does a published feed link to a missing
// object"). A feed links to its folder's page (Atom alternate, JSON Feed home_page_url), to the
// stylesheet (xml-stylesheet), to older archive pages (RFC 5005 §4 prev-archive); a page links to
// its feeds, to deeper folders' pages and to the stylesheet. So uploads go in waves: assets first;
// then folder by folder from the deepest up, each folder's pages before its feeds; the story's own
// feeds (rss.xml, atom.xml, feed.json at the prefix) last of all. A wave starts when the one before
// it has finished. Deletes come after every upload, in the reverse order, so the feeds that
// dropped an object already say so when it goes.
import { isSitemapFile, MEDIA_TYPES, mediaTypeOfFile, NEWSROOM_FILES, SITEMAP_FILES } from '../core/formats.js';
import { compareStrings } from '../core/diagnostics.js';
import type { RemoteManifest, RelativeKey } from './manifest.js';

export interface LocalFile {
  readonly key: RelativeKey;
  readonly sha256: string;
  readonly size: number;
  /** From core/formats.ts mediaTypeOfFile, exactly what the local server sends. */
  readonly contentType: string;
}

export interface PlanInput {
  readonly local: readonly LocalFile[];
  readonly manifest: RemoteManifest;
  /** The objects under the prefix with their ETags, when listed: an object gone or replaced behind storyfeed's back is uploaded again. */
  readonly listing?: ReadonlyMap<RelativeKey, string>;
  readonly maxDeletes: number;
  /** The Cache-Control each object goes up with: one recorded with another is uploaded again (a new ttl). */
  readonly cacheControl?: (key: RelativeKey) => string;
}

export interface Wave {
  readonly name: string;
  readonly files: readonly LocalFile[];
}

export interface PublishPlan {
  readonly waves: readonly Wave[];
  readonly deletes: readonly RelativeKey[];
  readonly unchanged: number;
  /** Set when more deletes are due than allowed: nothing may be done. */
  readonly tooManyDeletes?: { readonly count: number; readonly max: number };
}

const FEED_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.rss, MEDIA_TYPES.atom, MEDIA_TYPES.json]);

export type Kind = 'asset' | 'page' | 'feed' | 'sitemap';

export function kindOf(contentType: string): Kind {
  if (FEED_TYPES.has(contentType)) return 'feed';
  if (contentType === MEDIA_TYPES.html) return 'page';
  return 'asset';
}

/**
 * A sitemap lists pages, as a feed does: it goes up after every page (and is deleted before them);
 * so do a newsroom's stories.opml and stories.json, which list every story's feeds.
 * The parts of a long one (`sitemap-N.xml`) go with the feeds; `sitemap.xml`, which may be their
 * index, and the news sitemap go last, so an index never names a part not yet uploaded.
 */
export function kindOfKey(key: string, contentType: string): Kind {
  // A newsroom's lists of stories (OPML, stories.json) name every story's feeds and pages: with the sitemaps.
  if (key === SITEMAP_FILES.pages || key === SITEMAP_FILES.news || key === NEWSROOM_FILES.opml || key === NEWSROOM_FILES.stories) return 'sitemap';
  return isSitemapFile(key) ? 'feed' : kindOf(contentType);
}

const depthOf = (key: string) => key.split('/').length - 1;

/**
 * Upload rank: lower goes first. Assets; then every page (deepest first), then every feed (deepest
 * first): a feed links each development's page (`<slug>/index.html`, at any depth), so no feed may
 * go up before the pages it links.
 */
function rank(kind: Kind, depth: number, maxDepth: number): number {
  if (kind === 'asset') return 0;
  if (kind === 'sitemap') return 2 * (maxDepth + 1) + 1;
  return 1 + (maxDepth - depth) + (kind === 'page' ? 0 : maxDepth + 1);
}

function waveName(kind: Kind, depth: number): string {
  if (kind === 'asset') return 'assets';
  if (kind === 'sitemap') return 'sitemaps';
  if (depth === 0) return kind === 'feed' ? 'main feeds' : 'main pages';
  return `${kind}s at depth ${depth}`;
}

/** Uploaded before with these bytes and headers, not pending, and (when listed) still there as uploaded. */
export function isUpToDate(file: LocalFile, input: PlanInput, pending: ReadonlySet<string>): boolean {
  const recorded = input.manifest.objects[file.key];
  if (!recorded || recorded.sha256 !== file.sha256 || pending.has(file.key)) return false;
  if (input.cacheControl !== undefined && recorded.cacheControl !== input.cacheControl(file.key)) return false;
  return input.listing === undefined || input.listing.get(file.key) === recorded.etag;
}

export function planPublish(input: PlanInput): PublishPlan {
  const pending = new Set(input.manifest.pending);
  const changed = input.local.filter((f) => !isUpToDate(f, input, pending));
  const localKeys = new Set(input.local.map((f) => f.key));
  const owned = new Set([...Object.keys(input.manifest.objects), ...pending]);
  const gone = [...owned].filter((k) => !localKeys.has(k));

  const maxDepth = Math.max(0, ...input.local.map((f) => depthOf(f.key)), ...gone.map(depthOf));
  const byRank = new Map<number, { name: string; files: LocalFile[] }>();
  for (const f of changed) {
    const kind = kindOfKey(f.key, f.contentType);
    const r = rank(kind, depthOf(f.key), maxDepth);
    const wave = byRank.get(r) ?? { name: waveName(kind, depthOf(f.key)), files: [] };
    wave.files.push(f);
    byRank.set(r, wave);
  }
  const waves = [...byRank.entries()].sort(([a], [b]) => a - b).map(([, w]) => ({ name: w.name, files: w.files.sort((a, b) => compareStrings(a.key, b.key)) }));

  // A deleted object's kind is the one its name gives (core/formats.ts), as when it was uploaded.
  const deleteRank = (key: string) => -rank(kindOfKey(key, mediaTypeOfFile(key)), depthOf(key), maxDepth);
  const deletes = [...gone].sort((a, b) => deleteRank(a) - deleteRank(b) || compareStrings(a, b));
  return {
    waves,
    deletes,
    unchanged: input.local.length - changed.length,
    ...(gone.length > input.maxDeletes ? { tooManyDeletes: { count: gone.length, max: input.maxDeletes } } : {}),
  };
}
