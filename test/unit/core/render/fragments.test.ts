// The pieces documents are assembled from (src/core/render/fragments.ts): cutting, splitting,
// filling shells, and the byte blobs that cross threads and live in the fragment pack.
import { describe, expect, it } from 'vitest';
import {
  assembleText,
  BODY_TOKEN,
  cdataSafeHtml,
  cutElements,
  encodeFragments,
  ENTRIES_MARKER,
  fillShell,
  slotBytes,
  slotText,
  splitAtBody,
  splitShell,
  type EntryFragments,
} from '../../../../src/core/render/fragments.js';
import type { EntryMeta } from '../../../../src/core/types.js';

const meta = (path: string): EntryMeta => ({
  path,
  id: `tag:x,2026:${path}`,
  title: 't',
  published: new Date(0),
  updated: new Date(0),
  authors: [],
  tags: [],
  link: 'https://x.org/',
  draft: false,
  hasContent: true,
  print: path,
});

const fragments: EntryFragments = {
  rss: ['<item><c><![CDATA[', ']]></c></item>'],
  atom: ['<entry><c><![CDATA[', ']]></c></entry>'],
  json: ['{"content_html": ', ', "id": "é"}'],
  html: '<p>Körper "quoted" & ü</p>',
  text: '"Körper \\"quoted\\" \\u0026 ü"',
};

describe('cutElements', () => {
  it.each([
    ['none', '<rss></rss>', []],
    ['two', '<c><item>a</item>\n<item>b &lt;item&gt;</item></c>', ['<item>a</item>', '<item>b &lt;item&gt;</item>']],
    ['attributes are not the bare tag', '<item x="1">no</item><item>yes</item>', ['<item>yes</item>']],
  ])('%s', (_name, xml, expected) => {
    expect(cutElements(xml, '<item>', '</item>')).toEqual(expected);
  });

  it('an unterminated element is a bug, not a silent cut', () => {
    expect(() => cutElements('<item>a', '<item>', '</item>')).toThrow(/unterminated/);
  });
});

describe('splitAtBody', () => {
  it.each([
    ['a body', `<i><c><![CDATA[${BODY_TOKEN}]]></c></i>`, ['<i><c><![CDATA[', ']]></c></i>']],
    ['no body (feed left the element out)', '<i><t>x</t></i>', ['<i><t>x</t></i>', '']],
    ['the token as escaped text elsewhere is not the body', `<i><t>${BODY_TOKEN}</t></i>`, [`<i><t>${BODY_TOKEN}</t></i>`, '']],
  ])('%s', (_name, text, expected) => {
    expect(splitAtBody(text, '<c><![CDATA[', ']]></c>')).toEqual(expected);
  });

  it('two bodies in one element is a bug', () => {
    const one = `<c><![CDATA[${BODY_TOKEN}]]></c>`;
    expect(() => splitAtBody(`<i>${one}${one}</i>`, '<c><![CDATA[', ']]></c>')).toThrow(/two bodies/);
  });

  it('a JSON body is found by its quoted token', () => {
    expect(splitAtBody(`{"a": 1, "content_html": "${BODY_TOKEN}", "b": 2}`, '"content_html": ', '', JSON.stringify(BODY_TOKEN))).toEqual(['{"a": 1, "content_html": ', ', "b": 2}']);
  });
});

describe('shells', () => {
  it('split at the marker, or stay whole without one', () => {
    expect(splitShell(`<feed>\n    ${ENTRIES_MARKER}\n</feed>`)).toEqual(['<feed>\n    ', '\n</feed>']);
    expect(splitShell('<feed/>')).toEqual(['<feed/>']);
  });

  it('are filled with one slot per entry, the separator between two', () => {
    expect(fillShell(['[', ']'], [meta('a.md'), meta('b.md')], 'rss', ', ')).toEqual(['[', { entry: 'a.md', format: 'rss' }, ', ', { entry: 'b.md', format: 'rss' }, ']']);
    expect(fillShell(['[', ']'], [], 'rss', ', ')).toEqual(['[]']);
    expect(fillShell(['whole'], [meta('a.md')], 'rss', ', ')).toEqual(['whole']);
  });

  it('assemble to text with each slot in its format', () => {
    const parts = fillShell(['<', '>'], [meta('a.md')], 'json', ',');
    expect(assembleText(parts, () => fragments)).toBe(`<{"content_html": ${JSON.stringify(fragments.html)}, "id": "é"}>`);
  });
});

describe('cdataSafeHtml', () => {
  it.each([
    ['<p>a</p>', '<p>a</p>'],
    ['<a title="]]>">x</a>', '<a title="]]&gt;">x</a>'],
    ['a\r\nb\rc', 'a\nb\nc'],
  ])('%j → %j', (input, expected) => {
    expect(cdataSafeHtml(input)).toBe(expected);
    expect(cdataSafeHtml(expected)).toBe(expected);
  });
});

describe('blobs', () => {
  const blob = encodeFragments(fragments);

  it.each(['rss', 'atom', 'json', 'html', 'text'] as const)('give the same bytes for a %s slot as the text (non-ASCII included)', (format) => {
    expect(Buffer.concat(slotBytes(blob, format)).toString('utf8')).toBe(slotText(fragments, format));
  });
});
