// The build of a newsroom (`_newsroom.md` in the entries folder; core/newsroom-compile.ts): read
// every story folder, compile the newsroom in one pure call, and write its planned files through
// the same writer as a story (atomic, unchanged bytes not rewritten, published.json, deletion of
// what is no longer planned, the ledger). No build cache, no fast path, no patch: every run
// compiles every story (build() in index.ts sends a newsroom here before its fast path).

import { buildAborted } from '../errors.js';
import type { BuildOptions, BuildResult, StoryResult } from './types.js';
import { LEDGER_PATH, MANIFEST_PATH } from '../io/state-folder.js';
import { hasErrors } from '../core/diagnostics.js';
import { compileNewsroom, type NewsroomCompileResult } from '../core/newsroom-compile.js';
import type { EntryOutcome } from '../core/compile.js';
import { isScheduled, nextEmbargo, selectVisible } from '../core/model.js';
import { encodeFragments, slotBytes, type EntryFragments } from '../core/render/fragments.js';
import type { EntryMeta, EntrySlot, SourceFile } from '../core/types.js';
import { publishWindow, renderManifest, type BuildCounts, type FileStamp } from './state/manifest.js';
import { readBookkeeping } from './state/read-bookkeeping.js';
import { listSources, readListed } from '../io/read-sources.js';
import { previousPublished } from '../io/output-folder.js';
import { writeBookkeeping, writePlanned, writeRecord } from '../io/write-outputs.js';
import { phaseTimer } from './timings.js';

export async function newsroomBuild(options: BuildOptions, started: number): Promise<BuildResult> {
  const { timings, phase } = phaseTimer();
  const { now, outDir } = options;
  const mode = options.mode ?? 'strict';
  const listing = await listSources(options.entriesDir);
  const read = await readListed(listing.root, listing.stamps);
  phase('read');
  const ledgerText = readBookkeeping(outDir, LEDGER_PATH);
  const compiled = compileNewsroom({
    sources: read.sources,
    now,
    readDiagnostics: [...listing.diagnostics, ...read.diagnostics],
    ledgerPath: LEDGER_PATH,
    ...(ledgerText === undefined ? {} : { ledgerText }),
    mode,
    ...(options.lastGood ? { lastGood: options.lastGood } : {}),
  });
  phase('compile');
  const folders = [...new Set(listing.stamps.flatMap((s) => (s.path.includes('/') ? [s.path.slice(0, s.path.indexOf('/'))] : [])))];
  const result = (extra: Partial<BuildResult> = {}): BuildResult => ({
    ok: compiled.ok,
    diagnostics: compiled.diagnostics,
    counts: countsOf(compiled, now),
    patched: false,
    written: [],
    unchanged: [],
    entriesRead: listing.stamps.length,
    filesRead: read.sources.length,
    entriesParsed: read.sources.length,
    rendered: 0,
    durationMs: performance.now() - started,
    timings,
    newsroom: newsroomResult(compiled, now, []),
    ...extra,
  });
  // Strict: with any error nothing is written, so the published newsroom stays as it was. Service
  // mode writes whatever compiled (a story that could not is left out: see below).
  if (compiled.planned.length === 0 || (mode === 'strict' && !compiled.ok) || options.dryRun) return result();
  if (options.signal?.aborted) throw buildAborted();

  const fragments = new Map<string, EntryFragments>(compiled.stories.flatMap((s) => [...s.result.fragments].map(([p, f]) => [`${s.slug}/${p}`, f] as const)));
  const resolve = (slot: EntrySlot) => {
    const f = fragments.get(slot.entry);
    if (!f) throw new Error(`no fragments for ${slot.entry}`);
    return slotBytes(encodeFragments(f), slot.format);
  };
  // A story left out of this run (service mode: its `_story.md` does not compile) keeps the files
  // it last published: they stay served and recorded, never deleted as "no longer planned".
  const left = folders.filter((slug) => !compiled.stories.some((s) => s.slug === slug)).map((slug) => `${slug}/`);
  const before = previousPublished(outDir);
  const kept = [...before.files].filter((p) => left.some((prefix) => p.startsWith(prefix)));
  const published = { files: new Set([...before.files].filter((p) => !kept.includes(p))), recorded: before.recorded };
  const written = await writePlanned(outDir, compiled.planned, new Map(), resolve, { ...(options.signal ? { signal: options.signal } : {}), published });
  if (kept.length > 0) await writeRecord(outDir, [...compiled.planned.map((p) => p.path), ...kept]);
  // What a clean run wrote, for `storyfeed publish` and the service's publisher (build/published-outputs.ts:
  // which files to upload, the newsroom's ttl, hub and publish address). Never read by the fast
  // path or the patch run for a newsroom (build() sends a newsroom here first).
  if (!hasErrors(compiled.diagnostics)) {
    const manifest = renderManifest({
      entries: Object.fromEntries(listing.stamps.map((s) => [s.path, [s.size, s.mtimeMs] as FileStamp])),
      outputs: Object.fromEntries([...written.records].map(([p, r]) => [p, [r.size, r.mtimeMs] as FileStamp])),
      window: publishWindow(allEntries(compiled), now),
      counts: countsOf(compiled, now),
      ...(compiled.newsroom ? { story: compiled.newsroom } : {}),
    });
    await writeBookkeeping(outDir, [{ path: MANIFEST_PATH, contents: manifest }], { durable: false });
  }
  phase('render and write');
  return result({ written: written.written, unchanged: written.unchanged, rendered: written.rendered, removed: written.removed, newsroom: newsroomResult(compiled, now, written.written) });
}

/** Every story's entries, paths qualified by their folder (`<slug>/a.md`). */
function allEntries(compiled: NewsroomCompileResult): EntryMeta[] {
  return compiled.stories.flatMap((s) => s.result.entries.map((e) => ({ ...e, path: `${s.slug}/${e.path}` })));
}

function countsOf(compiled: NewsroomCompileResult, now: Date): BuildCounts {
  const entries = allEntries(compiled);
  const next = nextEmbargo(entries, now);
  return {
    entries: entries.length,
    visible: selectVisible(entries, now).length,
    scheduled: entries.filter((e) => isScheduled(e, now)).length,
    nextScheduled: next ? next.getTime() : null,
    outputs: compiled.planned.length,
    diagnostics: compiled.diagnostics.length,
  };
}

function newsroomResult(compiled: NewsroomCompileResult, now: Date, written: readonly string[]): NonNullable<BuildResult['newsroom']> {
  const stories: StoryResult[] = compiled.stories.map((s) => {
    const entries = s.result.entries;
    const next = nextEmbargo(entries, now);
    const prefix = `${s.slug}/`;
    return {
      slug: s.slug,
      title: s.config.story.title,
      status: s.config.status,
      published: selectVisible(entries, now).length,
      scheduled: entries.filter((e) => isScheduled(e, now)).length,
      drafts: entries.filter((e) => e.draft).length,
      nextScheduled: next ? next.getTime() : null,
      ...(s.summary.coverageStart ? { coverageStart: s.summary.coverageStart.getTime() } : {}),
      ...(s.summary.coverageEnd ? { coverageEnd: s.summary.coverageEnd.getTime() } : {}),
      changed: written.some((f) => f.startsWith(prefix)),
    };
  });
  const qualify = <T extends { path: string }>(slug: string, items: readonly T[]): T[] => items.map((i) => ({ ...i, path: `${slug}/${i.path}` }));
  const goodSources: SourceFile[] = compiled.stories.flatMap((s) => qualify(s.slug, s.result.goodSources));
  const outcomes: EntryOutcome[] = compiled.stories.flatMap((s) => qualify(s.slug, s.result.outcomes));
  return {
    ...(compiled.newsroom ? { story: compiled.newsroom } : {}),
    stories,
    entries: allEntries(compiled),
    goodSources,
    outcomes,
    published: compiled.stories.reduce((n, s) => n + (s.result.feed?.entries.length ?? 0), 0),
  };
}
