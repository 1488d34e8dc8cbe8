// The build cache index (`.storyfeed/cache.json` in the output folder): what each entry file
// parsed to (its metadata, not its body), where its fragments are in the fragment pack
// (io/fragment-store.ts), and which key each output was last written from. Versioned, safe to
// delete, never trusted when it does not parse or was made for another story text or another
// storyfeed version — then it is rebuilt. It only saves work: a test builds with and without it
// and compares the bytes.

import { createHash } from 'node:crypto';
import type { Diagnostic } from './diagnostics.js';
import { CACHE_VERSION, RENDER_VERSION } from './versions.js';
import type { EntryMeta, Position } from './types.js';

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

const DATE_FIELDS = ['published', 'updated'] as const;

function reviveEntry(raw: Record<string, unknown>): EntryMeta {
  const entry: Record<string, unknown> = { ...raw };
  for (const f of DATE_FIELDS) entry[f] = new Date(raw[f] as string);
  for (const f of ['correction', 'retraction'] as const) {
    const v = raw[f] as { at: string } | undefined;
    if (v) entry[f] = { ...v, at: new Date(v.at) };
  }
  return entry as unknown as EntryMeta;
}

/** Parse a cache file; anything unexpected gives the empty cache (it is rebuilt, never trusted). */
export function parseCache(text: string | undefined, expectedKey: string): BuildCache {
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
      for (const [path, r] of Object.entries(data.entries as Record<string, Record<string, unknown>>)) {
        if (typeof r?.['hash'] !== 'string' || typeof r['size'] !== 'number' || typeof r['mtimeMs'] !== 'number' || !Array.isArray(r['diagnostics'])) continue;
        const entry = r['entry'] as Record<string, unknown> | undefined;
        if (entry !== undefined && (typeof entry !== 'object' || entry === null || typeof entry['print'] !== 'string' || typeof entry['path'] !== 'string')) continue;
        const blob = readBlobLocation(r['blob']);
        if (r['blob'] !== undefined && (!blob || !pack)) continue;
        entries.set(path, {
          size: r['size'],
          mtimeMs: r['mtimeMs'],
          hash: r['hash'],
          diagnostics: r['diagnostics'] as Diagnostic[],
          ...(r['idAt'] ? { idAt: r['idAt'] as Position } : {}),
          ...(entry ? { entry: reviveEntry(entry) } : {}),
          ...(blob ? { blob } : {}),
        });
      }
    }
    return { key: expectedKey, ...(pack && data.key === expectedKey ? { pack } : {}), entries, outputs };
  } catch {
    return EMPTY_CACHE;
  }
}

export function serializeCache(cache: BuildCache): string {
  const sortedEntries = [...cache.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sortedOutputs = [...cache.outputs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ version: CACHE_VERSION, key: cache.key, ...(cache.pack ? { pack: cache.pack } : {}), entries: Object.fromEntries(sortedEntries), outputs: Object.fromEntries(sortedOutputs) });
}

function readPackInfo(value: unknown): PackInfo | undefined {
  const v = value as Partial<PackInfo> | undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (typeof v.id !== 'string' || !/^[0-9a-f]{16}$/.test(v.id) || !Number.isInteger(v.size) || !Number.isInteger(v.live)) return undefined;
  return { id: v.id, size: v.size!, live: v.live! };
}

function readBlobLocation(value: unknown): BlobLocation | undefined {
  const v = value as Partial<BlobLocation> | undefined;
  if (typeof v !== 'object' || v === null || !Number.isInteger(v.offset) || !Number.isInteger(v.crc) || !Array.isArray(v.ends)) return undefined;
  const ends = v.ends;
  if (ends.length !== 8 || ends.some((e, i) => !Number.isInteger(e) || e < (i === 0 ? 0 : (ends[i - 1] as number)))) return undefined;
  return { offset: v.offset!, ends, crc: v.crc! };
}
