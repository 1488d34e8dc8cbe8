// What a newsroom publishes at its root (core/newsroom-plan.ts and render/{opml,stories-json,
// front-page,json-ld}.ts): the newsroom feed's selection, its three formats judged by the same
// checkers as every feed, stories.opml parsed back and imported by newsboat, stories.json's shape,
// and the front page's order and JSON-LD.
import { DOMParser } from '@xmldom/xmldom';
import { Parser as HtmlParser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { compileNewsroom } from '../../../src/core/newsroom-compile.js';
import { orderStories, type StorySummary } from '../../../src/core/newsroom-plan.js';
import { scriptJson } from '../../../src/core/render/json-ld.js';
import { renderOpml } from '../../../src/core/render/opml.js';
import { mediaTypeOfFile } from '../../../src/core/formats.js';
import { checkAtom, checkJsonFeed, checkRss, checkSaxes, checkXmllint, importWithNewsboat } from '../../helpers/checkers.js';
import { newsroomEntryText, newsroomStoryText, newsroomText, NEWSROOM_FEEDS, sampleNewsroom } from '../../helpers/newsroom.js';
import { sources } from '../../helpers/story.js';
import { skipWithout, withoutNote } from '../../helpers/tools.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const build = (files: Record<string, string> = sampleNewsroom(), now = NOW) => {
  const r = compileNewsroom({ sources: sources(files), now });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).join('\n'));
  const file = (p: string) => r.files.find((f) => f.path === p)!.contents;
  return { r, file };
};
const id = (slug: string, name: string) => `tag:newsroom.example.org,2026-05-25:${slug}/${name}`;
const RETRACTED = 'retracted: {at: 2026-05-30T00:00:00Z, reason: Wrong.}\n';

describe('the newsroom feed', () => {
  it.each([
    ['the newest item_limit (3) entries over all stories, embargoed left out', sampleNewsroom(), NOW, [id('vote', 'b'), id('storm', 'b'), id('talks', 'b')]],
    ['the embargo lifts at its time', sampleNewsroom(), new Date('2026-07-02T00:00:00Z'), [id('storm', 'later'), id('vote', 'b'), id('storm', 'b')]],
    ['drafts never; a retracted entry only as its stub (next test)', { ...sampleNewsroom(), 'vote/b.md': newsroomEntryText('vote', 'b', '2026-05-29T12:00:00Z', 'draft: true\n'), 'storm/b.md': newsroomEntryText('storm', 'b', '2026-05-29T09:00:00Z', RETRACTED) }, NOW, [id('storm', 'b'), id('talks', 'b'), id('storm', 'a'), id('talks', 'a')]],
  ] as const)('%s', (_name, files, now, ids) => {
    const { file } = build(files, now);
    const json = JSON.parse(file('feed.json')) as { items: Array<{ id: string; tags: string[]; url: string }> };
    expect(json.items.map((i) => i.id)).toEqual(ids);
    for (const item of json.items) expect(item.url).toMatch(/^https:\/\/newsroom\.example\.org\/live\/feeds\/(talks|storm|vote)\/[a-z0-9-]+\/$/);
  });

  it("each item has its story's title as its first category", () => {
    const { file } = build();
    const json = JSON.parse(file('feed.json')) as { items: Array<{ id: string; tags: string[] }> };
    expect(json.items.map((i) => i.tags)).toEqual([['The vote'], ['Storm <Alba>'], ['U.S.–Iran talks', 'diplomacy']]);
    expect(file('atom.xml')).toContain('<category term="Storm &lt;Alba&gt;"/>');
    expect(file('rss.xml')).toContain('<category>U.S.–Iran talks</category>');
  });

  // As a story's feeds (README "Retractions"): a reader who took the item from the newsroom's feed
  // learns of the retraction there. Found from outside: RSS and JSON Feed dropped the item silently.
  it.each([
    ['within the window: Atom a tombstone, RSS and JSON Feed a stub with the notice', NOW, true],
    ['after the window (30 days): the tombstone alone', new Date('2026-07-01T00:00:01Z'), false],
    ['of an entry older than the newest item_limit (3) the feed shows: the tombstone alone', NOW, false, '2026-05-25T08:00:00Z'],
  ] as const)('a retraction, %s', async (_name, now, stub, published: string = '2026-05-29T09:00:00Z') => {
    const { file } = build({ ...sampleNewsroom(), 'storm/b.md': newsroomEntryText('storm', 'b', published, RETRACTED) }, now);
    expect(file('atom.xml')).toContain(`ref="${id('storm', 'b')}"`);
    const json = JSON.parse(file('feed.json')) as { items: Array<{ id: string; title: string; content_html: string; tags: string[] }> };
    const item = json.items.find((i) => i.id === id('storm', 'b'));
    const rssItem = /<item>(?:(?!<\/item>)[\s\S])*storm\/b<\/guid>[\s\S]*?<\/item>/.exec(file('rss.xml'))?.[0];
    for (const text of [file('feed.json'), file('rss.xml'), file('atom.xml')]) expect(text).not.toContain('Body of storm b');
    if (!stub) return expect([item, rssItem]).toEqual([undefined, undefined]);
    expect(item).toMatchObject({ title: 'Retracted: storm b', content_html: expect.stringMatching(/^<p><strong>Retracted \(.+\):<\/strong> Wrong\.<\/p>$/), tags: ['Storm <Alba>'] });
    expect(rssItem).toContain('<title>Retracted: storm b</title>');
    expect(rssItem).toContain('Wrong.');
    for (const [name, check] of [['rss.xml', checkRss], ['feed.json', checkJsonFeed]] as const) expect(await check(file(name), { selfUrl: `${NEWSROOM_FEEDS}${name}` })).toEqual([]);
  });

  it.each([
    ['rss.xml', checkRss],
    ['atom.xml', checkAtom],
    ['feed.json', checkJsonFeed],
  ] as const)('%s validates with 0 problems, its self link naming its own location', async (name, check) => {
    const { file } = build();
    expect(await check(file(name), { selfUrl: `${NEWSROOM_FEEDS}${name}` })).toEqual([]);
  });

  it.each(['talks', 'storm', 'vote'])("story %s's feeds validate with their own self links", async (slug) => {
    const { file } = build();
    expect(await checkRss(file(`${slug}/rss.xml`), { selfUrl: `${NEWSROOM_FEEDS}${slug}/rss.xml` })).toEqual([]);
    expect(await checkAtom(file(`${slug}/atom.xml`), { selfUrl: `${NEWSROOM_FEEDS}${slug}/atom.xml` })).toEqual([]);
    expect(await checkJsonFeed(file(`${slug}/feed.json`), { selfUrl: `${NEWSROOM_FEEDS}${slug}/feed.json` })).toEqual([]);
  });
});

function outlines(opml: string) {
  const doc = new DOMParser().parseFromString(opml, 'text/xml');
  const body = doc.getElementsByTagName('body')[0]!;
  const tops = Array.from(body.childNodes).filter((n) => n.nodeName === 'outline') as unknown as Element[];
  return {
    doc,
    tops: tops.map((o) => ({
      text: o.getAttribute('text'),
      htmlUrl: o.getAttribute('htmlUrl'),
      xmlUrl: o.getAttribute('xmlUrl'),
      nested: (Array.from(o.childNodes).filter((n) => n.nodeName === 'outline') as unknown as Element[]).map((n) => n.getAttribute('xmlUrl')),
    })),
  };
}

describe('stories.opml', () => {
  const { file, r } = build();
  const opml = file('stories.opml');

  it('is well-formed XML (saxes, xmllint) with an OPML 2.0 root', async () => {
    expect(checkSaxes(opml)).toEqual([]);
    expect(await checkXmllint(opml)).toEqual([]);
    expect(outlines(opml).doc.documentElement!.getAttribute('version')).toBe('2.0');
    expect(r.planned.find((p) => p.path === 'stories.opml')!.mediaType).toBe(mediaTypeOfFile('stories.opml'));
  });

  it('has one outline per story: Atom as xmlUrl, RSS and JSON Feed as further outlines', () => {
    expect(outlines(opml).tops).toEqual(
      ['storm', 'talks', 'vote'].map((slug) => ({
        text: { storm: 'Storm <Alba>', talks: 'U.S.–Iran talks', vote: 'The vote' }[slug],
        htmlUrl: `https://newsroom.example.org/live/${slug}/`,
        xmlUrl: `${NEWSROOM_FEEDS}${slug}/atom.xml`,
        nested: [`${NEWSROOM_FEEDS}${slug}/rss.xml`, `${NEWSROOM_FEEDS}${slug}/feed.json`],
      })),
    );
  });

  it.each([
    ['from the data', undefined, 'Mon, 25 May 2026 09:00:00 GMT', 'Sat, 30 May 2026 00:00:00 GMT'],
    ['as passed', { created: new Date('2026-01-01T00:00:00Z'), modified: new Date('2026-06-01T00:00:00Z') }, 'Thu, 01 Jan 2026 00:00:00 GMT', 'Mon, 01 Jun 2026 00:00:00 GMT'],
  ] as const)('dateCreated and dateModified %s', (_name, dates, created, modified) => {
    const text = renderOpml(r.newsroom!, orderStories(r.stories.map((s) => s.summary), NOW), NOW, dates);
    expect(text).toContain(`<dateCreated>${created}</dateCreated>`);
    expect(text).toContain(`<dateModified>${modified}</dateModified>`);
  });

  it.each([`Why the "$" fell`, 'Costs $$ more', "It's $' and $& and $`"])('keeps a title with `$` as it is, in every outline: %s', (title) => {
    const stories = orderStories(r.stories.map((s) => s.summary), NOW).map((s) => ({ ...s, story: { ...s.story, title } }));
    const text = renderOpml(r.newsroom!, stories, NOW);
    expect(checkSaxes(text)).toEqual([]);
    const all = [...new DOMParser().parseFromString(text, 'text/xml').getElementsByTagName('outline')];
    expect(all.map((o) => o.getAttribute('text'))).toEqual(stories.flatMap(() => [title, `${title} (RSS)`, `${title} (JSON Feed)`]));
  });

  it.skipIf(skipWithout('newsboat'))(`newsboat imports every feed of it (newsboat -i)${withoutNote('newsboat')}`, async () => {
    const urls = await importWithNewsboat(opml);
    expect(urls).toEqual(['storm', 'talks', 'vote'].flatMap((s) => ['atom.xml', 'rss.xml', 'feed.json'].map((f) => `${NEWSROOM_FEEDS}${s}/${f}`)));
  });
});

describe('stories.json', () => {
  it('lists each story with slug, title, status, coverage, feed URLs and latest entry, in the front page order', () => {
    const { file } = build();
    const data = JSON.parse(file('stories.json'));
    expect(data.feeds).toEqual({ rss: `${NEWSROOM_FEEDS}rss.xml`, atom: `${NEWSROOM_FEEDS}atom.xml`, json: `${NEWSROOM_FEEDS}feed.json` });
    expect(data.stories.map((s: Record<string, unknown>) => [s.slug, s.status, s.coverage_start, s.coverage_end, s.entry_count])).toEqual([
      ['storm', 'live', '2026-05-27T09:00:00Z', null, 2],
      ['talks', 'live', '2026-05-26T09:00:00Z', null, 2],
      ['vote', 'ended', '2026-05-25T09:00:00Z', '2026-05-30T00:00:00Z', 2],
    ]);
    expect(data.stories[1]).toMatchObject({
      title: 'U.S.–Iran talks',
      feeds: { atom: `${NEWSROOM_FEEDS}talks/atom.xml` },
      latest: { id: id('talks', 'b'), title: 'talks b', url: 'https://newsroom.example.org/live/feeds/talks/b/', published: '2026-05-28T09:00:00Z' },
    });
  });

  it('a story whose only development is retracted stays listed, with latest null', () => {
    const files = { ...sampleNewsroom(), 'quiet/_story.md': newsroomStoryText('quiet'), 'quiet/a.md': newsroomEntryText('quiet', 'a', '2026-05-29T09:00:00Z', 'retracted: {at: 2026-05-30T00:00:00Z, reason: Wrong.}\n') };
    const data = JSON.parse(build(files).file('stories.json'));
    expect(data.stories.find((s: { slug: string }) => s.slug === 'quiet')).toMatchObject({ latest: null, entry_count: 0 });
  });

  it.each([
    ['no entry at all (a `storyfeed new story` placeholder)', {}],
    ['only an embargoed entry', { 'quiet/a.md': newsroomEntryText('quiet', 'a', '2026-07-01T09:00:00Z') }],
    ['only a draft', { 'quiet/a.md': newsroomEntryText('quiet', 'a', '2026-05-29T09:00:00Z', 'draft: true\n') }],
  ])('a story with %s writes no file and is listed nowhere: its title and description wait for its first development', (_name, extra) => {
    const files = { ...sampleNewsroom(), 'quiet/_story.md': newsroomStoryText('quiet', '', 'SECRET STORY TITLE'), ...extra };
    const r = build(files);
    expect(r.r.files.filter((f) => f.path.startsWith('quiet/'))).toEqual([]);
    for (const f of r.r.files) expect(f.contents, f.path).not.toMatch(/SECRET STORY TITLE|quiet/i);
    expect(r.r.stories.find((s) => s.slug === 'quiet')!.held).toBe(true);
    // Once its first development is out, the story is.
    const later = compileNewsroom({ sources: sources({ ...files, 'quiet/a.md': newsroomEntryText('quiet', 'a', '2026-05-29T09:00:00Z') }), now: NOW });
    expect(JSON.parse(later.files.find((f) => f.path === 'stories.json')!.contents).stories.map((s: { slug: string }) => s.slug)).toContain('quiet');
    expect(later.files.some((f) => f.path === 'quiet/atom.xml')).toBe(true);
  });
});

/** Text of elements matching `test`, and every JSON-LD block, read with a real HTML parser. */
function readPage(html: string) {
  const stories: string[] = [];
  const scripts: string[] = [];
  let inScript = false;
  let inH3 = false;
  const parser = new HtmlParser({
    onopentag(name, attrs) {
      if (name === 'script' && attrs['type'] === 'application/ld+json') (inScript = true), scripts.push('');
      if (name === 'h3') (inH3 = true), stories.push('');
    },
    ontext(text) {
      if (inScript) scripts[scripts.length - 1] += text;
      if (inH3) stories[stories.length - 1] += text;
    },
    onclosetag(name) {
      if (name === 'script') inScript = false;
      if (name === 'h3') inH3 = false;
    },
  }, { decodeEntities: true });
  parser.write(html);
  parser.end();
  return { stories, jsonLd: scripts.map((s) => JSON.parse(s) as Record<string, unknown>) };
}

describe('the front page', () => {
  it('lists live stories by newest development, then ended ones, with the latest headline, intro and subscribe links', () => {
    const { file } = build();
    const html = file('index.html');
    expect(readPage(html).stories).toEqual(['Storm <Alba>', 'U.S.–Iran talks', 'The vote']);
    expect(html.indexOf('Live now')).toBeLessThan(html.indexOf('Storm &lt;Alba&gt;'));
    expect(html.indexOf('>Ended<')).toBeGreaterThan(html.indexOf('U.S.–Iran talks</a>'));
    expect(html).toContain('<a href="https://newsroom.example.org/live/feeds/storm/b/">storm b</a> · <time datetime="2026-05-29T09:00:00Z">');
    expect(html).toContain('<p>What we cover, live.</p>');
    expect(html).toContain(`href="${NEWSROOM_FEEDS}atom.xml"`);
    expect(html).toContain('href="stories.opml"');
    expect(html).toContain('<link rel="stylesheet" href="style.css">');
  });

  it('has the head every page has: an icon (no /favicon.ico request), a canonical link and the social cards', () => {
    const html = build().file('index.html');
    const head = html.slice(0, html.indexOf('</head>'));
    expect(head).toMatch(/<link rel="icon" href="data:image\/svg\+xml,/);
    expect(head).toContain('<meta property="og:type" content="website">');
    expect(head).toMatch(/<meta name="twitter:card" content="summary">/);
    expect(head).toMatch(/<link rel="canonical" href="https:\/\//);
    expect(head).toContain('type="application/ld+json"');
  });

  it('an ended story whose coverage_end is ahead is live until then: listed under "Live now" (coverage ends …), then "Ended"; the OPML is not modified by it before (found from outside)', () => {
    const files = { ...sampleNewsroom(), 'vote/_story.md': newsroomStoryText('vote', 'status: ended\ncoverage_end: 2031-01-01T00:00:00Z\n', 'The vote') };
    const before = build(files);
    const html = before.file('index.html');
    const ended = html.indexOf('>Ended<');
    expect(html.indexOf('The vote</a>')).toBeLessThan(ended);
    expect(html).toContain('Coverage ends <time datetime="2031-01-01T00:00:00Z">');
    expect(before.file('stories.opml')).toContain('<dateModified>Fri, 29 May 2026 12:00:00 GMT</dateModified>');
    const after = build(files, new Date('2031-01-02T00:00:00Z'));
    const later = after.file('index.html');
    expect(later.indexOf('The vote</a>')).toBeGreaterThan(later.indexOf('>Ended<'));
    expect(later).toContain('Coverage ended <time datetime="2031-01-01T00:00:00Z">');
    expect(after.file('stories.opml')).toContain('<dateModified>Wed, 01 Jan 2031 00:00:00 GMT</dateModified>');
  });

  it.each([
    ['no introduction, no copyright: neither an empty block nor an empty line', '', '', [], ['<div class="summary">', '<p class="meta"></p>']],
    ['an introduction and a copyright: both shown', 'copyright: © 2026 Example Newsroom\n', 'What we cover.', ['<div class="summary">\n<p>What we cover.</p>', '<p class="meta">© 2026 Example Newsroom</p>\n<p>Built by storyfeed.</p>\n</footer>'], []],
  ])('the introduction and the footer: %s (found from outside)', (_name, extra, body, present, absent) => {
    const html = build({ ...sampleNewsroom(), '_newsroom.md': newsroomText(extra, body) }).file('index.html');
    for (const text of present) expect(html).toContain(text);
    for (const text of absent) expect(html).not.toContain(text);
    expect(html).toContain('<footer>\n');
  });

  it('a newer development moves its story up', () => {
    const files = { ...sampleNewsroom(), 'talks/c.md': newsroomEntryText('talks', 'c', '2026-05-31T09:00:00Z') };
    expect(readPage(build(files).file('index.html')).stories).toEqual(['U.S.–Iran talks', 'Storm <Alba>', 'The vote']);
  });

  it('carries an ItemList of the stories that parses back', () => {
    const [ld] = readPage(build().file('index.html')).jsonLd;
    expect(ld).toMatchObject({ '@context': 'https://schema.org', '@type': 'ItemList', numberOfItems: 3 });
    expect((ld!['itemListElement'] as Array<Record<string, unknown>>).map((e) => [e['position'], e['name'], e['url']])).toEqual([
      [1, 'Storm <Alba>', 'https://newsroom.example.org/live/storm/'],
      [2, 'U.S.–Iran talks', 'https://newsroom.example.org/live/talks/'],
      [3, 'The vote', 'https://newsroom.example.org/live/vote/'],
    ]);
  });

  it.each(['</script><script>alert(1)</script>', '<!-- x', 'line\u2028sep\u2029para', '& <b>'])('JSON-LD holds %j safely and means the same', (text) => {
    const json = scriptJson({ name: text });
    expect(json).not.toMatch(/[<>\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual({ name: text });
    const files = { ...sampleNewsroom(), 'talks/_story.md': newsroomStoryText('talks', '', 'Talks').replace('title: "Talks"', `title: ${JSON.stringify(text.replace(/[<>&]/g, ''))}`) };
    const html = build(files).file('index.html');
    const block = html.slice(html.indexOf('<script'), html.indexOf('</script>'));
    expect(block).not.toMatch(/[\u2028\u2029]/);
  });
});

describe('orderStories', () => {
  const s = (slug: string, status: 'live' | 'ended', latest?: string, end?: string): StorySummary =>
    ({ slug, status, entryCount: 0, story: {} as StorySummary['story'], ...(latest ? { latest: { published: new Date(latest) } as StorySummary['latest'] } : {}), ...(end ? { coverageEnd: new Date(end) } : {}) });
  it.each([
    ['live before ended', [s('b', 'ended', '2026-05-30T00:00:00Z', '2026-05-31T00:00:00Z'), s('a', 'live', '2026-05-01T00:00:00Z')], ['a', 'b']],
    ['live by newest development', [s('a', 'live', '2026-05-01T00:00:00Z'), s('b', 'live', '2026-05-02T00:00:00Z')], ['b', 'a']],
    ['live without entries last, by slug', [s('z', 'live'), s('y', 'live'), s('a', 'live', '2026-05-01T00:00:00Z')], ['a', 'y', 'z']],
    ['ended by latest end', [s('a', 'ended', undefined, '2026-05-01T00:00:00Z'), s('b', 'ended', undefined, '2026-05-09T00:00:00Z')], ['b', 'a']],
    // Found from outside: an end still ahead is live coverage until then, ordered as live.
    ['ended with its end ahead among the live', [s('a', 'live', '2026-05-01T00:00:00Z'), s('e', 'ended', undefined, '2026-05-09T00:00:00Z'), s('f', 'ended', '2026-05-20T00:00:00Z', '2031-01-01T00:00:00Z')], ['f', 'a', 'e']],
  ] as const)('%s', (_name, list, expected) => {
    expect(orderStories(list, NOW).map((x) => x.slug)).toEqual(expected);
  });
});

describe("a story's documents under its folder", () => {
  it('keep their RSS and Atom shells, whose two-step render equals the one-step one (entry slots qualified)', async () => {
    const { renderShell } = await import('../../../src/core/render/shells.js');
    const { r } = build();
    const withShells = r.planned.filter((p) => p.shell);
    // Every story's rss.xml and atom.xml (and its tag feeds'): without the shell, a newsroom's were rendered on the build's thread alone.
    for (const slug of ['talks', 'storm', 'vote']) for (const name of ['rss.xml', 'atom.xml']) expect(withShells.map((p) => p.path)).toContain(`${slug}/${name}`);
    for (const p of withShells) {
      const twoStep = p.shell!.fill(renderShell(p.shell!.job()));
      expect(twoStep).toEqual(p.render());
      for (const part of twoStep) if (typeof part !== 'string' && !(part instanceof Uint8Array)) expect(part.entry.startsWith(p.path.split('/')[0] + '/')).toBe(true);
    }
  });
});
