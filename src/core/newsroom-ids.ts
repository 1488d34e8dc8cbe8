// Identity across a newsroom's stories (core/newsroom-compile.ts): ids unique across every story,
// which file keeps an id that two claim (the one the ledger published it from), the id each story
// folder's feeds went out with, and published entries whose story folder is gone or moved.

import { compareStrings, diagnostic, FILE_START, hasErrors, type Diagnostic } from './diagnostics.js';
import { parseFrontMatter } from './front-matter.js';
import { feedIdsTaken, publishedFrom, recordedFeedIds, recordedStoryId, SINGLE_STORY, type Ledger } from './ledger.js';
import { STORY_FILE } from './links.js';
import { parseStoryConfig, STORY_SLUG, type StoryConfig } from './newsroom.js';
import type { ParsedSource } from './parse-sources.js';
import type { Position, RawEntry, SourceFile, Story } from './types.js';

/**
 * Ids are unique across the newsroom: entry ids across stories, story ids and the newsroom's. A
 * duplicate within one story is the story compile's (E_ID_DUPLICATE there too); this names both files.
 */
export function duplicateIds(sources: readonly SourceFile[], newsroom: Story | undefined, parsed: ReadonlyMap<string, ParsedSource> | undefined, ledger: Ledger): { diagnostics: Diagnostic[]; moved: Diagnostic[]; renamed: Diagnostic[]; movedFrom: ReadonlySet<string>; moves: ReadonlyMap<string, string>; seen: ReadonlyMap<string, string> } {
  // No newsroom: its id is refused already (newsroom-compile.ts), and is not said again here.
  const seen = new Map<string, string>(newsroom ? [[newsroom.id, '_newsroom.md']] : []);
  const out: Diagnostic[] = [];
  // A file parsed already says its entry's id (one that did not parse says none: its own error fails it).
  const ids: Array<{ path: string; id: string; at: Position }> = [];
  for (const [path, p] of parsed ?? []) if (p.entry && path.includes('/')) ids.push({ path, id: p.entry.id, at: p.idAt ?? FILE_START });
  for (const source of sources) {
    if (!source.path.includes('/') || parsed?.has(source.path)) continue;
    const field = parseFrontMatter(source).entry?.fields.get('id');
    if (field && typeof field.value === 'string') ids.push({ path: source.path, id: field.value.trim(), at: field.valueAt });
  }
  const folder = (p: string) => p.slice(0, p.indexOf('/') + 1);
  // A story that has published keeps its id against a newcomer (its feeds carry it), as a published entry does.
  const storiesOut = new Set(Object.values(ledger.ids).map((r) => folder(r.path)));
  const from = publishedFrom(ledger);
  const storyOut = (p: string) => Number(p.endsWith(`/${STORY_FILE}`) && storiesOut.has(folder(p)));
  // First the file the ledger says published the id (an entry, or a story's feeds): an edit that
  // gives a story another's id, or a published entry's, is the one told to change it. Then as
  // publishedFirst. Each file's rank is taken once, not per comparison (10,000 ids in a newsroom).
  const ownerOf = idOwners(ledger);
  const rank = new Map(ids.map((e) => [e, Number(ownerOf(e.id) === e.path) * 4 + storyOut(e.path) * 2 + from(e)]));
  ids.sort((a, b) => rank.get(b)! - rank.get(a)! || compareStrings(a.path, b.path));
  const present = new Set([...sources.map((s) => s.path), ...(parsed?.keys() ?? [])]);
  const folders = new Set([...present].map(folder));
  const moved: Diagnostic[] = [];
  const renamed = new Map<string, string>();
  for (const { path, id, at } of ids) {
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, path);
      const record = ledger.ids[id];
      if (record && folder(record.path) !== folder(path) && !present.has(record.path)) {
        // Only while the story it was published in is still there: a story folder renamed whole
        // (to a folder that has published nothing) is a move.
        if (folders.has(folder(record.path))) {
          moved.push(diagnostic(path, at, 'E_ID_DUPLICATE', `id \`${id}\` was published in \`${folder(record.path)}\` (${record.path}, no longer there)`, 'a published development stays in its story: move the file back; for this story, write a new entry with an id of its own', 'id'));
        } else if (!storiesOut.has(folder(path)) && STORY_SLUG.test(folder(path).slice(0, -1))) {
          // (A folder renamed to no slug is no story: E_STORY_SLUG says so, and its files are kept.)
          renamed.set(folder(record.path), folder(path));
        }
      }
    } else if (folder(first) !== folder(path)) {
      out.push(diagnostic(path, at, 'E_ID_DUPLICATE', `id \`${id}\` is already used by ${first}`, 'ids are unique across the whole newsroom: give this one its own', 'id'));
    }
  }
  // A move keeps every id, but not the story's URLs (its folder names them): said before it goes out.
  const renames = [...renamed].map(([from, to]) =>
    diagnostic(`${to}${STORY_FILE}`, FILE_START, 'W_STORY_MOVED', `the story folder \`${from}\` is now \`${to}\`: its feeds and pages move to the new folder's URLs, and the old ones are deleted`, `readers subscribed to the old feeds get no more updates: to keep its URLs, rename the folder back to \`${from}\``),
  );
  // Feed ids of stories no longer here (a record outlives its folder) and of the single story this
  // folder held: no entry takes them. Those of stories here and the newsroom's are `seen` above.
  const entryIds = ids.filter((e) => !e.path.endsWith(`/${STORY_FILE}`));
  out.push(...feedIdsTaken(recordedFeedIds(ledger, { story: (slug) => slug === SINGLE_STORY || !folders.has(`${slug}/`), newsroom: false }), entryIds, new Map(entryIds.map((e) => [e.path, e.at]))));
  const moves = new Map([...renamed].map(([from, to]) => [from.slice(0, -1), to.slice(0, -1)]));
  return { diagnostics: out, moved, renamed: renames, movedFrom: new Set(moves.keys()), moves, seen };
}

/**
 * The settings a story is built with: its `_story.md` (`source`, path `_story.md`) when that gives a
 * config; else, given the last good versions (service mode), the last good one that still parses
 * (`kept`). The build reads its stories' settings with it and compileNewsroom judges them with it,
 * so that both take the same file.
 */
export function storySettings(source: SourceFile | undefined, slug: string, newsroom: Story, raw: RawEntry, lastGood: ReadonlyMap<string, SourceFile> | undefined): { config?: StoryConfig; diagnostics: Diagnostic[]; settings?: SourceFile; kept?: true } {
  const parsed: { config?: StoryConfig; diagnostics: Diagnostic[]; settings?: SourceFile } = source ? { ...parseStoryConfig(source, slug, newsroom, raw), settings: source } : { diagnostics: [] };
  if (parsed.config || !lastGood) return parsed;
  const kept = keptSettings(lastGood, slug, newsroom, raw);
  return kept ? { config: kept.config, diagnostics: parsed.diagnostics, settings: kept.settings, kept: true } : parsed;
}

/** A story's last good `_story.md` (service mode), when it still parses (and, given `seen`, its id is no other file's). */
export function keptSettings(lastGood: ReadonlyMap<string, SourceFile> | undefined, slug: string, newsroom: Story, raw: RawEntry, seen?: ReadonlyMap<string, string>): { config: StoryConfig; settings: SourceFile } | undefined {
  const previous = lastGood?.get(`${slug}/${STORY_FILE}`);
  if (!previous) return undefined;
  const settings = { ...previous, path: STORY_FILE };
  const { config, diagnostics } = parseStoryConfig(settings, slug, newsroom, raw);
  return config && !hasErrors(diagnostics) && !seen?.has(config.story.id) ? { config, settings } : undefined;
}

/**
 * The id each story folder's feeds went out with: this run's stories that are out, and every record
 * before (a story left out, not out now, or its folder or `_story.md` deleted: a new story there is
 * still a changed id). Only a story moved to another folder takes its record along.
 */
export function storyIds(ledger: Ledger, movedFrom: ReadonlySet<string>, out: readonly { readonly slug: string; readonly config: StoryConfig }[]): Record<string, string> {
  const before = ledger.stories ?? {};
  const ids: Record<string, string> = {};
  for (const [slug, id] of Object.entries(before)) if (!movedFrom.has(slug)) ids[slug] = id;
  for (const s of out) ids[s.slug] = s.config.story.id;
  return ids;
}

/**
 * A published entry whose file left its story for another story's folder: its story's compile says
 * it is gone (E_ID_VANISHED), which is true of the story but not of the newsroom; said as a move,
 * naming where it is. A development stays in its story: its page, feeds and anchors are there.
 */
export function movedEntry(d: Diagnostic, ledger: Ledger, seen: ReadonlyMap<string, string>): Diagnostic {
  if (d.code !== 'E_ID_VANISHED') return d;
  const found = Object.entries(ledger.ids).find(([, r]) => r.path === d.file);
  const now = found && seen.get(found[0]);
  if (!found || !now || now === d.file) return d;
  const [id, record] = found;
  const folder = d.file.slice(0, d.file.indexOf('/') + 1);
  return {
    ...d,
    message: `the entry \`${id}\`, published ${record.published} in \`${folder}\`, moved to ${now}: a published development stays in its story (its page and feeds are there)`,
    hint: `move it back into \`${folder}\`; to cover it in the other story too, write a new entry there with an id of its own (and retract this one here, if it is withdrawn)`,
  };
}

/**
 * Published entries of a story folder that is gone (deleted, not renamed: ids found in another
 * folder are a move) are E_ID_VANISHED, as a deleted entry of a story is: removing a folder must
 * not unpublish a story unsaid. A folder still there is its story compile's to check.
 */
export function vanishedStories(ledger: Ledger, input: { readonly sources: readonly SourceFile[]; readonly readDiagnostics?: readonly Diagnostic[] }, ids: ReadonlyMap<string, string>): Diagnostic[] {
  const present = new Set([...input.sources.map((s) => s.path), ...(input.readDiagnostics ?? []).map((d) => d.file)].flatMap((p) => (p.includes('/') ? [p.slice(0, p.indexOf('/'))] : [])));
  return Object.entries(ledger.ids)
    .filter(([id, r]) => r.path.includes('/') && !present.has(r.path.slice(0, r.path.indexOf('/'))) && !ids.has(id))
    .map(([id, r]) => diagnostic(r.path, FILE_START, 'E_ID_VANISHED', `the entry \`${id}\`, published ${r.published}, is gone from the entries folder with its story folder \`${r.path.slice(0, r.path.indexOf('/') + 1)}\``, 'restore the story folder; to withdraw published entries keep them and add `retracted: {at, reason}` (readers then get a tombstone)', 'id'));
}

/**
 * A story folder whose `_story.md` no longer has the id its feeds went out with (the ledger's
 * `stories`): E_ID_CHANGED, as for an entry, since readers and aggregators know a feed by its id.
 * A folder emptied and filled with another story, or two folders swapped, would otherwise publish
 * one story's developments under another's id and title. Service mode builds the folder with its
 * last good `_story.md` while that one has the published id (its sources given back with it).
 */
export function storyIdChanges(sources: readonly SourceFile[], ledger: Ledger, lastGood: ReadonlyMap<string, SourceFile> | undefined): { sources: readonly SourceFile[]; diagnostics: Diagnostic[]; kept: string[]; refused: string[]; held: Diagnostic[] } {
  const published = ledger.stories;
  if (!published) return { sources, diagnostics: [], kept: [], refused: [], held: [] };
  const diagnostics: Diagnostic[] = [];
  const kept: string[] = [];
  const refused: string[] = [];
  const out = sources.map((source) => {
    const slug = source.path.endsWith(`/${STORY_FILE}`) ? source.path.slice(0, -STORY_FILE.length - 1) : '';
    // A single story's record (the layout before this newsroom) is not a story folder's.
    if (slug === SINGLE_STORY || slug.includes('/') || !Object.hasOwn(published, slug)) return source;
    const was = published[slug]!;
    const now = storyIdOf(source);
    if (!now || now.id === was) return source;
    diagnostics.push(diagnostic(source.path, now.at, 'E_ID_CHANGED', `the story \`${slug}\` went out with the id \`${was}\`; its ${STORY_FILE} now says \`${now.id}\``, `put the id back to \`${was}\`: readers know the story's feeds by it. Another story goes in a folder of its own (a folder renamed for it: build once after the rename, then reuse the old name)`, 'id'));
    const previous = lastGood?.get(source.path);
    if (!previous || storyIdOf(previous)?.id !== was) {
      refused.push(slug);
      return source;
    }
    kept.push(source.path);
    return { ...previous, path: source.path };
  });
  // In a folder built with its last good `_story.md` for this, a file the ledger did not publish from
  // there is held back: it may be the new story's, and must never go out in the old one's feeds.
  const disputed = new Set(kept.map((p) => p.slice(0, -STORY_FILE.length)));
  const fromThere = new Set(Object.values(ledger.ids).map((r) => r.path));
  const held = out
    .filter((s) => !s.path.endsWith(`/${STORY_FILE}`) && disputed.has(s.path.slice(0, s.path.indexOf('/') + 1)) && !fromThere.has(s.path))
    .map((s) => diagnostic(s.path, FILE_START, 'E_ID_CHANGED', `held back: \`${s.path.slice(0, s.path.indexOf('/') + 1)}${STORY_FILE}\` no longer has the id its story went out with, so this development's story is in doubt`, `put the story's id back, or move this file into a folder of its own with its new ${STORY_FILE}`, 'id'));
  return { sources: out, diagnostics, kept, refused, held };
}

/**
 * A story folder renamed (a move: W_STORY_MOVED) takes its feeds' id along: a `_story.md` there
 * with another id is E_ID_CHANGED, as in its old folder. Found from outside: renamed and given a
 * new id in one step, a story changed its feeds' id silently and left its old id and URLs to the
 * next story made in the old folder. `refused`: the new folders, whose stories are not built.
 */
export function movedStoryIdChanges(sources: readonly SourceFile[], ledger: Ledger, moves: ReadonlyMap<string, string>): { diagnostics: Diagnostic[]; refused: string[] } {
  const diagnostics: Diagnostic[] = [];
  const refused: string[] = [];
  for (const [from, to] of moves) {
    const was = recordedStoryId(ledger, from);
    const source = sources.find((s) => s.path === `${to}/${STORY_FILE}`);
    const now = source ? storyIdOf(source) : undefined;
    if (was === undefined || !now || now.id === was) continue;
    diagnostics.push(diagnostic(`${to}/${STORY_FILE}`, now.at, 'E_ID_CHANGED', `the story moved from \`${from}/\` went out with the id \`${was}\`; its ${STORY_FILE} now says \`${now.id}\``, `put the id back to \`${was}\`: readers know the story's feeds by it. A new story goes in a folder of its own, with its own id`, 'id'));
    refused.push(to);
  }
  return { diagnostics, refused };
}

function storyIdOf(source: SourceFile): { id: string; at: Position } | undefined {
  const field = parseFrontMatter(source).entry?.fields.get('id');
  return field && typeof field.value === 'string' ? { id: field.value.trim(), at: field.valueAt } : undefined;
}

/** The file the ledger says went out with an id: a published entry, or a story (its `_story.md`). */
export function idOwners(ledger: Ledger): (id: string) => string | undefined {
  // A single story's record is of the layout before this newsroom, whose records it does not take on (its entries' neither).
  const stories = new Map(Object.entries(ledger.stories ?? {}).flatMap(([slug, id]) => (slug === SINGLE_STORY ? [] : [[id, `${slug}/${STORY_FILE}`] as const])));
  return (id) => (Object.hasOwn(ledger.ids, id) ? ledger.ids[id]!.path : stories.get(id));
}
