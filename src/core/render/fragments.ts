// Entry fragments: every entry is rendered once per format — an RSS <item>, an Atom <entry>, a
// JSON Feed item — and every document that holds it (subscription feed, archive page, each of its
// tags' feeds and pages) is a shell with the entries' fragments put in their places.
//
// Why: a body appears in up to a dozen documents, and sending each document through feed's writer
// (xml-js) and the DOM round trip (xmldom) cost more than everything else a build does. The pieces
// are still made by feed, and finished as the DOM finishes whole documents (by token operations
// that write the DOM's bytes, xml-tokens.ts, or by the DOM itself where the parser would change
// something) — and the result is byte-identical to letting them write whole documents
// (test/property/feeds.property.test.ts compares the two on generated feeds; the golden files pin it).
//
// The body is not handed to feed or the DOM at all: they see BODY_TOKEN in its place, and a
// fragment is kept as the text before and after it. This is safe because the body is CDATA-safe
// by construction (normalize.ts), and because every other field reaches the XML escaped, so the
// markup this module looks for can only be the tools' own.

import type { DocumentPart, EntryFormat, EntryMeta, EntrySlot, ShellText } from '../types.js';

/** What feed and the DOM get as an entry's body. Plain ASCII, no markup. */
export const BODY_TOKEN = 'storyfeed-body';

/** Where a shell's entries go: a comment node placed by the DOM (no text of ours can make one). */
export const ENTRIES_MARKER = '<!--storyfeed-entries-->';

/** The text before and after the body, in one format. */
export type Fragment = readonly [head: string, tail: string];

export interface EntryFragments {
  readonly rss: Fragment;
  readonly atom: Fragment;
  readonly json: Fragment;
  /** The body itself (sanitized HTML, CDATA-safe). */
  readonly html: string;
  /** The body as plain text, a JSON string literal safe inside a `<script>` (render/json-ld.ts). */
  readonly text: string;
}

/** `]]>` cannot survive in sanitized HTML text, but an attribute could hold it: `&gt;` is equivalent in both. XML 1.0 §2.11: CR and CRLF are read as LF. */
export function cdataSafeHtml(html: string): string {
  return html.replaceAll(']]>', ']]&gt;').replace(/\r\n?/g, '\n');
}

/**
 * The elements `<open>…</close>` of a serialized document, in order (items do not nest, and the
 * tag text cannot occur escaped text).
 */
export function cutElements(xml: string, open: string, close: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = xml.indexOf(open, from);
    if (start < 0) return out;
    const end = xml.indexOf(close, start);
    if (end < 0) throw new Error(`unterminated ${open} in rendered document`);
    out.push(xml.slice(start, end + close.length));
    from = end + close.length;
  }
}

/**
 * Split an element's text at its body: `before` + `token` + `after` must occur once or not at all
 * (no body). The head ends with `before`, the tail starts with `after`.
 */
export function splitAtBody(text: string, before: string, after: string, token = BODY_TOKEN): Fragment {
  const needle = `${before}${token}${after}`;
  const at = text.indexOf(needle);
  if (at < 0) return [text, ''];
  if (text.indexOf(needle, at + needle.length) >= 0) throw new Error('an element holds two bodies');
  return [text.slice(0, at + before.length), text.slice(at + before.length + token.length)];
}

/**
 * Put the bodies into a document feed and the DOM wrote whole, with BODY_TOKEN as every body: the
 * `before`+token+`after` places in order, one per entry that has a body. Only for the reference
 * renderers (render*Whole), which the fragment path is tested against.
 */
export function fillBodies(xml: string, before: string, after: string, entries: readonly { readonly hasContent: boolean; readonly contentHtml: string }[]): string {
  const needle = `${before}${BODY_TOKEN}${after}`;
  const parts: string[] = [];
  let from = 0;
  for (const e of entries) {
    if (!e.hasContent) continue;
    const at = xml.indexOf(needle, from);
    if (at < 0) throw new Error('a body has no place in the document');
    parts.push(xml.slice(from, at), before, e.contentHtml, after);
    from = at + needle.length;
  }
  parts.push(xml.slice(from));
  return parts.join('');
}

/** A shell's text around ENTRIES_MARKER: [before, after], or [whole] for a document without entries. */
export function splitShell(text: string): readonly string[] {
  const at = text.indexOf(ENTRIES_MARKER);
  if (at < 0) return [text];
  return [text.slice(0, at), text.slice(at + ENTRIES_MARKER.length)];
}

/** A document's parts: its shell with one slot per entry, `separator` between two entries. */
export function fillShell(shell: ShellText, entries: readonly EntryMeta[], format: EntryFormat, separator: string): DocumentPart[] {
  if (shell.length === 1 || entries.length === 0) return shell.every((p) => typeof p === 'string') ? [shell.join('')] : [...shell];
  const parts: DocumentPart[] = [shell[0]!];
  entries.forEach((e, i) => {
    if (i > 0) parts.push(separator);
    parts.push({ entry: e.path, format });
  });
  parts.push(shell[1]!);
  return parts;
}

/** The text a slot stands for. */
export function slotText(fragments: EntryFragments, format: EntryFormat): string {
  if (format === 'html') return fragments.html;
  if (format === 'text') return fragments.text;
  const [head, tail] = fragments[format];
  return head + (format === 'json' ? JSON.stringify(fragments.html) : fragments.html) + tail;
}

/** A whole document as text, its slots filled by `fragmentsOf`. */
export function assembleText(parts: readonly DocumentPart[], fragmentsOf: (slot: EntrySlot) => EntryFragments): string {
  return parts.map((p) => (isSlot(p) ? slotText(fragmentsOf(p), p.format) : textOf(p))).join('');
}

/** Is this part an entry's slot (not text, nor text's bytes)? */
export function isSlot(part: DocumentPart): part is EntrySlot {
  return typeof part === 'object' && !(part instanceof Uint8Array);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A piece of a shell or document as text. */
export function textOf(piece: string | Uint8Array): string {
  return typeof piece === 'string' ? piece : utf8.decode(piece);
}

/**
 * One format's whole document from its shell and its entries (with bodies and that format's
 * fragments), assembled exactly as the build assembles documents: fillShell, then slots.
 */
export function assembleFormat(shell: readonly string[], entries: ReadonlyArray<EntryMeta & { readonly contentHtml: string }>, fragments: readonly Fragment[], format: 'rss' | 'atom' | 'json', separator: string): string {
  const byPath = new Map(entries.map((e, i) => [e.path, { rss: fragments[i]!, atom: fragments[i]!, json: fragments[i]!, html: e.contentHtml, text: '' }]));
  return assembleText(fillShell(shell, entries, format, separator), (slot) => byPath.get(slot.entry)!);
}

// ---- Bytes: fragments cross threads and live in the build cache as one UTF-8 blob per entry.

/** The pieces of a blob, in order (the cache index records their ends: build/state/cache.ts). */
export const PIECES = 9;
const RSS_HEAD = 0, RSS_TAIL = 1, ATOM_HEAD = 2, ATOM_TAIL = 3, JSON_HEAD = 4, JSON_TAIL = 5, BODY = 6, JSON_BODY = 7, TEXT = 8;

export interface FragmentBlob {
  readonly bytes: Uint8Array;
  /** End offset of each piece in `bytes`. */
  readonly ends: readonly number[];
}

export function encodeFragments(f: EntryFragments): FragmentBlob {
  const texts = [f.rss[0], f.rss[1], f.atom[0], f.atom[1], f.json[0], f.json[1], f.html, JSON.stringify(f.html), f.text];
  const buffers = texts.map((t) => Buffer.from(t, 'utf8'));
  const ends: number[] = [];
  let end = 0;
  for (const b of buffers) ends.push((end += b.length));
  return { bytes: Buffer.concat(buffers, end), ends };
}

function piece(blob: FragmentBlob, i: number): Uint8Array {
  return blob.bytes.subarray(i === 0 ? 0 : blob.ends[i - 1]!, blob.ends[i]!);
}

/** The bytes a slot stands for (views into the blob, no copies). */
export function slotBytes(blob: FragmentBlob, format: EntryFormat): Uint8Array[] {
  switch (format) {
    case 'rss':
      return [piece(blob, RSS_HEAD), piece(blob, BODY), piece(blob, RSS_TAIL)];
    case 'atom':
      return [piece(blob, ATOM_HEAD), piece(blob, BODY), piece(blob, ATOM_TAIL)];
    case 'json':
      return [piece(blob, JSON_HEAD), piece(blob, JSON_BODY), piece(blob, JSON_TAIL)];
    case 'html':
      return [piece(blob, BODY)];
    case 'text':
      return [piece(blob, TEXT)];
  }
}
