// Shells crossing back from a worker as bytes (src/build/parse/shell-bytes.ts) and made into a
// document's parts on the build's thread (render/page.ts pageFromShell, render/fragments.ts
// fillShell): the same parts, the same bytes, as from the shell's text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeShellPieces } from '../../../src/build/parse/shell-bytes.js';
import { fillShell, textOf } from '../../../src/core/render/fragments.js';
import { pageFromShell } from '../../../src/core/render/page.js';
import type { DocumentPart, EntryMeta } from '../../../src/core/types.js';

const long = (s: string) => s.repeat(Math.ceil(64 / s.length) + 1);
/** Parts as text, adjacent pieces of text as one, so that parts from bytes and from text compare equal. */
function asText(parts: readonly DocumentPart[]): Array<string | object> {
  const out: Array<string | object> = [];
  for (const p of parts) {
    if (typeof p === 'object' && !(p instanceof Uint8Array)) out.push(p);
    else if (typeof out[out.length - 1] === 'string') out[out.length - 1] += textOf(p);
    else out.push(textOf(p));
  }
  return out;
}

describe('shell pieces as bytes', () => {
  it('long pieces become views of one moved buffer; short ones, and failed answers, stay as they are', () => {
    const answers = [
      { id: 1, shell: [long('é<ü>'), '\n  ', long('🗞️ & ')] },
      { id: 2, error: { message: 'no' } },
      { id: 3, shell: ['short'] },
    ];
    const { answers: out, transfer } = encodeShellPieces(answers);
    expect(transfer).toHaveLength(1);
    const [a, b, c] = out;
    expect(a!.shell![0]).toBeInstanceOf(Uint8Array);
    expect(a!.shell![1]).toBe('\n  ');
    expect(a!.shell![2]).toBeInstanceOf(Uint8Array);
    for (const piece of [a!.shell![0], a!.shell![2]] as Uint8Array[]) expect(piece.buffer).toBe(transfer[0]);
    expect(a!.shell!.map(textOf)).toEqual(answers[0]!.shell);
    expect(b).toEqual(answers[1]);
    expect(c).toEqual(answers[2]);
    // Nothing long: nothing to move.
    expect(encodeShellPieces([answers[2]!]).transfer).toEqual([]);
  });

  it('a page from its bytes has the parts it has from its text: every slot where it was, and the same text between', () => {
    const text = `${long('<p>Iran — “talks”</p>')}\u00000\u0000<li>ü</li>\u00001\u0000\u00002\u0000${long('</main>')}`;
    const shell = [text, 'html:a.md', 'text:a.md', `html:${long('b')}.md`];
    const fromText = pageFromShell(shell);
    const fromBytes = pageFromShell(encodeShellPieces([{ shell }]).answers[0]!.shell!);
    expect(fromBytes.some((p) => p instanceof Uint8Array)).toBe(true);
    expect(asText(fromBytes)).toEqual(asText(fromText));
    expect(fromText.filter((p) => typeof p === 'object')).toEqual([
      { format: 'html', entry: 'a.md' },
      { format: 'text', entry: 'a.md' },
      { format: 'html', entry: `${long('b')}.md` },
    ]);
  });

  it('a page whose markers do not match its slots fails, from bytes as from text', () => {
    for (const text of [`${long('x')}\u00000\u0000`, `${long('x')}\u00003\u0000`, `${long('x')}\u00000`]) {
      const shell = [text, 'html:a.md', 'html:b.md'];
      expect(() => pageFromShell(shell)).toThrow();
      expect(() => pageFromShell(encodeShellPieces([{ shell }]).answers[0]!.shell!)).toThrow();
    }
  });

  it('a feed document from its shell’s bytes has the same text and slots (with entries and without)', () => {
    const shell = [long('<rss><channel>'), long('</channel></rss>')];
    const entries = [{ path: 'a.md' }, { path: 'b.md' }] as unknown as EntryMeta[];
    const bytes = encodeShellPieces([{ shell }]).answers[0]!.shell!;
    for (const list of [entries, []]) expect(asText(fillShell(bytes, list, 'rss', '\n  '))).toEqual(asText(fillShell(shell, list, 'rss', '\n  ')));
  });

  it('any text, markers at any place: the parts from bytes are the parts from text (property)', () => {
    const piece = fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => s.replaceAll('\u0000', ''));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const text = long('·') + pieces.map((p, i) => (i === 0 ? p : `\u0000${i - 1}\u0000${p}`)).join('');
        const shell = [text, ...pieces.slice(1).map((_, i) => `html:e${i}.md`)];
        const bytes = encodeShellPieces([{ shell }]).answers[0]!.shell!;
        expect(bytes[0]).toBeInstanceOf(Uint8Array);
        const fromBytes = pageFromShell(bytes);
        expect(asText(fromBytes)).toEqual(asText(pageFromShell(shell)));
      }),
    );
  });
});
