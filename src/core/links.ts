// URLs and anchors every stage agrees on. A module of its own, with no dependencies, so that a
// patch run (src/patch.ts) can use them without loading the parsers and renderers.

/** The story file's name in the entries folder. */
export const STORY_FILE = '_story.md';

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
 * The entry's place on the story page when it has no page of its own. Derived from the id, which
 * never changes, so the link never changes either.
 */
export function defaultLink(homePage: string, id: string): string {
  return canonicalHttpUrl(`${homePage.split('#')[0]}#${entryAnchor(id)}`) ?? homePage;
}

/** A stable HTML id for an entry: the last segment of its id, made safe for a fragment. */
export function entryAnchor(id: string): string {
  const tail = id.split(/[/:]/).filter(Boolean).pop() ?? id;
  const slug = tail.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === '' ? 'entry' : slug;
}
