// Property tests: for any text a newsroom (or an attacker) can put in an entry, every output is
// well-formed, titles stay plain text and survive exactly, and the bytes do not depend on file order.
import { DOMParser } from '@xmldom/xmldom';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/core/compile.js';
import { normalizeText } from '../../src/core/field-reader.js';
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
  it('gives well-formed XML, valid JSON, and plain-text titles that survive exactly', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (title, summary, tag, body) => {
        const cleanTitle = normalizeText(title);
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
        // The page carries exactly one script: our own copy-button enhancement.
        expect(get('index.html').match(/<script/gi)).toHaveLength(1);
        expect(textOf(rss, 'item', 'title')).toEqual([cleanTitle]);
        expect(textOf(atom, 'entry', 'title')).toEqual([cleanTitle]);
        const doc = JSON.parse(json);
        expect(doc.items[0].title).toBe(cleanTitle);
        expect(doc.items[0].tags).toEqual([normalizeText(tag)]);
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
