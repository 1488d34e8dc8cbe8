// A development's page carries a schema.org NewsArticle (issue 15): parsed back from the page,
// expanded by a real JSON-LD processor (`jsonld`) against the offline schema.org context
// (test/fixtures/schema.org-context.jsonld, as json-ld.test.ts), and checked for the properties
// Google Search Central documents for Article types (headline, image, datePublished, dateModified,
// author with name and url, publisher) plus mainEntityOfPage and isPartOf the story's LiveBlogPosting.
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../../src/core/compile.js';
import { entryText, FEED_BASE, HOME, sources, storyText } from '../../../helpers/story.js';

const CONTEXT = JSON.parse(readFileSync(new URL('../../../fixtures/schema.org-context.jsonld', import.meta.url), 'utf8'));
const NOW = new Date('2026-06-01T00:00:00Z');
const S = 'http://schema.org/';

const files = {
  '_story.md': storyText(),
  'a.md': entryText({
    slug: 'a',
    title: 'Talks open <!-- & more',
    published: '2026-05-25T09:00:00Z',
    body: 'Body with </script><script>alert(1)</script>.',
    extra: 'updated: 2026-05-25T12:00:00Z\nauthors:\n  - name: Jane Roe\n    url: https://newsroom.example.org/jane/\nimage:\n  url: https://newsroom.example.org/img/a.jpg\n  alt: Delegates\n',
  }),
};

type Node = Record<string, Array<Record<string, unknown>>>;
const value = (node: Node, p: string) => node[`${S}${p}`]?.[0]?.['@value'] ?? node[`${S}${p}`]?.[0]?.['@id'];

async function expand(doc: unknown): Promise<Node[]> {
  const documentLoader = async (url: string) => {
    if (url.replace(/\/$/, '') !== 'https://schema.org') throw new Error(`no network in tests: ${url}`);
    return { contextUrl: undefined, documentUrl: url, document: CONTEXT };
  };
  return (await jsonld.expand(doc as jsonld.JsonLdDocument, { documentLoader })) as unknown as Node[];
}

describe('the development page’s NewsArticle', () => {
  const r = compile({ sources: sources(files), now: NOW });
  it('builds without a diagnostic', () => expect(r.diagnostics).toEqual([]));
  const html = r.files.find((f) => f.path === 'a/index.html')?.contents ?? '';
  const blocks = [...html.matchAll(/<script type="application\/ld\+json">\n([\s\S]*?)\n<\/script>/g)];
  const text = blocks[0]?.[1] ?? '{}';
  const data = JSON.parse(text);

  it('is one script-safe block that parses back', () => {
    expect(blocks).toHaveLength(1);
    expect(text).not.toMatch(/<|\u2028|\u2029/);
    expect(data.headline).toBe('Talks open <!-- & more');
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('expands to schema.org terms only, with Google’s Article properties, and is part of the story', async () => {
    const [article] = await expand(data);
    expect(article!['@type']).toEqual([`${S}NewsArticle`]);
    for (const key of Object.keys(article!)) if (!key.startsWith('@')) expect(key.startsWith(S), key).toBe(true);
    expect(value(article!, 'headline')).toBe('Talks open <!-- & more');
    expect(value(article!, 'datePublished')).toBe('2026-05-25T09:00:00Z');
    expect(value(article!, 'dateModified')).toBe('2026-05-25T12:00:00Z');
    expect(value(article!, 'image')).toBe('https://newsroom.example.org/img/a.jpg');
    expect(value(article!, 'mainEntityOfPage')).toBe(`${FEED_BASE}a/`);
    const author = article![`${S}author`]![0] as unknown as Node;
    expect([value(author, 'name'), value(author, 'url')]).toEqual(['Jane Roe', 'https://newsroom.example.org/jane/']);
    const publisher = article![`${S}publisher`]![0] as unknown as Node;
    expect(publisher['@type']).toEqual([`${S}Organization`]);
    expect(value(publisher, 'name')).toBe('Test Desk');
    const story = article![`${S}isPartOf`]![0] as unknown as Node;
    expect(story['@type']).toEqual([`${S}LiveBlogPosting`]);
    expect(story['@id']).toBe(HOME);
  });

  it('names the story page’s LiveBlogPosting by its url (the story page says the same)', () => {
    const storyLd = JSON.parse(/<script type="application\/ld\+json">\n([\s\S]*?)\n<\/script>/.exec(r.files.find((f) => f.path === 'index.html')!.contents)![1]!);
    expect(storyLd.url).toBe(data.isPartOf.url);
  });

  it('is typed by schema-dts (WithContext<NewsArticle>)', () => {
    const source = readFileSync(new URL('../../../../src/core/render/entry-page.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/from 'schema-dts'/);
    expect(source).toContain('WithContext<NewsArticle>');
  });
});
