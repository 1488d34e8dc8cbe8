// The manifest's stamps read straight from its text, for the fast path: a 10,000-entry newsroom's
// manifest records 28,000 files in 1.5 MB of JSON, and JSON.parse made an array, a number and a
// dictionary slot for each (~45 ms, and ~2,500 fresh pages, of a 0.45 s no-change run) only for
// the fast path to compare each with one stat call and drop it. Here each stamp is compared where
// it lies; only its name becomes a string. Text not in the exact form manifestChunks and
// renderManifest write is never guessed at: the caller parses it whole (parseManifest).

import { manifestVersion, parseManifest, renderManifest, renderManifestHead, type FileStamp, type Manifest } from './manifest.js';

/** Everything in a manifest but its stamps. */
export type ManifestHead = Omit<Manifest, 'entries' | 'outputs'>;

export type StampField = 'entries' | 'outputs';

/** Called for each recorded file, entries first; false stops the scan. */
export type StampVisitor = (field: StampField, name: string, size: number, mtimeMs: number) => boolean;

// The two records follow the head in this order (renderManifest, manifestChunks). Inside a JSON
// string every `"` is escaped, so neither marker can occur in the head's values.
const ENTRIES = ',"entries":{';
const OUTPUTS = ',"outputs":{';

/** The head, parsed alone (a few hundred bytes), or undefined when the text is not a manifest of this version. */
export function parseManifestHead(text: string): ManifestHead | undefined {
  const at = text.indexOf(ENTRIES);
  if (at < 0) return undefined;
  try {
    const head = JSON.parse(`${text.slice(0, at)}}`) as ManifestHead;
    return head.version === manifestVersion() && Array.isArray(head.window) ? head : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Visits every stamp, entries then outputs. Returns true when all were visited, false when `visit`
 * stopped, and 'unparsed' when the text is not in the written form (nothing can be concluded: parse
 * it whole). A name with an escape in it is decoded by JSON.parse; every other name is its text.
 */
export function scanStamps(text: string, visit: StampVisitor): boolean | 'unparsed' {
  let p = text.indexOf(ENTRIES);
  if (p < 0) return 'unparsed';
  p += ENTRIES.length;
  // The next backslash in the text (names with one are decoded), looked for again only once passed.
  let slash = text.indexOf('\\', p);
  for (const field of ['entries', 'outputs'] as const) {
    if (field === 'outputs') {
      if (!text.startsWith(OUTPUTS, p)) return 'unparsed';
      p += OUTPUTS.length;
    }
    if (text.charCodeAt(p) === CLOSE_BRACE) {
      p += 1;
      continue;
    }
    for (;;) {
      // "name":[size,mtimeMs] then , or }
      if (text.charCodeAt(p) !== QUOTE) return 'unparsed';
      const end = stringEnd(text, p);
      if (end < 0) return 'unparsed';
      if (slash >= 0 && slash < p) slash = text.indexOf('\\', p);
      const name = slash >= 0 && slash < end ? decodeName(text.slice(p, end + 1)) : text.slice(p + 1, end);
      if (name === undefined || text.charCodeAt(end + 1) !== COLON || text.charCodeAt(end + 2) !== OPEN_BRACKET) return 'unparsed';
      const stamp = stampAt(text, end + 3);
      if (!stamp) return 'unparsed';
      const next = text.charCodeAt(stamp.close + 1);
      if (next !== COMMA && next !== CLOSE_BRACE) return 'unparsed';
      if (!visit(field, name, stamp.size, stamp.mtimeMs)) return false;
      p = stamp.close + 2;
      if (next === CLOSE_BRACE) break;
    }
  }
  // As written, with its newline, or without (a manifest rewritten by JSON.stringify alone).
  return text.charCodeAt(p) === CLOSE_BRACE && (p + 1 === text.length || (p + 2 === text.length && text.endsWith('\n'))) ? true : 'unparsed';
}

/** The same visit over a manifest parsed whole (text scanStamps could not read). */
export function visitStamps(manifest: Pick<Manifest, StampField>, visit: StampVisitor): boolean {
  for (const field of ['entries', 'outputs'] as const) {
    const record: Readonly<Record<string, FileStamp>> = manifest[field];
    for (const name in record) {
      const stamp = record[name]!;
      if (!visit(field, name, stamp[0], stamp[1])) return false;
    }
  }
  return true;
}

const code = (c: string) => c.charCodeAt(0);
const [QUOTE, BACKSLASH, COLON, COMMA, DOT] = [code('"'), code('\\'), code(':'), code(','), code('.')];
const [OPEN_BRACKET, CLOSE_BRACKET, OPEN_BRACE, CLOSE_BRACE, ZERO, NINE] = [code('['), code(']'), code('{'), code('}'), code('0'), code('9')];

/** The index of the quote that closes the JSON string opened at `open`, or -1. */
function stringEnd(text: string, open: number): number {
  let q = text.indexOf('"', open + 1);
  // A quote preceded by an odd run of backslashes is escaped.
  while (q > 0) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return q;
    q = text.indexOf('"', q + 1);
  }
  return -1;
}

function decodeName(literal: string): string | undefined {
  try {
    const name: unknown = JSON.parse(literal);
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The stamp `size,mtimeMs]` whose first digit is at `from`, and where its `]` is; undefined unless in the written form. */
function stampAt(text: string, from: number): { readonly size: number; readonly mtimeMs: number; readonly close: number } | undefined {
  const sizeEnd = numberEnd(text, from, false);
  if (sizeEnd < 0 || text.charCodeAt(sizeEnd) !== COMMA) return undefined;
  const close = numberEnd(text, sizeEnd + 1, true);
  if (close < 0 || text.charCodeAt(close) !== CLOSE_BRACKET) return undefined;
  return { size: Number(text.slice(from, sizeEnd)), mtimeMs: Number(text.slice(sizeEnd + 1, close)), close };
}

/**
 * Where the number starting at `from` ends, or -1 unless it is a plain decimal as JSON.stringify
 * writes a size (digits) or an mtime (digits, then maybe a fraction): no sign, exponent or
 * leading zero, so that Number() of it is exactly what JSON.parse would make of it.
 */
function numberEnd(text: string, from: number, fraction: boolean): number {
  let p = from;
  const digit = () => {
    const c = text.charCodeAt(p);
    return c >= ZERO && c <= NINE;
  };
  while (digit()) p += 1;
  if (p === from || (text.charCodeAt(from) === ZERO && p > from + 1)) return -1;
  if (!fraction || text.charCodeAt(p) !== DOT) return p;
  const after = (p += 1);
  while (digit()) p += 1;
  return p === after ? -1 : p;
}

/**
 * A manifest kept as its text, for a patch run, which changes a few of its 28,000 stamps (the files
 * it wrote) and its generation: each is looked up and replaced where it lies, and the rest of the
 * text is kept as it is — the bytes renderManifest would write for the same records.
 */
export class ManifestText {
  private constructor(
    readonly text: string,
    readonly head: ManifestHead,
    /** Where each record's `{` is. */
    private readonly opens: Readonly<Record<StampField, number>>,
  ) {}

  /** Undefined unless the text is a manifest of this version whose head is in the written form. */
  static of(text: string | undefined): ManifestText | undefined {
    // The head is always read from this text (never a manifest parsed whole: the text's stamps
    // would then be spliced after a head that is not where the text says).
    const head = text === undefined ? undefined : parseManifestHead(text);
    if (text === undefined || !head) return undefined;
    const entries = text.indexOf(ENTRIES) + ENTRIES.length - 1;
    // The first `,"outputs":{` after it: no name in the entries can hold `,"` (its quote would be escaped).
    const outputs = text.indexOf(OUTPUTS, entries) + OUTPUTS.length - 1;
    return outputs > entries ? new ManifestText(text, head, { entries, outputs }) : undefined;
  }

  /** The stamp recorded for the file, and where its numbers are in the text. */
  find(field: StampField, name: string): { readonly stamp: FileStamp; readonly from: number; readonly to: number } | undefined {
    const key = `${JSON.stringify(name)}:[`;
    const end = field === 'entries' ? this.opens.outputs : this.text.length;
    // A key follows `{` or `,`: inside a name, a quote is escaped (`\"`), so the same characters there
    // are never preceded by either.
    for (let at = this.text.indexOf(key, this.opens[field]); at >= 0 && at < end; at = this.text.indexOf(key, at + 1)) {
      const before = this.text.charCodeAt(at - 1);
      if (before !== COMMA && (before !== OPEN_BRACE || at - 1 !== this.opens[field])) continue;
      const from = at + key.length;
      const found = stampAt(this.text, from);
      return found && { stamp: [found.size, found.mtimeMs], from, to: found.close };
    }
    return undefined;
  }

  /** The text with these stamps (a file named twice: its last) and this generation. */
  withStamps(stamps: ReadonlyArray<readonly [StampField, string, FileStamp]>, generation: string): string {
    const places = [];
    const last = new Map(stamps.map((s) => [`${s[0]}/${s[1]}`, s]));
    for (const [field, name, stamp] of last.values()) {
      const found = this.find(field, name);
      if (!found) return this.rendered(last.values(), generation);
      places.push({ ...found, text: `${JSON.stringify(stamp[0])},${JSON.stringify(stamp[1])}` });
    }
    places.sort((a, b) => a.from - b.from);
    const pieces = [renderManifestHead({ ...this.head, generation })];
    let at = this.opens.entries - ENTRIES.length + 1;
    for (const p of places) {
      pieces.push(this.text.slice(at, p.from), p.text);
      at = p.to;
    }
    pieces.push(this.text.slice(at));
    return pieces.join('');
  }

  /** Every entry file's stamp, by name, in one pass (a lookup by name searches the text). */
  entryStamps(): Map<string, FileStamp> {
    const stamps = new Map<string, FileStamp>();
    scanStamps(this.text, (field, name, size, mtimeMs) => field === 'entries' && stamps.set(name, [size, mtimeMs]) !== undefined);
    return stamps;
  }

  /** A file not recorded yet (never expected of a patch run) is added where renderManifest puts it. */
  private rendered(stamps: Iterable<readonly [StampField, string, FileStamp]>, generation: string): string {
    const whole = parseManifest(this.text)!;
    const records = { entries: { ...whole.entries }, outputs: { ...whole.outputs } };
    for (const [field, name, stamp] of stamps) records[field][name] = stamp;
    return renderManifest({ ...whole, ...records, generation });
  }
}
