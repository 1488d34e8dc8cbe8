// Tag folders: one per tag, named by tagSlug, unique by construction but for a hash collision,
// which tagSlugClashes reports (E_TAG_SLUG_CLASH) before anything is planned.

import { createHash } from 'node:crypto';
import { compareStrings, diagnostic, FILE_START, type Diagnostic } from './diagnostics.js';
import type { EntryMeta } from './types.js';

export const TAGS_FOLDER = 'tags';

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

/** A link to a tag's page: its text and its folder's slug. */
export interface TagLink {
  readonly tag: string;
  readonly slug: string;
}

/** A run's tag links, one object per tag (tag → slug pairs in): every entry page shares them, 400,000 copies fewer at 100,000 entries. */
export function tagLinkMap(slugs: Iterable<readonly [string, string]>): Map<string, TagLink> {
  return new Map([...slugs].map(([tag, slug]) => [tag, { tag, slug }]));
}

/** The links an entry's tags make (tags without a page left out), by slug: the run's objects, not copies. */
export function tagLinks(tags: readonly string[], linkOf: ReadonlyMap<string, TagLink>): TagLink[] {
  const links: TagLink[] = [];
  for (const tag of tags) {
    const link = linkOf.get(tag);
    if (link) links.push(link);
  }
  return links.sort((a, b) => compareStrings(a.slug, b.slug));
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
