// The pure core in one call: SourceFile[] + ledger + now → diagnostics, the Feed and the planned
// outputs. No I/O, no clock, no logging: src/build.ts wraps it with reading and writing, and may
// hand it entries parsed already (build cache, other threads) so that they are not parsed again.

import { compareStrings, diagnostic, FILE_START, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { ledgerOverrides, planAnchors, type AnchorPlan } from './anchors.js';
import { parseFrontMatter } from './front-matter.js';
import { feedIdsTaken, parseLedger, publishedFirst, recordedFeedIds, renderLedger, recordedStoryId, rootIdChanged, SINGLE_STORY, updateLedger, validateIdentity, type Ledger } from './ledger.js';
import { coverageStartOf, isPublished } from './model.js';
import { STORY_FILE } from './links.js';
import { normalizeStory, validateDatesAhead, validateEntries } from './normalize.js';
import { renderRetractionNotice } from './render/notices.js';
import { entriesAfterCoverageEnd, readLifecycle, splitLifecycle, STORY_LIFECYCLE_FIELDS, validateCoverageEnd, withLifecycle } from './newsroom.js';
import { planned as plannedFile, planOutputs, type PastEntry } from './plan.js';
import { tagSlugClashes } from './tags.js';
import type { PlannedSitemap } from './sitemaps.js';
import { parseSources, renderEntryFragments, type ParsedSource } from './parse-sources.js';
import { assembleText, type EntryFragments } from './render/fragments.js';
import type { EntryMeta, EntrySlot, Feed, PlannedFile, Position, RenderedFile, SourceFile, Story } from './types.js';


export interface CompileInput {
  /** The story file and every entry file to parse (files in `parsed` need not be here). */
  readonly sources: readonly SourceFile[];
  readonly now: Date;
  /** Problems the reader found (unreadable files, symlinks out, bad encodings). */
  readonly readDiagnostics?: readonly Diagnostic[];
  /** The ledger's text as found in the output folder (undefined: none yet). */
  readonly ledgerText?: string;
  /**
   * Where the ledger is published (the build's state folder, io/state-folder.ts). Without it the
   * ledger is not among the files: a caller that keeps no state (a test of the feeds) needs none.
   */
  readonly ledgerPath?: string;
  /** The ledger already parsed from `ledgerText` (parseLedger), when the caller needed it before parsing entries. */
  readonly ledger?: ReturnType<typeof parseLedger>;
  /** The anchors the caller planned (core/anchors.ts) for exactly the entries in `parsed`, with none mismatched. */
  readonly anchors?: AnchorPlan;
  /**
   * 'strict' (build, check): any error fails the run. 'service' (the long-running process): a bad
   * entry is held back, or replaced by its last good version, and the story stays up.
   */
  readonly mode?: 'strict' | 'service';
  /**
   * Problems found outside this story, each on one of its entry files (a newsroom's ids shared
   * across stories): reported as the file's own, so that service mode holds that file back too.
   */
  readonly outside?: readonly Diagnostic[];
  /** Service mode: the last version of each file that compiled, by path. */
  readonly lastGood?: ReadonlyMap<string, SourceFile>;
  /**
   * Service mode: for an entry file that gives no entry now and has no `lastGood` text (a service
   * started while it was broken), its last clean version as the build cache recorded it: its
   * metadata; its fragments are the build's (the fragment pack), not in the result.
   */
  readonly lastGoodParsed?: ReadonlyMap<string, ParsedSource>;
  /**
   * Entry files parsed already, by path: from the build cache (unchanged files, whose fragments
   * the build holds) or on other threads. They are not parsed again.
   */
  readonly parsed?: ReadonlyMap<string, ParsedSource>;
  /**
   * The story, normalized already (a newsroom's story, whose `_story.md` inherits the newsroom's
   * fields: core/newsroom.ts). Without it `_story.md` is read from `sources`.
   */
  readonly story?: Story;
}

export interface EntryOutcome {
  readonly path: string;
  readonly status: 'ok' | 'kept-last-good' | 'rejected';
  readonly diagnostics: readonly Diagnostic[];
  /** Held back only for a change dated ahead (E_DATE_AHEAD): the instant (ms) that resolves by itself, a wake-up for the service. */
  readonly dueAt?: number;
}

export interface CompileResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly story?: Story;
  /** Every entry that compiled (drafts and embargoed included). */
  readonly entries: readonly EntryMeta[];
  /** Files that compiled as written now (service mode: the ones worth remembering as last good). */
  readonly goodSources: readonly SourceFile[];
  readonly outcomes: readonly EntryOutcome[];
  readonly feed?: Feed;
  /** Every output, planned with its key; rendered on demand. */
  readonly planned: readonly PlannedFile[];
  /** The sitemaps, planned as data: the build serializes them with the `sitemap` package (build/sitemaps.ts) and writes them with `planned`. */
  readonly sitemaps: readonly PlannedSitemap[];
  /** Every output but the sitemaps as text (computed on first access; needs the fragments of every published entry in `fragments`). */
  readonly files: readonly RenderedFile[];
  /** What each entry file parsed to (given or parsed here), for the next run's cache. */
  readonly parsed: ReadonlyMap<string, ParsedSource>;
  /** Fragments this run holds in memory, by path, for the entries in the outputs (the others are in the build cache). */
  readonly fragments: ReadonlyMap<string, EntryFragments>;
  /** How many entry files were parsed here (not given). */
  readonly parsedCount: number;
  /** The ledger as this run leaves it (with `ledgerPath`, what its planned ledger file holds). */
  readonly ledger?: Ledger;
}

type Planned = Omit<CompileResult, 'files' | 'parsed' | 'fragments' | 'parsedCount'>;

function withFiles(result: Planned, parsed: ReadonlyMap<string, ParsedSource> = new Map(), fragments: ReadonlyMap<string, EntryFragments> = new Map(), parsedCount = 0): CompileResult {
  let files: RenderedFile[] | undefined;
  const fragmentsOf = (slot: EntrySlot): EntryFragments => {
    const f = fragments.get(slot.entry);
    if (!f) throw new Error(`no fragments in memory for ${slot.entry}`);
    return f;
  };
  return {
    ...result,
    parsed,
    fragments,
    parsedCount,
    get files() {
      files ??= result.planned.map((p) => ({ path: p.path, contents: assembleText(p.render(), fragmentsOf), mediaType: p.mediaType }));
      return files;
    },
  };
}

/** `_story.md` read from the sources; `coverageEndAt` is where its `coverage_end` stands (validateCoverageEnd needs it once the entries are in). */
export function parseStory(sources: readonly SourceFile[], readDiagnostics: readonly Diagnostic[] = []): { story?: Story; coverageEndAt?: Position; idAt?: Position; diagnostics: Diagnostic[] } {
  const source = sources.find((s) => s.path === STORY_FILE);
  if (!source) {
    if (readDiagnostics.some((d) => d.file === STORY_FILE)) return { diagnostics: [] };
    return { diagnostics: [diagnostic(STORY_FILE, FILE_START, 'E_STORY_MISSING', 'the entries folder has no `_story.md`', "add `_story.md` with the story's id, title, description, home_page, feed_base and authors (see README)")] };
  }
  const fm = parseFrontMatter(source);
  if (!fm.entry) return { diagnostics: [...fm.diagnostics] };
  // A single story has a lifecycle too (`status`, `coverage_start`, `coverage_end`), read as a newsroom's story's.
  const { own, lifecycle } = splitLifecycle(fm.entry.fields);
  const n = normalizeStory({ ...fm.entry, fields: own }, STORY_LIFECYCLE_FIELDS);
  const life = readLifecycle(fm.entry, lifecycle);
  const diagnostics = [...n.diagnostics, ...life.diagnostics];
  const at = life.value?.coverageEndAt;
  const idAt = fm.entry.fields.get('id')?.valueAt;
  return { diagnostics, ...(n.value && life.value ? { story: withLifecycle(n.value, life.value) } : {}), ...(at ? { coverageEndAt: at } : {}), ...(idAt ? { idAt } : {}) };
}

export function compile(input: CompileInput): CompileResult {
  const readDiagnostics = input.readDiagnostics ?? [];
  const diagnostics: Diagnostic[] = [];
  const fail = (story?: Story): CompileResult =>
    withFiles({
      ok: false,
      diagnostics: sortDiagnostics(diagnostics),
      entries: [],
      goodSources: [],
      outcomes: [],
      planned: [],
      sitemaps: [],
      ...(story ? { story } : {}),
    });

  const storyResult: ReturnType<typeof parseStory> = input.story ? { story: input.story, diagnostics: [] } : parseStory(input.sources, readDiagnostics);
  diagnostics.push(...storyResult.diagnostics);
  const story = storyResult.story;
  const { ledger, problem } = input.ledger ?? parseLedger(input.ledgerText);
  if (problem) {
    diagnostics.push(diagnostic(input.ledgerPath ?? 'ledger', FILE_START, 'W_LEDGER_INVALID', problem, 'the ledger is rebuilt from this run; if ids were removed meanwhile, they are no longer guarded'));
  }
  // Without a valid story nothing can be built, in any mode: the previous feeds stay up.
  if (!story) {
    diagnostics.push(...readDiagnostics);
    return fail();
  }
  // A single story's feeds keep the id they went out with, as its entries do (a newsroom's stories:
  // newsroom-ids.ts). The run fails in any mode, its entries' problems said with it.
  const changed = input.story ? undefined : rootIdChanged(recordedStoryId(ledger, SINGLE_STORY), story.id, STORY_FILE, storyResult.idAt ?? FILE_START);
  if (changed) diagnostics.push(changed);
  const entries = parseEntries(input, story, ledger);
  const problems = gatherProblems(entries.parsed, readDiagnostics, ledger, input.now, input.outside);
  const run: CompileRun = { input, story, ledger, diagnostics, entries, problems };
  // A story read here (not a newsroom's: compileNewsroom checks its own) ends no earlier than its first entry.
  const coverage = (selected: readonly EntryMeta[]) => (input.story ? [] : validateCoverageEnd(STORY_FILE, story.coverageEnd, storyResult.coverageEndAt, coverageStartOf(story.coverageStart, selected, input.now), selected));
  if ((input.mode ?? 'strict') === 'strict') {
    for (const list of problems.byFile.values()) diagnostics.push(...list);
    diagnostics.push(...coverage(problems.candidates.map((p) => p.entry!)));
    if (hasErrors(diagnostics)) return fail(story);
    return finish(run, selectStrict(run));
  }
  if (changed) {
    for (const list of problems.byFile.values()) diagnostics.push(...list);
    return fail(story);
  }
  // An entry published after an ended story's coverage_end is held back, as a bad entry is.
  const late = entriesAfterCoverageEnd(story, problems.candidates.map((p) => p.entry!), (path) => publishedAt(entries.sourceOf.get(path)));
  const served: CompileRun = late.length === 0 ? run : { ...run, problems: { ...problems, byFile: withProblems(problems.byFile, late) } };
  const selection = selectService(served);
  // A published entry held back with no last good version (a service started while it is broken, or
  // its file gone) would leave the documents: the story keeps what it published until it is fixed.
  if (selection.stranded) return fail(story);
  diagnostics.push(...coverage(selection.entries));
  return finish(served, selection);
}

/** `byFile` with `more` added to their files' lists (a copy: the run's own stays as gathered). */
function withProblems(byFile: ReadonlyMap<string, Diagnostic[]>, more: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const out = new Map(byFile);
  for (const d of more) out.set(d.file, [...(out.get(d.file) ?? []), d]);
  return out;
}

/** Where an entry file's `published` value stands (a late entry's diagnostic points there). */
function publishedAt(source: SourceFile | undefined): Position | undefined {
  return source ? parseFrontMatter(source).entry?.fields.get('published')?.valueAt : undefined;
}

/** What the entry files parsed to, with the anchors planned for them and the fragments in memory. */
interface ParsedEntries {
  /** By path, sorted by path. */
  readonly parsed: readonly ParsedSource[];
  readonly byPath: ReadonlyMap<string, ParsedSource>;
  readonly sourceOf: ReadonlyMap<string, SourceFile>;
  readonly anchorPlan: AnchorPlan;
  /** Fragments in memory, by path (service mode replaces a bad file's with its last good version's). */
  readonly fragments: Map<string, EntryFragments>;
  /** How many were parsed here (not given). */
  readonly parsedCount: number;
}

function parseEntries(input: CompileInput, story: Story, ledger: Ledger): ParsedEntries {
  const { now } = input;
  const toParse = input.sources.filter((s) => s.path !== STORY_FILE && !input.parsed?.has(s.path));
  // Entries are parsed with the anchors the ledger records (core/anchors.ts), unless the caller planned them.
  const planned = toParse.length === 0 ? input.anchors : undefined;
  const recorded = planned ? undefined : ledgerOverrides(ledger);
  const parsedHere = toParse.length === 0 ? [] : parseSources(toParse, story, now, recorded);
  const byPath = new Map<string, ParsedSource>(input.parsed ?? []);
  for (const p of parsedHere) byPath.set(p.path, p);
  const sourceOf = new Map(input.sources.map((s) => [s.path, s]));
  // Anchors: entries whose plain anchor another new entry of this run took first are parsed again.
  const anchorPlan = planned ?? planAnchors(ledger, [...byPath.values()].flatMap((p) => (p.entry ? [p.entry] : [])), now, recorded);
  if (anchorPlan.mismatched.length > 0) {
    const again = anchorPlan.mismatched.map((p) => {
      const source = sourceOf.get(p);
      if (!source) throw new Error(`${p} was parsed with another anchor than planned (core/anchors.ts): parse it with the planned anchors`);
      return source;
    });
    for (const p of parseSources(again, story, now, anchorPlan.overrides)) byPath.set(p.path, p);
  }
  const parsed = [...byPath.values()].sort((a, b) => compareStrings(a.path, b.path));
  const fragments = new Map<string, EntryFragments>();
  for (const p of parsed) if (p.fragments) fragments.set(p.path, p.fragments);
  return { parsed, byPath, sourceOf, anchorPlan, fragments, parsedCount: parsedHere.length };
}

interface Problems {
  /** Every problem, by the file it belongs to. */
  readonly byFile: ReadonlyMap<string, Diagnostic[]>;
  /** Problems of files the reader could not read, by file. */
  readonly unreadable: ReadonlyMap<string, Diagnostic[]>;
  /** Entries with no problem of their own (cross-file problems may still hold them back). */
  readonly candidates: readonly ParsedSource[];
}

function gatherProblems(parsed: readonly ParsedSource[], readDiagnostics: readonly Diagnostic[], ledger: Ledger, now: Date, outside: readonly Diagnostic[] = []): Problems {
  // Problems of files the reader could not read belong to those files.
  const unreadable = new Map<string, Diagnostic[]>();
  for (const d of readDiagnostics) unreadable.set(d.file, [...(unreadable.get(d.file) ?? []), d]);

  const candidates = parsed.filter((p) => p.entry && p.diagnostics.length === 0);
  const idAt = new Map(parsed.filter((p) => p.idAt).map((p) => [p.path, p.idAt!]));
  const crossFile = [
    ...validateEntries(candidates.map((p) => p.entry!), idAt, publishedFirst(ledger)),
    ...tagSlugClashes(candidates.map((p) => p.entry!)),
    ...validateDatesAhead(candidates, now),
    ...validateIdentity(ledger, parsed.flatMap((p) => (p.entry ? [p.entry] : [])), idAt, new Set([...parsed.filter((p) => !p.entry).map((p) => p.path), ...readDiagnostics.map((d) => d.file)])),
    // Feed ids (a single story's own: E_STORY_ID_CLASH; a newsroom's story is given a ledger without them).
    ...feedIdsTaken(recordedFeedIds(ledger, { story: (slug) => slug !== SINGLE_STORY, newsroom: true }), candidates.map((p) => p.entry!), idAt),
  ];
  const byFile = new Map<string, Diagnostic[]>();
  const addProblem = (d: Diagnostic) => {
    const list = byFile.get(d.file);
    if (list) list.push(d);
    else byFile.set(d.file, [d]);
  };
  for (const p of parsed) for (const d of p.diagnostics) addProblem(d);
  for (const list of unreadable.values()) for (const d of list) addProblem(d);
  for (const d of [...crossFile, ...outside]) addProblem(d);
  return { byFile, unreadable, candidates };
}

/** One compile: what both modes select from, and the diagnostics they add to. */
interface CompileRun {
  readonly input: CompileInput;
  readonly story: Story;
  readonly ledger: Ledger;
  readonly diagnostics: Diagnostic[];
  readonly entries: ParsedEntries;
  readonly problems: Problems;
}

/** The entries that go into the documents, the files worth remembering, and each file's outcome. */
interface Selection {
  readonly entries: readonly EntryMeta[];
  readonly goodSources: readonly SourceFile[];
  readonly outcomes: readonly EntryOutcome[];
  /** Service mode: a published entry is held back and has no last good version to stand in for it. */
  readonly stranded?: boolean;
}

/** Strict mode (build, check): with no error anywhere, every entry goes in. */
function selectStrict(run: CompileRun): Selection {
  const { candidates } = run.problems;
  return {
    entries: candidates.map((p) => p.entry!),
    goodSources: candidates.flatMap((p) => run.entries.sourceOf.get(p.path) ?? []),
    outcomes: run.entries.parsed.map((p) => ({ path: p.path, status: 'ok' as const, diagnostics: [] })),
  };
}

/** Service mode: hold back what is broken; a file that was published before keeps its last good version. */
function selectService(run: CompileRun): Selection {
  const { input, story, diagnostics } = run;
  const { byPath, sourceOf, fragments, anchorPlan } = run.entries;
  const { byFile, unreadable } = run.problems;
  const entries: EntryMeta[] = [];
  const outcomes: EntryOutcome[] = [];
  const good: SourceFile[] = [];
  // A published entry whose file is gone (E_ID_VANISHED) is a bad entry like any other: it keeps
  // its last good version, and its diagnostic is reported on every run until it is restored.
  const vanished = [...byFile.keys()].filter((file) => input.lastGood?.has(file) && !byPath.has(file) && !unreadable.has(file));
  const published = new Set(Object.values(run.ledger.ids).map((r) => r.path));
  let stranded = false;
  const paths = new Set([...byPath.keys(), ...unreadable.keys(), ...vanished]);
  for (const path of [...paths].sort()) {
    const p = byPath.get(path);
    const problems = (byFile.get(path) ?? []).filter((d) => d.severity === 'error');
    if (p?.entry && problems.length === 0) {
      entries.push(p.entry);
      const source = sourceOf.get(path);
      if (source) good.push(source);
      outcomes.push({ path, status: 'ok', diagnostics: [] });
      continue;
    }
    diagnostics.push(...(byFile.get(path) ?? []));
    const due = p?.entry && problems.every((d) => d.code === 'E_DATE_AHEAD') ? { dueAt: p.entry.updated.getTime() } : {};
    const previous = input.lastGood?.get(path);
    const fallback = previous ? parseSources([previous], story, input.now, anchorPlan.overrides)[0] : p?.entry ? undefined : input.lastGoodParsed?.get(path);
    if (fallback?.entry && fallback.diagnostics.length === 0 && !entries.some((e) => e.id === fallback.entry!.id)) {
      entries.push(fallback.entry);
      // The documents show the last good version: its fragments, not the file's.
      if (fallback.fragments) fragments.set(path, fallback.fragments);
      else fragments.delete(path);
      outcomes.push({ path, status: 'kept-last-good', diagnostics: problems, ...due });
    } else {
      outcomes.push({ path, status: 'rejected', diagnostics: problems, ...due });
      if (published.has(path)) stranded = true;
    }
  }
  // Ids gone from the folder with no last good version either: reported, and the story keeps what it published.
  for (const [file, list] of byFile) {
    if (paths.has(file)) continue;
    diagnostics.push(...list);
    if (published.has(file) && list.some((d) => d.code === 'E_ID_VANISHED')) stranded = true;
  }
  return { entries, goodSources: good, outcomes, stranded };
}

/** Plan the outputs of the selected entries, the ledger among them. */
function finish(run: CompileRun, selection: Selection): CompileResult {
  const { story, ledger } = run;
  const { now, ledgerPath } = run.input;
  const { entries } = selection;
  let fragments: ReadonlyMap<string, EntryFragments> = run.entries.fragments;
  const past = new Map<string, PastEntry>();
  for (const [id, r] of Object.entries(ledger.ids)) past.set(id, { published: Date.parse(r.published), ...(r.tags ? { tags: r.tags } : {}) });
  const { feed, files: outputs, stubs, sitemaps } = planOutputs(story, entries, now, past);
  if (stubs.length > 0) {
    // A retraction stub's fragments: made here, from its metadata, with the notice as its body.
    // They stand in for the entry's own (a retracted entry has none: its body is never rendered).
    const all = new Map(fragments);
    const made = renderEntryFragments(story, stubs.map((s) => ({ ...s, contentHtml: renderRetractionNotice(s.retraction!, story) })));
    stubs.forEach((s, i) => all.set(s.path, made[i]!));
    fragments = all;
  }
  // Retracted entries stay in the ledger: they were out, and their tombstone keeps their id.
  const publishedNow = entries.filter((e) => isPublished(e, now));
  const entriesNow = updateLedger(ledger, publishedNow, run.entries.anchorPlan.anchors);
  // A single story's ledger records the id its feeds went out with (a newsroom's story: compileNewsroom does).
  const updated = run.input.story ? entriesNow : { ...entriesNow, stories: { ...ledger.stories, [SINGLE_STORY]: story.id } };
  const ledgerFile = ledgerPath === undefined ? undefined : renderLedger(updated, ledgerPath);
  const planned: PlannedFile[] = ledgerFile ? [...outputs, plannedFile(ledgerFile.path, ledgerFile.mediaType, ledgerFile.contents, [], () => [ledgerFile.contents])] : outputs;
  const result = { ok: true, diagnostics: sortDiagnostics(run.diagnostics), story, entries, goodSources: selection.goodSources, outcomes: selection.outcomes, feed, planned, sitemaps, ledger: updated };
  return withFiles(result, run.entries.byPath, fragments, run.entries.parsedCount);
}
