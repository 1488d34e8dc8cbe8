// Characters that must not reach any output: XML-illegal ones (XML 1.0 §2.2), and those that are
// parse errors in HTML (HTML §13.2.3.5: controls, DEL, C1, noncharacters), which the W3C
// validators flag. NEL, LS and PS become line feeds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceBidi, stripInvalidXmlChars } from '../../../src/core/xml-chars.js';

describe('stripInvalidXmlChars (XML 1.0 §2.2, HTML §13.2.3.5)', () => {
  it.each([
    ['C0 controls', 'a\u0000\u0001\u0008\u000b\u000c\u000e\u001fb', 'ab'],
    ['tab, LF, CR kept', 'a\tb\nc\rd', 'a\tb\nc\rd'],
    ['U+FFFE and U+FFFF', 'a\ufffe\uffffb', 'ab'],
    ['lone high surrogate', 'a\ud800b', 'ab'],
    ['lone low surrogate', 'a\udc00b', 'ab'],
    ['surrogate pair kept', 'a\ud83d\udd4ab', 'a🕊b'],
    ['DEL', 'a\u007fb', 'ab'],
    ['C1 controls, first and last', 'a\u0080\u0084b\u0086\u009fc', 'abc'],
    ['every C1 control but NEL', `a${Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i)).join('')}b`, 'a\nb'],
    ['NEL, LS and PS become line feeds (XML 1.1 §2.11 line ends)', 'a\u0085b\u2028c\u2029d', 'a\nb\nc\nd'],
    ['noncharacters U+FDD0–U+FDEF', 'a\ufdd0\ufdefb', 'ab'],
    ['supplementary noncharacters (U+1FFFE, U+10FFFF)', 'a\u{1fffe}\u{10ffff}b', 'ab'],
    ['characters next to them kept (U+00A0, U+FDCF, U+FDF0, U+1FFFD)', 'a\u00a0\ufdcf\ufdf0\u{1fffd}b', 'a\u00a0\ufdcf\ufdf0\u{1fffd}b'],
    ['Persian and emoji kept', 'صلح 🕊️ 🇺🇸🇮🇷', 'صلح 🕊️ 🇺🇸🇮🇷'],
  ])('%s', (_name, input, output) => {
    expect(stripInvalidXmlChars(input)).toBe(output);
  });

  // HTML §13.2.3.5: "control-character-in-input-stream" (controls other than ASCII whitespace and
  // NUL, DEL and C1 included), "noncharacter-in-input-stream", "surrogate-in-input-stream".
  const HTML_PARSE_ERROR = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef]|[\ufffe\uffff]|[\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u{3fffe}\u{3ffff}\u{4fffe}\u{4ffff}\u{5fffe}\u{5ffff}\u{6fffe}\u{6ffff}\u{7fffe}\u{7ffff}\u{8fffe}\u{8ffff}\u{9fffe}\u{9ffff}\u{afffe}\u{affff}\u{bfffe}\u{bffff}\u{cfffe}\u{cffff}\u{dfffe}\u{dffff}\u{efffe}\u{effff}\u{ffffe}\u{fffff}\u{10fffe}\u{10ffff}]|\p{Cs}/u;

  it('leaves no character that is illegal in XML or a parse error in HTML, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)), maxLength: 20 }), (a, b) => {
        const out = stripInvalidXmlChars(a + b);
        expect(out).not.toMatch(HTML_PARSE_ERROR);
        expect(out).not.toMatch(/[\u0085\u2028\u2029]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('changes nothing else: ordinary text comes through whole', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        fc.pre(!HTML_PARSE_ERROR.test(text) && !/[\u000c\u0085\u2028\u2029]/.test(text));
        expect(stripInvalidXmlChars(text)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('balanceBidi (UAX #9 X6a–X7): each field closes the bidi controls it opens', () => {
  const [LRE, RLE, PDF, LRO, RLO] = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e'];
  const [LRI, RLI, FSI, PDI] = ['\u2066', '\u2067', '\u2068', '\u2069'];
  it.each([
    ['no controls: the same string', 'Talks resume', 'Talks resume'],
    ['an override left open is closed (found from outside: it reversed the date after a title)', `${RLO}RTL`, `${RLO}RTL${PDF}`],
    ['closed ones kept as they are', `a ${RLE}b${PDF} ${LRI}c${PDI}`, `a ${RLE}b${PDF} ${LRI}c${PDI}`],
    ['nested, closed innermost first', `${LRE}${RLI}${LRO}x`, `${LRE}${RLI}${LRO}x${PDF}${PDI}${PDF}`],
    ['a PDF with nothing open is dropped', `a${PDF}b`, 'ab'],
    ['a PDI with no isolate open is dropped', `a${PDI}b`, 'ab'],
    ['a PDF does not close an isolate (X7)', `${FSI}a${PDF}b`, `${FSI}ab${PDI}`],
    ['a PDI closes the embeddings inside its isolate (X6a)', `${RLI}${RLO}a${PDI}b`, `${RLI}${RLO}a${PDI}b`],
    ['Persian kept', 'صلح', 'صلح'],
  ])('%s', (_name, input, output) => {
    expect(balanceBidi(input)).toBe(output);
  });

  it('leaves no embedding, override or isolate open, for any text', () => {
    const unit = fc.constantFrom('a', ' ', 'ص', LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI);
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (text) => {
        const stack: string[] = [];
        for (const c of balanceBidi(text)) {
          if (c === PDF) expect(stack.pop()).toBe('e');
          else if (c === PDI) {
            expect(stack).toContain('i');
            stack.length = stack.lastIndexOf('i');
          } else if ([LRE, RLE, LRO, RLO].includes(c)) stack.push('e');
          else if ([LRI, RLI, FSI].includes(c)) stack.push('i');
        }
        expect(stack).toEqual([]);
        expect(balanceBidi(balanceBidi(text))).toBe(balanceBidi(text));
      }),
      { numRuns: 2000 },
    );
  });
});
