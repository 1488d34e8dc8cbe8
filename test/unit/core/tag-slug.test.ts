// Tag folders: each tag its own, stable, and the slugs of published tags unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { tagLinkMap, tagLinks, tagSlug, tagSlugClashes } from '../../../src/core/tags.js';
import type { EntryMeta } from '../../../src/core/types.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

describe('tagSlug', () => {
  it.each([
    // Slugs already published stay as they are.
    ['diplomacy', 'diplomacy'],
    ['ceasefire', 'ceasefire'],
    ['us-iran', 'us-iran'],
    ['2026', '2026'],
    ['Iran', 'iran-18d4e170'],
    ['Sanctions relief', 'sanctions-relief-ab93770f'],
    ['مذاکرات', 'tag-ef3de2f8'],
    // A clean tag shaped like a hashed slug is hashed too: it cannot take another tag's folder.
    ['iran-18d4e170', 'iran-18d4e170-d0828ce6'],
    ['tag-ef3de2f8', 'tag-ef3de2f8-0b1df192'],
    ['talks-0123abcd', 'talks-0123abcd-efb1131b'],
    // Not that shape: kept.
    ['iran-18d4e17', 'iran-18d4e17'],
    ['iran-18d4e1700', 'iran-18d4e1700'],
    ['iran-18d4e17g', 'iran-18d4e17g'],
  ])('%j → %j', (tag, slug) => {
    expect(tagSlug(tag)).toBe(slug);
  });

  // Tags made to look alike: clean slugs, hashed slugs of other tags, case and spacing variants.
  const lookalikes = fc.oneof(
    fc.stringMatching(/^[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}$/),
    fc.stringMatching(/^[A-Za-z ]{1,8}$/),
    fc.stringMatching(/^[a-z]{1,6}$/).map((t) => [t, t.toUpperCase(), `${t} `, `${t}!`]).chain((ts) => fc.constantFrom(...ts)),
  );
  const withSlugs = lookalikes.chain((t) => fc.constantFrom(t, tagSlug(t), `${tagSlug(t)}`.toUpperCase()));

  it('two different tags never share a slug (unhashed and hashed slugs cannot meet)', () => {
    fc.assert(
      fc.property(withSlugs, withSlugs, (a, b) => {
        if (a !== b) expect(tagSlug(a)).not.toBe(tagSlug(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('a slug is its tag only when the tag cannot be mistaken for a hashed slug', () => {
    fc.assert(
      fc.property(withSlugs, (t) => {
        const slug = tagSlug(t);
        expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        if (slug === t) expect(t).not.toMatch(/-[0-9a-f]{8}$/);
        else expect(slug).toMatch(/-[0-9a-f]{8}$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('tagSlugClashes: a hash collision is diagnosed, naming both tags and both files', () => {
  // Found by trying separators between "Iran" and "talks" (both become `iran-talks`) until two
  // SHA-256 prefixes met: 131,624 tries, a birthday collision of 32 bits.
  const A = 'Iran,, \\talks';
  const B = 'Iran;)"\'talks';

  it('the two tags share a slug', () => {
    expect(tagSlug(A)).toBe('iran-talks-6dd26d0a');
    expect(tagSlug(B)).toBe(tagSlug(A));
  });

  const meta = (path: string, tags: string[]): EntryMeta => ({
    path,
    id: `tag:x.org,2026:${path}`,
    title: 't',
    published: new Date('2026-05-26T09:00:00Z'),
    updated: new Date('2026-05-26T09:00:00Z'),
    authors: [],
    tags,
    link: 'https://x.org/',
    draft: false,
    hasContent: true,
    print: path,
  });

  it.each([
    ['no clash', [meta('a.md', ['Iran', 'iran']), meta('b.md', ['Iran'])], []],
    ['one tag in two files is no clash', [meta('a.md', [A]), meta('b.md', [A])], []],
    ['two files', [meta('b.md', [B]), meta('a.md', [A])], [`b.md E_TAG_SLUG_CLASH the tag \`${B}\` would share the folder \`tags/iran-talks-6dd26d0a/\` with the tag \`${A}\` of a.md`]],
    ['one file', [meta('a.md', [B, A])], [`a.md E_TAG_SLUG_CLASH the tag \`${B}\` would share the folder \`tags/iran-talks-6dd26d0a/\` with the tag \`${A}\` of a.md`]],
  ])('%s', (_name, entries, expected) => {
    expect(tagSlugClashes(entries).map((d) => `${d.file} ${d.code} ${d.message}`)).toEqual(expected);
  });

  it('a build with the two tags fails instead of letting one overwrite the other', () => {
    const files = {
      '_story.md': storyText(),
      'a.md': entryText({ slug: 'a', extra: `tags: [${JSON.stringify(A)}]\n` }),
      'b.md': entryText({ slug: 'b', extra: `tags: [${JSON.stringify(B)}]\n` }),
    };
    const r = compile({ sources: sources(files), now: new Date('2026-06-01T00:00:00Z') });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['b.md E_TAG_SLUG_CLASH']);
    expect(r.diagnostics[0]!.hint).toContain('a.md');
  });
});

describe('tagLinks', () => {
  const slugs = [['Iran', tagSlug('Iran')], ['talks', 'talks'], ['oil', 'oil']] as const;
  const linkOf = tagLinkMap(slugs);
  it('links an entry\'s tags that have pages, by slug, leaving out the others', () => {
    expect(tagLinks(['talks', 'nowhere', 'Iran', 'oil'], linkOf)).toEqual([
      { tag: 'Iran', slug: tagSlug('Iran') },
      { tag: 'oil', slug: 'oil' },
      { tag: 'talks', slug: 'talks' },
    ]);
  });

  it('gives every entry the same link object for a tag (one per tag, not one per entry and tag)', () => {
    const first = tagLinks(['talks', 'oil'], linkOf);
    const second = tagLinks(['oil'], linkOf);
    expect(second[0]).toBe(first[0]);
    expect(tagLinks(['oil'], tagLinkMap(slugs))[0]).not.toBe(first[0]);
  });
});
