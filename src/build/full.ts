// The full build (src/build.ts decides when it runs): list and read sources → pure core → write
// outputs. Loaded on demand, with the parsers and renderers it needs: a patch run does without.
//
// The build cache makes a run cost what changed: an entry file whose stamp (size, mtime) is as the
// cache recorded is not even read; one whose text hashes the same is not parsed; documents whose
// key is unchanged are not rendered; files whose bytes are unchanged are not rewritten; and a
// document that is rendered takes its unchanged entries' fragments from the fragment pack.

import { removeOverlay } from './state/cache-lines.js';
import { buildAborted } from '../errors.js';
import type { BuildOptions, BuildResult } from './types.js';
import { cacheDefaults, cacheKey, EMPTY_CACHE, parseCache, type BlobLocation, type BuildCache } from './state/cache.js';
import { CACHE_PATH, LEDGER_PATH, MANIFEST_PATH, newGeneration, OVERLAY_PATH } from '../io/state-folder.js';
import { ledgerOverrides, planAnchors } from '../core/anchors.js';
import { compile, parseStory, type CompileInput, type CompileResult } from '../core/compile.js';
import { hasErrors, type Diagnostic } from '../core/diagnostics.js';
import { STORY_FILE } from '../core/links.js';
import { parseLedger } from '../core/ledger.js';
import { countBuild, manifestChunks, runHead, type BuildCounts } from './state/manifest.js';
import { encodeFragments, slotBytes } from '../core/render/fragments.js';
import type { EntrySlot, Story } from '../core/types.js';
import { FragmentStore, memoryBudgetFor } from './state/fragment-pack.js';
import { serializeCache } from './state/cache-text.js';
import { readBookkeeping } from './state/read-bookkeeping.js';
import { listSources, readListed } from '../io/read-sources.js';
import { previousPublished } from '../io/output-folder.js';
import { writeBookkeeping, writePlanned } from '../io/write-outputs.js';
import { cacheRecords, lastGoodFromCache, parsedSources, readAndParseEntries, sourceStamps, type EntrySources, type ParseScope } from './entry-sources.js';
import { phaseTimer } from './timings.js';
import { withSitemaps } from './sitemaps.js';
import { withShellWorkers } from './shell-render.js';
import { collectAfterPlanning } from './heap.js';
import { withFields } from '../core/objects.js';

export async function fullBuild(options: BuildOptions, useCache: boolean, started: number): Promise<BuildResult> {
  const { timings, phase } = phaseTimer();
  const input = await readStoryAndLedger(options);
  phase('list');
  const finish = (compiled: CompileResult, extra: Partial<BuildResult> = {}): BuildResult => ({
    ok: compiled.ok,
    diagnostics: compiled.diagnostics,
    compiled,
    counts: countsOf(compiled, options.now),
    patched: false,
    written: [],
    entriesRead: input.listing.stamps.length,
    filesRead: input.storyRead.sources.length,
    entriesParsed: compiled.parsedCount,
    rendered: 0,
    durationMs: performance.now() - started,
    timings,
    ...extra,
  });
  // Without a valid story nothing is built; compile says why.
  if (!input.story) return finish(compile({ ...input.base, sources: input.storyRead.sources, readDiagnostics: input.readDiagnostics }));
  const story = input.story;

  const defaults = cacheDefaults(story);
  const cache = useCache ? parseCache(readBookkeeping(options.outDir, CACHE_PATH), cacheKey(input.storyText), defaults, readBookkeeping(options.outDir, OVERLAY_PATH)) : EMPTY_CACHE;
  const locations = new Map<string, BlobLocation>();
  for (const [p, c] of cache.entries) if (c.blob) locations.set(p, c.blob);
  const store = await FragmentStore.open(options.outDir, useCache ? cache.pack : undefined, locations, { memoryBudget: options.fragmentMemory ?? memoryBudgetFor(input.listing.stamps.length) });
  phase('load cache');
  try {
    const sources = await readAndParseEntries(options, storyScope(options, input, story), cache, store);
    phase('read and parse');
    const parsed = parsedSources(sources);
    const { anchors } = sources;
    const lastGoodParsed = lastGoodFromCache(sources, cache, store, options);
    const compiled = compile({ ...input.base, sources: [...input.storyRead.sources, ...sources.texts], readDiagnostics: input.readDiagnostics, parsed, ...(anchors ? { anchors } : {}), ...(lastGoodParsed ? { lastGoodParsed } : {}) });
    phase('plan');
    const counts = { filesRead: sources.filesRead, entriesParsed: sources.parsedCount };
    // Nothing lost: with any error nothing is written, so the published feeds stay as they were.
    if (!compiled.ok || options.dryRun) {
      await store.discard();
      return finish(compiled, counts);
    }
    if (options.signal?.aborted) throw buildAborted();
    collectAfterPlanning(compiled.planned.length);
    const written = await writeDocuments(options, compiled, cache, store);
    store.rendered();
    phase('render and write');
    const writtenCounts = { ...counts, written: written.written, rendered: written.rendered, removed: written.removed };
    if (!useCache) {
      await store.discard();
      return finish(compiled, writtenCounts);
    }
    await saveCache(options, { input, story, cache, store, sources, compiled, written });
    phase('save cache');
    return finish(compiled, writtenCounts);
  } catch (error) {
    await store.discard();
    throw error;
  }
}

/** What a run reads before it touches the entries: the listing, the story file and the ledger. */
interface RunInput {
  readonly listing: Awaited<ReturnType<typeof listSources>>;
  readonly storyRead: Awaited<ReturnType<typeof readListed>>;
  readonly storyText: string;
  /** Read problems so far; the entries' read problems join them as they are read. */
  readonly readDiagnostics: Diagnostic[];
  readonly ledger: ReturnType<typeof parseLedger>;
  /** What every compile of the run is given. */
  readonly base: Omit<CompileInput, 'sources'>;
  readonly story: Story | undefined;
}

async function readStoryAndLedger(options: BuildOptions): Promise<RunInput> {
  const { now, outDir } = options;
  const listing = await listSources(options.entriesDir);
  const storyStamp = listing.stamps.find((s) => s.path === STORY_FILE);
  const storyRead = await readListed(listing.root, storyStamp ? [storyStamp] : []);
  const storyText = storyRead.sources[0]?.text ?? '';
  const readDiagnostics: Diagnostic[] = [...listing.diagnostics, ...storyRead.diagnostics];
  const ledgerText = readBookkeeping(outDir, LEDGER_PATH);
  // Parsed here already: entries are parsed with the anchors it records (core/anchors.ts).
  const ledger = parseLedger(ledgerText);
  const base = { now, ledgerPath: LEDGER_PATH, ...(ledgerText === undefined ? {} : { ledgerText }), ledger, mode: options.mode ?? 'strict', ...(options.lastGood ? { lastGood: options.lastGood } : {}) };
  const { story } = parseStory(storyRead.sources, readDiagnostics);
  return { listing, storyRead, storyText, readDiagnostics, ledger, base, story };
}


/** Render what changed and publish the documents (the pack and the run's fresh fragments fill the slots). */
async function writeDocuments(options: BuildOptions, compiled: CompileResult, cache: BuildCache, store: FragmentStore) {
  const resolve = (slot: EntrySlot): readonly Uint8Array[] => {
    // A last good version (service mode) is rendered by compile itself, in memory.
    const own = compiled.fragments.get(slot.entry);
    return slotBytes(own ? encodeFragments(own) : store.read(slot.entry), slot.format);
  };
  const renderProgress = options.onProgress && ((done: number, total: number) => options.onProgress!(done, total, 'rendering'));
  // What earlier runs published (for a folder an older version built: what its bookkeeping names):
  // whatever of it this run no longer plans is deleted once the new feeds are in place.
  const published = previousPublished(options.outDir, cache.outputs.keys());
  // The shells of RSS and Atom documents on worker threads when there are many (shell-render.ts).
  return withShellWorkers(compiled.planned, cache.outputs, (planned) =>
    writePlanned(options.outDir, withSitemaps(planned, compiled.sitemaps), cache.outputs, resolve, { ...(renderProgress ? { onProgress: renderProgress } : {}), ...(options.signal ? { signal: options.signal } : {}), published }),
  );
}

/** A story's entries: every file of the folder but the story file, parsed with the story. */
function storyScope(options: BuildOptions, input: RunInput, story: Story): ParseScope {
  const recorded = ledgerOverrides(input.ledger.ledger);
  return {
    root: input.listing.root,
    stamps: input.listing.stamps.filter((s) => s.path !== STORY_FILE),
    readDiagnostics: input.readDiagnostics,
    filesRead: input.storyRead.sources.length,
    story,
    recorded,
    planAnchors: (entries) => {
      const plan = planAnchors(input.ledger.ledger, entries, options.now, recorded);
      return { mismatched: plan.mismatched, overrides: plan.overrides, plan };
    },
  };
}

interface Written {
  input: RunInput;
  story: Story;
  cache: BuildCache;
  store: FragmentStore;
  sources: EntrySources;
  compiled: CompileResult;
  written: Awaited<ReturnType<typeof writePlanned>>;
}

/** What the next run may take as it is: the cache index, the fragment pack and the manifest. */
async function saveCache(options: BuildOptions, run: Written): Promise<void> {
  const { now, outDir } = options;
  const { cache, store, sources, compiled, written } = run;
  const { records, live } = cacheRecords(sources, now, cache.entries);
  const pack = await store.commit(live);
  for (const p of live) {
    const loc = pack.locations.get(p);
    const r = records.get(p)!;
    const { blob: _old, ...rest } = r;
    records.set(p, loc ? withFields(rest, { blob: loc }) : rest);
  }

  const bookkeeping = [];
  let changedParses = records.size !== cache.entries.size;
  for (const [p, r] of records) {
    if (changedParses) break;
    changedParses = cache.entries.get(p) !== r;
  }
  let generation = cache.generation;
  if (written.written.length > 0 || written.rendered > 0 || changedParses || cache.key === '' || !generation) {
    const next: BuildCache = { key: cacheKey(run.input.storyText), pack: pack.info, entries: records, outputs: written.records };
    generation = newGeneration();
    bookkeeping.push({ path: CACHE_PATH, contents: serializeCache(next, cacheDefaults(run.story), generation) });
  }
  // Only a clean run (no entry held back or kept at a last good version) may vouch that a later
  // build would write the same bytes; any run says what it wrote, for publish (found from outside:
  // the last clean run's manifest kept a new development's page out of the bucket).
  const stamps = sourceStamps(run.input.listing.stamps, sources);
  const head = runHead(compiled.entries, now, [run.story], { errors: hasErrors(compiled.diagnostics), rehearsal: options.rehearsal });
  const manifest = manifestChunks({ ...head, generation, counts: countsOf(compiled, now), story: run.story }, stamps, written.records);
  bookkeeping.push({ path: MANIFEST_PATH, contents: manifest });
  await writeBookkeeping(outDir, bookkeeping, { durable: false });
  // A new index takes in what a patch run's overlay held (which no longer matches it anyway).
  if (generation !== cache.generation) await removeOverlay(outDir);
}


const countsMade = new WeakMap<CompileResult, BuildCounts>();

/** The summary line's numbers, from a compiled run (once per run: the result and the manifest both want them). */
function countsOf(compiled: CompileResult, now: Date): BuildCounts {
  const made = countsMade.get(compiled);
  if (made) return made;
  const counts = countBuild(compiled.entries, compiled, now);
  countsMade.set(compiled, counts);
  return counts;
}

