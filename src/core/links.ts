// URLs and anchors every stage agrees on. A module of its own, with no dependencies, so that a
// patch run (src/patch.ts) can use them without loading the parsers and renderers.

/** The story file's name in the entries folder. */
export const STORY_FILE = '_story.md';

/** A newsroom's file at the root of the entries folder (core/newsroom.ts). */
export const NEWSROOM_FILE = '_newsroom.md';

/** A newsroom's stories that set their own ttl: Cache-Control max-age in seconds, by story folder (`<slug>`). */
export type MaxAgeByFolder = Readonly<Record<string, number>>;

/** A file's own max-age (its path in the output folder, `/`-separated), where its story folder has one. */
export function ownMaxAge(byFolder: MaxAgeByFolder | undefined, path: string): number | undefined {
  const folder = path.slice(0, Math.max(0, path.indexOf('/')));
  // Slugs are data: `constructor` is a slug, never Object's.
  return byFolder && Object.hasOwn(byFolder, folder) ? byFolder[folder] : undefined;
}

/** An absolute http(s) URL as URL parsing writes it, or undefined (other schemes, credentials). */
export function canonicalHttpUrl(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.username || url.password) return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

/**
 * An entry's own page (issue 15 "A page per development"): `<feed_base><anchor>/`. The anchor is
 * its slug too (src/core/anchors.ts decides it once, keeps it clear of the story's own folders, and
 * the ledger records it), so the link never changes once published.
 */
export function defaultLink(feedBase: string, id: string, anchor: string = entryAnchor(id)): string {
  return canonicalHttpUrl(new URL(`${anchor}/`, feedBase).href) ?? feedBase;
}

/**
 * An entry's plain HTML id: the last segment of its id, made safe for a fragment. Ids that end
 * alike (`…/a/one`, `…/b/ONE`) share it; src/core/anchors.ts gives all but the first a suffix.
 */
export function entryAnchor(id: string): string {
  // The last non-empty segment between `/` and `:` (the whole id when there is none), scanned
  // rather than split: every run asks this of every id the ledger holds.
  let end = id.length;
  while (end > 0 && isSeparator(id.charCodeAt(end - 1))) end--;
  let start = end;
  while (start > 0 && !isSeparator(id.charCodeAt(start - 1))) start--;
  const tail = end === 0 ? id : id.slice(start, end);
  if (CLEAN_ANCHOR.test(tail)) return tail;
  const slug = tail.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === '' ? 'entry' : slug;
}

const CLEAN_ANCHOR = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** An anchor as entryAnchor and the suffixed form write it: lowercase letters, digits and inner hyphens (a folder name, never `.`, `..` or a path). */
export function isCleanAnchor(anchor: string): boolean {
  return CLEAN_ANCHOR.test(anchor);
}
const isSeparator = (c: number) => c === 0x2f /* / */ || c === 0x3a; /* : */

/** The entry's id on the story page and the folder of its own page (its slug). */
export function anchorOf(entry: { readonly id: string; readonly anchor?: string }): string {
  return entry.anchor ?? entryAnchor(entry.id);
}
