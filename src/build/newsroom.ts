// The build of a newsroom (`_newsroom.md` in the entries folder; core/newsroom-compile.ts): read
// the settings files, take every story's entries from the build cache or parse them (on the parse
// pool for large runs: entry-sources.ts, the same code as a story's full build), compile the
// newsroom in one pure call, and write its planned files through the same writer as a story
// (unchanged documents not rendered, unchanged bytes not rewritten, published.json, deletion of
// what is no longer planned, the ledger). The cache index, fragment pack and manifest are a
// story's, with every entry named by its qualified path (`<slug>/a.md`); build() in index.ts runs
// the fast path first (`newsroom: true`), then a patch run when only entry bodies changed
// (patch.ts with patch-layout.ts's newsroom layout), and this build otherwise.

import { buildAborted } from '../errors.js';
import type { BuildOptions, BuildResult, MaxAgeByFolder, StoryResult } from './types.js';
import { CACHE_PATH, LEDGER_PATH, MANIFEST_PATH, newGeneration, OVERLAY_PATH, SETTINGS_PATH } from '../io/state-folder.js';
import { readLastSettings, renderLastSettings, withLastSettings } from './state/last-settings.js';
import { hasErrors, type Diagnostic } from '../core/diagnostics.js';
import { ledgerOverrides, planAnchors } from '../core/anchors.js';
import { compileNewsroom, ledgersByStory, type NewsroomCompileResult } from '../core/newsroom-compile.js';
import { storySettings } from '../core/newsroom-ids.js';
import { parseNewsroomSettings } from '../core/newsroom.js';
import type { EntryOutcome } from '../core/compile.js';
import { parseLedger } from '../core/ledger.js';
import { NEWSROOM_FILE, STORY_FILE } from '../core/links.js';
import { isScheduled, nextScheduledEntry, selectVisible } from '../core/model.js';
import { encodeFragments, slotBytes, type EntryFragments } from '../core/render/fragments.js';
import type { EntryMeta, EntrySlot, SourceFile, Story } from '../core/types.js';
import { cacheDefaults, cacheKey, EMPTY_CACHE, hashText, parseCache, type BuildCache, type CacheDefaults, type CachedParse } from './state/cache.js';
import { CacheLines, MANY, removeOverlay } from './state/cache-lines.js';
import { FragmentStore, memoryBudgetFor } from './state/fragment-pack.js';
import { serializeCache } from './state/cache-text.js';
import { countBuild, manifestChunks, runHead, type BuildCounts } from './state/manifest.js';
import { readBookkeeping, readBookkeepingBytes } from './state/read-bookkeeping.js';
import { cacheRecords, lastGoodFromCache, parsedSources, readAndParseEntries, sourceStamps, type EntrySources, type ParseScope } from './entry-sources.js';
import { listSources, readListed, type Listing } from '../io/read-sources.js';
import { previousPublished } from '../io/output-folder.js';
import { writeBookkeeping, writePlanned, writeRecord } from '../io/write-outputs.js';
import { withShellWorkers } from './shell-render.js';
import { phaseTimer } from './timings.js';
import { collectAfterPlanning } from './heap.js';
import { withSitemaps } from './sitemaps.js';
import { withFields } from '../core/objects.js';

/** The folder of a qualified path (`<slug>/a.md` → `<slug>`), or undefined at the root. */
const slugOf = (p: string): string | undefined => (p.includes('/') ? p.slice(0, p.indexOf('/')) : undefined);

/** An entry of a story folder (not a settings file, not a file at the root). */
const isStoryEntry = (p: string) => p.includes('/') && !p.endsWith(`/${STORY_FILE}`);

/** The newsroom's settings and each story's, as this run's parse needs them (compileNewsroom judges them again). */
interface Settings {
  readonly newsroomText: string;
  readonly newsroom?: Story;
  /** Stories whose `_story.md` gives settings, by slug: the story and its file's text. */
  readonly stories: ReadonlyMap<string, { readonly story: Story; readonly text: string; readonly size: number; readonly mtimeMs: number }>;
}

function readSettings(sources: readonly SourceFile[], options: BuildOptions, lastGoodFiles: ReadonlyMap<string, SourceFile> | undefined, folders: ReadonlySet<string>): Settings {
  // Service mode: a broken or unreadable `_newsroom.md` builds with its last good version, as compileNewsroom does.
  const service = options.mode === 'service';
  const lastGood = service ? lastGoodFiles?.get(NEWSROOM_FILE) : undefined;
  const file = sources.find((s) => s.path === NEWSROOM_FILE) ?? lastGood;
  const parsed: Partial<ReturnType<typeof parseNewsroomSettings>> = file ? parseNewsroomSettings(file, lastGood) : {};
  const stories = new Map<string, { story: Story; text: string; size: number; mtimeMs: number }>();
  const { newsroom, raw } = parsed;
  if (newsroom && raw) {
    const present = new Map(sources.flatMap((s) => (s.path === `${slugOf(s.path)}/${STORY_FILE}` ? [[slugOf(s.path)!, s] as const] : [])));
    for (const slug of new Set([...present.keys(), ...folders])) {
      const s = present.get(slug);
      // Service mode: a story whose `_story.md` is broken or gone is built with its last good one,
      // as compileNewsroom builds it, so its entries are parsed with it and their cache records,
      // made with that text, stay: a published entry broken meanwhile has its last clean record to
      // stand in for it after a restart (found from outside: both broken at once took the story off
      // the newsroom's feeds, front page and lists). A kept file has no stamp of its own.
      const { config, settings, kept } = storySettings(s && { ...s, path: STORY_FILE }, slug, newsroom, raw, service ? lastGoodFiles : undefined);
      const own = s && !kept ? s : undefined;
      if (config && settings) stories.set(slug, { story: config.story, text: settings.text, size: own?.size ?? -1, mtimeMs: own?.mtimeMs ?? -1 });
    }
  }
  return { newsroomText: parsed.settings?.text ?? file?.text ?? '', ...(parsed.newsroom ? { newsroom: parsed.newsroom } : {}), stories };
}

/** The index's key: a newsroom's entries depend on `_newsroom.md` (each story inherits it) and on storyfeed's version. */
const newsroomKey = (text: string) => cacheKey(`newsroom\0${text}`);

/**
 * The cache of the run: records of a story whose `_story.md` changed since (its record, kept as
 * `<slug>/_story.md`, hashes otherwise) are dropped, so only that story's entries are parsed again.
 */
function loadCache(options: BuildOptions, settings: Settings, defaults: (p: string) => CacheDefaults): BuildCache {
  const cache = parseCache(readBookkeeping(options.outDir, CACHE_PATH), newsroomKey(settings.newsroomText), defaults, readBookkeeping(options.outDir, OVERLAY_PATH));
  const valid = new Set<string>();
  for (const [slug, s] of settings.stories) if (cache.entries.get(`${slug}/${STORY_FILE}`)?.hash === hashText(s.text)) valid.add(slug);
  const entries = new Map<string, CachedParse>();
  for (const [p, c] of cache.entries) if (isStoryEntry(p) && valid.has(slugOf(p)!)) entries.set(p, c);
  return { ...cache, entries };
}

export async function newsroomBuild(options: BuildOptions, useCache: boolean, started: number): Promise<BuildResult> {
  const { timings, phase } = phaseTimer();
  const { now, outDir } = options;
  const mode = options.mode ?? 'strict';
  const listing = await listSources(options.entriesDir);
  // The settings files and anything at the root are read as they are; the stories' entries go
  // through the cache and the parser.
  const settingsRead = await readListed(listing.root, listing.stamps.filter((s) => !isStoryEntry(s.path)));
  const readDiagnostics: Diagnostic[] = [...listing.diagnostics, ...settingsRead.diagnostics];
  // Service mode: the settings files the last run built with stand in for broken ones the service does not hold (a restart).
  const lastSettings = readLastSettings(outDir);
  const lastGood = mode === 'service' ? withLastSettings(lastSettings.files, options.lastGood) : options.lastGood;
  const settings = readSettings(settingsRead.sources, options, lastGood, new Set(listing.stamps.flatMap((s) => (isStoryEntry(s.path) ? [slugOf(s.path)!] : []))));
  const ledgerText = readBookkeeping(outDir, LEDGER_PATH);
  const ledger = parseLedger(ledgerText).ledger;
  phase('list');

  const fallback = settings.newsroom ? cacheDefaults(settings.newsroom) : undefined;
  const defaultsBySlug = new Map([...settings.stories].map(([slug, s]) => [slug, cacheDefaults(s.story)]));
  const defaults = (p: string): CacheDefaults => defaultsBySlug.get(slugOf(p) ?? '') ?? fallback!;
  const cache = useCache && fallback ? loadCache(options, settings, defaults) : EMPTY_CACHE;
  const locations = new Map([...cache.entries].flatMap(([p, c]) => (c.blob ? [[p, c.blob] as const] : [])));
  const store = await FragmentStore.open(outDir, useCache ? cache.pack : undefined, locations, { memoryBudget: options.fragmentMemory ?? memoryBudgetFor(listing.stamps.length) });
  phase('load cache');
  try {
    // Entries of a story whose settings do not parse are read for compile's diagnostics only.
    const inScope = (p: string) => isStoryEntry(p) && settings.stories.has(slugOf(p)!);
    const outOfScope = await readListed(listing.root, listing.stamps.filter((s) => isStoryEntry(s.path) && !inScope(s.path)));
    readDiagnostics.push(...outOfScope.diagnostics);
    const scope = newsroomScope(options, listing, settings, ledger, readDiagnostics, settingsRead.sources.length + outOfScope.sources.length, inScope);
    const sources = await readAndParseEntries(options, scope, cache, store);
    phase('read and parse');
    const bodies = new Map<string, string>();
    const lastGoodParsed = lastGoodFromCache(sources, cache, store, options);
    const compiled = compileNewsroom({
      sources: [...settingsRead.sources, ...outOfScope.sources, ...sources.texts],
      now,
      readDiagnostics,
      ledgerPath: LEDGER_PATH,
      ...(ledgerText === undefined ? {} : { ledgerText }),
      mode,
      ...(lastGood ? { lastGood } : {}),
      parsed: parsedSources(sources),
      ...(lastGoodParsed ? { lastGoodParsed } : {}),
      bodyHtml: (p) => bodies.get(p),
    });
    phase('compile');
    const result = (extra: Partial<BuildResult> = {}): BuildResult => ({
      ok: compiled.ok,
      diagnostics: compiled.diagnostics,
      counts: countsOf(compiled, now),
      patched: false,
      written: [],
      entriesRead: listing.stamps.length,
      filesRead: sources.filesRead,
      entriesParsed: sources.parsedCount,
      rendered: 0,
      durationMs: performance.now() - started,
      timings,
      newsroom: newsroomResult(compiled, now, []),
      ...extra,
    });
    // Strict: with any error nothing is written, so the published newsroom stays as it was. Service
    // mode writes whatever compiled (a story that could not is left out: see below).
    if (compiled.planned.length === 0 || (mode === 'strict' && !compiled.ok) || options.dryRun) {
      await store.discard();
      return result();
    }
    if (options.signal?.aborted) throw buildAborted();
    collectAfterPlanning(compiled.planned.length);

    const inMemory = new Map<string, EntryFragments>(compiled.stories.flatMap((s) => [...s.result.fragments].map(([p, f]) => [`${s.slug}/${p}`, f] as const)));
    // The newsroom feed's bodies, from the pack or this run's parse (a few dozen entries).
    for (const p of compiled.feedEntries) if (!inMemory.has(p)) bodies.set(p, Buffer.concat(slotBytes(store.read(p), 'html')).toString('utf8'));
    const resolve = (slot: EntrySlot) => {
      const own = inMemory.get(slot.entry);
      return slotBytes(own ? encodeFragments(own) : store.read(slot.entry), slot.format);
    };
    // A story left out of this run (service mode: its `_story.md` does not compile, or its folder is
    // gone or renamed to no slug while its ids are out: the ledger this run keeps still names it)
    // keeps the files it last published: they stay served and recorded, never deleted as "no longer
    // planned". A folder renamed to another slug is a move: its ids are the new folder's now.
    const folders = [...new Set([...listing.stamps.flatMap((s) => slugOf(s.path) ?? []), ...compiled.leftOut])];
    const left = folders.filter((slug) => !compiled.stories.some((s) => s.slug === slug)).map((slug) => `${slug}/`);
    const before = previousPublished(outDir, cache.outputs.keys());
    const keep = [...before.files].filter((p) => left.some((prefix) => p.startsWith(prefix)));
    const published = { files: new Set([...before.files].filter((p) => !keep.includes(p))), recorded: before.recorded };
    const renderProgress = options.onProgress && ((done: number, total: number) => options.onProgress!(done, total, 'rendering'));
    // The stories' RSS and Atom shells on worker threads when there are many, as a story's (shell-render.ts).
    const written = await withShellWorkers(compiled.planned, cache.outputs, (planned) =>
      writePlanned(outDir, withSitemaps(planned, compiled.sitemaps), cache.outputs, resolve, { ...(renderProgress ? { onProgress: renderProgress } : {}), ...(options.signal ? { signal: options.signal } : {}), published }),
    );
    store.rendered();
    if (keep.length > 0) await writeRecord(outDir, [...compiled.planned.map((p) => p.path), ...compiled.sitemaps.map((s) => s.path), ...keep]);
    phase('render and write');
    if (useCache) await saveCache(options, { listing, settings, cache, store, sources, compiled, written, defaults, keep, lastSettings: lastSettings.text });
    else await store.discard();
    phase('save cache');
    return result({ written: written.written, rendered: written.rendered, removed: written.removed, newsroom: newsroomResult(compiled, now, written.written) });
  } catch (error) {
    await store.discard();
    throw error;
  }
}

/**
 * The stories' entries as one parse scope: each file parsed with its story's settings, and its
 * anchor planned against its story's part of the newsroom's one ledger (as compileNewsroom does).
 */
function newsroomScope(options: BuildOptions, listing: Listing, settings: Settings, ledger: ReturnType<typeof parseLedger>['ledger'], readDiagnostics: Diagnostic[], filesRead: number, inScope: (p: string) => boolean): ParseScope {
  const ledgers = ledgersByStory(ledger);
  return {
    root: listing.root,
    stamps: listing.stamps.filter((s) => inScope(s.path)),
    readDiagnostics,
    filesRead,
    storyOf: (p) => {
      const slug = slugOf(p)!;
      return { story: settings.stories.get(slug)!.story, prefix: `${slug}/` };
    },
    // Ids are unique across the newsroom, so the whole ledger's anchors serve every story's parse.
    recorded: ledgerOverrides(ledger),
    planAnchors: (entries) => {
      const bySlug = new Map<string, EntryMeta[]>();
      for (const e of entries) {
        const slug = slugOf(e.path)!;
        let list = bySlug.get(slug);
        if (!list) bySlug.set(slug, (list = []));
        list.push({ ...e, path: e.path.slice(slug.length + 1) });
      }
      const mismatched: string[] = [];
      const overrides = new Map<string, string>();
      for (const [slug, list] of bySlug) {
        const own = ledgers.get(slug) ?? { version: ledger.version, ids: {} };
        const plan = planAnchors(own, list, options.now);
        mismatched.push(...plan.mismatched.map((p) => `${slug}/${p}`));
        // Only this story's entries: a ledger edited by hand may record one of another story's ids
        // here, and that story's plan decides its anchor.
        for (const e of list) {
          const a = plan.overrides.get(e.id);
          if (a !== undefined) overrides.set(e.id, a);
        }
      }
      return { mismatched, overrides };
    },
  };
}

interface Written {
  readonly listing: Listing;
  readonly settings: Settings;
  readonly cache: BuildCache;
  readonly store: FragmentStore;
  readonly sources: EntrySources;
  readonly compiled: NewsroomCompileResult;
  readonly written: Awaited<ReturnType<typeof writePlanned>>;
  readonly defaults: (p: string) => CacheDefaults;
  /** The files of stories left out of this run, kept as last published (see newsroomBuild). */
  readonly keep: readonly string[];
  /** The kept settings file's text as the run began (state/last-settings.ts): rewritten only if it changes. */
  readonly lastSettings: string | undefined;
}

/** What the next run may take as it is: the cache index (and each story's `_story.md` hash), the fragment pack, the manifest. */
async function saveCache(options: BuildOptions, run: Written): Promise<void> {
  const { now, outDir } = options;
  const { cache, store, sources, compiled, written, settings } = run;
  const { records, live } = cacheRecords(sources, now, cache.entries);
  const pack = await store.commit(live);
  for (const p of live) {
    const loc = pack.locations.get(p);
    const { blob: old, ...rest } = records.get(p)!;
    // A record whose fragments stayed where they were is the same record (overlayOf writes only the others).
    if (loc && old && loc.offset === old.offset && loc.crc === old.crc && loc.ends.every((e, i) => e === old.ends[i])) continue;
    records.set(p, loc ? withFields(rest, { blob: loc }) : rest);
  }
  for (const [slug, s] of settings.stories) records.set(`${slug}/${STORY_FILE}`, { size: s.size, mtimeMs: s.mtimeMs, hash: hashText(s.text), diagnostics: [] });
  const bookkeeping = [];
  const previous = cache.entries.size + settings.stories.size;
  const changedParses = records.size !== previous || [...records].some(([p, r]) => isStoryEntry(p) && cache.entries.get(p) !== r);
  let generation = cache.generation;
  let folded = false;
  if (written.written.length > 0 || written.rendered > 0 || changedParses || cache.key === '' || !generation) {
    const next: BuildCache = { key: newsroomKey(settings.newsroomText), pack: pack.info, entries: records, outputs: written.records };
    generation = newGeneration();
    const overlay = overlayOf(outDir, run, next, generation);
    folded = overlay === undefined;
    bookkeeping.push(overlay ?? { path: CACHE_PATH, contents: serializeCache(next, run.defaults, generation) });
  }
  // Only a clean run may vouch that a later build would write the same bytes (the fast path); any
  // run says what it wrote, for publish (as full.ts).
  const stamps = sourceStamps(run.listing.stamps, sources);
  const maxAges = maxAgeByFolder(compiled);
  const entries = allEntries(compiled);
  const outcome = runHead(entries, now, compiled.stories.map((s) => s.config.story), { errors: hasErrors(compiled.diagnostics), rehearsal: options.rehearsal });
  const head = { ...outcome, generation, counts: countBuild(entries, compiled, now), ...(compiled.newsroom ? { story: compiled.newsroom } : {}), ...(maxAges ? { maxAgeByFolder: maxAges } : {}) };
  // A story left out keeps its files: the manifest names them, or publish would take them for
  // gone and delete them from the bucket (their stamps as last written).
  const outputs = run.keep.length === 0 ? written.records : new Map([...written.records, ...run.keep.map((p) => [p, cache.outputs.get(p) ?? { size: 0, mtimeMs: 0 }] as const)]);
  bookkeeping.push({ path: MANIFEST_PATH, contents: manifestChunks(head, stamps, outputs) });
  const kept = renderLastSettings([...(compiled.settings ? [compiled.settings] : []), ...compiled.stories.filter((s) => !s.held).map((s) => ({ path: `${s.slug}/${STORY_FILE}`, text: s.settings.text }))]);
  if (kept !== run.lastSettings) bookkeeping.push({ path: SETTINGS_PATH, contents: kept });
  await writeBookkeeping(outDir, bookkeeping, { durable: false });
  if (folded) await removeOverlay(outDir);
}

/**
 * When no entry file or output came or went and few records changed, only those are written, to
 * the overlay beside the index, as a patch run writes them (state/cache-lines.ts; folded into a new
 * index once it has grown): ten thousand records are not rewritten for one edited entry. Undefined:
 * write a whole new index. An output line written here names no entries (a newsroom is never
 * patched in place; its key, size and mtime are all a run compares).
 */
function overlayOf(outDir: string, run: Written, next: BuildCache, generation: string): { path: string; contents: Iterable<string> } | undefined {
  const index = CacheLines.parse(readBookkeepingBytes(outDir, CACHE_PATH), readBookkeeping(outDir, OVERLAY_PATH));
  const { cache } = run;
  if (!index || !next.pack || index.written.key !== next.key || index.header.generation !== cache.generation) return undefined;
  if (index.entryCount !== next.entries.size || index.outputCount !== cache.outputs.size || next.outputs.size !== cache.outputs.size) return undefined;
  if ([...next.outputs.keys()].some((p) => !cache.outputs.has(p))) return undefined;
  // Each story's `_story.md` record is looked up (it is not in the loaded cache): MANY at once.
  if (run.settings.stories.size > MANY) index.learnOrdinals();
  for (const [p, r] of next.entries) {
    if (isStoryEntry(p) && cache.entries.get(p) === r) continue;
    const ordinal = index.ordinal(p);
    if (ordinal === undefined) return undefined;
    if (!isStoryEntry(p) && index.entry(ordinal, run.defaults(p))?.hash === r.hash) continue;
    index.setEntry(ordinal, r, run.defaults(p));
  }
  // Whole records (base, deps, slots), so that a later patch run can splice into them.
  for (const [p, r] of next.outputs) if (cache.outputs.get(p) !== r) index.setOutput(p, r);
  if (index.foldDue) return undefined;
  return { path: OVERLAY_PATH, contents: index.serializeOverlay(next.pack, generation) };
}

const entriesOf = new WeakMap<NewsroomCompileResult, readonly EntryMeta[]>();

/** Every story's entries, paths qualified by their folder (`<slug>/a.md`): made once per compile (a run asks three times). */
function allEntries(compiled: NewsroomCompileResult): readonly EntryMeta[] {
  let entries = entriesOf.get(compiled);
  if (!entries) entriesOf.set(compiled, (entries = compiled.stories.flatMap((s) => s.result.entries.map((e) => ({ ...e, path: `${s.slug}/${e.path}` })))));
  return entries;
}

/** Stories whose ttl is not the newsroom's (a story may set its own): their files are cached for that long, served or published. */
function maxAgeByFolder(compiled: NewsroomCompileResult): MaxAgeByFolder | undefined {
  const own = compiled.stories.filter((s) => s.config.story.ttl !== compiled.newsroom?.ttl);
  return own.length > 0 ? Object.fromEntries(own.map((s) => [s.slug, s.config.story.ttl * 60])) : undefined;
}

function countsOf(compiled: NewsroomCompileResult, now: Date): BuildCounts {
  return countBuild(allEntries(compiled), compiled, now);
}

function newsroomResult(compiled: NewsroomCompileResult, now: Date, written: readonly string[]): NonNullable<BuildResult['newsroom']> {
  const changed = new Set(written.map(slugOf));
  const stories: StoryResult[] = compiled.stories.map((s) => {
    const entries = s.result.entries;
    const next = nextScheduledEntry(entries, now);
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
      changed: changed.has(s.slug),
      ...(s.held ? { held: true } : {}),
    };
  });
  const qualify = <T extends { path: string }>(slug: string, items: readonly T[]): T[] => items.map((i) => ({ ...i, path: `${slug}/${i.path}` }));
  // `_newsroom.md` and each story's `_story.md` too: a service run after one breaks builds with this one (core/newsroom-compile.ts).
  const goodSources: SourceFile[] = [...(compiled.settings ? [compiled.settings] : []), ...compiled.stories.flatMap((s) => qualify(s.slug, [s.settings, ...s.result.goodSources]))];
  const outcomes: EntryOutcome[] = [...compiled.keptSettings, ...compiled.stories.flatMap((s) => qualify(s.slug, s.result.outcomes))];
  const maxAges = maxAgeByFolder(compiled);
  return {
    ...(compiled.newsroom ? { story: compiled.newsroom } : {}),
    stories,
    entries: allEntries(compiled),
    goodSources,
    outcomes,
    ...(maxAges ? { maxAgeByFolder: maxAges } : {}),
    published: compiled.stories.reduce((n, s) => n + (s.result.feed?.entries.length ?? 0), 0),
  };
}
