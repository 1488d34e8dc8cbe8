// A newsroom of stories: the layout of the entries folder (one story, or `_newsroom.md` with one
// folder per story) and each story's settings, inherited from the newsroom's. Pure: SourceFile[]
// in, a layout and diagnostics out.

import { formatRfc3339 } from './dates.js';
import { compareStrings, diagnostic, FILE_START, hasErrors, type Diagnostic } from './diagnostics.js';
import { FieldReader } from './field-reader.js';
import { parseFrontMatter } from './front-matter.js';
import { NEWSROOM_FILE, STORY_FILE } from './links.js';
import { normalizeStory, STORY_FIELDS } from './normalize.js';
import type { EntryMeta, Position, RawEntry, RawField, SourceFile, Story, StoryStatus } from './types.js';

export { NEWSROOM_FILE };

/** A story folder's name: it becomes a path segment of every URL of the story. */
export const STORY_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A story's lifecycle fields: read apart from the others, never inherited from `_newsroom.md`. */
export const STORY_LIFECYCLE_FIELDS = ['status', 'coverage_start', 'coverage_end'] as const;

/** What a story does not inherit from the newsroom: its identity. */
const OWN_FIELDS = new Set(['id', 'title', 'description']);

/** What only `_newsroom.md` may set: one `storyfeed start` schedules and publishes the whole newsroom by it. */
const NEWSROOM_ONLY_FIELDS = ['schedule', 'publish'] as const;
/** What a newsroom story's `_story.md` may set (an unknown field's hint lists them): not the newsroom's own. */
const NEWSROOM_STORY_FIELDS = STORY_FIELDS.filter((f) => !(NEWSROOM_ONLY_FIELDS as readonly string[]).includes(f));

export type { StoryStatus };

export interface StoryConfig {
  /** The folder's name, and the story's path segment under the newsroom. */
  readonly slug: string;
  /** The story as the per-story compile takes it (path `_story.md`, relative to its folder). */
  readonly story: Story;
  readonly status: StoryStatus;
  /** As written; compileNewsroom defaults it to the first entry's publication. */
  readonly coverageStart?: Date;
  readonly coverageEnd?: Date;
  /** Where `coverage_end` stands (diagnostics that need the entries: newsroom-compile.ts). */
  readonly coverageEndAt?: Position;
  /** Where `feed_base` stands when the story writes one (absent: the newsroom's plus `<slug>/`). */
  readonly feedBaseAt?: Position;
}

/** What the front page, stories.json and the OPML say of a story (newsroom-compile.ts makes it). */
export interface StorySummary {
  readonly slug: string;
  readonly story: Story;
  readonly status: 'live' | 'ended';
  /** Published entries at `now` (not retracted). */
  readonly entryCount: number;
  /** As written, or the first entry's publication. */
  readonly coverageStart?: Date;
  readonly coverageEnd?: Date;
  /** The newest published entry. */
  readonly latest?: EntryMeta;
}

export type Layout =
  | { readonly kind: 'story'; readonly diagnostics: readonly Diagnostic[] }
  | { readonly kind: 'newsroom'; readonly diagnostics: readonly Diagnostic[] };

/**
 * Which layout the sources have: `_newsroom.md` at the root makes a newsroom; `_story.md` (or
 * neither) a single story; both are E_LAYOUT. A file the reader could not read counts as present.
 */
export function detectLayout(sources: readonly SourceFile[], readDiagnostics: readonly Diagnostic[] = []): Layout {
  const present = (name: string) => sources.some((s) => s.path === name) || readDiagnostics.some((d) => d.file === name);
  if (!present(NEWSROOM_FILE)) return { kind: 'story', diagnostics: [] };
  if (!present(STORY_FILE)) return { kind: 'newsroom', diagnostics: [] };
  return {
    kind: 'newsroom',
    diagnostics: [
      diagnostic(STORY_FILE, FILE_START, 'E_LAYOUT', 'the entries folder has both `_story.md` and `_newsroom.md`', 'keep one: `_story.md` for a single story, or `_newsroom.md` with one folder per story (move `_story.md` and its entries into `<slug>/`)'),
    ],
  };
}

/** The sources of one story folder, relative to it (`slug/a.md` → `a.md`). */
export interface StoryFolder {
  readonly slug: string;
  readonly sources: readonly SourceFile[];
  readonly readDiagnostics: readonly Diagnostic[];
}

/**
 * The newsroom's sources split by folder: `_newsroom.md`, and each story folder's files relative to
 * it. Entries at the root, folders that are not slugs, and folders without `_story.md` are
 * diagnostics (their files are left out).
 */
/** `parsedIn`: story folders whose entries were parsed already (compileNewsroom's `parsed`), as folders with files. */
export function splitNewsroom(sources: readonly SourceFile[], readDiagnostics: readonly Diagnostic[] = [], parsedIn: Iterable<string> = []): { newsroom?: SourceFile; folders: StoryFolder[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const bySlug = new Map<string, { sources: SourceFile[]; readDiagnostics: Diagnostic[] }>();
  const folderOf = (file: string) => {
    const slash = file.indexOf('/');
    return slash === -1 ? undefined : { slug: file.slice(0, slash), rest: file.slice(slash + 1) };
  };
  const group = (slug: string) => {
    let g = bySlug.get(slug);
    if (!g) bySlug.set(slug, (g = { sources: [], readDiagnostics: [] }));
    return g;
  };
  let newsroom: SourceFile | undefined;
  for (const source of sources) {
    const at = folderOf(source.path);
    if (at) group(at.slug).sources.push({ ...source, path: at.rest });
    else if (source.path === NEWSROOM_FILE) newsroom = source;
    else if (source.path !== STORY_FILE) {
      diagnostics.push(diagnostic(source.path, FILE_START, 'E_NEWSROOM_ROOT_ENTRY', `\`${source.path}\` stands at the newsroom's root, where only \`_newsroom.md\` belongs`, `move it into a story folder, e.g. \`<slug>/${source.path}\``));
    }
  }
  for (const slug of parsedIn) group(slug);
  for (const d of readDiagnostics) {
    const at = folderOf(d.file);
    if (at) group(at.slug).readDiagnostics.push({ ...d, file: at.rest });
    else diagnostics.push(d);
  }
  const folders: StoryFolder[] = [];
  for (const [slug, g] of [...bySlug].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // A problem with the folder itself (a link out of the entries folder, unreadable): its own diagnostic, not "no `_story.md`".
    const ofFolder = g.readDiagnostics.filter((d) => d.file === '');
    if (ofFolder.length > 0) {
      diagnostics.push(...ofFolder.map((d) => ({ ...d, file: `${slug}/` })));
      continue;
    }
    if (!STORY_SLUG.test(slug)) {
      diagnostics.push(diagnostic(`${slug}/`, FILE_START, 'E_STORY_SLUG', `the story folder \`${slug}\` is not a slug`, `rename it with lowercase letters, digits and hyphens only, e.g. \`${suggestSlug(slug)}\` (it is part of the story's URLs)`));
      continue;
    }
    const hasStory = g.sources.some((s) => s.path === STORY_FILE) || g.readDiagnostics.some((d) => d.file === STORY_FILE);
    if (!hasStory) {
      diagnostics.push(diagnostic(`${slug}/${STORY_FILE}`, FILE_START, 'E_STORY_FOLDER', `the story folder \`${slug}\` has no \`_story.md\``, `add \`${slug}/_story.md\` with the story's id, title and description (the rest is inherited from \`_newsroom.md\`)`));
      continue;
    }
    folders.push({ slug, sources: g.sources, readDiagnostics: g.readDiagnostics });
  }
  return { ...(newsroom ? { newsroom } : {}), folders, diagnostics };
}

function suggestSlug(name: string): string {
  // Accents dropped, not the letters they sit on (`Café` → `cafe`), as skeleton.ts's slugOf does.
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'story';
}

/** What a stand-in newsroom holds where `_newsroom.md` gives nothing usable (standInNewsroom): required fields only. */
const STAND_IN: Readonly<Record<string, unknown>> = { id: 'tag:storyfeed.invalid,2000:newsroom', title: 'Newsroom', description: 'Newsroom.', feed_base: 'https://storyfeed.invalid/', authors: ['Newsroom'] };

/**
 * A broken `_newsroom.md` fails the build, but every story inherits from it: so that one error
 * there does not hide every other one (exit code table: every problem is printed), the stories are
 * checked against a stand-in, the newsroom's front matter without its faulty fields (`problems`
 * name them), required ones filled with placeholders. Nothing is ever built from it. Undefined
 * when the front matter does not parse at all.
 */
export function standInNewsroom(source: SourceFile, problems: readonly Diagnostic[]): { newsroom: Story; raw: RawEntry } | undefined {
  const fm = parseFrontMatter(source);
  if (!fm.entry) return undefined;
  const faulty = new Set(problems.flatMap((d) => (d.field ? [d.field.split(/[.[]/)[0]!] : [])));
  const fields = new Map([...splitLifecycle(fm.entry.fields).own].filter(([name]) => !faulty.has(name) && (STORY_FIELDS as readonly string[]).includes(name)));
  for (const [name, value] of Object.entries(STAND_IN)) if (!fields.has(name)) fields.set(name, { value, keyAt: FILE_START, valueAt: FILE_START });
  const raw = { ...fm.entry, fields };
  const n = normalizeStory(raw, STORY_LIFECYCLE_FIELDS);
  return n.value ? { newsroom: n.value, raw } : undefined;
}

/** `_newsroom.md`: the fields of `_story.md`; its body is the front page's introduction. */
export function parseNewsroom(source: SourceFile): { newsroom?: Story; raw?: RawEntry; diagnostics: Diagnostic[] } {
  const fm = parseFrontMatter(source);
  if (!fm.entry) return { diagnostics: [...fm.diagnostics] };
  // A lifecycle is a story's, never the newsroom's (nor inherited from it); a typo of one is guessed as one.
  const { own, lifecycle } = splitLifecycle(fm.entry.fields);
  const n = normalizeStory({ ...fm.entry, fields: own }, STORY_LIFECYCLE_FIELDS);
  const misplaced = [...lifecycle].map(([name, field]) =>
    diagnostic(source.path, field.keyAt, 'E_FIELD_UNKNOWN', `\`${name}\` belongs in a story's \`_story.md\`, not in \`${NEWSROOM_FILE}\``, `move it into \`<slug>/_story.md\` of the story it describes: each story has its own status and coverage times`, name),
  );
  const diagnostics = [...n.diagnostics, ...misplaced];
  return { diagnostics, ...(n.value && misplaced.length === 0 ? { newsroom: n.value, raw: { ...fm.entry, fields: own } } : {}) };
}

/**
 * `_newsroom.md` as a run builds with it. Service mode passes its last good version: a broken file
 * is stood in for by it (as a story's `_story.md` and an entry are), so that a slip in the
 * newsroom's settings does not stop every story; its problems are said all the same. `settings` is
 * the file the newsroom was built with (absent when neither parses).
 */
export function parseNewsroomSettings(source: SourceFile, lastGood?: SourceFile): ReturnType<typeof parseNewsroom> & { settings?: SourceFile } {
  const parsed = parseNewsroom(source);
  if (parsed.newsroom || !lastGood) return parsed.newsroom ? { ...parsed, settings: source } : parsed;
  const settings = { ...lastGood, path: source.path };
  const kept = parseNewsroom(settings);
  return kept.newsroom && kept.raw && !hasErrors(kept.diagnostics) ? { newsroom: kept.newsroom, raw: kept.raw, diagnostics: parsed.diagnostics, settings } : parsed;
}

/** A folder's `<slug>/` appended to a base URL (which may lack its final slash). */
export function storyUrl(base: string, slug: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}${slug}/`;
}

/**
 * A story's `_story.md` (path relative to its folder) with the newsroom's fields under it: every
 * field but id, title and description is inherited unless the story writes it; home_page and
 * feed_base default to the newsroom's plus `<slug>/`. Diagnostics name `<slug>/_story.md`.
 */
export function parseStoryConfig(source: SourceFile, slug: string, newsroom: Story, newsroomRaw: RawEntry): { config?: StoryConfig; diagnostics: Diagnostic[] } {
  const inFolder = (d: Diagnostic): Diagnostic => ({ ...d, file: `${slug}/${d.file}` });
  const fm = parseFrontMatter(source);
  // Named as the story's own file (`<slug>/_story.md`), as its field problems are: an `_story.md` at the root is E_LAYOUT.
  if (!fm.entry) return { diagnostics: fm.diagnostics.map(inFolder) };
  const raw = fm.entry;
  const { own, lifecycle } = splitLifecycle(raw.fields);
  const merged = new Map<string, RawField>();
  for (const [name, field] of newsroomRaw.fields) if (!OWN_FIELDS.has(name)) merged.set(name, field);
  const derived = (value: string): RawField => ({ value, keyAt: FILE_START, valueAt: FILE_START });
  merged.set('home_page', derived(storyUrl(newsroom.homePage, slug)));
  merged.set('feed_base', derived(storyUrl(newsroom.feedBase, slug)));
  for (const [name, field] of own) merged.set(name, field);
  // Neither inherited nor the story's own (reported below): the service runs every story by the newsroom's.
  for (const name of NEWSROOM_ONLY_FIELDS) merged.delete(name);
  const n = normalizeStory({ ...raw, fields: merged }, STORY_LIFECYCLE_FIELDS, NEWSROOM_STORY_FIELDS);

  const life = readLifecycle(raw, lifecycle);
  // A story's own schedule or publish target would be silently ignored by the service: said instead.
  const newsroomOnly = NEWSROOM_ONLY_FIELDS.flatMap((name) => {
    const field = own.get(name);
    return field ? [diagnostic(source.path, field.keyAt, 'E_FIELD_UNKNOWN', `\`${name}\` is the newsroom's: one \`storyfeed start\` runs every story by \`${NEWSROOM_FILE}\``, `set \`${name}\` in \`${NEWSROOM_FILE}\`, and remove it here`, name)] : [];
  });
  const diagnostics = [...n.diagnostics, ...life.diagnostics, ...newsroomOnly].map(inFolder);
  if (!n.value || !life.value) return { diagnostics };
  const { status, coverageStart, coverageEnd, coverageEndAt } = life.value;
  const feedBaseAt = own.get('feed_base')?.valueAt;
  return { config: { slug, story: withLifecycle(n.value, life.value), status, ...(coverageStart ? { coverageStart } : {}), ...(coverageEnd ? { coverageEnd } : {}), ...(coverageEndAt ? { coverageEndAt } : {}), ...(feedBaseAt ? { feedBaseAt } : {}) }, diagnostics };
}

export interface Lifecycle {
  readonly status: StoryStatus;
  readonly coverageStart?: Date;
  readonly coverageEnd?: Date;
  readonly coverageEndAt?: Position;
}

/** A `_story.md`'s fields split: its lifecycle's (STORY_LIFECYCLE_FIELDS) and the others (normalizeStory's). */
export function splitLifecycle(fields: ReadonlyMap<string, RawField>): { own: Map<string, RawField>; lifecycle: Map<string, RawField> } {
  const own = new Map<string, RawField>();
  const lifecycle = new Map<string, RawField>();
  for (const [name, field] of fields) ((STORY_LIFECYCLE_FIELDS as readonly string[]).includes(name) ? lifecycle : own).set(name, field);
  return { own, lifecycle };
}

/** `status` (live | ended, default live), `coverage_start`, `coverage_end` (required once ended, not before the start). */
export function readLifecycle(raw: RawEntry, lifecycle: ReadonlyMap<string, RawField>): { value?: Lifecycle; diagnostics: Diagnostic[] } {
  const r = new FieldReader({ ...raw, fields: new Map(lifecycle) }, STORY_LIFECYCLE_FIELDS);
  let status: StoryStatus = 'live';
  const statusField = r.rawField('status', false, '`live` or `ended`');
  if (statusField) {
    if (statusField.value === 'live' || statusField.value === 'ended') status = statusField.value;
    else r.report(statusField.valueAt, 'E_STORY_STATUS', `\`status\` is \`${String(statusField.value)}\``, 'write `status: live` (the default) or `status: ended`', 'status');
  }
  const coverageStart = r.date('coverage_start', false);
  const coverageEnd = r.date('coverage_end', false);
  const coverageEndAt = lifecycle.get('coverage_end')?.valueAt;
  if (status === 'ended' && !coverageEnd && !lifecycle.has('coverage_end')) {
    r.report(lifecycle.get('status')?.valueAt ?? FILE_START, 'E_COVERAGE', 'an ended story needs `coverage_end`', 'add `coverage_end:` with the time coverage ended (RFC 3339 with an offset)', 'coverage_end');
  }
  if (coverageStart && coverageEnd && coverageEnd.getTime() < coverageStart.getTime()) {
    r.report(coverageEndAt ?? FILE_START, 'E_COVERAGE', '`coverage_end` is before `coverage_start`', 'coverage ends at or after it starts: fix either time', 'coverage_end');
  }
  if (r.diagnostics.length > 0) return { diagnostics: r.diagnostics };
  // schema.org LiveBlogPosting: coverageEndTime is given once the story has ended (issue 14), so a
  // live story's coverage_end is shown nowhere yet: said, not silently dropped (a forgotten `status: ended`?).
  const waiting =
    status === 'live' && coverageEnd
      ? [diagnostic(raw.path, coverageEndAt ?? FILE_START, 'W_COVERAGE_LIVE', 'the story is live, so `coverage_end` is not shown (nor given as coverageEndTime) until `status: ended`', 'set `status: ended` if coverage has ended; otherwise remove `coverage_end` until it does', 'coverage_end')]
      : [];
  return { value: { status, ...(coverageStart ? { coverageStart } : {}), ...(coverageEnd ? { coverageEnd } : {}), ...(coverageEndAt ? { coverageEndAt } : {}) }, diagnostics: waiting };
}

/** The story with its lifecycle: the pages and their structured data read it from the story (live is the default, left out). */
export function withLifecycle(story: Story, life: Lifecycle): Story {
  return {
    ...story,
    ...(life.status === 'ended' ? { status: life.status } : {}),
    ...(life.coverageStart ? { coverageStart: life.coverageStart } : {}),
    ...(life.coverageEnd ? { coverageEnd: life.coverageEnd } : {}),
  };
}

/** A development (published or scheduled; drafts aside) that comes after `coverageEnd`. */
const isAfterCoverageEnd = (entry: EntryMeta, coverageEnd: Date) => !entry.draft && entry.published.getTime() > coverageEnd.getTime();

/**
 * `coverage_end` before the coverage start (coverageStartOf), or before a development of the story
 * (published or scheduled; drafts aside) is E_COVERAGE at `coverage_end` in `file` (a newsroom's
 * `<slug>/_story.md` or a single story's `_story.md`): the page would say "Coverage ended" above a
 * later development, and schema.org's coverageEndTime would precede a liveBlogUpdate.
 * readLifecycle checks the end against a written start; this one needs the entries, so it runs
 * once they are compiled. `prefix` qualifies the entry paths it names (a newsroom's `<slug>/`).
 */
export function validateCoverageEnd(file: string, coverageEnd: Date | undefined, at: Position | undefined, start: Date | undefined, entries: readonly EntryMeta[] = [], prefix = ''): Diagnostic[] {
  if (!coverageEnd) return [];
  if (start && coverageEnd.getTime() < start.getTime()) {
    return [diagnostic(file, at ?? FILE_START, 'E_COVERAGE', "`coverage_end` is before the story's first entry (its coverage start)", 'set `coverage_end` at or after the first entry, or set `coverage_start`', 'coverage_end')];
  }
  const later = entries.filter((e) => isAfterCoverageEnd(e, coverageEnd)).sort((a, b) => b.published.getTime() - a.published.getTime() || compareStrings(a.path, b.path))[0];
  if (!later) return [];
  return [
    diagnostic(
      file,
      at ?? FILE_START,
      'E_COVERAGE',
      `\`coverage_end\` (${formatRfc3339(coverageEnd)}) is before \`${prefix}${later.path}\` is published (${formatRfc3339(later.published)})`,
      'set `coverage_end` at or after the last development, or `status: live` while coverage goes on',
      'coverage_end',
    ),
  ];
}

/**
 * Service mode: each development published after the story's `coverage_end` (drafts aside), as a
 * problem of its own file, so that the service holds it back as it holds back a bad entry (its last
 * good version kept) rather than publish it under "Coverage ended". `build` fails at `coverage_end`
 * instead (validateCoverageEnd).
 */
export function entriesAfterCoverageEnd(story: Story, entries: readonly EntryMeta[], publishedAt: (path: string) => Position | undefined): Diagnostic[] {
  const end = story.coverageEnd;
  if (!end) return [];
  return entries
    .filter((entry) => isAfterCoverageEnd(entry, end))
    .map((entry) =>
      diagnostic(
        entry.path,
        publishedAt(entry.path) ?? FILE_START,
        'E_COVERAGE',
        `published (${formatRfc3339(entry.published)}) after the story's \`coverage_end\` (${formatRfc3339(end)}): held back while its coverage ends before it`,
        'set `coverage_end` at or after it, or (coverage goes on) `status: live` without `coverage_end`',
        'published',
      ),
    );
}

/**
 * Stories whose own `feed_base` is the newsroom's, or another story's, or lies inside or around
 * one: their feeds, pages and self links would name the same URLs as the other's (a feed's self
 * link must name its own location). Each is reported at its `feed_base`; an inherited one (the
 * newsroom's plus `<slug>/`) is never the one at fault.
 */
export function feedBaseClashes(newsroom: Story, configs: readonly StoryConfig[]): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const c of configs) {
    if (!c.feedBaseAt) continue;
    const base = c.story.feedBase;
    const report = (what: string) =>
      out.set(c.slug, [...(out.get(c.slug) ?? []), diagnostic(`${c.slug}/${STORY_FILE}`, c.feedBaseAt!, 'E_URL_INVALID', `\`feed_base\` ${base} ${what}: their feeds would claim the same URLs`, `give the story a feed_base of its own, or leave it out to publish at ${storyUrl(newsroom.feedBase, c.slug)}`, 'feed_base')]);
    if (base === newsroom.feedBase) {
      report("is the newsroom's own `feed_base`");
      continue;
    }
    for (const o of configs) {
      if (o === c) continue;
      const other = o.story.feedBase;
      if (other === base) report(`is also story \`${o.slug}\`'s`);
      else if (base.startsWith(other) || other.startsWith(base)) report(`lies ${base.startsWith(other) ? 'inside' : 'around'} story \`${o.slug}\`'s (${other})`);
    }
  }
  return out;
}
