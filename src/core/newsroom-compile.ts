// The pure core of a newsroom in one call: SourceFile[] (paths `<slug>/file.md`) + ledger + now →
// diagnostics, each story compiled by the single-story compile (core/compile.ts) in its folder,
// and the planned outputs: every story's under `<slug>/`, the newsroom's at the root.
//
// The ledger: one file for the newsroom, keyed by id as a story's (ids are unique across the
// newsroom), each record's path qualified by its story folder (`<slug>/a.md`). Each story is
// compiled against the records under its folder, and the records it returns are qualified again.

import { compile, type CompileInput, type CompileResult } from './compile.js';
import { compareStrings, diagnostic, FILE_START, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { documentKey, fingerprint } from './fingerprint.js';
import { parseFrontMatter } from './front-matter.js';
import { parseLedger, renderLedger, type Ledger, type LedgerRecord, LEDGER_VERSION } from './ledger.js';
import { STORY_FILE } from './links.js';
import { coverageStartOf, isVisible } from './model.js';
import { detectLayout, feedBaseClashes, parseNewsroom, parseStoryConfig, splitNewsroom, validateCoverageEnd, type StoryConfig, type StorySummary } from './newsroom.js';
import { planNewsroom } from './newsroom-plan.js';
import { assembleText, type EntryFragments } from './render/fragments.js';
import type { EntryMeta, PlannedFile, RenderedFile, SourceFile, Story } from './types.js';

/**
 * A newsroom compiles from what a story does (compile.ts's input; `sources` are `_newsroom.md` and
 * every story folder's files, paths relative to the entries folder; service mode's `lastGood` is keyed
 * by `<slug>/a.md`; the ledger is the newsroom's one ledger). Strict: any error fails the newsroom;
 * service: a broken story is left out, the others go on.
 */
export type NewsroomCompileInput = Pick<CompileInput, 'sources' | 'now' | 'readDiagnostics' | 'ledgerText' | 'ledgerPath' | 'mode' | 'lastGood'>;

export interface StoryBuild {
  readonly slug: string;
  readonly config: StoryConfig;
  /** The story's own compile; its planned paths are relative to `<slug>/`. */
  readonly result: CompileResult;
  readonly summary: StorySummary;
}

export interface NewsroomCompileResult {
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly newsroom?: Story;
  /** Every story that compiled (service mode: broken stories are absent, with their diagnostics). */
  readonly stories: readonly StoryBuild[];
  /** Every output: each story's under `<slug>/`, the newsroom's at the root, the ledger. */
  readonly planned: readonly PlannedFile[];
  readonly files: readonly RenderedFile[];
}

const STORY_LEDGER = 'ledger.json';

export function compileNewsroom(input: NewsroomCompileInput): NewsroomCompileResult {
  const { now } = input;
  const mode = input.mode ?? 'strict';
  const diagnostics: Diagnostic[] = [];
  const fail = (newsroom?: Story): NewsroomCompileResult => ({ ok: false, diagnostics: sortDiagnostics(diagnostics), stories: [], planned: [], files: [], ...(newsroom ? { newsroom } : {}) });

  const layout = detectLayout(input.sources, input.readDiagnostics);
  diagnostics.push(...layout.diagnostics);
  const split = splitNewsroom(input.sources, input.readDiagnostics);
  diagnostics.push(...split.diagnostics);
  if (!split.newsroom) {
    if (!diagnostics.some((d) => d.file === '_newsroom.md')) throw new Error('compileNewsroom needs `_newsroom.md` (detectLayout says which compile to call)');
    return fail();
  }
  const parsedNewsroom = parseNewsroom(split.newsroom);
  diagnostics.push(...parsedNewsroom.diagnostics);
  const { newsroom, raw } = parsedNewsroom;
  if (!newsroom || !raw) return fail();

  const { ledger, problem } = parseLedger(input.ledgerText);
  if (problem) diagnostics.push(diagnostic(input.ledgerPath ?? 'ledger', FILE_START, 'W_LEDGER_INVALID', problem, 'the ledger is rebuilt from this run; if ids were removed meanwhile, they are no longer guarded'));
  const ids = duplicateIds(input.sources, newsroom);
  diagnostics.push(...ids.diagnostics, ...vanishedStories(ledger, input, ids.seen));

  const stories: StoryBuild[] = [];
  const ledgers: Ledger[] = [];
  const configs = split.folders.map((folder) => {
    const storySource = folder.sources.find((s) => s.path === STORY_FILE);
    return storySource ? parseStoryConfig(storySource, folder.slug, newsroom, raw) : { diagnostics: folder.readDiagnostics.filter((d) => d.file === STORY_FILE).map((d) => ({ ...d, file: `${folder.slug}/${d.file}` })) };
  });
  // A story whose feed_base is another's (or the newsroom's) would publish its feeds at their URLs: left out.
  const clashes = feedBaseClashes(newsroom, configs.flatMap((c) => ('config' in c && c.config ? [c.config] : [])));
  for (const [i, folder] of split.folders.entries()) {
    const parsed = configs[i]!;
    const storyProblems: Diagnostic[] = [...parsed.diagnostics, ...(clashes.get(folder.slug) ?? [])];
    const config = 'config' in parsed ? parsed.config : undefined;
    if (!config || clashes.has(folder.slug)) {
      diagnostics.push(...storyProblems);
      continue;
    }
    const prefix = `${folder.slug}/`;
    const lastGood = input.lastGood ? new Map([...input.lastGood].filter(([p]) => p.startsWith(prefix)).map(([p, s]) => [p.slice(prefix.length), { ...s, path: p.slice(prefix.length) }])) : undefined;
    const result = compile({
      sources: folder.sources,
      now,
      readDiagnostics: folder.readDiagnostics,
      ledger: { ledger: storyLedger(ledger, prefix) },
      ledgerPath: STORY_LEDGER,
      mode,
      story: config.story,
      ...(lastGood ? { lastGood } : {}),
    });
    storyProblems.push(...result.diagnostics.map((d) => ({ ...d, file: prefix + d.file })));
    const summary = summarize(config, result.entries, now);
    storyProblems.push(...validateCoverageEnd(`${prefix}${STORY_FILE}`, config.coverageEnd, config.coverageEndAt, summary.coverageStart));
    diagnostics.push(...storyProblems);
    // Service mode: the story compile held its bad entries back; only a story that cannot compile is left out.
    if (!result.ok || (mode === 'strict' && hasErrors(storyProblems))) continue;
    const ledgerFile = result.planned.find((p) => p.path === STORY_LEDGER);
    if (ledgerFile) ledgers.push(qualify(parseLedger(assembleText(ledgerFile.render(), noSlots)).ledger, prefix));
    stories.push({ slug: folder.slug, config, result, summary });
  }
  if (mode === 'strict' && hasErrors(diagnostics)) return fail(newsroom);

  const planned: PlannedFile[] = [];
  for (const s of stories) for (const p of s.result.planned) if (p.path !== STORY_LEDGER) planned.push(underFolder(p, `${s.slug}/`));
  planned.push(...planNewsroom(newsroom, stories.map((s) => ({ summary: s.summary, entries: storyEntries(s) })), now));
  if (input.ledgerPath !== undefined) {
    // Records of stories left out this run (service mode) stay as they were.
    const kept = Object.entries(ledger.ids).filter(([, r]) => !stories.some((s) => r.path.startsWith(`${s.slug}/`)));
    const ids: Record<string, LedgerRecord> = Object.fromEntries(kept);
    for (const l of ledgers) Object.assign(ids, l.ids);
    const file = renderLedger({ version: LEDGER_VERSION, ids }, input.ledgerPath);
    planned.push({ path: file.path, mediaType: file.mediaType, key: documentKey(file.path, fingerprint(file.contents), []), base: fingerprint(file.contents), deps: [], render: () => [file.contents] });
  }
  const fragmentsOf = new Map<string, EntryFragments>(stories.flatMap((s) => [...s.result.fragments].map(([p, f]) => [`${s.slug}/${p}`, f] as const)));
  let files: RenderedFile[] | undefined;
  return {
    ok: !hasErrors(diagnostics),
    diagnostics: sortDiagnostics(diagnostics),
    newsroom,
    stories,
    planned,
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

const noSlots = (): never => {
  throw new Error('the ledger has no entry slots');
};

/**
 * A story's planned file moved under its folder: path, deps and entry slots qualified. The key is
 * the story's own (documentKey of the path inside the folder): a build that recomputes keys from
 * `base` and the deps' prints (patch runs) does so with the path relative to the story folder.
 */
function underFolder(p: PlannedFile, prefix: string): PlannedFile {
  const path = prefix + p.path;
  const render = () => p.render().map((part) => (typeof part === 'string' ? part : { ...part, entry: prefix + part.entry }));
  return { path, mediaType: p.mediaType, key: p.key, base: p.base, deps: p.deps.map((d) => prefix + d), render };
}

function storyLedger(ledger: Ledger, prefix: string): Ledger {
  const ids: Record<string, LedgerRecord> = {};
  for (const [id, r] of Object.entries(ledger.ids)) if (r.path.startsWith(prefix)) ids[id] = { ...r, path: r.path.slice(prefix.length) };
  return { version: LEDGER_VERSION, ids };
}

function qualify(ledger: Ledger, prefix: string): Ledger {
  return { version: LEDGER_VERSION, ids: Object.fromEntries(Object.entries(ledger.ids).map(([id, r]) => [id, { ...r, path: prefix + r.path }])) };
}

/** The entries of a story with their bodies' HTML, paths qualified (for the newsroom's feeds). */
function storyEntries(s: StoryBuild): Array<EntryMeta & { contentHtml: string }> {
  return s.result.entries.flatMap((e) => {
    const f = s.result.fragments.get(e.path);
    return [{ ...e, path: `${s.slug}/${e.path}` as string, contentHtml: f?.html ?? '' }];
  });
}

/** What the front page, stories.json and the OPML say of a story. */
function summarize(config: StoryConfig, entries: readonly EntryMeta[], now: Date): StorySummary {
  const published = entries.filter((e) => isVisible(e, now));
  const latest = [...published].sort((a, b) => b.published.getTime() - a.published.getTime() || compareStrings(a.id, b.id))[0];
  const coverageStart = coverageStartOf(config.coverageStart, entries, now);
  return {
    slug: config.slug,
    story: config.story,
    status: config.status,
    entryCount: published.length,
    ...(coverageStart ? { coverageStart } : {}),
    ...(config.coverageEnd ? { coverageEnd: config.coverageEnd } : {}),
    ...(latest ? { latest } : {}),
  };
}

/**
 * Ids are unique across the newsroom: entry ids across stories, story ids and the newsroom's. A
 * duplicate within one story is the story compile's (E_ID_DUPLICATE there too); this names both files.
 */
function duplicateIds(sources: readonly SourceFile[], newsroom: Story): { diagnostics: Diagnostic[]; seen: ReadonlySet<string> } {
  const seen = new Map<string, string>([[newsroom.id, '_newsroom.md']]);
  const out: Diagnostic[] = [];
  const sorted = [...sources].filter((s) => s.path.includes('/')).sort((a, b) => compareStrings(a.path, b.path));
  for (const source of sorted) {
    const fm = parseFrontMatter(source);
    const field = fm.entry?.fields.get('id');
    if (!field || typeof field.value !== 'string') continue;
    const id = field.value.trim();
    const first = seen.get(id);
    const folder = (p: string) => p.slice(0, p.indexOf('/') + 1);
    if (first === undefined) seen.set(id, source.path);
    else if (folder(first) !== folder(source.path)) {
      out.push(diagnostic(source.path, field.valueAt, 'E_ID_DUPLICATE', `id \`${id}\` is already used by ${first}`, 'ids are unique across the whole newsroom: give this one its own', 'id'));
    }
  }
  return { diagnostics: out, seen: new Set(seen.keys()) };
}

/**
 * Published entries of a story folder that is gone (deleted, not renamed: ids found in another
 * folder are a move) are E_ID_VANISHED, as a deleted entry of a story is: removing a folder must
 * not unpublish a story unsaid. A folder still there is its story compile's to check.
 */
function vanishedStories(ledger: Ledger, input: NewsroomCompileInput, ids: ReadonlySet<string>): Diagnostic[] {
  const present = new Set([...input.sources.map((s) => s.path), ...(input.readDiagnostics ?? []).map((d) => d.file)].flatMap((p) => (p.includes('/') ? [p.slice(0, p.indexOf('/'))] : [])));
  return Object.entries(ledger.ids)
    .filter(([id, r]) => r.path.includes('/') && !present.has(r.path.slice(0, r.path.indexOf('/'))) && !ids.has(id))
    .map(([id, r]) => diagnostic(r.path, FILE_START, 'E_ID_VANISHED', `the entry \`${id}\`, published ${r.published}, is gone from the entries folder with its story folder \`${r.path.slice(0, r.path.indexOf('/') + 1)}\``, 'restore the story folder; to withdraw published entries keep them and add `retracted: {at, reason}` (readers then get a tombstone)', 'id'));
}
