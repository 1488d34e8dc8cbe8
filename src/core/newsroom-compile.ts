// The pure core of a newsroom in one call: SourceFile[] (paths `<slug>/file.md`) + ledger + now →
// diagnostics, each story compiled by the single-story compile (core/compile.ts) in its folder,
// and the planned outputs: every story's under `<slug>/`, the newsroom's at the root.
//
// The ledger: one file for the newsroom, keyed by id as a story's (ids are unique across the
// newsroom), each record's path qualified by its story folder (`<slug>/a.md`). Each story is
// compiled against the records under its folder, and the records it returns are qualified again.

import { compile, type CompileInput, type CompileResult, type EntryOutcome } from './compile.js';
import { compareStrings, diagnostic, FILE_START, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { documentKey, fingerprint } from './fingerprint.js';
import { parseLedger, renderLedger, rootIdChanged, type Ledger, type LedgerRecord, LEDGER_VERSION } from './ledger.js';
import { duplicateIds, idOwners, keptSettings, movedEntry, movedStoryIdChanges, storyIdChanges, storyIds, storySettings, vanishedStories } from './newsroom-ids.js';
import { parseFrontMatter } from './front-matter.js';
import { NEWSROOM_FILE, STORY_FILE } from './links.js';
import { coverageEndOf, coverageStartOf, isPublished, isVisible } from './model.js';
import { detectLayout, feedBaseClashes, parseNewsroomSettings, splitNewsroom, standInNewsroom, validateCoverageEnd, type StoryConfig, type StorySummary } from './newsroom.js';
import { planNewsroom, selectNewsroomEntries } from './newsroom-plan.js';
import type { ParsedSource } from './parse-sources.js';
import { planNewsroomSitemaps, type PlannedSitemap } from './sitemaps.js';
import { assembleText, isSlot, type EntryFragments } from './render/fragments.js';
import type { DocumentPart, EntryMeta, PlannedFile, RenderedFile, ShellText, SourceFile, Story } from './types.js';

/**
 * A newsroom compiles from what a story does (compile.ts's input; `sources` are `_newsroom.md` and
 * every story folder's files, paths relative to the entries folder; service mode's `lastGood` is keyed
 * by `<slug>/a.md`; the ledger is the newsroom's one ledger). Strict: any error fails the newsroom;
 * service: a broken story is left out, the others go on.
 */
export type NewsroomCompileInput = Pick<CompileInput, 'sources' | 'now' | 'readDiagnostics' | 'ledgerText' | 'ledgerPath' | 'mode' | 'lastGood'> & {
  /**
   * Entry files parsed already (the build cache, parse workers), by `<slug>/a.md`: each as its
   * story's compile parses `a.md` (its entry's path qualified too, its diagnostics the story's
   * own). Each story's compile takes those under its folder, as `a.md`; they are not parsed again.
   */
  readonly parsed?: ReadonlyMap<string, ParsedSource>;
  /** Service mode: each story's `lastGoodParsed` (compile.ts), by `<slug>/a.md`. */
  readonly lastGoodParsed?: ReadonlyMap<string, ParsedSource>;
  /**
   * The body (sanitized HTML) of an entry parsed elsewhere, by `<slug>/a.md`, for the newsroom
   * feed (`feedEntries` of the result says which): asked only when the feed is rendered.
   */
  readonly bodyHtml?: (path: string) => string | undefined;
};

export interface StoryBuild {
  readonly slug: string;
  readonly config: StoryConfig;
  /** The `_story.md` it was built with (service mode: its last good version when the file is broken). */
  readonly settings: SourceFile;
  /** The story's own compile; its planned paths are relative to `<slug>/`. */
  readonly result: CompileResult;
  readonly summary: StorySummary;
  /**
   * No development of it is out at `now` (none published; a retracted one counts as out): the
   * story writes no file and is listed nowhere, so that its title and description do not go out
   * before its first development does (an embargoed one, or a `storyfeed new story` placeholder).
   * Its scheduled entries still wake the service.
   */
  readonly held: boolean;
}

export interface NewsroomCompileResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly newsroom?: Story;
  /** Every story that compiled (service mode: broken stories are absent, with their diagnostics). */
  readonly stories: readonly StoryBuild[];
  /** Every output: each story's under `<slug>/`, the newsroom's at the root, the ledger. */
  readonly planned: readonly PlannedFile[];
  /** The newsroom's sitemaps, at its root (every story's pages and news): the build serializes them (build/sitemaps.ts). */
  readonly sitemaps: readonly PlannedSitemap[];
  readonly files: readonly RenderedFile[];
  /** The entries the newsroom feed shows, by `<slug>/a.md` (their bodies: `bodyHtml`). */
  readonly feedEntries: readonly string[];
  /** Slugs of stories the ledger names as published that are not built this run (service mode: left out, their files kept). */
  readonly leftOut: readonly string[];
  /** The `_newsroom.md` it was built with (service mode: its last good version when the file is broken). */
  readonly settings?: SourceFile;
  /** Settings files built with their last good version this run (service mode), with their problems: the log's `kept_last_good`. */
  readonly keptSettings: readonly EntryOutcome[];
}

export function compileNewsroom(input: NewsroomCompileInput): NewsroomCompileResult {
  const { now } = input;
  const mode = input.mode ?? 'strict';
  const diagnostics: Diagnostic[] = [];
  const fail = (newsroom?: Story): NewsroomCompileResult => ({ ok: false, diagnostics: sortDiagnostics(diagnostics), stories: [], planned: [], sitemaps: [], files: [], feedEntries: [], leftOut: [], keptSettings: [], ...(newsroom ? { newsroom } : {}) });

  const layout = detectLayout(input.sources, input.readDiagnostics);
  diagnostics.push(...layout.diagnostics);
  const { ledger, problem } = parseLedger(input.ledgerText);
  if (problem) diagnostics.push(diagnostic(input.ledgerPath ?? 'ledger', FILE_START, 'W_LEDGER_INVALID', problem, 'the ledger is rebuilt from this run; if ids were removed meanwhile, they are no longer guarded'));
  // A story whose id changed (service mode: built with its last good `_story.md`, which still has it).
  const changes = storyIdChanges(input.sources, ledger, mode === 'service' ? input.lastGood : undefined);
  diagnostics.push(...changes.diagnostics);
  const sources = changes.sources;
  // Settings files this run builds with their last good version (service mode).
  const keptPaths = new Set(changes.kept);
  const parsedBy = parsedByStory(input.parsed);
  const lastGoodBy = parsedByStory(input.lastGoodParsed);
  const split = splitNewsroom(sources, input.readDiagnostics, parsedBy.keys());
  diagnostics.push(...split.diagnostics);
  const lastGoodNewsroom = mode === 'service' ? input.lastGood?.get(NEWSROOM_FILE) : undefined;
  // Service mode: an unreadable `_newsroom.md` (a folder by that name) builds with its last good version too.
  const newsroomSource = split.newsroom ?? lastGoodNewsroom;
  if (!newsroomSource) {
    if (!diagnostics.some((d) => d.file === '_newsroom.md')) throw new Error('compileNewsroom needs `_newsroom.md` (detectLayout says which compile to call)');
    return fail();
  }
  const ownerOf = idOwners(ledger);
  // The newsroom's feeds may not take an id a published story or entry went out with (the ledger
  // says whose), nor go out with another id than they did.
  const idProblem = (settings: { newsroom?: Story }, source: SourceFile): Diagnostic | undefined => {
    if (!settings.newsroom) return undefined;
    const { id } = settings.newsroom;
    const at = parseFrontMatter(source).entry?.fields.get('id')?.valueAt ?? FILE_START;
    const owner = ownerOf(id);
    if (owner) return diagnostic(NEWSROOM_FILE, at, 'E_ID_DUPLICATE', `id \`${id}\` is already used by ${owner}, which went out with it`, 'give the newsroom an id of its own: readers know each feed by its id', 'id');
    return rootIdChanged(ledger.newsroom, id, NEWSROOM_FILE, at);
  };
  let parsedNewsroom = parseNewsroomSettings(newsroomSource, lastGoodNewsroom);
  const idTaken = idProblem(parsedNewsroom, newsroomSource);
  // With no last good version to build with, the run fails, once its stories have been checked too.
  let idRefused = false;
  if (idTaken) {
    diagnostics.push(idTaken);
    const kept = lastGoodNewsroom ? parseNewsroomSettings(lastGoodNewsroom) : undefined;
    if (kept?.newsroom && !idProblem(kept, lastGoodNewsroom!)) parsedNewsroom = { ...kept, diagnostics: parsedNewsroom.diagnostics };
    else idRefused = true;
  }
  diagnostics.push(...parsedNewsroom.diagnostics);
  // A broken `_newsroom.md` (service mode: with no last good version) fails the run; its stories are
  // still checked, against a stand-in, so that their problems are said too.
  const standIn = parsedNewsroom.newsroom && parsedNewsroom.raw ? undefined : standInNewsroom(newsroomSource, parsedNewsroom.diagnostics);
  const { newsroom, raw } = standIn ?? parsedNewsroom;
  if (!newsroom || !raw) return fail();

  const ids = duplicateIds(sources, idRefused ? undefined : newsroom, input.parsed, ledger);
  diagnostics.push(...vanishedStories(ledger, input, ids.seen), ...ids.renamed);
  // A moved story with another id is not built (its old record stays: the move is not taken).
  const movedChanges = movedStoryIdChanges(sources, ledger, ids.moves);
  diagnostics.push(...movedChanges.diagnostics);
  const movedFrom = new Set([...ids.moves].filter(([, to]) => !movedChanges.refused.includes(to)).map(([from]) => from));
  // An id shared across stories is its story's problem: a story whose own id is taken is left out;
  // an entry whose id is taken is held back by its story's compile like any bad entry (service mode).
  // Service mode: an id the ledger published in another story whose file is gone from there (moved
  // across) is held back too, or that story's last good version and this file would both carry it.
  const held = mode === 'service' ? [...ids.diagnostics, ...ids.moved] : ids.diagnostics;
  const heldAll = [...held, ...changes.held];
  const sharedIds = (slug: string) => heldAll.filter((d) => d.file.startsWith(`${slug}/`));

  const stories: StoryBuild[] = [];
  const ledgers: Ledger[] = [];
  const storyLedgers = ledgersByStory(ledger);
  let storiesNotBuilt = 0;
  const configs = split.folders.map((folder) => {
    const storySource = folder.sources.find((s) => s.path === STORY_FILE);
    // Service mode: a story whose `_story.md` breaks keeps its last good one, as a broken entry
    // keeps its last good version, so that it stays in the newsroom's feeds, front page and index.
    const parsed: { config?: StoryConfig; diagnostics: Diagnostic[]; settings?: SourceFile; kept?: true } = storySettings(storySource, folder.slug, newsroom, raw, mode === 'service' ? input.lastGood : undefined);
    if (parsed.kept) keptPaths.add(`${folder.slug}/${STORY_FILE}`);
    return storySource ? parsed : { ...parsed, diagnostics: folder.readDiagnostics.filter((d) => d.file === STORY_FILE).map((d) => ({ ...d, file: `${folder.slug}/${d.file}` })) };
  });
  // A story whose feed_base is another's (or the newsroom's) would publish its feeds at their URLs: left out.
  const clashes = feedBaseClashes(newsroom, configs.flatMap((c) => ('config' in c && c.config ? [c.config] : [])));
  for (const [i, folder] of split.folders.entries()) {
    const parsed = configs[i]!;
    const prefix = `${folder.slug}/`;
    const shared = sharedIds(folder.slug);
    const storyIdTaken = shared.filter((d) => d.file === `${prefix}${STORY_FILE}`);
    const storyProblems: Diagnostic[] = [...parsed.diagnostics, ...(clashes.get(folder.slug) ?? []), ...storyIdTaken];
    // Service mode: a `_story.md` edited to an id that is taken keeps its last good version, if that one's id is still its own.
    const kept = storyIdTaken.length > 0 && mode === 'service' ? keptSettings(input.lastGood, folder.slug, newsroom, raw, ids.seen) : undefined;
    const config = kept?.config ?? ('config' in parsed ? parsed.config : undefined);
    if (kept) {
      parsed.settings = kept.settings;
      keptPaths.add(`${folder.slug}/${STORY_FILE}`);
    }
    // Service mode: a story whose id changed with no last good `_story.md` to build it with is left
    // out (its files kept). Strict mode compiles it all the same, so that its entries' problems are
    // said with the changed id (which fails the run).
    const storyIdRefused = changes.refused.includes(folder.slug) || movedChanges.refused.includes(folder.slug);
    if (!config || clashes.has(folder.slug) || (storyIdTaken.length > 0 && !kept) || (storyIdRefused && mode === 'service')) {
      diagnostics.push(...storyProblems, ...shared.filter((d) => !storyIdTaken.includes(d)));
      storiesNotBuilt += 1;
      continue;
    }
    // Its entries' last good versions (its `_story.md`'s was taken above: the compile is given the story).
    const lastGood = input.lastGood ? new Map([...input.lastGood].filter(([p]) => p.startsWith(prefix) && p !== `${prefix}${STORY_FILE}`).map(([p, s]) => [p.slice(prefix.length), { ...s, path: p.slice(prefix.length) }])) : undefined;
    const result = compile({
      sources: folder.sources,
      now,
      // `_story.md` is the newsroom's to read and report (above): the compile is given the story.
      readDiagnostics: folder.readDiagnostics.filter((d) => d.file !== STORY_FILE),
      ledger: { ledger: storyLedgers.get(folder.slug) ?? { version: LEDGER_VERSION, ids: {} } },
      mode,
      story: config.story,
      outside: shared.filter((d) => !storyIdTaken.includes(d)).map((d) => ({ ...d, file: d.file.slice(prefix.length) })),
      ...(lastGood ? { lastGood } : {}),
      ...(parsedBy.has(folder.slug) ? { parsed: parsedBy.get(folder.slug)! } : {}),
      ...(lastGoodBy.has(folder.slug) ? { lastGoodParsed: lastGoodBy.get(folder.slug)! } : {}),
    });
    storyProblems.push(...result.diagnostics.map((d) => movedEntry({ ...d, file: prefix + d.file }, ledger, ids.seen)));
    const summary = summarize(config, result.entries, now);
    storyProblems.push(...validateCoverageEnd(`${prefix}${STORY_FILE}`, config.coverageEnd, config.coverageEndAt, summary.coverageStart, result.entries, prefix));
    diagnostics.push(...storyProblems);
    // Service mode: the story compile held its bad entries back; only a story that cannot compile is left out.
    if (!result.ok || (mode === 'strict' && hasErrors(storyProblems))) {
      storiesNotBuilt += 1;
      continue;
    }
    if (result.ledger) ledgers.push(qualify(result.ledger, prefix));
    stories.push({ slug: folder.slug, config, settings: parsed.settings!, result, summary, held: !result.entries.some((e) => isPublished(e, now)) });
  }
  const folders = new Set(split.folders.map((f) => `${f.slug}/`));
  diagnostics.push(...ids.diagnostics.filter((d) => !folders.has(d.file.slice(0, d.file.indexOf('/') + 1))));
  if (standIn || idRefused) return fail();
  if (mode === 'strict' && hasErrors(diagnostics)) return fail(newsroom);

  const planned: PlannedFile[] = [];
  // Each story's compile updates its part of the ledger (`result.ledger`) without planning a file of it.
  const out = stories.filter((s) => !s.held);
  for (const s of out) {
    const under = folderOf(`${s.slug}/`);
    for (const p of s.result.planned) planned.push(underFolder(p, under));
  }
  const fragmentsOf = new Map<string, EntryFragments>(stories.flatMap((s) => [...s.result.fragments].map(([p, f]) => [`${s.slug}/${p}`, f] as const)));
  const bodyHtml = (path: string): string => {
    const html = fragmentsOf.get(path)?.html ?? input.bodyHtml?.(path);
    if (html === undefined) throw new Error(`no body for ${path}: the caller gives the bodies of feedEntries (bodyHtml)`);
    return html;
  };
  const selected = selectNewsroomEntries(out.map((s) => ({ summary: s.summary, entries: s.result.entries })), newsroom.itemLimit, now);
  const feedEntries = selected.entries.map((e) => e.path);
  planned.push(...planNewsroom(newsroom, out.map((s) => s.summary), selected, now, bodyHtml));
  // One pair of sitemaps at the root, in place of each story's (core/sitemaps.ts).
  const sitemaps = planNewsroomSitemaps(newsroom, out.map((s) => s.result.sitemaps));
  // Records of stories left out this run (service mode) stay as they were; a story folder renamed to
  // another slug has its ids under the new name now (a move).
  const compiled = new Set(stories.map((s) => s.slug));
  const storyOf = (p: string) => p.slice(0, Math.max(0, p.indexOf('/')));
  const records: Record<string, LedgerRecord> = Object.fromEntries(Object.entries(ledger.ids).filter(([, r]) => !compiled.has(storyOf(r.path))));
  for (const l of ledgers) Object.assign(records, l.ids);
  const leftOut = [...new Set(Object.values(records).map((r) => storyOf(r.path)))].filter((slug) => slug !== '' && !compiled.has(slug));
  if (input.ledgerPath !== undefined) {
    const file = renderLedger({ version: LEDGER_VERSION, ids: records, stories: storyIds(ledger, movedFrom, out), newsroom: newsroom.id }, input.ledgerPath);
    const base = fingerprint(file.contents);
    planned.push({ path: file.path, mediaType: file.mediaType, key: documentKey(file.path, base, []), base, deps: [], render: () => [file.contents] });
  }
  let files: RenderedFile[] | undefined;
  return {
    // Service mode, as a story's compile: entries held back leave the run ok; a story left out does not.
    ok: mode === 'strict' ? !hasErrors(diagnostics) : storiesNotBuilt === 0 && leftOut.length === 0,
    diagnostics: sortDiagnostics(diagnostics),
    newsroom,
    stories,
    planned,
    sitemaps,
    feedEntries,
    leftOut,
    ...(parsedNewsroom.settings ? { settings: parsedNewsroom.settings } : {}),
    keptSettings: [...(parsedNewsroom.settings && parsedNewsroom.settings.text !== split.newsroom?.text ? [NEWSROOM_FILE] : []), ...[...keptPaths].sort()].map((path) => ({ path, status: 'kept-last-good' as const, diagnostics: diagnostics.filter((d) => d.file === path) })),
    get files() {
      files ??= planned.map((p) => ({
        path: p.path,
        mediaType: p.mediaType,
        contents: assembleText(p.render(), (slot) => {
          const f = fragmentsOf.get(slot.entry);
          if (!f) throw new Error(`no fragments in memory for ${slot.entry}`);
          return f;
        }),
      }));
      return files;
    },
  };
}

/**
 * A story's planned file moved under its folder: path, deps and entry slots qualified. The key is
 * the story's own (documentKey of the path inside the folder): a build that recomputes keys from
 * `base` and the deps' prints (patch runs) does so with the path relative to the story folder.
 */
function underFolder(p: PlannedFile, under: Folder): PlannedFile {
  const path = under.prefix + p.path;
  const qualified = (parts: readonly DocumentPart[]) => parts.map((part) => (isSlot(part) ? { ...part, entry: under.entry(part.entry) } : part));
  const render = () => qualified(p.render());
  // The shell goes along (its job names no path), so a newsroom's RSS and Atom shells can be
  // rendered on a worker as a story's are (build/shell-render.ts).
  const { shell } = p;
  const moved = shell ? { shell: { job: () => shell.job(), fill: (text: ShellText) => qualified(shell.fill(text)) } } : {};
  return { path, mediaType: p.mediaType, key: p.key, base: p.base, deps: p.deps.map(under.entry), render, ...moved };
}

interface Folder {
  readonly prefix: string;
  /** An entry's path under the folder: one string per entry, shared by every document that holds it (hashed once as a map key). */
  readonly entry: (path: string) => string;
}

function folderOf(prefix: string): Folder {
  const paths = new Map<string, string>();
  return {
    prefix,
    entry: (p) => {
      let q = paths.get(p);
      if (q === undefined) paths.set(p, (q = prefix + p));
      return q;
    },
  };
}

/** The newsroom ledger's records by story folder, paths as each story's compile knows them (`a.md`). */
export function ledgersByStory(ledger: Ledger): Map<string, Ledger> {
  const by = new Map<string, Record<string, LedgerRecord>>();
  for (const id in ledger.ids) {
    const r = ledger.ids[id]!;
    const slash = r.path.indexOf('/');
    if (slash === -1) continue;
    const slug = r.path.slice(0, slash);
    let ids = by.get(slug);
    if (!ids) by.set(slug, (ids = {}));
    ids[id] = { ...r, path: r.path.slice(slash + 1) };
  }
  return new Map([...by].map(([slug, ids]) => [slug, { version: LEDGER_VERSION, ids }]));
}

function qualify(ledger: Ledger, prefix: string): Ledger {
  return { version: LEDGER_VERSION, ids: Object.fromEntries(Object.entries(ledger.ids).map(([id, r]) => [id, { ...r, path: prefix + r.path }])) };
}

/** The parses under each story folder, as its compile takes them (`a.md`). */
function parsedByStory(parsed: ReadonlyMap<string, ParsedSource> | undefined): Map<string, Map<string, ParsedSource>> {
  const by = new Map<string, Map<string, ParsedSource>>();
  for (const [path, p] of parsed ?? []) {
    const slash = path.indexOf('/');
    if (slash === -1) continue;
    const slug = path.slice(0, slash);
    let story = by.get(slug);
    if (!story) by.set(slug, (story = new Map()));
    const rel = path.slice(slash + 1);
    story.set(rel, { ...p, path: rel, ...(p.entry ? { entry: { ...p.entry, path: rel } } : {}) });
  }
  return by;
}

/** What the front page, stories.json and the OPML say of a story. */
function summarize(config: StoryConfig, entries: readonly EntryMeta[], now: Date): StorySummary {
  const published = entries.filter((e) => isVisible(e, now));
  const latest = [...published].sort((a, b) => b.published.getTime() - a.published.getTime() || compareStrings(a.id, b.id))[0];
  const coverageStart = coverageStartOf(config.coverageStart, entries, now);
  const coverageEnd = coverageEndOf(config);
  return {
    slug: config.slug,
    story: config.story,
    status: config.status,
    entryCount: published.length,
    ...(coverageStart ? { coverageStart } : {}),
    // A live story's coverage_end is shown nowhere (W_COVERAGE_LIVE says so; found from outside:
    // stories.json gave it, and it dated the OPML).
    ...(coverageEnd ? { coverageEnd } : {}),
    ...(latest ? { latest } : {}),
  };
}
