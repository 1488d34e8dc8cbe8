// The pure core in one call: SourceFile[] + ledger + now → diagnostics, the Feed and the
// RenderedFiles. No I/O, no clock, no logging: src/build.ts wraps it with reading and writing.

import { diagnostic, FILE_START, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { parseFrontMatter } from './front-matter.js';
import { parseLedger, renderLedger, updateLedger, validateIdentity, type Ledger } from './ledger.js';
import { isPublished } from './model.js';
import { entryFingerprint, fingerprint, planOutputs, rememberFingerprint } from './outputs.js';
import { normalizeEntry, normalizeStory, STORY_FILE, validateEntries } from './normalize.js';
import { hashText, type CachedParse } from './cache.js';
import type { Entry, Feed, PlannedFile, Position, RenderedFile, SourceFile, Story } from './types.js';

export { MEDIA_TYPES } from './outputs.js';


export interface CompileInput {
  readonly sources: readonly SourceFile[];
  readonly now: Date;
  /** Problems the reader found (unreadable files, symlinks out, bad encodings). */
  readonly readDiagnostics?: readonly Diagnostic[];
  /** The ledger's text as found in the output folder (undefined: none yet). */
  readonly ledgerText?: string;
  /**
   * 'strict' (build, check): any error fails the run. 'service' (the long-running process): a bad
   * entry is held back, or replaced by its last good version, and the story stays up.
   */
  readonly mode?: 'strict' | 'service';
  /** Service mode: the last version of each file that compiled, by path. */
  readonly lastGood?: ReadonlyMap<string, SourceFile>;
  /** What each file parsed to last time (build cache): unchanged files are not parsed again. */
  readonly cached?: ReadonlyMap<string, CachedParse>;
}

export interface EntryOutcome {
  readonly path: string;
  readonly status: 'ok' | 'kept-last-good' | 'rejected';
  readonly diagnostics: readonly Diagnostic[];
}

export interface CompileResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly story?: Story;
  /** Every entry that compiled (drafts and embargoed included). */
  readonly entries: readonly Entry[];
  /** Files that compiled as written now (service mode: the ones worth remembering as last good). */
  readonly goodSources: readonly SourceFile[];
  readonly outcomes: readonly EntryOutcome[];
  readonly feed?: Feed;
  /** Every output, planned with its key; rendered on demand. */
  readonly planned: readonly PlannedFile[];
  /** Every output rendered (computed on first access). */
  readonly files: readonly RenderedFile[];
  /** What each entry file parsed to, for the next run's cache. */
  readonly parses: ReadonlyMap<string, CachedParse>;
  /** How many entry files were parsed (not taken from the cache). */
  readonly parsedCount: number;
}

function withFiles(result: Omit<CompileResult, 'files' | 'parses' | 'parsedCount'>, parses: ReadonlyMap<string, CachedParse> = new Map(), parsedCount = 0): CompileResult {
  let files: RenderedFile[] | undefined;
  return {
    ...result,
    parses,
    parsedCount,
    get files() {
      files ??= result.planned.map((p) => ({ path: p.path, contents: p.render(), mediaType: p.mediaType }));
      return files;
    },
  };
}

interface Parsed {
  readonly source: SourceFile;
  readonly idAt?: Position;
  readonly entry?: Entry;
  readonly diagnostics: Diagnostic[];
  readonly fromCache: boolean;
}

function parseOne(source: SourceFile, story: Story, cached?: CachedParse): Parsed {
  // Unchanged file (same size and mtime, or same text): its last parse stands.
  if (cached && ((source.size === cached.size && source.mtimeMs === cached.mtimeMs) || cached.hash === hashText(source.text))) {
    if (cached.entry && cached.print) rememberFingerprint(cached.entry, cached.print);
    return { source, diagnostics: [...cached.diagnostics], fromCache: true, ...(cached.idAt ? { idAt: cached.idAt } : {}), ...(cached.entry ? { entry: cached.entry } : {}) };
  }
  const fm = parseFrontMatter(source);
  if (!fm.entry) return { source, diagnostics: [...fm.diagnostics], fromCache: false };
  const n = normalizeEntry(fm.entry, story);
  const idAt = fm.entry.fields.get('id')?.valueAt;
  return { source, diagnostics: [...n.diagnostics], fromCache: false, ...(idAt ? { idAt } : {}), ...(n.value ? { entry: n.value } : {}) };
}

function toCached(p: Parsed, previous?: CachedParse): CachedParse {
  // Same file, same size and mtime: keep the record itself, so callers can tell nothing changed.
  if (p.fromCache && previous && previous.size === p.source.size && previous.mtimeMs === p.source.mtimeMs) return previous;
  return {
    size: p.source.size ?? p.source.text.length,
    mtimeMs: p.source.mtimeMs ?? 0,
    hash: p.fromCache && previous ? previous.hash : hashText(p.source.text),
    diagnostics: p.diagnostics,
    ...(p.idAt ? { idAt: p.idAt } : {}),
    ...(p.entry ? { entry: p.entry, print: entryFingerprint(p.entry) } : {}),
  };
}

function parseStory(sources: readonly SourceFile[], readDiagnostics: readonly Diagnostic[]): { story?: Story; diagnostics: Diagnostic[] } {
  const source = sources.find((s) => s.path === STORY_FILE);
  if (!source) {
    if (readDiagnostics.some((d) => d.file === STORY_FILE)) return { diagnostics: [] };
    return { diagnostics: [diagnostic(STORY_FILE, FILE_START, 'E_STORY_MISSING', 'the entries folder has no `_story.md`', "add `_story.md` with the story's id, title, description, home_page, feed_base and authors (see README)")] };
  }
  const fm = parseFrontMatter(source);
  if (!fm.entry) return { diagnostics: [...fm.diagnostics] };
  const n = normalizeStory(fm.entry);
  return { diagnostics: [...n.diagnostics], ...(n.value ? { story: n.value } : {}) };
}

export function compile(input: CompileInput): CompileResult {
  const { now } = input;
  const mode = input.mode ?? 'strict';
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
      ...(story ? { story } : {}),
    });

  const storyResult = parseStory(input.sources, readDiagnostics);
  diagnostics.push(...storyResult.diagnostics);
  const story = storyResult.story;
  const { ledger, problem } = parseLedger(input.ledgerText);
  if (problem) {
    diagnostics.push(diagnostic('.storyfeed/ledger.json', FILE_START, 'W_LEDGER_INVALID', problem, 'the ledger is rebuilt from this run; if ids were removed meanwhile, they are no longer guarded'));
  }
  // Without a valid story nothing can be built, in any mode: the previous feeds stay up.
  if (!story) {
    diagnostics.push(...readDiagnostics);
    return fail();
  }

  const parsed = input.sources.filter((s) => s.path !== STORY_FILE).map((s) => parseOne(s, story, input.cached?.get(s.path)));
  // Drafts and embargoed entries are never cached: nothing unpublished is stored in the output
  // folder, even in a file that is not served. They are parsed again on every run.
  const parses = new Map(
    parsed.filter((p) => !p.entry || isPublished(p.entry, now)).map((p) => [p.source.path, toCached(p, input.cached?.get(p.source.path))]),
  );
  const parsedCount = parsed.filter((p) => !p.fromCache).length;
  // Problems of files the reader could not read belong to those files.
  const unreadable = new Map<string, Diagnostic[]>();
  for (const d of readDiagnostics) unreadable.set(d.file, [...(unreadable.get(d.file) ?? []), d]);

  const candidates = parsed.filter((p) => p.entry && p.diagnostics.length === 0);
  const idAt = new Map(parsed.filter((p) => p.idAt).map((p) => [p.source.path, p.idAt!]));
  const crossFile = [
    ...validateEntries(candidates.map((p) => p.entry!), idAt),
    ...validateIdentity(ledger, parsed.flatMap((p) => (p.entry ? [p.entry] : [])), idAt),
  ];
  const problemsOf = new Map<string, Diagnostic[]>();
  const addProblem = (d: Diagnostic) => {
    const list = problemsOf.get(d.file);
    if (list) list.push(d);
    else problemsOf.set(d.file, [d]);
  };
  for (const p of parsed) for (const d of p.diagnostics) addProblem(d);
  for (const list of unreadable.values()) for (const d of list) addProblem(d);
  for (const d of crossFile) addProblem(d);

  if (mode === 'strict') {
    for (const list of problemsOf.values()) diagnostics.push(...list);
    if (hasErrors(diagnostics)) return fail(story);
    const entries = candidates.map((p) => p.entry!);
    return finish(story, entries, ledger, now, diagnostics, candidates.map((p) => p.source), parsed.map((p) => ({ path: p.source.path, status: 'ok' as const, diagnostics: [] })), parses, parsedCount);
  }

  // Service mode: hold back what is broken; a file that was published before keeps its last good version.
  const entries: Entry[] = [];
  const outcomes: EntryOutcome[] = [];
  const good: SourceFile[] = [];
  const byPath = new Map(parsed.map((p) => [p.source.path, p]));
  const paths = new Set([...byPath.keys(), ...unreadable.keys()]);
  for (const path of [...paths].sort()) {
    const p = byPath.get(path);
    const problems = (problemsOf.get(path) ?? []).filter((d) => d.severity === 'error');
    if (p?.entry && problems.length === 0) {
      entries.push(p.entry);
      good.push(p.source);
      outcomes.push({ path, status: 'ok', diagnostics: [] });
      continue;
    }
    diagnostics.push(...(problemsOf.get(path) ?? []));
    const previous = input.lastGood?.get(path);
    const fallback = previous ? parseOne(previous, story) : undefined;
    if (fallback?.entry && fallback.diagnostics.length === 0 && !entries.some((e) => e.id === fallback.entry!.id)) {
      entries.push(fallback.entry);
      outcomes.push({ path, status: 'kept-last-good', diagnostics: problems });
    } else {
      outcomes.push({ path, status: 'rejected', diagnostics: problems });
    }
  }
  // Ids gone from the folder (vanished) are reported but cannot hold the story back.
  for (const [file, list] of problemsOf) if (!paths.has(file)) diagnostics.push(...list);
  return finish(story, entries, ledger, now, diagnostics, good, outcomes, parses, parsedCount);
}

function finish(
  story: Story,
  entries: readonly Entry[],
  ledger: Ledger,
  now: Date,
  diagnostics: readonly Diagnostic[],
  goodSources: readonly SourceFile[],
  outcomes: readonly EntryOutcome[],
  parses: ReadonlyMap<string, CachedParse>,
  parsedCount: number,
): CompileResult {
  const { feed, files: outputs } = planOutputs(story, entries, now);
  // Retracted entries stay in the ledger: they were out, and their tombstone keeps their id.
  const publishedNow = entries.filter((e) => isPublished(e, now));
  const ledgerFile = renderLedger(updateLedger(ledger, publishedNow));
  const planned: PlannedFile[] = [...outputs, { path: ledgerFile.path, mediaType: ledgerFile.mediaType, key: fingerprint(ledgerFile.contents), render: () => ledgerFile.contents }];
  return withFiles({ ok: true, diagnostics: sortDiagnostics(diagnostics), story, entries, goodSources, outcomes, feed, planned }, parses, parsedCount);
}
