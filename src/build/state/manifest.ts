// The up-to-date manifest (`.storyfeed/manifest.json`): what the last successful build read and
// wrote, by size and mtime, and the window of instants during which the set of published entries
// stays the same. When nothing differs, a cron-driven `storyfeed build` can answer "no change"
// without loading the compiler at all (see io/fast-path.ts).

import { changeTimes, comesOrGoes, coverageEndOf, isScheduled, nextScheduledEntry, selectVisible } from '../../core/model.js';
import type { EntryMeta, Story } from '../../core/types.js';
import { CACHE_VERSION, MANIFEST_VERSION, RENDER_VERSION } from '../../core/versions.js';
import { compareStrings } from '../../core/diagnostics.js';


export type FileStamp = readonly [size: number, mtimeMs: number];

export interface Manifest {
  readonly version: string;
  /** EntryMeta files by name, as the reader saw them. */
  readonly entries: Readonly<Record<string, FileStamp>>;
  /** Every output the build planned (and the ledger), as written. */
  readonly outputs: Readonly<Record<string, FileStamp>>;
  /** [start, end): instants (ms) between which the published set does not change; null = unbounded. */
  readonly window: readonly [number | null, number | null];
  /**
   * The first instant after the build's `now` at which a development comes out or is retracted
   * (ms; null: none due). From then on the folder holds back or takes back what is out, and
   * `publish` refuses it (rehearsal.ts): a build of the past must never reach the bucket.
   */
  readonly outdated?: number | null;
  /**
   * false: a run with errors (the service held entries back or kept their last good versions). Its
   * outputs and window are that run's — what `publish` uploads and checks — but it vouches for no
   * later run: the fast path and a patch run never take it as up to date.
   */
  readonly clean?: false;
  /** true: built with `--now` later than the clock (state/rehearsal.ts), never to go live. */
  readonly rehearsal?: true;
  /** The build cache index written with it (cache.ts generation): a patch run needs both to agree. */
  readonly generation?: string;
  /** What the build's summary line reports; true of every instant inside the window. */
  readonly counts?: BuildCounts;
  /** The story as this build parsed it (a patch run uses it instead of parsing the story again). */
  readonly story?: Story;
  /** A newsroom's stories whose ttl is their own: seconds by folder (publish's Cache-Control). */
  readonly maxAgeByFolder?: Readonly<Record<string, number>>;
}

/** The numbers `storyfeed build` reports about what it published. */
export interface BuildCounts {
  /** Entries that compiled (drafts and embargoed included). */
  readonly entries: number;
  /** Entries visible now (published, not retracted). */
  readonly visible: number;
  /** Entries held for a later time (not drafts). */
  readonly scheduled: number;
  /** Drafts (what is neither visible, scheduled nor a draft is retracted). */
  readonly drafts: number;
  /** When the next of them is due (ms), if any. */
  readonly nextScheduled: number | null;
  /** Outputs planned. */
  readonly outputs: number;
  /** Problems reported (warnings: a build with errors writes no manifest). */
  readonly diagnostics: number;
}

/** The counts of a compile: its entries (by state now), its planned outputs and sitemaps, its problems. */
export function countBuild(entries: readonly EntryMeta[], compiled: { readonly planned: readonly unknown[]; readonly sitemaps: readonly unknown[]; readonly diagnostics: readonly unknown[] }, now: Date): BuildCounts {
  const next = nextScheduledEntry(entries, now);
  return {
    entries: entries.length,
    visible: selectVisible(entries, now).length,
    scheduled: entries.filter((e) => isScheduled(e, now)).length,
    drafts: entries.filter((e) => e.draft).length,
    nextScheduled: next ? next.getTime() : null,
    outputs: compiled.planned.length + compiled.sitemaps.length,
    diagnostics: compiled.diagnostics.length,
  };
}

export function manifestVersion(): string {
  return `${MANIFEST_VERSION}.${CACHE_VERSION}.${RENDER_VERSION}`;
}

/**
 * The instants at which an entry appears or leaves (embargo end, retraction, the end of its stub,
 * its 48 hours in the news sitemap), and at which an ended story's planned `coverage_end` passes
 * (its page then says coverage ended: core/model.ts coverageEndAhead).
 */
export function publishWindow(entries: readonly EntryMeta[], now: Date, stories: ReadonlyArray<Pick<Story, 'status' | 'coverageEnd'>> = []): [number | null, number | null] {
  let start: number | null = null;
  let end: number | null = null;
  const t = now.getTime();
  const at = (due: number) => {
    if (due <= t && (start === null || due > start)) start = due;
    if (due > t && (end === null || due < end)) end = due;
  };
  for (const e of entries) if (!e.draft) for (const due of changeTimes(e)) at(due);
  for (const s of stories) {
    const end = coverageEndOf(s);
    if (end) at(end.getTime());
  }
  return [start, end];
}

/**
 * What every run's manifest head says of its entries and its outcome: `clean: false` after errors,
 * `rehearsal` when built ahead of the clock, the window its published set holds for, and when it
 * goes out of date.
 */
export function runHead(entries: readonly EntryMeta[], now: Date, stories: readonly Story[], run: { readonly errors: boolean; readonly rehearsal?: boolean | undefined }): Pick<Manifest, 'clean' | 'rehearsal' | 'window' | 'outdated'> {
  return { ...(run.errors ? { clean: false as const } : {}), ...(run.rehearsal ? { rehearsal: true as const } : {}), window: publishWindow(entries, now, stories), outdated: outdatedAfter(entries, now) };
}

/** Manifest.outdated: the next instant after `now` an entry comes out or is retracted, if any. */
export function outdatedAfter(entries: readonly EntryMeta[], now: Date): number | null {
  let next: number | null = null;
  const t = now.getTime();
  for (const e of entries) {
    if (e.draft) continue;
    for (const due of comesOrGoes(e)) if (due > t && (next === null || due < next)) next = due;
  }
  return next;
}

export function renderManifest(manifest: Omit<Manifest, 'version'>): string {
  const sorted = (r: Readonly<Record<string, FileStamp>>) => {
    const keys = Object.keys(r);
    if (keys.every((k, i) => i === 0 || keys[i - 1]! < k)) return r;
    return Object.fromEntries(Object.entries(r).sort(([a], [b]) => compareStrings(a, b)));
  };
  return `${renderManifestHead(manifest)},"entries":${JSON.stringify(sorted(manifest.entries))},"outputs":${JSON.stringify(sorted(manifest.outputs))}}\n`;
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

export function insideWindow(manifest: Pick<Manifest, 'window'>, now: Date): boolean {
  const [start, end] = manifest.window;
  const t = now.getTime();
  return (start === null || start <= t) && (end === null || t < end);
}

/** A file's size and mtime, as the reader saw it or the writer left it. */
export interface Stamped {
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Characters per chunk (then the file that reaches it): under V8's large-object size, as the cache
 * index's (cache-text.ts CHUNK_CHARS; not imported: the fast path loads this file, not that one).
 */
const CHUNK_CHARS = 32 * 1024;

/** Names JSON would put first in an object (array indices), whatever the order they were added in. */
const isArrayIndex = (key: string) => /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;

/** The manifest's text up to its stamps (the object left open), as renderManifest writes it. */
export function renderManifestHead(head: Omit<Manifest, 'version' | 'entries' | 'outputs'>): string {
  return JSON.stringify({
    version: manifestVersion(),
    ...(head.clean === false ? { clean: false } : {}),
    ...(head.rehearsal === true ? { rehearsal: true } : {}),
    ...(head.generation ? { generation: head.generation } : {}),
    ...(head.counts ? { counts: head.counts } : {}),
    ...(head.story ? { story: head.story } : {}),
    ...(head.maxAgeByFolder ? { maxAgeByFolder: head.maxAgeByFolder } : {}),
    window: head.window,
    ...(head.outdated !== undefined ? { outdated: head.outdated } : {}),
  }).slice(0, -1);
}

/**
 * The manifest of a full build as renderManifest writes it, byte for byte, in chunks of about
 * `chunkChars` characters: at 100,000 entries (130,000 outputs) neither the two name → stamp
 * objects nor the text is made whole, and the stamps are read from the maps as they are.
 */
export function* manifestChunks(head: Omit<Manifest, 'version' | 'entries' | 'outputs'>, entries: ReadonlyMap<string, Stamped>, outputs: ReadonlyMap<string, Stamped>, chunkChars = CHUNK_CHARS): Generator<string> {
  const sorted = (m: ReadonlyMap<string, Stamped>) => [...m.keys()].sort(compareStrings);
  const names = [sorted(entries), sorted(outputs)] as const;
  if (names.some((list) => list.some(isArrayIndex))) {
    // A name like `12` goes first in a JSON object: the plain way, which does that.
    const record = (m: ReadonlyMap<string, Stamped>) => Object.fromEntries([...m].map(([p, s]) => [p, [s.size, s.mtimeMs] as const]));
    yield renderManifest({ ...head, entries: record(entries), outputs: record(outputs) });
    return;
  }
  let chunk = renderManifestHead(head);
  for (const [field, map, list] of [['entries', entries, names[0]], ['outputs', outputs, names[1]]] as const) {
    chunk += `,"${field}":{`;
    for (let i = 0; i < list.length; i++) {
      const s = map.get(list[i]!)!;
      chunk += `${i === 0 ? '' : ','}${JSON.stringify(list[i])}:[${JSON.stringify(s.size)},${JSON.stringify(s.mtimeMs)}]`;
      if (chunk.length < chunkChars) continue;
      yield chunk;
      chunk = '';
    }
    chunk += '}';
  }
  yield `${chunk}}\n`;
}
