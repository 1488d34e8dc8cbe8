// The build cache index (`.storyfeed/cache.json` in the output folder): what each entry file
// parsed to (its metadata, not its body), where its fragments are in the fragment pack
// (io/fragment-store.ts), and which key each output was last written from. Versioned, safe to
// delete, never trusted when it does not parse or was made for another story text or another
// storyfeed version — then it is rebuilt. It only saves work: a test builds with and without it
// and compares the bytes.

import { createHash } from 'node:crypto';
import type { Diagnostic } from './diagnostics.js';
import { CACHE_VERSION, RENDER_VERSION } from './versions.js';
import { defaultLink } from './normalize.js';
import type { EntryMeta, Image, Person, Position, Story } from './types.js';

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

export const CACHE_PATH = '.storyfeed/cache.json';
export { CACHE_VERSION };

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

export interface OutputRecord {
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface BuildCache {
  /** Fingerprint of what every parse depends on: cache format, renderers, the story text. */
  readonly key: string;
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
  s: number;
  m: number;
  h: string;
  /** diagnostics (when any) */
  d?: Diagnostic[];
  /** where the id stands: [line, column] */
  i?: [number, number];
  e?: WireEntry;
  /** blob: [offset, crc, ...piece ends] */
  b?: number[];
}

interface WireEntry {
  id: string;
  t: string;
  p: number;
  u?: number;
  s?: string;
  a?: Person[];
  g?: string[];
  im?: Image;
  l?: string;
  dr?: 1;
  c?: [number, string];
  r?: [number, string];
  /** hasContent false */
  nc?: 1;
  pr: string;
}

/** What the index leaves out because the story implies it. */
export interface CacheDefaults {
  readonly authors: readonly Person[];
  readonly link: (id: string) => string;
}

export function cacheDefaults(story: Story): CacheDefaults {
  // Reading and writing the index both ask for every entry's default link (a URL parse each).
  const links = new Map<string, string>();
  const link = (id: string) => {
    let l = links.get(id);
    if (l === undefined) links.set(id, (l = defaultLink(story.homePage, id)));
    return l;
  };
  return { authors: story.authors, link };
}

function sameAuthors(a: readonly Person[], b: readonly Person[]): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function toWireEntry(e: EntryMeta, defaults: CacheDefaults): WireEntry {
  const w: WireEntry = { id: e.id, t: e.title, p: e.published.getTime(), pr: e.print };
  if (e.updated.getTime() !== w.p) w.u = e.updated.getTime();
  if (e.summary !== undefined) w.s = e.summary;
  if (!sameAuthors(e.authors, defaults.authors)) w.a = [...e.authors];
  if (e.tags.length > 0) w.g = [...e.tags];
  if (e.image) w.im = e.image;
  if (e.link !== defaults.link(e.id)) w.l = e.link;
  if (e.draft) w.dr = 1;
  if (e.correction) w.c = [e.correction.at.getTime(), e.correction.note];
  if (e.retraction) w.r = [e.retraction.at.getTime(), e.retraction.reason];
  if (!e.hasContent) w.nc = 1;
  return w;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isPeople = (v: unknown): v is Person[] =>
  Array.isArray(v) && v.every((p) => typeof p === 'object' && p !== null && isString((p as Person).name) && ['email', 'url'].every((k) => (p as Record<string, unknown>)[k] === undefined || isString((p as Record<string, unknown>)[k])));
const isStamped = (v: unknown): v is [number, string] => Array.isArray(v) && v.length === 2 && isNumber(v[0]) && isString(v[1]);

function fromWireEntry(path: string, w: unknown, defaults: CacheDefaults): EntryMeta | undefined {
  if (typeof w !== 'object' || w === null) return undefined;
  const e = w as Partial<WireEntry>;
  if (!isString(e.id) || !isString(e.t) || !isNumber(e.p) || !isString(e.pr)) return undefined;
  if ((e.u !== undefined && !isNumber(e.u)) || (e.s !== undefined && !isString(e.s)) || (e.l !== undefined && !isString(e.l))) return undefined;
  if ((e.a !== undefined && !isPeople(e.a)) || (e.g !== undefined && !isStringList(e.g)) || (e.c !== undefined && !isStamped(e.c)) || (e.r !== undefined && !isStamped(e.r))) return undefined;
  const im = e.im as Partial<Image> | undefined;
  if (im !== undefined && (typeof im !== 'object' || im === null || !isString(im.url) || !isString(im.alt) || !isString(im.type) || (im.length !== undefined && !isNumber(im.length)))) return undefined;
  return {
    path,
    id: e.id,
    title: e.t,
    published: new Date(e.p),
    updated: new Date(e.u ?? e.p),
    ...(e.s !== undefined ? { summary: e.s } : {}),
    authors: e.a ?? defaults.authors,
    tags: e.g ?? [],
    ...(im ? { image: im as Image } : {}),
    link: e.l ?? defaults.link(e.id),
    draft: e.dr === 1,
    ...(e.c ? { correction: { at: new Date(e.c[0]), note: e.c[1] } } : {}),
    ...(e.r ? { retraction: { at: new Date(e.r[0]), reason: e.r[1] } } : {}),
    hasContent: e.nc !== 1,
    print: e.pr,
  };
}

function toWire(r: CachedParse, defaults: CacheDefaults): WireRecord {
  const w: WireRecord = { s: r.size, m: r.mtimeMs, h: r.hash };
  if (r.diagnostics.length > 0) w.d = [...r.diagnostics];
  if (r.idAt) w.i = [r.idAt.line, r.idAt.column];
  if (r.entry) w.e = toWireEntry(r.entry, defaults);
  if (r.blob) w.b = [r.blob.offset, r.blob.crc, ...r.blob.ends];
  return w;
}

function fromWire(path: string, value: unknown, defaults: CacheDefaults): CachedParse | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const w = value as Partial<WireRecord>;
  if (!isNumber(w.s) || !isNumber(w.m) || !isString(w.h)) return undefined;
  if (w.d !== undefined && !Array.isArray(w.d)) return undefined;
  if (w.i !== undefined && !(Array.isArray(w.i) && w.i.length === 2 && w.i.every(Number.isInteger))) return undefined;
  const entry = w.e === undefined ? undefined : fromWireEntry(path, w.e, defaults);
  if (w.e !== undefined && !entry) return undefined;
  const blob = w.b === undefined ? undefined : readBlobLocation(w.b);
  if (w.b !== undefined && !blob) return undefined;
  return {
    size: w.s,
    mtimeMs: w.m,
    hash: w.h,
    diagnostics: w.d ?? [],
    ...(w.i ? { idAt: { line: w.i[0], column: w.i[1] } } : {}),
    ...(entry ? { entry } : {}),
    ...(blob ? { blob } : {}),
  };
}

/** Parse a cache file; anything unexpected gives the empty cache (it is rebuilt, never trusted). */
export function parseCache(text: string | undefined, expectedKey: string, defaults: CacheDefaults): BuildCache {
  if (text === undefined) return EMPTY_CACHE;
  try {
    const data = JSON.parse(text) as { version?: unknown; key?: unknown; pack?: unknown; entries?: unknown; outputs?: unknown };
    if (data.version !== CACHE_VERSION || typeof data.entries !== 'object' || data.entries === null || typeof data.outputs !== 'object' || data.outputs === null) {
      return EMPTY_CACHE;
    }
    const outputs = new Map<string, OutputRecord>();
    for (const [path, r] of Object.entries(data.outputs as Record<string, OutputRecord>)) {
      if (typeof r?.key === 'string' && typeof r.size === 'number' && typeof r.mtimeMs === 'number') outputs.set(path, r);
    }
    // Entry parses depend on the story (base URL, default authors, zone): another story, no reuse.
    const entries = new Map<string, CachedParse>();
    const pack = readPackInfo(data.pack);
    if (data.key === expectedKey) {
      for (const [path, value] of Object.entries(data.entries as Record<string, unknown>)) {
        const record = fromWire(path, value, defaults);
        // A record that does not check out only costs its file a parse; one pointing into a pack
        // that the index does not name is no record at all.
        if (record && (!record.blob || pack)) entries.set(path, record);
      }
    }
    return { key: expectedKey, ...(pack && data.key === expectedKey ? { pack } : {}), entries, outputs };
  } catch {
    return EMPTY_CACHE;
  }
}

/**
 * The index as JSON text, in chunks of a thousand records: an archive's index is tens of
 * megabytes, and the writer puts each chunk on disk before the next is made.
 */
export function* serializeCache(cache: BuildCache, defaults: CacheDefaults): Generator<string> {
  const byPath = <T>(m: ReadonlyMap<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const head = { version: CACHE_VERSION, key: cache.key, ...(cache.pack ? { pack: cache.pack } : {}) };
  yield `${JSON.stringify(head).slice(0, -1)},"entries":{`;
  let chunk: string[] = [];
  let first = true;
  const flush = () => {
    const text = (first ? '' : ',') + chunk.join(',');
    first = false;
    chunk = [];
    return text;
  };
  for (const [path, r] of byPath(cache.entries)) {
    chunk.push(`${JSON.stringify(path)}:${JSON.stringify(toWire(r, defaults))}`);
    if (chunk.length === 1000) yield flush();
  }
  if (chunk.length > 0) yield flush();
  yield `},"outputs":${JSON.stringify(Object.fromEntries(byPath(cache.outputs)))}}`;
}

function readPackInfo(value: unknown): PackInfo | undefined {
  const v = value as Partial<PackInfo> | undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (typeof v.id !== 'string' || !/^[0-9a-f]{16}$/.test(v.id) || !Number.isInteger(v.size) || !Number.isInteger(v.live)) return undefined;
  return { id: v.id, size: v.size!, live: v.live! };
}

function readBlobLocation(value: unknown): BlobLocation | undefined {
  if (!Array.isArray(value) || value.length !== 10 || !value.every(Number.isInteger)) return undefined;
  const [offset, crc, ...ends] = value as number[];
  if (ends.some((e, i) => e < (i === 0 ? 0 : ends[i - 1]!))) return undefined;
  return { offset: offset!, ends, crc: crc! };
}
