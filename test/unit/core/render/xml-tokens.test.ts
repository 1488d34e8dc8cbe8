// The token path of the RSS and Atom entry fragments (src/core/render/xml-tokens.ts): it must
// give the DOM round trip's bytes entry by entry, be taken for what feed writes, and hand
// anything the XML parser would change back to the DOM.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../../src/core/compile.js';
import { feedUrls } from '../../../../src/core/formats.js';
import { finishAtomEntryText, renderAtomEntries, renderAtomEntriesDom } from '../../../../src/core/render/atom.js';
import { createWriter } from '../../../../src/core/render/feed-options.js';
import { cutElements } from '../../../../src/core/render/fragments.js';
import { finishRssItemText, renderRssItems, renderRssItemsDom } from '../../../../src/core/render/rss.js';
import { escapeAttribute, escapeText, escapeTextHex, readRawElement } from '../../../../src/core/render/xml-tokens.js';
import { entryText, sources, storyText } from '../../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function compiled() {
  const files: Record<string, string> = {
    '_story.md': storyText('hub: https://hub.example.org/\n'),
    'a.md': entryText({ slug: 'a', title: 'A & B <script> x < y > z ]]> "q" \'s\'', extra: 'summary: "S & <b>s</b> ]]>"\ntags: ["Iran & U.S.", "]]>", "a\\"b<c>"]\nimage: {url: "https://newsroom.example.org/a.jpg?x=1&y=\\"2\\"", alt: "A & \\"B\\"", length: 12345}\nauthors: [{name: "R & <D>", email: "r@newsroom.example.org", url: "https://newsroom.example.org/r?a=1&b=2"}, "Second"]\n' }),
    'b.md': entryText({ slug: 'b', body: '', extra: 'image: {url: "https://newsroom.example.org/b.png", alt: "x"}\n' }),
    'c.md': entryText({ slug: 'c', title: 'مذاکرات 🇺🇸🇮🇷', published: '2026-05-27T09:00:00.250Z', extra: 'summary: "only a summary"\n' }),
  };
  const r = compile({ sources: sources(files), now: NOW });
  expect(r.ok).toBe(true);
  return { story: r.feed!.story, entries: r.entries };
}

describe('entry fragments by tokens', () => {
  it('are the DOM round trip, byte for byte', () => {
    const { story, entries } = compiled();
    expect(entries.length).toBe(3);
    expect(renderRssItems(story, entries)).toEqual(renderRssItemsDom(story, entries));
    expect(renderAtomEntries(story, entries)).toEqual(renderAtomEntriesDom(story, entries));
  });

  it('are taken for every element feed writes (no silent fallback to the DOM)', () => {
    const { story, entries } = compiled();
    const rss = cutElements(createWriter(story, new Date(0), entries, feedUrls(story)).rss2(), '<item>', '</item>');
    const atom = cutElements(createWriter(story, new Date(0), entries, feedUrls(story)).atom1(), '<entry>', '</entry>');
    entries.forEach((e, i) => {
      expect(finishRssItemText(rss[i]!, e)).not.toBeNull();
      expect(finishAtomEntryText(atom[i]!, e)).not.toBeNull();
    });
    // defect 12 (title type="html") and the Atom dates are fixed on the token path too
    expect(finishAtomEntryText(atom[0]!, entries[0]!)).toContain('<title>A &amp; B &lt;script&gt;');
    expect(finishAtomEntryText(atom[0]!, entries[0]!)).not.toMatch(/\.000Z|type="html"><!\[CDATA\[A/);
  });
});

describe('readRawElement', () => {
  const item = '<item>\n    <title><![CDATA[a &amp; b]]></title>\n    <link>https://x.org/?a=1&amp;b=2</link>\n    <guid isPermaLink="false">x &lt; &gt; &quot; &apos;</guid>\n    <e/>\n    <f></f>\n</item>';

  it('reads feed\'s grammar, decoding the predefined entities', () => {
    const el = readRawElement(item, '<item>', '</item>');
    expect(el?.closingSpace).toBe('\n');
    expect(el?.children.map((c) => [c.space, c.name, c.text, c.cdata ?? false, c.attributes])).toEqual([
      ['\n    ', 'title', 'a &amp; b', true, []],
      ['\n    ', 'link', 'https://x.org/?a=1&b=2', false, []],
      ['\n    ', 'guid', 'x < > " \'', false, [['isPermaLink', 'false']]],
      ['\n    ', 'e', undefined, false, []],
      ['\n    ', 'f', undefined, false, []],
    ]);
  });

  it.each([
    ['CR (line-end normalization)', item.replace('b]]>', 'b\r]]>')],
    ['NEL, LS, PS (xmldom normalizes them to LF)', item.replace('b]]>', 'b\u2028]]>')],
    ['TAB (attribute normalization)', item.replace('"false"', '"fa\tlse"')],
    ['LF in an attribute value', item.replace('"false"', '"fa\nlse"')],
    ['a character reference', item.replace('&amp;b', '&#38;b')],
    ['a bare ampersand', item.replace('&amp;b', '&b')],
    ['an entity without semicolon', item.replace('&amp;b', '&ampb')],
    ['an XML-illegal character', item.replace('a &amp;', 'a \u0001')],
    ['a lone surrogate', item.replace('a &amp;', 'a \uD800')],
    ['a comment', item.replace('<e/>', '<!-- c -->')],
    ['nested elements', item.replace('<e/>', '<e><g/></e>')],
    ['mismatched tags', item.replace('<f></f>', '<f></g>')],
    [']]> in CDATA', item.replace('b]]>', 'b]]]]><![CDATA[>]]>')],
    ['text after the children', item.replace('\n</item>', 'x\n</item>')],
  ])('gives the DOM anything else: %s', (_name, xml) => {
    expect(readRawElement(xml, '<item>', '</item>')).toBeNull();
  });
});

describe('escaping as xmldom serializes', () => {
  it('text, text with hexadecimal references, attributes', () => {
    expect(escapeText('a<b>&"\'')).toBe('a&lt;b&gt;&amp;"\'');
    expect(escapeTextHex('a<b>&"')).toBe('a&#x3C;b&#x3E;&#x26;"');
    expect(escapeAttribute('a<b>&"\t\n\r\'')).toBe('a&lt;b&gt;&amp;&quot;&#9;&#10;&#13;\'');
  });
});
