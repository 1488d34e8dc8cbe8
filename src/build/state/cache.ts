// The build cache index (`.storyfeed/cache.json`): what each entry file parsed to (not its body),
// where its fragments are in the fragment pack, and which key each output was last written from.
// Versioned, safe to delete, rebuilt when it does not parse or was made for another story text or
// storyfeed version. It only saves work: tests build with and without it and compare the bytes.

import { createHash } from 'node:crypto';
import type { Diagnostic } from '../../core/diagnostics.js';
import { CACHE_VERSION, RENDER_VERSION } from '../../core/versions.js';
import { defaultLink } from '../../core/links.js';
import { retractionEnd } from '../../core/model.js';
import type { EntryMeta, Image, Person, Position, Story } from '../../core/types.js';
import { FORMAT_CODES, formatCodeAt, slotList, type OutputRecord } from '../../io/output-record.js';
import { PIECES } from '../../core/render/fragments.js';
import { withFields } from '../../core/objects.js';

/** Where an entry's fragments are in the pack (offset, piece ends, CRC-32 of the blob). */
export interface BlobLocation {
  readonly offset: number;
  readonly ends: readonly number[];
  readonly crc: number;
}

/** The pack the index was written with: its id, valid size, and the bytes still in use. */
export interface PackInfo {
  readonly id: string;
  readonly size: number;
  readonly live: number;
}

export interface CachedParse {
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the file's text, checked when size or mtime differ. */
  readonly hash: string;
  readonly entry?: EntryMeta;
  readonly diagnostics: readonly Diagnostic[];
  /** Where the id stands, for cross-file diagnostics (duplicates, identity guard). */
  readonly idAt?: Position;
  /** The entry's fragments in the pack (entries visible when they were parsed). */
  readonly blob?: BlobLocation;
}

export interface BuildCache {
  /** Fingerprint of what every parse depends on: cache format, renderers, the story text. */
  readonly key: string;
  /** A new id each time the index is written; the manifest names the one it goes with. */
  readonly generation?: string;
  readonly pack?: PackInfo;
  readonly entries: ReadonlyMap<string, CachedParse>;
  readonly outputs: ReadonlyMap<string, OutputRecord>;
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

export function cacheKey(storyText: string): string {
  return hashText(JSON.stringify({ cache: CACHE_VERSION, render: RENDER_VERSION, story: hashText(storyText) }));
}

export const EMPTY_CACHE: BuildCache = { key: '', entries: new Map(), outputs: new Map() };

// ---- The index on disk. One record per entry file, compact: an archive of 100,000 entries is read
// and written on every run that changes anything, so fields at their default are left out (the
// story's authors, the default link, `updated` = `published`, no tags, no diagnostics), dates are
// numbers, and the entry's path is its key. Every field is checked when read.

/** Every field of a record, as written. */
interface WireRecord {
  /** size, mtimeMs, hash of the text */
  size: number;
  mtime: number;
  hash: string;
  /** diagnostics (when any) */
  problems?: Diagnostic[];
  /** where the id stands: [line, column] */
  idAt?: [number, number];
  entry?: WireEntry;
  /** where the fragments are in the pack: [offset, crc, ...piece ends] */
  blob?: number[];
}

interface WireEntry {
  id: string;
  title: string;
  published: number;
  updated?: number;
  summary?: string;
  authors?: Person[];
  tags?: string[];
  image?: Image;
  link?: string;
  /** anchor, when not the plain one (core/anchors.ts) */
  anchor?: string;
  draft?: 1;
  correction?: [number, string];
  retraction?: [number, string];
  /** hasContent false */
  noContent?: 1;
  print: string;
}

/** What the index leaves out because the story implies it. */
export interface CacheDefaults {
  readonly authors: readonly Person[];
  /** The link of an entry without `link`: its own page under feed_base (core/normalize.ts). */
  readonly link: (id: string, anchor?: string) => string;
  /** The story's retraction window (days): a retraction's `until` is not stored, but derived. */
  readonly retractionWindow: number;
}

/** A newsroom's index holds every story's entries: each record's defaults are its story's, by path. */
export type DefaultsOf = CacheDefaults | ((path: string) => CacheDefaults);
export const defaultsAt = (d: DefaultsOf, path: string): CacheDefaults => (typeof d === 'function' ? d(path) : d);

export function cacheDefaults(story: Story): CacheDefaults {
  // Reading and writing the index both ask for every entry's default link (a URL parse each). It is
  // the parser's: the entry's page at feed_base, under its recorded anchor when it has one.
  const links = new Map<string, string>();
  const link = (id: string, anchor?: string) => {
    if (anchor !== undefined) return defaultLink(story.feedBase, id, anchor);
    let l = links.get(id);
    if (l === undefined) links.set(id, (l = defaultLink(story.feedBase, id)));
    return l;
  };
  return { authors: story.authors, link, retractionWindow: story.retractionWindow };
}

function sameAuthors(a: readonly Person[], b: readonly Person[]): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function toWireEntry(e: EntryMeta, defaults: CacheDefaults): WireEntry {
  const w: WireEntry = { id: e.id, title: e.title, published: e.published.getTime(), print: e.print };
  if (e.updated.getTime() !== w.published) w.updated = e.updated.getTime();
  if (e.summary !== undefined) w.summary = e.summary;
  if (!sameAuthors(e.authors, defaults.authors)) w.authors = [...e.authors];
  if (e.tags.length > 0) w.tags = [...e.tags];
  if (e.image) w.image = e.image;
  if (e.link !== defaults.link(e.id, e.anchor)) w.link = e.link;
  if (e.anchor !== undefined) w.anchor = e.anchor;
  if (e.draft) w.draft = 1;
  if (e.correction) w.correction = [e.correction.at.getTime(), e.correction.note];
  if (e.retraction) w.retraction = [e.retraction.at.getTime(), e.retraction.reason];
  if (!e.hasContent) w.noContent = 1;
  return w;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isOptionalString = (v: unknown) => v === undefined || isString(v);
const isPeople = (v: unknown): v is Person[] => Array.isArray(v) && v.every((p: Record<string, unknown>) => typeof p === 'object' && p !== null && isString(p.name) && isOptionalString(p.email) && isOptionalString(p.url));
const isStamped = (v: unknown): v is [number, string] => Array.isArray(v) && v.length === 2 && isNumber(v[0]) && isString(v[1]);

function fromWireEntry(path: string, w: unknown, defaults: CacheDefaults): EntryMeta | undefined {
  if (typeof w !== 'object' || w === null) return undefined;
  const e = w as Partial<WireEntry>;
  if (!isString(e.id) || !isString(e.title) || !isNumber(e.published) || !isString(e.print)) return undefined;
  if ((e.updated !== undefined && !isNumber(e.updated)) || (e.summary !== undefined && !isString(e.summary)) || (e.link !== undefined && !isString(e.link)) || (e.anchor !== undefined && !isString(e.anchor))) return undefined;
  if ((e.authors !== undefined && !isPeople(e.authors)) || (e.tags !== undefined && !isStringList(e.tags)) || (e.correction !== undefined && !isStamped(e.correction)) || (e.retraction !== undefined && !isStamped(e.retraction))) return undefined;
  const im = e.image as Partial<Image> | undefined;
  if (im !== undefined && (typeof im !== 'object' || im === null || !isString(im.url) || !isString(im.alt) || !isString(im.type) || (im.length !== undefined && !isNumber(im.length)))) return undefined;
  return {
    path,
    id: e.id,
    title: e.title,
    published: new Date(e.published),
    updated: new Date(e.updated ?? e.published),
    ...(e.summary !== undefined ? { summary: e.summary } : {}),
    authors: e.authors ?? defaults.authors,
    tags: e.tags ?? [],
    ...(im ? { image: im as Image } : {}),
    link: e.link ?? defaults.link(e.id, e.anchor),
    ...(e.anchor !== undefined ? { anchor: e.anchor } : {}),
    draft: e.draft === 1,
    ...(e.correction ? { correction: { at: new Date(e.correction[0]), note: e.correction[1] } } : {}),
    ...(e.retraction ? { retraction: { at: new Date(e.retraction[0]), reason: e.retraction[1], until: retractionEnd(new Date(e.retraction[0]), defaults.retractionWindow) } } : {}),
    hasContent: e.noContent !== 1,
    print: e.print,
  };
}

function toWire(r: CachedParse, defaults: CacheDefaults): WireRecord {
  const w: WireRecord = { size: r.size, mtime: r.mtimeMs, hash: r.hash };
  if (r.diagnostics.length > 0) w.problems = [...r.diagnostics];
  if (r.idAt) w.idAt = [r.idAt.line, r.idAt.column];
  if (r.entry) w.entry = toWireEntry(r.entry, defaults);
  if (r.blob) w.blob = [r.blob.offset, r.blob.crc, ...r.blob.ends];
  return w;
}

export function fromWire(path: string, value: unknown, defaults: CacheDefaults): CachedParse | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const w = value as Partial<WireRecord>;
  if (!isNumber(w.size) || !isNumber(w.mtime) || !isString(w.hash)) return undefined;
  if (w.problems !== undefined && !Array.isArray(w.problems)) return undefined;
  if (w.idAt !== undefined && !(Array.isArray(w.idAt) && w.idAt.length === 2 && w.idAt.every(Number.isInteger))) return undefined;
  const entry = w.entry === undefined ? undefined : fromWireEntry(path, w.entry, defaults);
  if (w.entry !== undefined && !entry) return undefined;
  const blob = w.blob === undefined ? undefined : readBlobLocation(w.blob);
  if (w.blob !== undefined && !blob) return undefined;
  return {
    size: w.size,
    mtimeMs: w.mtime,
    hash: w.hash,
    diagnostics: w.problems ?? [],
    ...(w.idAt ? { idAt: { line: w.idAt[0], column: w.idAt[1] } } : {}),
    ...(entry ? { entry } : {}),
    ...(blob ? { blob } : {}),
  };
}

// The file is a header line (JSON) and then one line per record: `e` lines for entry files in
// path order, then `o` lines for outputs, each `kind TAB path-as-JSON TAB record-as-JSON` (JSON
// text never holds a raw tab or newline). One record per line lets a patch run (src/patch.ts) read
// and replace the few records it touches without decoding the other hundred thousand. Outputs
// name entries by their line number among the `e` lines.

interface WireOutput {
  key: string;
  size: number;
  mtime: number;
  /** the media type it was planned with */
  type?: string;
  /** the document's fingerprint without its entries' prints (core/fingerprint.ts) */
  base?: string;
  /** the entries it is made from, by ordinal */
  deps?: number[];
  /** slots: [entry ordinal, format code, offset] × n */
  slots?: number[];
}

/** The field of an output line that names the entries it is made from (a patch run looks for it undecoded). */
export const OUTPUT_DEPS_FIELD = '"deps":[';

export interface CacheHeader {
  readonly version: number;
  readonly key: string;
  readonly generation: string;
  /** An overlay's: the generation of the index it goes on top of. */
  readonly base?: string;
  readonly pack?: PackInfo;
}

/** The header line of an index (or, with `base`, of an overlay). */
export function headerLine(key: string, pack: PackInfo | undefined, generation: string, base?: string): string {
  return JSON.stringify({ version: CACHE_VERSION, key, generation, ...(base ? { base } : {}), ...(pack ? { pack } : {}) });
}

export function parseHeader(line: string | undefined): CacheHeader | undefined {
  if (line === undefined) return undefined;
  try {
    const h = JSON.parse(line) as Partial<CacheHeader>;
    if (h.version !== CACHE_VERSION || typeof h.key !== 'string' || typeof h.generation !== 'string' || (h.base !== undefined && typeof h.base !== 'string')) return undefined;
    const pack = readPackInfo(h.pack);
    return { version: h.version, key: h.key, generation: h.generation, ...(h.base ? { base: h.base } : {}), ...(pack ? { pack } : {}) };
  } catch {
    return undefined;
  }
}

export function toWireOutput(r: OutputRecord, ordinal: ReadonlyMap<string, number>): WireOutput {
  const w: WireOutput = { key: r.key, size: r.size, mtime: r.mtimeMs, ...(r.mediaType ? { type: r.mediaType } : {}) };
  // An output made from an entry the index does not hold (a last good version) cannot be patched.
  if (r.base === undefined || !r.deps || !r.slots) return w;
  const d = r.deps.map((p) => ordinal.get(p));
  const slots = r.slots;
  const t = slots.entries.flatMap((entry, i) => [ordinal.get(entry), formatCodeAt(slots, i), slots.offsets[i]]);
  if (d.some((i) => i === undefined) || t.some((i) => i === undefined)) return w;
  return { ...w, base: r.base, deps: d as number[], slots: t as number[] };
}

export function fromWireOutput(value: unknown, pathOf: (ordinal: number) => string | undefined): OutputRecord | undefined {
  const w = value as Partial<WireOutput> | null;
  if (typeof w !== 'object' || w === null || !isString(w.key) || !isNumber(w.size) || !isNumber(w.mtime)) return undefined;
  if (w.type !== undefined && !isString(w.type)) return undefined;
  const plain: OutputRecord = { key: w.key, size: w.size, mtimeMs: w.mtime, ...(w.type ? { mediaType: w.type } : {}) };
  const t = w.slots;
  if (!isString(w.base) || !Array.isArray(w.deps) || !Array.isArray(t) || t.length % 3 !== 0) return plain;
  const deps = w.deps.map((i) => (Number.isInteger(i) ? pathOf(i) : undefined));
  const entries: string[] = [];
  for (let i = 0; i < t.length; i += 3) {
    const entry = Number.isInteger(t[i]) ? pathOf(t[i]!) : undefined;
    const format = FORMAT_CODES[t[i + 1]!];
    const offset = t[i + 2];
    if (entry === undefined || format === undefined || !Number.isInteger(offset)) return plain;
    entries.push(entry);
  }
  if (deps.some((p) => p === undefined)) return plain;
  const n = entries.length;
  const slots = slotList(entries, Array.from({ length: n }, (_, i) => t[i * 3 + 1]!), Array.from({ length: n }, (_, i) => t[i * 3 + 2]!));
  return withFields(plain, { base: w.base, deps: deps as string[], slots });
}

/** A record line: kind, path and record. */
export function splitLine(line: string): { kind: string; path: string; record: unknown } | undefined {
  const a = line.indexOf('\t');
  const b = line.indexOf('\t', a + 1);
  if (a !== 1 || b < 0) return undefined;
  const path = JSON.parse(line.slice(a + 1, b)) as unknown;
  if (!isString(path)) return undefined;
  return { kind: line[0]!, path, record: JSON.parse(line.slice(b + 1)) };
}

export const entryLine = (path: string, r: CachedParse, defaults: CacheDefaults) => `e\t${JSON.stringify(path)}\t${JSON.stringify(toWire(r, defaults))}`;
export const outputLine = (path: string, r: OutputRecord, ordinal: ReadonlyMap<string, number>) => `o\t${JSON.stringify(path)}\t${JSON.stringify(toWireOutput(r, ordinal))}`;

/** Parse a cache file (and its overlay, if any); anything unexpected gives the empty cache (it is rebuilt, never trusted). */
export function parseCache(text: string | undefined, expectedKey: string, defaults: DefaultsOf, overlayText?: string): BuildCache {
  if (text === undefined) return EMPTY_CACHE;
  try {
    const lines = text.split('\n');
    const header = parseHeader(lines[0]);
    if (!header || lines[lines.length - 1] !== '') return EMPTY_CACHE;
    const overlay = overlayLines(overlayText, header);
    const top = overlay?.header ?? header;
    // Entry parses depend on the story (base URL, default authors, zone): another story, no reuse.
    const sameStory = header.key === expectedKey;
    const pack = sameStory ? top.pack : undefined;
    const entries = new Map<string, CachedParse>();
    const outputs = new Map<string, OutputRecord>();
    const paths: string[] = [];
    const read = (from: readonly string[], start: number, end: number, main: boolean): boolean => {
      for (let i = start; i < end; i++) {
        const line = splitLine(from[i]!);
        if (!line) return false;
        if (line.kind === 'e') {
          if (main) paths.push(line.path);
          if (!sameStory) continue;
          const record = fromWire(line.path, line.record, defaultsAt(defaults, line.path));
          // A record that does not check out only costs its file a parse; one pointing into a pack
          // that the index does not name is no record at all.
          if (record && (!record.blob || pack)) entries.set(line.path, record);
          else entries.delete(line.path);
        } else if (line.kind === 'o') {
          const record = fromWireOutput(line.record, (i) => paths[i]);
          if (record) outputs.set(line.path, record);
        } else return false;
      }
      return true;
    };
    // The last line may be the table of contents (cache-toc.ts): no record.
    const end = lines.length > 2 && lines[lines.length - 2]!.startsWith('t\t') ? lines.length - 2 : lines.length - 1;
    if (!read(lines, 1, end, true)) return EMPTY_CACHE;
    if (overlay && !read(overlay.lines, 0, overlay.lines.length, false)) return EMPTY_CACHE;
    return { key: expectedKey, generation: top.generation, ...(pack ? { pack } : {}), entries, outputs };
  } catch {
    return EMPTY_CACHE;
  }
}

/**
 * The overlay (`.storyfeed/cache-patch.json`): records a patch run replaced, on top of the index
 * whose generation it names as its base. Any other overlay (a full build wrote a new index since)
 * is no overlay at all.
 */
export function overlayLines(text: string | undefined, main: CacheHeader): { header: CacheHeader; lines: string[] } | undefined {
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const header = parseHeader(lines[0]);
  if (!header || header.base !== main.generation || header.key !== main.key || lines.pop() !== '') return undefined;
  return { header, lines: lines.slice(1) };
}

function readPackInfo(value: unknown): PackInfo | undefined {
  const v = value as Partial<PackInfo> | undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (typeof v.id !== 'string' || !/^[0-9a-f]{16}$/.test(v.id) || !Number.isInteger(v.size) || !Number.isInteger(v.live)) return undefined;
  return { id: v.id, size: v.size!, live: v.live! };
}

function readBlobLocation(value: unknown): BlobLocation | undefined {
  if (!Array.isArray(value) || value.length !== 2 + PIECES || !value.every(Number.isInteger)) return undefined;
  const [offset, crc, ...ends] = value as number[];
  if (ends.some((e, i) => e < (i === 0 ? 0 : ends[i - 1]!))) return undefined;
  return { offset: offset!, ends, crc: crc! };
}

/** Everything the index records of an entry but its print: the same for two versions that differ only in their body. */
export function metaText(entry: EntryMeta, defaults: CacheDefaults): string {
  return JSON.stringify({ ...toWireEntry(entry, defaults), print: undefined }); // JSON leaves undefined out
}
