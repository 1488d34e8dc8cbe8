// The story page's LiveBlogPosting (schema.org, in <script type="application/ld+json">): parsed back
// from the page, expanded by a real JSON-LD processor (the `jsonld` package) against the schema.org
// context, and checked for the properties Google documents; drafts, embargoed and retracted entries
// never reach it, and no text can end the script element early.
//
// The context is test/fixtures/schema.org-context.jsonld: the term definitions of
// https://schema.org/docs/jsonldcontext.jsonld for the properties storyfeed writes (its @vocab, and the
// @id / date typings of url, image, logo, mainEntityOfPage, the dates), kept offline so the test makes
// no network request.
//
// Google Search Central, "Article" structured data (applies to every Article type, LiveBlogPosting
// and BlogPosting included): recommended headline, image, datePublished, dateModified, author
// (with name, url), publisher. Its live-coverage guidance (the LIVE badge): coverageStartTime,
// coverageEndTime once coverage ends, and liveBlogUpdate entries with headline, datePublished and
// articleBody.
import { readFileSync } from 'node:fs';
import { decodeHTML } from 'entities';
import fc from 'fast-check';
import jsonld from 'jsonld';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../../src/core/compile.js';
import { plainTextOf, scriptSafeJson } from '../../../../src/core/render/json-ld.js';
import { newsroomEntryText, newsroomStoryText, newsroomText, NEWSROOM_FEEDS } from '../../../helpers/newsroom.js';
import { entryText, FEED_BASE, sources, storyText } from '../../../helpers/story.js';
import { compileNewsroom } from '../../../../src/core/newsroom-compile.js';

const CONTEXT = JSON.parse(readFileSync(new URL('../../../fixtures/schema.org-context.jsonld', import.meta.url), 'utf8'));
const NOW = new Date('2026-06-01T00:00:00Z');
const S = 'http://schema.org/';

const files = {
  '_story.md': storyText('retraction_window: 3650\ntime_zone: Europe/Paris\n'),
  'a.md': entryText({ slug: 'a', title: 'Talks open', published: '2026-05-25T09:00:00Z', body: 'Officials **met** in Muscat &amp; talked.\n\n- one\n- two\n', extra: 'image:\n  url: https://newsroom.example.org/img/a.jpg\n  alt: Delegates\n  caption: Delegates in Muscat.\n  credit: Jane Roe\n' }),
  'b.md': entryText({ slug: 'b', title: 'Ends <!-- early \u2028 and \u2029 </script', published: '2026-05-26T09:00:00Z', body: 'Body with </script><script>alert(1)</script> and <!-- a comment.', extra: 'correction:\n  at: 2026-05-27T10:00:00Z\n  note: A fixed date.\n' }),
  'retracted.md': entryText({ slug: 'retracted', title: 'Withdrawn account', published: '2026-05-27T09:00:00Z', extra: 'retracted:\n  at: 2026-05-28T09:00:00Z\n  reason: Not confirmed.\n' }),
  'draft.md': entryText({ slug: 'draft', title: 'Secret draft', published: '2026-05-28T09:00:00Z', extra: 'draft: true\n' }),
  'embargo.md': entryText({ slug: 'embargo', title: 'Embargoed scoop', published: '2026-06-02T09:00:00Z', body: 'Embargoed body text.' }),
};

function storyPage(now = NOW): string {
  const r = compile({ sources: sources(files), now });
  expect(r.diagnostics).toEqual([]);
  return r.files.find((f) => f.path === 'index.html')!.contents;
}

function ldOf(html: string): string {
  const blocks = [...html.matchAll(/<script type="application\/ld\+json">\n([\s\S]*?)\n<\/script>/g)];
  expect(blocks).toHaveLength(1);
  return blocks[0]![1]!;
}

async function expand(doc: unknown): Promise<jsonld.JsonLdDocument[]> {
  const documentLoader = async (url: string) => {
    if (url.replace(/\/$/, '') !== 'https://schema.org') throw new Error(`no network in tests: ${url}`);
    return { contextUrl: undefined, documentUrl: url, document: CONTEXT };
  };
  return (await jsonld.expand(doc as jsonld.JsonLdDocument, { documentLoader })) as jsonld.JsonLdDocument[];
}

type Node = Record<string, Array<Record<string, unknown>>>;
const value = (node: Node, p: string) => node[`${S}${p}`]?.[0]?.['@value'] ?? node[`${S}${p}`]?.[0]?.['@id'];

describe('the story page’s LiveBlogPosting', () => {
  const html = storyPage();
  const text = ldOf(html);
  const data = JSON.parse(text);

  it('parses back, and nothing in it can end the script element or a line of JavaScript', () => {
    expect(text).not.toMatch(/<|\u2028|\u2029/);
    expect(text).toContain('Ends \\u003c!-- early and \\u003c/script"');
    // (A title keeps no line break: normalization makes U+2028/2029 spaces, field-reader.test.ts; scriptSafeJson is tested below.)
    expect(data.liveBlogUpdate[0].headline).toBe('Ends <!-- early and </script');
    // The page has exactly our two scripts: the JSON-LD and the copy-button enhancement.
    expect(html.match(/<script/g)).toHaveLength(2);
  });

  it('expands with a JSON-LD processor to schema.org terms only, with the properties Google documents', async () => {
    const [post] = (await expand(data)) as unknown as Node[];
    expect(post!['@type']).toEqual([`${S}LiveBlogPosting`]);
    for (const key of Object.keys(post!)) if (!key.startsWith('@')) expect(key.startsWith(S), key).toBe(true);
    for (const p of ['headline', 'description', 'url', 'coverageStartTime', 'datePublished', 'dateModified', 'image']) expect(value(post!, p), p).toBeDefined();
    expect(value(post!, 'coverageStartTime')).toBe('2026-05-25T09:00:00Z');
    expect(post![`${S}coverageStartTime`]![0]!['@type']).toBe(`${S}DateTime`);
    expect(value(post!, 'dateModified')).toBe('2026-05-28T09:00:00Z');
    // Live until the story says it ended (`status: ended`, below): no coverageEndTime.
    expect(post![`${S}coverageEndTime`]).toBeUndefined();
    const publisher = post![`${S}publisher`]![0] as unknown as Node;
    expect(publisher['@type']).toEqual([`${S}Organization`]);
    expect(value(publisher, 'name')).toBe('Test Desk');
    const author = post![`${S}author`]![0] as unknown as Node;
    expect(value(author, 'name')).toBe('Test Desk');
    const updates = post![`${S}liveBlogUpdate`] as unknown as Node[];
    expect(updates.map((u) => u['@type'])).toEqual([[`${S}BlogPosting`], [`${S}BlogPosting`]]);
    for (const u of updates) for (const p of ['headline', 'datePublished', 'dateModified', 'url', 'articleBody', 'author']) expect(value(u, p) ?? u[`${S}${p}`], p).toBeDefined();
  });

  it('lists the published entries newest first, each with its own page, dates and plain-text body', () => {
    // Each development's own page (out/<slug>/index.html at feed_base), the link its feed items carry.
    expect(data.liveBlogUpdate.map((u: { url: string }) => u.url)).toEqual(['https://newsroom.example.org/stories/test/feeds/b/', 'https://newsroom.example.org/stories/test/feeds/a/']);
    const r = compile({ sources: sources(files), now: NOW });
    const items = JSON.parse(r.files.find((f) => f.path === 'feed.json')!.contents).items as Array<{ title: string; url: string }>;
    expect(data.liveBlogUpdate.map((u: { url: string }) => u.url)).toEqual(items.filter((i) => !i.title.startsWith('Retracted')).map((i) => i.url));
    for (const u of data.liveBlogUpdate) expect(r.files.some((f) => `${FEED_BASE}${f.path}` === `${u.url}index.html`), u.url).toBe(true);
    const [b, a] = data.liveBlogUpdate;
    expect(b.dateModified).toBe('2026-05-27T10:00:00Z');
    expect(b.datePublished).toBe('2026-05-26T09:00:00Z');
    expect(a.articleBody).toBe('Officials met in Muscat & talked. one two');
    expect(b.articleBody).toMatch(/^Correction \(.*\): A fixed date\. Body with <\/script><script>alert\(1\)<\/script> and <!-- a comment\.$/);
    expect(a.image).toBe('https://newsroom.example.org/img/a.jpg');
  });

  it('never holds a draft, an embargoed or a retracted entry — nor does any other part of the page', () => {
    for (const secret of ['Secret draft', 'Embargoed scoop', 'Embargoed body text', '#embargo', '#draft']) expect(html).not.toContain(secret);
    expect(text).not.toContain('Withdrawn account');
    // The retraction notice is on the page, outside the structured data.
    expect(html).toContain('Retracted: Withdrawn account');
  });

  it('takes the embargoed entry in once its time has come', () => {
    const later = JSON.parse(ldOf(storyPage(new Date('2026-06-03T00:00:00Z'))));
    expect(later.liveBlogUpdate[0].headline).toBe('Embargoed scoop');
    expect(later.liveBlogUpdate[0].articleBody).toBe('Embargoed body text.');
  });

  it('is typed by schema-dts (the source uses WithContext<LiveBlogPosting>)', () => {
    const source = readFileSync(new URL('../../../../src/core/render/json-ld.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/from 'schema-dts'/);
    expect(source).toContain('WithContext<LiveBlogPosting>');
  });
});

// Google's live-coverage guidance names coverageStartTime and coverageEndTime as required, and
// liveBlogUpdate entries with headline, datePublished and articleBody; its Article guidance
// recommends headline, image, datePublished, dateModified, author and publisher.
const REQUIRED = ['coverageStartTime', 'coverageEndTime', 'liveBlogUpdate'];
const RECOMMENDED = ['headline', 'image', 'datePublished', 'dateModified', 'author', 'publisher'];
const UPDATE_REQUIRED = ['headline', 'datePublished', 'articleBody', 'url'];

async function checkEnded(html: string, start: string, end: string): Promise<void> {
  const data = JSON.parse(ldOf(html));
  expect(data.coverageStartTime).toBe(start);
  expect(data.coverageEndTime).toBe(end);
  const [post] = (await expand(data)) as unknown as Node[];
  expect(post!['@type']).toEqual([`${S}LiveBlogPosting`]);
  for (const p of [...REQUIRED, ...RECOMMENDED]) expect(post![`${S}${p}`], p).toBeDefined();
  for (const p of ['coverageStartTime', 'coverageEndTime']) expect(post![`${S}${p}`]![0]!['@type'], p).toBe(`${S}DateTime`);
  expect(value(post!, 'coverageEndTime')).toBe(end);
  const updates = post![`${S}liveBlogUpdate`] as unknown as Node[];
  expect(updates.length).toBeGreaterThan(0);
  for (const u of updates) for (const p of UPDATE_REQUIRED) expect(value(u, p), p).toBeDefined();
  // The page says so first, with the time coverage ended in a <time datetime>.
  expect(html).toMatch(new RegExp(`<p class="status"><strong>Coverage ended</strong> <time datetime="${end}">[^<]+</time> · Updated `));
  expect(html).not.toContain('Developing story');
}

describe('an ended story’s LiveBlogPosting', () => {
  it('in a newsroom: coverageEndTime from coverage_end, coverageStartTime from the first entry, and the page says “Coverage ended”', async () => {
    const r = compileNewsroom({
      sources: sources({
        '_newsroom.md': newsroomText(),
        'vote/_story.md': newsroomStoryText('vote', 'status: ended\ncoverage_end: 2026-05-30T00:00:00+02:00\nicon: https://newsroom.example.org/img/vote.png\n', 'The vote'),
        'vote/a.md': newsroomEntryText('vote', 'a', '2026-05-25T09:00:00Z'),
        'vote/b.md': newsroomEntryText('vote', 'b', '2026-05-29T12:00:00Z'),
        'talks/_story.md': newsroomStoryText('talks'),
        'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
      }),
      now: NOW,
    });
    expect(r.diagnostics).toEqual([]);
    const page = (p: string) => r.files.find((f) => f.path === p)!.contents;
    await checkEnded(page('vote/index.html'), '2026-05-25T09:00:00Z', '2026-05-29T22:00:00Z');
    expect(JSON.parse(ldOf(page('vote/index.html'))).liveBlogUpdate.map((u: { url: string }) => u.url)).toEqual([`${NEWSROOM_FEEDS}vote/b/`, `${NEWSROOM_FEEDS}vote/a/`]);
    // A live story of the same newsroom: no end, and the page says it is developing.
    const talks = page('talks/index.html');
    expect(JSON.parse(ldOf(talks)).coverageEndTime).toBeUndefined();
    expect(talks).toContain('<strong>Developing story</strong>');
  });

  it('in a single story’s _story.md too, with coverage_start when written', async () => {
    const r = compile({
      sources: sources({
        '_story.md': storyText('status: ended\ncoverage_start: 2026-05-20T08:00:00Z\ncoverage_end: 2026-05-31T18:00:00Z\n'),
        'a.md': files['a.md'],
      }),
      now: NOW,
    });
    expect(r.diagnostics).toEqual([]);
    await checkEnded(r.files.find((f) => f.path === 'index.html')!.contents, '2026-05-20T08:00:00Z', '2026-05-31T18:00:00Z');
  });

  it('a planned end (coverage_end still ahead) says “Coverage ends”, on the story page and the front page, until it passes', () => {
    const end = '2026-06-01T18:00:00Z';
    const single = (now: Date) => compile({ sources: sources({ '_story.md': storyText(`status: ended\ncoverage_end: ${end}\n`), 'a.md': files['a.md'] }), now }).files.find((f) => f.path === 'index.html')!.contents;
    const status = (html: string) => /<p class="status"><strong>(Coverage \w+)<\/strong> <time datetime="([^"]+)">/.exec(html)?.slice(1);
    expect(status(single(NOW))).toEqual(['Coverage ends', end]);
    expect(status(single(new Date(end)))).toEqual(['Coverage ended', end]);
    const newsroom = (now: Date) =>
      compileNewsroom({
        sources: sources({
          '_newsroom.md': newsroomText(),
          'vote/_story.md': newsroomStoryText('vote', `status: ended\ncoverage_end: ${end}\n`, 'The vote'),
          'vote/a.md': newsroomEntryText('vote', 'a', '2026-05-25T09:00:00Z'),
        }),
        now,
      }).files;
    const front = (now: Date) => /<p class="meta">(Coverage \w+) <time/.exec(newsroom(now).find((f) => f.path === 'index.html')!.contents)?.[1];
    const page = (now: Date) => status(newsroom(now).find((f) => f.path === 'vote/index.html')!.contents);
    expect([front(NOW), page(NOW)]).toEqual(['Coverage ends', ['Coverage ends', end]]);
    expect([front(new Date('2026-06-02T00:00:00Z')), page(new Date('2026-06-02T00:00:00Z'))]).toEqual(['Coverage ended', ['Coverage ended', end]]);
  });

  it('a single story that is ended without coverage_end, or with a bad status, is refused like a newsroom’s', () => {
    const codes = (extra: string) => compile({ sources: sources({ '_story.md': storyText(extra), 'a.md': files['a.md'] }), now: NOW }).diagnostics.map((d) => d.code);
    expect(codes('status: ended\n')).toEqual(['E_COVERAGE']);
    expect(codes('status: over\ncoverage_end: 2026-05-31T18:00:00Z\n')).toEqual(['E_STORY_STATUS']);
    expect(codes('coverage_start: 2026-05-31T18:00:00Z\ncoverage_end: 2026-05-30T18:00:00Z\n')).toEqual(['E_COVERAGE']);
  });
});

describe('script-safe JSON and plain text', () => {
  it.each([
    ['</script>', '"\\u003c/script\\u003e"'],
    ['<!-- x -->', '"\\u003c!-- x --\\u003e"'],
    ['a\u2028b\u2029c', '"a\\u2028b\\u2029c"'],
    ['AT&T', '"AT\\u0026T"'],
  ])('%j → %s, which parses back to the same text', (input, expected) => {
    expect(scriptSafeJson(input)).toBe(expected);
    expect(JSON.parse(scriptSafeJson(input))).toBe(input);
  });

  it.each([
    ['<p>One</p>\n<p>Two &amp; <a href="https://x.example/?a=1&amp;b=>">three</a></p>', 'One Two & three'],
    ['<p>a<br />b</p><ul><li>c</li><li>d</li></ul>', 'a b c d'],
    ['<p>&lt;script&gt; &#39;q&#39;</p>', "<script> 'q'"],
    // An override a paragraph leaves open ends with it, as on the page (found from outside: it ran on).
    ['<p>\u202Eabc</p>\n<p>def</p>', '\u202Eabc\u202C def'],
    ['<p>\u2067x<em>\u202By</em></p><ul><li>z</li></ul>', '\u2067x\u202By\u202C\u2069 z'],
    ['<p>a\u202C b</p>', 'a b'],
  ])('plainTextOf(%j) = %j', (html, text) => {
    expect(plainTextOf(html)).toBe(text);
  });

  // Issue 17 made both cheaper; they stay what the plain forms give, for any text.
  it('are what the plain forms give: /\\s+/ → one space, every unsafe character as \\uXXXX', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '  ', '\n', '\t', '\u00a0', '\u2028', '\u2029', '\u3000', '\ufeff', '<', '>', '&', '<p>', '</li>', '&amp;', '"', 'é') });
    fc.assert(
      fc.property(text, (t) => {
        expect(scriptSafeJson(t)).toBe(JSON.stringify(t).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
        expect(plainTextOf(t)).toBe(decodeHTML(t.replace(/<(?:[^>"']|"[^"]*"|'[^']*')*>/g, (tag) => (/^<\/?(?:p|li)\b/.test(tag) ? ' ' : ''))).replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 2000, seed: 17 },
    );
  });
});
