// Plain-text fields: what readers would take for HTML is refused (E_TEXT_MARKUP), and nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { looksLikeMarkup, normalizeText } from '../../../src/core/field-reader.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

describe('looksLikeMarkup: only real HTML end tags and character references', () => {
  it.each([
    // Not references: an HTML parser leaves them as they are.
    ['R&D; cuts', undefined],
    ['US&Iran; talks', undefined],
    ['AT&T, S&P 500, Q&A, M&A', undefined],
    ['Fish & chips; & more', undefined],
    ['&', undefined],
    ['&;', undefined],
    ['&#;', undefined],
    ['Smith&Co; Desk', undefined],
    ['&Notaname;', undefined],
    ['&İran;', undefined],
    ['</notatag>', undefined],
    // End tags of current and obsolete HTML elements the list once lacked (found from outside).
    ['Wait for it</nobr>', '</nobr>'],
    ['a</xmp>b', '</xmp>'],
    ['</hgroup>', '</hgroup>'],
    ['a < b > c', undefined],
    // Named character references (HTML §13.5, the full HTML5 list)
    ['Talks &amp; more', '&amp;'],
    ['&lt;b&gt;', '&lt;'],
    ['Q&apos;s', '&apos;'],
    ['&frac12; of it', '&frac12;'],
    ['&NotEqualTilde;', '&NotEqualTilde;'],
    ['&hearts;', '&hearts;'],
    // Legacy references without `;`, which HTML decodes in text all the same
    ['&copy 2026', '&copy'],
    ['Pride&notice', '&notice'],
    ['&amp', '&amp'],
    // Numeric references
    ['R&#38;D', '&#38;'],
    ['R&#x26;D', '&#x26;'],
    ['&#X26;', '&#X26;'],
    ['&#38 without semicolon', '&#38'],
    // What the W3C validator reports although HTML does not decode it (validators.py nonhtml:
    // a name that is "not value.isalpha()")
    ['R&D2; cuts', '&D2;'],
    ['&a_b;', '&a_b;'],
    ['&#abc;', '&#abc;'],
    ['&#x;', '&#x;'],
    // End tags of HTML elements
    ['Talks <b>resume</b>', '</b>'],
    ['</SCRIPT>', '</SCRIPT>'],
    // ... written as the tokenizer still reads them (found from outside)
    ['Talks </b > resume', '</b >'],
    ['</script x>', '</script x>'],
    ['</i/>', '</i/>'],
    ['a </p\tclass="x"> b', '</p\tclass="x">'],
    ['</notatag x>', undefined],
    ['</ b>', undefined],
  ])('%j → %j', (text, found) => {
    expect(looksLikeMarkup(text)).toBe(found);
  });

  it('a title with a look-alike compiles and comes out exactly as written', () => {
    const title = 'R&D; cuts as US&Iran; talks resume';
    const files = { '_story.md': storyText(), 'e.md': entryText({ slug: 'e', title, extra: 'tags: ["R&D;"]\n' }) };
    const r = compile({ sources: sources(files), now: new Date('2026-06-01T00:00:00Z') });
    expect(r.diagnostics).toEqual([]);
    expect(r.entries.map((e) => [e.title, e.tags])).toEqual([[title, ['R&D;']]]);
    const rss = r.files.find((f) => f.path === 'rss.xml')!.contents;
    expect(rss).toContain('<title>R&#x26;D; cuts as US&#x26;Iran; talks resume</title>');
  });

  it('a title with line breaks (a YAML escape, a block scalar, U+2028) is one line in every format', () => {
    const files = {
      '_story.md': storyText().replace(/^title: .*$/m, 'title: |\n  Talks\n  resume\n'),
      'e.md': entryText({ slug: 'e', title: 'line one\n  line two\u2028three\u0085four' }),
    };
    const r = compile({ sources: sources(files), now: new Date('2026-06-01T00:00:00Z') });
    expect(r.diagnostics).toEqual([]);
    expect(r.entries.map((e) => e.title)).toEqual(['line one line two three four']);
    expect(r.story!.title).toBe('Talks resume');
    const rss = r.files.find((f) => f.path === 'rss.xml')!.contents;
    expect(rss).toContain('<title>line one line two three four</title>');
    for (const f of r.files) expect(f.contents, f.path).not.toMatch(/line one\s*\n|\u2028/);
  });

  it('a title with a real reference is refused, naming it', () => {
    const files = { '_story.md': storyText(), 'e.md': entryText({ slug: 'e', title: 'R&amp;D cuts' }) };
    const r = compile({ sources: sources(files), now: new Date('2026-06-01T00:00:00Z') });
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(['E_TEXT_MARKUP `title` contains `&amp;`, which feed readers would take for HTML']);
  });

  // What an HTML parser does with text: the entities package's decoder (the one htmlparser2 and
  // markdown-it use), in the mode of text content.
  it('whatever it lets through, an HTML parser reads back as the same text', async () => {
    const { decodeHTML } = await import('entities');
    const piece = fc.constantFrom('&', ';', '#', 'x', 'X', 'amp', 'lt', 'D', 'Iran', 'not', 'copy', '38', '26', 'a', ' ', '<', '/', 'b', '>', 'frac12', '_');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((a) => a.join('')), (text) => {
        if (looksLikeMarkup(text) === undefined) {
          expect(decodeHTML(text)).toBe(text);
          // and the W3C validator's rule finds nothing: `&(#?\w+);` with a name in the HTML 4 list or not all letters
          for (const m of text.matchAll(/&(#?\w+);/g)) expect(/^[A-Za-z]+$/.test(m[1]!)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('normalizeText', () => {
  it.each([
    ['trims', '  a  ', 'a'],
    ['CRLF and CR become LF', 'a\r\nb\rc', 'a\nb\nc'],
    ['DEL and C1 removed, NEL a line break', 'a\u007fb\u0080c\u0085d\u009f', 'abc\nd'],
    ['a bidi override left open is closed at the end of the field (xml-chars.ts balanceBidi)', ' \u202eRTL ', '\u202eRTL\u202c'],
  ])('%s', (_name, input, output) => {
    expect(normalizeText(input)).toBe(output);
  });
});

// Found from outside: `tags: [iran, " "]` said "`tags` is empty" with the hint "write some text after
// `tags:`", and `tags: [iran, 2026]` said "`tags` must be text, not a list": each named the list,
// which is right, not the value that is wrong.
describe('a bad value in a list of tags is named by its place, and described itself', () => {
  it.each([
    ['[iran, " "]', 'E_FIELD_EMPTY', '`tags` item 2 is empty', 'remove the empty one from `tags:`, or write it'],
    ['[iran, 2026]', 'E_FIELD_TYPE', '`tags` item 2 must be text, not the number `2026`', 'write each value of `tags:` as text, in quotes where YAML would read something else'],
    ['[true, iran]', 'E_FIELD_TYPE', '`tags` item 1 must be text, not the boolean `true`', 'in quotes'],
    ['[iran, [a, b]]', 'E_FIELD_TYPE', '`tags` item 2 must be text, not a list', 'as text'],
    ['[iran, "<b>x</b>"]', 'E_TEXT_MARKUP', '`tags` item 2 contains `</b>`', '`tags` item 2 is plain text'],
    [`[iran, ${'x'.repeat(200)}]`, 'E_FIELD_TOO_LONG', '`tags` item 2 is 200 characters long', 'shorten `tags` item 2'],
    // One tag, not a list: the field itself, as before.
    ['" "', 'E_FIELD_EMPTY', '`tags` is empty', 'write some text after `tags:`'],
  ])('tags: %s → %s', (tags, code, message, hint) => {
    const r = compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', extra: `tags: ${tags}\n` }) }), now: new Date('2026-06-01T00:00:00Z') });
    expect(r.diagnostics.map((d) => d.code)).toEqual([code]);
    expect(r.diagnostics[0]!.message).toContain(message);
    expect(r.diagnostics[0]!.hint).toContain(hint);
  });
});

describe("a value inside a list of authors is described itself, not as the list it is in", () => {
  it('authors: [{name: 2026}] → the number `2026`', () => {
    const r = compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', extra: 'authors: [{name: 2026}]\n' }) }), now: new Date('2026-06-01T00:00:00Z') });
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(['E_FIELD_TYPE `authors[].name` must be text, not the number `2026`']);
  });
});

// Found from outside: a title of exactly 300 characters with one override left open was refused as
// "301 characters long": the closer balanceBidi adds is not the author's, and is not counted.
describe('a field is measured as its author wrote it, without the bidi closers storyfeed adds', () => {
  const titled = (title: string) => compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', title }) }), now: new Date('2026-06-01T00:00:00Z') });
  it.each([
    ['300 characters, an override left open: accepted, closed', `\u202e${'x'.repeat(299)}`, [], `\u202e${'x'.repeat(299)}\u202c`],
    ['300 characters, an isolate and an embedding left open: accepted, both closed', `\u2067\u202b${'x'.repeat(298)}`, [], `\u2067\u202b${'x'.repeat(298)}\u202c\u2069`],
    ['301 characters as written: refused, and said so', `\u202e${'x'.repeat(300)}`, ['E_FIELD_TOO_LONG `title` is 301 characters long (at most 300)'], undefined],
  ])('%s', (_name, title, diagnostics, published) => {
    const r = titled(title);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(diagnostics);
    if (published !== undefined) expect(r.entries[0]!.title).toBe(published);
  });
});
