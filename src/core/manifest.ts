// The up-to-date manifest (`.storyfeed/manifest.json`): what the last successful build read and
// wrote, by size and mtime, and the window of instants during which the set of published entries
// stays the same. When nothing differs, a cron-driven `storyfeed build` can answer "no change"
// without loading the compiler at all (see io/fast-path.ts).

import type { EntryMeta } from './types.js';
import { CACHE_VERSION, MANIFEST_VERSION, RENDER_VERSION } from './versions.js';

export const MANIFEST_PATH = '.storyfeed/manifest.json';

export type FileStamp = readonly [size: number, mtimeMs: number];

export interface Manifest {
  readonly version: string;
  /** EntryMeta files by name, as the reader saw them. */
  readonly entries: Readonly<Record<string, FileStamp>>;
  /** Every output the build planned (and the ledger), as written. */
  readonly outputs: Readonly<Record<string, FileStamp>>;
  /** [start, end): instants (ms) between which the published set does not change; null = unbounded. */
  readonly window: readonly [number | null, number | null];
}

export function manifestVersion(): string {
  return `${MANIFEST_VERSION}.${CACHE_VERSION}.${RENDER_VERSION}`;
}

/** The instants at which an entry appears or leaves (embargo end, retraction). */
export function publishWindow(entries: readonly EntryMeta[], now: Date): [number | null, number | null] {
  let start: number | null = null;
  let end: number | null = null;
  const t = now.getTime();
  for (const e of entries) {
    if (e.draft) continue;
    for (const due of [e.published.getTime(), e.retraction?.at.getTime()]) {
      if (due === undefined) continue;
      if (due <= t && (start === null || due > start)) start = due;
      if (due > t && (end === null || due < end)) end = due;
    }
  }
  return [start, end];
}

export function renderManifest(manifest: Omit<Manifest, 'version'>): string {
  const sorted = (r: Readonly<Record<string, FileStamp>>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ version: manifestVersion(), entries: sorted(manifest.entries), outputs: sorted(manifest.outputs), window: manifest.window })}\n`;
}

export function parseManifest(text: string | undefined): Manifest | undefined {
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as Manifest;
    if (m.version !== manifestVersion() || typeof m.entries !== 'object' || typeof m.outputs !== 'object' || !Array.isArray(m.window)) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

export function insideWindow(manifest: Manifest, now: Date): boolean {
  const [start, end] = manifest.window;
  const t = now.getTime();
  return (start === null || start <= t) && (end === null || t < end);
}
