// URLs and anchors every stage agrees on. A module of its own, with no dependencies, so that a
// patch run (src/patch.ts) can use them without loading the parsers and renderers.

/** The story file's name in the entries folder. */
export const STORY_FILE = '_story.md';

/** A newsroom's file at the root of the entries folder (core/newsroom.ts). */
export const NEWSROOM_FILE = '_newsroom.md';

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
 * The entry's place on the story page when it has no page of its own: the story page with the
 * entry's anchor (anchorOf; src/core/anchors.ts decides it once and the ledger keeps it), so the
 * link never changes.
 */
export function defaultLink(homePage: string, id: string, anchor: string = entryAnchor(id)): string {
  return canonicalHttpUrl(`${homePage.split('#')[0]}#${anchor}`) ?? homePage;
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
const isSeparator = (c: number) => c === 0x2f /* / */ || c === 0x3a; /* : */

/** The entry's id on the story page and the fragment of its default link. */
export function anchorOf(entry: { readonly id: string; readonly anchor?: string }): string {
  return entry.anchor ?? entryAnchor(entry.id);
}
