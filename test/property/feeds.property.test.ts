// Property tests: for any text a newsroom (or an attacker) can put in an entry, every output is
// well-formed, titles stay plain text and survive exactly, and the bytes do not depend on file order.
import { DOMParser } from '@xmldom/xmldom';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/core/compile.js';
import { normalizeLine, normalizeText } from '../../src/core/field-reader.js';
import { checkJsonFeedDocument, checkW3cAtom, checkW3cRss } from '../helpers/checkers.js';
import { entryText, sources, storyText } from '../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function wellFormed(xml: string): void {
  new SaxesParser({ xmlns: true }).write(xml).close();
}

function textOf(xml: string, parent: string, child: string): string[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return Array.from(doc.getElementsByTagName(parent)).map((p) => p.getElementsByTagName(child)[0]?.textContent ?? '');
}

/** YAML double-quoted scalar for any string (JSON strings are valid YAML 1.2 double-quoted scalars, except for lone surrogates). */
function yamlString(s: string): string {
  return JSON.stringify(s).replace(/[\uD800-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const anyText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
  fc.constantFrom(']]>]]>]]>', '<script>alert(1)</script>', '<script>alert(1)', '&amp; &lt; & <', 'AT&T < 3 > 2', '$& $1 $` $\'', 'مذاکرات 🇺🇸🇮🇷', '\u0000\u0001\uFFFE\uD800x', '"\'`'),
);

describe('any title, summary, tag and body', () => {
  it('gives well-formed XML, valid JSON, and plain-text titles that survive exactly (as one line)', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (title, summary, tag, body) => {
        const cleanTitle = normalizeLine(title);
        fc.pre(cleanTitle !== '' && normalizeText(summary) !== '' && normalizeText(tag) !== '');
        const extra = `summary: ${yamlString(summary)}\ntags: [${yamlString(tag)}]\n`;
        const files = { '_story.md': storyText(), 'e.md': entryText({ slug: 'e', title: 'placeholder', extra, body }).replace('title: "placeholder"', () => `title: ${yamlString(title)}`) };
        const r = compile({ sources: sources(files), now: NOW });
        if (!r.ok) {
          // Only limits and markup-looking plain text may refuse such text, never a crash.
          expect(r.diagnostics.map((d) => d.code).every((c) => c === 'E_FIELD_TOO_LONG' || c === 'E_TEXT_MARKUP')).toBe(true);
          return;
        }
        const get = (p: string) => r.files.find((f) => f.path === p)!.contents;
        const [rss, atom, json] = [get('rss.xml'), get('atom.xml'), get('feed.json')];
        wellFormed(rss);
        wellFormed(atom);
        expect([...checkW3cRss(rss), ...checkW3cAtom(atom), ...checkJsonFeedDocument(json)]).toEqual([]);
        // No control character (DEL and C1 included: HTML parse errors) in any output, pages included.
        for (const f of r.files) expect(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.exec(f.contents)?.[0], f.path).toBeUndefined();
        // The page carries exactly two scripts: the copy-button enhancement and the JSON-LD, which
        // no text can end early (</script, <!--) and which parses back with the title intact.
        const page = get('index.html');
        expect(page.match(/<script/gi)).toHaveLength(2);
        const ld = /<script type="application\/ld\+json">\n([\s\S]*?)\n<\/script>/.exec(page)![1]!;
        expect(ld).not.toMatch(/<|\u2028|\u2029/);
        expect(JSON.parse(ld).liveBlogUpdate[0].headline).toBe(cleanTitle);
        expect(textOf(rss, 'item', 'title')).toEqual([cleanTitle]);
        expect(textOf(atom, 'entry', 'title')).toEqual([cleanTitle]);
        const doc = JSON.parse(json);
        expect(doc.items[0].title).toBe(cleanTitle);
        expect(doc.items[0].tags).toEqual([normalizeLine(tag)]);
        expect(doc.items[0].content_html).not.toMatch(/<script|<iframe|<[^>]*\son\w+=|(?:href|src)="\s*(?:javascript|data|vbscript):/i);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });
});

describe('determinism', () => {
  it('the same entries in any order give the same bytes', () => {
    const entries = Array.from({ length: 6 }, (_, i) => [
      `e${i}.md`,
      entryText({ slug: `e${i}`, published: `2026-05-2${i % 3}T09:00:00Z`, extra: `tags: [t${i % 2}]\n` }),
    ] as const);
    const reference = compile({ sources: sources(Object.fromEntries([['_story.md', storyText()], ...entries])), now: NOW }).files;
    fc.assert(
      fc.property(fc.shuffledSubarray([...entries], { minLength: entries.length, maxLength: entries.length }), (shuffled) => {
        const files = compile({ sources: sources(Object.fromEntries([...shuffled, ['_story.md', storyText()]])), now: NOW }).files;
        expect(files).toEqual(reference);
      }),
      { numRuns: 30 },
    );
  });
});

// Documents are assembled from a shell and entry fragments, each made by feed and the DOM (see
// src/core/render/fragments.ts). Whatever the entries and whatever the document's own parts
// (archive links, history marker, folder, stylesheet, hub, tombstones), the result is the very
// document feed and the DOM write in one pass over every item.
describe('entry fragments', () => {
  const entrySpec = fc.record({
    title: fc.oneof(fc.constant('Talks resume'), anyText),
    body: fc.oneof(fc.constant(''), fc.constant('[a]: https://example.org/only-a-reference'), fc.constant('Text with a [link](/rel/) and ![img](/i.png) and `]]>`.'), anyText),
    day: fc.integer({ min: 1, max: 28 }),
    tags: fc.subarray(['diplomacy', 'Iran & U.S.', 'sanctions', ']]>', 'مذاکرات'], { maxLength: 3 }),
    image: fc.constantFrom(undefined, 'image: {url: "https://newsroom.example.org/a.jpg", alt: "A & B"}', 'image: {url: "https://newsroom.example.org/b.png", alt: "x", length: 12345}'),
    correction: fc.boolean(),
    retracted: fc.boolean(),
    email: fc.boolean(),
  });
  const docSpec = fc.record({
    folder: fc.constantFrom('', 'archive/3/', 'tags/iran-u-s-3f2a1b0c/'),
    history: fc.constantFrom(undefined, 'complete' as const, 'archive' as const),
    links: fc.subarray([
      { rel: 'prev-archive', href: 'https://newsroom.example.org/stories/test/feeds/archive/2/rss.xml', type: 'application/rss+xml' },
      { rel: 'current', href: 'https://newsroom.example.org/stories/test/feeds/atom.xml?a=1&b=2', type: 'application/atom+xml' },
    ]),
    stylesheet: fc.constantFrom(undefined, 'feed.xsl', '../../feed.xsl'),
    hub: fc.boolean(),
    nextUrl: fc.constantFrom(undefined, 'https://newsroom.example.org/stories/test/feeds/archive/2/feed.json'),
  });

  it('assemble into exactly the document feed and the DOM write in one pass', async () => {
    const { renderRss, renderRssWhole } = await import('../../src/core/render/rss.js');
    const { renderAtom, renderAtomWhole } = await import('../../src/core/render/atom.js');
    const { renderJsonFeed, renderJsonWhole } = await import('../../src/core/render/json-feed.js');
    fc.assert(
      fc.property(fc.array(entrySpec, { minLength: 0, maxLength: 6 }), docSpec, (specs, doc) => {
        const files: Record<string, string> = { '_story.md': storyText(doc.hub ? 'hub: https://hub.example.org/\n' : '') };
        specs.forEach((s, i) => {
          const extra = [
            s.tags.length > 0 ? `tags: [${s.tags.map(yamlString).join(', ')}]` : '',
            s.image ?? '',
            s.correction ? 'correction: {at: 2026-05-29T10:00:00Z, note: "A fix & <more>"}' : '',
            s.retracted ? 'retracted: {at: 2026-05-30T10:00:00Z, reason: "Wrong"}' : '',
            s.email ? 'authors: [{name: "Reporter", email: "reporter@newsroom.example.org"}, "Second Name"]' : '',
          ].filter(Boolean).join('\n');
          files[`e${i}.md`] = entryText({ slug: `e${i}`, title: 'placeholder', published: `2026-05-${String(s.day).padStart(2, '0')}T09:00:00Z`, extra: extra ? `${extra}\n` : '', body: s.body }).replace('title: "placeholder"', () => `title: ${yamlString(s.title)}`);
        });
        const r = compile({ sources: sources(files), now: NOW });
        fc.pre(r.ok && r.feed !== undefined);
        const withBody = (e: (typeof r.entries)[number]) => ({ ...e, contentHtml: r.fragments.get(e.path)?.html ?? '' });
        const feed = { ...r.feed!, entries: r.feed!.entries.map(withBody) };
        const extras = { folder: doc.folder, links: doc.links, ...(doc.history ? { history: doc.history } : {}), ...(doc.stylesheet ? { stylesheet: doc.stylesheet } : {}) };
        const jsonExtras = { folder: doc.folder, ...(doc.nextUrl ? { nextUrl: doc.nextUrl, archive: { archive: true, prev_archive: doc.nextUrl } } : {}) };
        const rss = renderRss(feed, extras);
        expect(rss).toBe(renderRssWhole(feed, extras));
        expect(renderAtom(feed, extras)).toBe(renderAtomWhole(feed, extras));
        expect(renderJsonFeed(feed, jsonExtras)).toBe(renderJsonWhole(feed, jsonExtras));
        wellFormed(rss);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  });
});
