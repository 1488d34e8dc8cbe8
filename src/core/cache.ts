// The build cache (`.storyfeed/cache.json` in the output folder): what each entry file parsed to,
// and which key each output was last written from. Versioned, safe to delete, never trusted when
// it does not parse or was made for another story text or another storyfeed version — then it is
// rebuilt. It only saves work: a test builds with and without it and compares the bytes.

import { createHash } from 'node:crypto';
import type { Diagnostic } from './diagnostics.js';
import { CACHE_VERSION, RENDER_VERSION } from './versions.js';
import type { Entry, Position } from './types.js';

export const CACHE_PATH = '.storyfeed/cache.json';
export { CACHE_VERSION };

export interface CachedParse {
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the file's text, checked when size or mtime differ. */
  readonly hash: string;
  readonly entry?: Entry;
  readonly diagnostics: readonly Diagnostic[];
  /** Where the id stands, for cross-file diagnostics (duplicates, identity guard). */
  readonly idAt?: Position;
  /** The entry's fingerprint (outputs.ts entryFingerprint), kept so it is not computed again. */
  readonly print?: string;
}

export interface OutputRecord {
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface BuildCache {
  /** Fingerprint of what every parse depends on: cache format, renderers, the story text. */
  readonly key: string;
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

function reviveEntry(raw: Record<string, unknown>): Entry {
  const entry: Record<string, unknown> = { ...raw };
  for (const f of DATE_FIELDS) entry[f] = new Date(raw[f] as string);
  for (const f of ['correction', 'retraction'] as const) {
    const v = raw[f] as { at: string } | undefined;
    if (v) entry[f] = { ...v, at: new Date(v.at) };
  }
  return entry as unknown as Entry;
}

/** Parse a cache file; anything unexpected gives the empty cache (it is rebuilt, never trusted). */
export function parseCache(text: string | undefined, expectedKey: string): BuildCache {
  if (text === undefined) return EMPTY_CACHE;
  try {
    const data = JSON.parse(text) as { version?: unknown; key?: unknown; entries?: unknown; outputs?: unknown };
    if (data.version !== CACHE_VERSION || typeof data.entries !== 'object' || data.entries === null || typeof data.outputs !== 'object' || data.outputs === null) {
      return EMPTY_CACHE;
    }
    const outputs = new Map<string, OutputRecord>();
    for (const [path, r] of Object.entries(data.outputs as Record<string, OutputRecord>)) {
      if (typeof r?.key === 'string' && typeof r.size === 'number' && typeof r.mtimeMs === 'number') outputs.set(path, r);
    }
    // Entry parses depend on the story (base URL, default authors, zone): another story, no reuse.
    const entries = new Map<string, CachedParse>();
    if (data.key === expectedKey) {
      for (const [path, r] of Object.entries(data.entries as Record<string, Record<string, unknown>>)) {
        if (typeof r?.['hash'] !== 'string' || typeof r['size'] !== 'number' || typeof r['mtimeMs'] !== 'number' || !Array.isArray(r['diagnostics'])) continue;
        entries.set(path, {
          size: r['size'],
          mtimeMs: r['mtimeMs'],
          hash: r['hash'],
          diagnostics: r['diagnostics'] as Diagnostic[],
          ...(r['idAt'] ? { idAt: r['idAt'] as Position } : {}),
          ...(typeof r['print'] === 'string' ? { print: r['print'] } : {}),
          ...(r['entry'] ? { entry: reviveEntry(r['entry'] as Record<string, unknown>) } : {}),
        });
      }
    }
    return { key: expectedKey, entries, outputs };
  } catch {
    return EMPTY_CACHE;
  }
}

export function serializeCache(cache: BuildCache): string {
  const sortedEntries = [...cache.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sortedOutputs = [...cache.outputs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ version: CACHE_VERSION, key: cache.key, entries: Object.fromEntries(sortedEntries), outputs: Object.fromEntries(sortedOutputs) });
}
