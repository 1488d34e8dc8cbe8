// A patch run: when the last build left the output folder exactly as its manifest says, and the
// only change since is the text of a few published entries whose metadata stayed the same (a typo
// fixed, a paragraph added), no document can change its members, their order or its own parts:
// only the bytes in those entries' slots. The run then parses those files alone, splices their
// new fragments into the documents that hold them, and replaces their records in the cache index,
// without decoding the other entries. Anything else, or anything unexpected, says why, and the full
// build runs instead: it is always right, this only saves time. Tests compare the two.

import { readFileSync, statSync } from 'node:fs';
import { CacheLines, removeOverlay } from './state/cache-lines.js';
import { hashText, metaText, splitLine, type BlobLocation, type CachedParse, type PackInfo, OUTPUT_DEPS_FIELD } from './state/cache.js';
import { CACHE_PATH, MANIFEST_PATH, newGeneration, OVERLAY_PATH } from '../io/state-folder.js';
import { packSlots, unpackSlots, type OutputRecord, type SlotAt } from '../io/output-record.js';
import { insideWindow, type FileStamp } from './state/manifest.js';
import { ManifestText, type ManifestHead, type StampField } from './state/manifest-scan.js';
import { isVisible } from '../core/model.js';
import { STORY_FILE } from '../core/links.js';
import { documentKey } from '../core/fingerprint.js';
import { slotBytes, type FragmentBlob } from '../core/render/fragments.js';
import type { EntryMeta, SourceFile } from '../core/types.js';
import { FragmentStore } from './state/fragment-pack.js';
import { readBookkeeping, startsAs } from './state/read-bookkeeping.js';
import { outputsAsRecorded, PATCH_LIMIT, type ChangedSince } from './fast-path.js';
import { listNamed, listSources, readListed, type SourceStamp } from '../io/read-sources.js';
import { resolveInside } from '../io/paths.js';
import { writeFiles, writeBookkeeping } from '../io/write-outputs.js';
import { createParser, settingsHere, type WarmParser } from './parse/pool.js';
import { loadIndex, newsroomLayout, parseByStory, storyLayout, type PatchLayout } from './patch-layout.js';
import type { ParsedFile } from './parse/wire.js';
import type { BuildResult } from './types.js';
import { buildAborted } from '../errors.js';
import { phaseTimer } from './timings.js';

export interface PatchOptions {
  readonly entriesDir: string;
  readonly outDir: string;
  readonly now: Date;
  readonly signal?: AbortSignal;
  readonly changedSince?: ChangedSince;
  readonly warm?: WarmParser;
  /** The entries folder is a newsroom's (`_newsroom.md`; entries named `<slug>/a.md`). */
  readonly newsroom?: boolean;
}

const concat = (pieces: readonly Uint8Array[]) => Buffer.concat(pieces);

/** Why a run cannot patch (`--timings` prints it); the full build runs instead. */
export interface SkipReason {
  readonly skipped: string;
}

/** The reasons a patch gives up, as data: every check below names one of them. */
const NOT_PATCHABLE = {
  noBuild: 'no earlier build to patch',
  notClean: 'the last build had warnings, or an entry has come out or gone since',
  unlisted: 'the changed files cannot all be listed',
  filesChanged: 'files were added or removed, or an output is not as the last build wrote it',
  wrongChanges: 'no entry changed, too many did, or the story did',
  noStory: 'the last build recorded no story',
  unreadable: 'a changed file cannot be read',
  staleIndex: 'the cache index is not the one the manifest was written with',
  notIndexed: 'a changed file is a draft or embargoed, or not in the cache index',
  notVisible: 'a changed entry is not (or was not) published and visible',
  stalePack: 'the fragment pack is not the one the cache index names',
  unrecorded: 'an output has no record of how it was made',
  unknownDep: 'an output is made from an entry the cache index does not hold',
  outputChanged: 'an output is not as the cache index says',
  unparsable: 'the edited files could not be parsed here',
  problems: 'a changed entry has problems',
  metadata: 'the metadata of a changed entry changed',
  compact: 'the fragment pack is due to be compacted',
  settings: 'the settings of the newsroom or of an edited story cannot be read',
  newsroomFeed: 'a changed entry is in the newsroom’s own documents',
} as const;

const skip = (reason: keyof typeof NOT_PATCHABLE): SkipReason => ({ skipped: NOT_PATCHABLE[reason] });
const skipped = <T extends object>(x: T | SkipReason): x is SkipReason => 'skipped' in x;

type EditedEntry = { ordinal: number; old: CachedParse & { entry: EntryMeta; blob: BlobLocation }; source: SourceFile };
type Affected = { path: string; record: OutputRecord & { base: string; deps: readonly string[] }; file?: Opened };
type FreshEntry = { ordinal: number; file: ParsedFile & { blob: FragmentBlob; crc: number } };

/** What a patch run found it may do, before it opens a single output. */
interface PatchPlan {
  readonly manifest: ManifestText;
  readonly head: ManifestHead & { generation: string; counts: NonNullable<ManifestHead['counts']> };
  /** Entry files in the folder (as the manifest records them). */
  readonly entriesRead: number;
  readonly changed: readonly SourceStamp[];
  readonly filesRead: number;
  readonly layout: PatchLayout;
  /** The changed files' parse, under way while the rest is planned. */
  readonly parsing: Promise<ParsedFile[]>;
  readonly index: CacheLines;
  readonly pack: PackInfo;
  /** Entry records to replace, by ordinal (with their paths): touched files (same text, new stamp); edited ones join later. */
  readonly records: Map<number, readonly [string, CachedParse]>;
  readonly edited: ReadonlyMap<string, EditedEntry>;
}

/** Patch the outputs in place, or say why this run needs a full build. */
export async function patchBuild(options: PatchOptions, started: number): Promise<BuildResult | SkipReason> {
  const { outDir } = options;
  const { timings, phase } = phaseTimer();
  const plan = await planPatch(options, phase);
  if (skipped(plan)) return plan;
  const store = await FragmentStore.open(outDir, plan.pack, new Map([...plan.edited].map(([p, e]) => [p, e.old.blob])));
  try {
    if (!store.opened) return skip('stalePack');
    const affected = await findAffected(outDir, plan, store);
    if (skipped(affected)) return affected;
    phase('plan');
    const fresh = await parseEdited(options.now, plan);
    if (skipped(fresh)) return fresh;
    phase('read and parse');
    if (options.signal?.aborted) throw buildAborted();
    const done = await spliceAndSave(options, plan, affected, fresh, store, phase);
    const counted = { entriesRead: plan.entriesRead, filesRead: plan.filesRead, entriesParsed: fresh.size, rendered: done.rendered };
    return { ok: true, diagnostics: [], counts: plan.head.counts, patched: true, written: done.written, ...counted, durationMs: performance.now() - started, timings };
  } finally {
    await store.discard();
  }
}

/**
 * The last build was clean and is still what its manifest says, only a few published entries'
 * files changed, and the cache index is the one the manifest was written with. The changed files
 * go to the parser at once (on the warm worker, when the CLI started one): everything up to the
 * splice itself depends only on which entries changed, and is done while they are parsed.
 */
async function planPatch(options: PatchOptions, phase: (name: string) => void): Promise<PatchPlan | SkipReason> {
  const { entriesDir, outDir, now } = options;
  // The CLI's fast path may have checked the outputs already (its manifest is still the one on disk:
  // the same length and head, which names the run that wrote it by its random generation).
  const given = options.changedSince;
  const hint = given?.head.generation && given.manifestText.slice(0, 256).includes(given.head.generation) && startsAs(outDir, MANIFEST_PATH, given.manifestText) ? given : undefined;
  // Kept as text: its few changed stamps are replaced where they lie (state/manifest-scan.ts).
  const manifest = ManifestText.of(hint ? hint.manifestText : readBookkeeping(outDir, MANIFEST_PATH));
  if (!manifest) return skip('noBuild');
  const { head } = manifest;
  if (!head.generation || !head.counts || head.clean === false || head.counts.diagnostics > 0 || !insideWindow(head, now)) return skip('notClean');
  // A newsroom's changed files come from the fast path (it lists no story folder again here).
  const listing = hint ? listNamed(entriesDir, options.newsroom ? hint.changed : [STORY_FILE, ...hint.changed]) : options.newsroom ? undefined : await listSources(entriesDir);
  if (!listing || listing.diagnostics.length > 0) return skip('unlisted');
  if (!hint && listing.stamps.length !== outputsAsRecorded(outDir, manifest.text)) return skip('filesChanged');
  // The few files the fast path names are looked up; a whole listing takes one pass over the text.
  const recorded = hint ? new Map(listing.stamps.map((s) => [s.path, manifest.find('entries', s.path)?.stamp])) : manifest.entryStamps();
  const changed = listing.stamps.filter((s) => {
    const m = recorded.get(s.path);
    return !m || m[0] !== s.size || m[1] !== s.mtimeMs;
  });
  if (changed.length === 0 || changed.length > PATCH_LIMIT) return skip('wrongChanges');
  let layout: PatchLayout | undefined;
  let early: [CacheLines | undefined] | undefined;
  if (options.newsroom) {
    const settings = await newsroomLayout(listing.root, changed.map((s) => s.path), options.warm?.settings ?? settingsHere);
    early = settings && [loadIndex(outDir, settings.indexPart)]; // its index, read while the settings are parsed (on the warm worker)
    layout = await settings?.layout;
    if (!layout) return skip('settings');
  } else {
    const storyStamp = listing.stamps.find((s) => s.path === STORY_FILE);
    const storyRead = await readListed(listing.root, storyStamp ? [storyStamp] : []);
    const storyText = storyRead.sources[0]?.text;
    // The story as the last build parsed it: the index's key below vouches that its text is the same.
    if (storyText === undefined || !head.story) return skip('noStory');
    layout = storyLayout(head.story, storyText);
  }
  if (changed.some((s) => !layout.isEntry(s.path) || !recorded.get(s.path))) return skip('wrongChanges');

  const read = await readListed(listing.root, changed);
  if (read.diagnostics.length > 0 || read.sources.length !== changed.length) return skip('unreadable');
  const first = layout.storyOf(read.sources[0]!.path)!.story;
  const parser = options.warm ? options.warm.parser(first, now) : createParser(first, now, 0);
  const parsing = parseByStory(parser, read.sources, layout);
  parsing.catch(() => undefined); // awaited later, unless the run gives up first
  phase('list');

  const index = early ? early[0] : loadIndex(outDir);
  const pack = index?.header.pack;
  if (!index || !pack || !layout.vouches(index) || index.header.generation !== head.generation) return skip('staleIndex');
  phase('load cache');

  const records = new Map<number, readonly [string, CachedParse]>();
  const edited = new Map<string, EditedEntry>();
  for (const source of read.sources) {
    // Drafts and embargoed entries are not in the index: a change to one needs a full build.
    const ordinal = index.ordinal(source.path);
    const old = ordinal === undefined ? undefined : index.entry(ordinal, layout.defaultsOf(source.path));
    if (ordinal === undefined || !old || (old.entry && isVisible(old.entry, now) && !old.blob)) return skip('notIndexed');
    if (old.hash === hashText(source.text)) {
      records.set(ordinal, [source.path, { ...old, size: source.size ?? old.size, mtimeMs: source.mtimeMs ?? old.mtimeMs }]);
      continue;
    }
    // Only a body edit of an entry that is and was in the documents (the new version is checked later).
    if (!old.entry || old.diagnostics.length > 0 || !isVisible(old.entry, now) || !old.blob) return skip('notVisible');
    edited.set(source.path, { ordinal, old: old as EditedEntry['old'], source });
  }
  const filesRead = layout.filesRead + read.sources.length;
  const entriesRead = hint ? hint.entries : listing.stamps.length;
  return { manifest, head: head as PatchPlan['head'], entriesRead, changed, filesRead, layout, parsing, index, pack, records, edited };
}

/** The prints of the entries the index holds, decoded once each. */
function printsOf(plan: PatchPlan): (p: string) => string | undefined {
  const prints = new Map<string, string>();
  return (p) => {
    let print = prints.get(p);
    if (print === undefined) {
      const ordinal = plan.index.ordinal(p);
      print = ordinal === undefined ? undefined : plan.index.entry(ordinal, plan.layout.defaultsOf(p))?.entry?.print;
      if (print !== undefined) prints.set(p, print);
    }
    return print;
  };
}

/** The outputs made from an edited entry, each read and checked against the old fragments. */
async function findAffected(outDir: string, plan: PatchPlan, store: FragmentStore): Promise<Affected[] | SkipReason> {
  const { index, edited } = plan;
  const printOf = printsOf(plan);
  const affected: Affected[] = [];
  // Only lines that mention an edited entry's ordinal (as digits anywhere) are decoded.
  const needles = [...edited.values()].map((e) => String(e.ordinal));
  const ordinals = new Set<unknown>([...edited.values()].map((e) => e.ordinal));
  for (const i of edited.size > 0 ? index.outputsWhere(plan.layout.mayHold) : []) {
    const raw = index.outputText(i);
    if (!raw.includes(OUTPUT_DEPS_FIELD)) return skip('unrecorded');
    if (!needles.some((n) => raw.includes(n))) continue;
    // Or another number's digits: its entries by ordinal tell, before a path is looked up (a newsroom reads no other story's lines).
    const deps = (splitLine(raw)?.record as { deps?: unknown } | undefined)?.deps;
    if (Array.isArray(deps) && !deps.some((d) => ordinals.has(d as number))) continue;
    const line = index.output(i);
    const record = line?.record;
    if (!line || !record || record.base === undefined || !record.deps || !record.slots) return skip('unrecorded');
    if (!record.deps.some((p) => edited.has(p))) continue;
    // A newsroom's own documents (its feed: the newest entries of every story, their prints in its
    // key) hold no slots; only a story's documents may be patched, and only for its own entries.
    if (record.deps.some((p) => edited.has(p) && plan.layout.storyOf(p)?.prefix !== plan.layout.folderOf(line.path))) return skip('newsroomFeed');
    if (record.deps.some((p) => !edited.has(p) && printOf(p) === undefined)) return skip('unknownDep');
    const slotted = record.slots.entries.some((entry) => edited.has(entry));
    const file = slotted ? await openForSplice(outDir, line.path, record, edited, async (p) => store.read(p)) : undefined;
    if (slotted && !file) return skip('outputChanged');
    affected.push({ path: line.path, record: record as Affected['record'], ...(file ? { file } : {}) });
  }
  return affected;
}

/** The edited entries' new parses: each still visible, without problems, with the same metadata. */
async function parseEdited(now: Date, plan: PatchPlan): Promise<Map<string, FreshEntry> | SkipReason> {
  const { edited, layout } = plan;
  // Only touched files: their parses are the ones recorded, and nothing waits for the parser.
  let parsed: ParsedFile[] = [];
  try {
    if (edited.size > 0) parsed = await plan.parsing;
  } catch {
    return skip('unparsable');
  }
  const fresh = new Map<string, FreshEntry>();
  let replaced = 0;
  let added = 0;
  for (const file of parsed) {
    const e = edited.get(file.parsed.path);
    if (!e) continue; // touched: its parse is the one recorded
    const entry = file.parsed.entry;
    if (!entry || file.parsed.diagnostics.length > 0) return skip('problems');
    if (!isVisible(entry, now) || !file.blob || file.crc === undefined) return skip('notVisible');
    const defaults = layout.defaultsOf(entry.path);
    if (metaText(entry, defaults) !== metaText(e.old.entry, defaults)) return skip('metadata');
    fresh.set(entry.path, { ordinal: e.ordinal, file: file as FreshEntry['file'] });
    replaced += blobEnd(e.old.blob);
    added += file.blob.bytes.byteLength;
  }
  // A pack more dead than live is compacted by a full build.
  if (!FragmentStore.worthAppending(plan.pack.size, plan.pack.live - replaced + added, added)) return skip('compact');
  return fresh;
}

/** Splice the new fragments into the affected outputs, then replace their records in the index. */
async function spliceAndSave(
  options: PatchOptions,
  plan: PatchPlan,
  affected: readonly Affected[],
  fresh: ReadonlyMap<string, FreshEntry>,
  store: FragmentStore,
  phase: (name: string) => void,
): Promise<{ written: readonly string[]; rendered: number }> {
  const { outDir } = options;
  const { index, manifest, records, layout } = plan;
  const printOf = printsOf(plan);
  const patchedOutputs = affected.map((o) => {
    // A story's document in a newsroom is keyed by its path inside the story folder (core/newsroom-compile.ts underFolder).
    const key = documentKey(o.path.slice(layout.folderOf(o.path).length), o.record.base, o.record.deps.map((p) => fresh.get(p)?.file.parsed.entry?.print ?? printOf(p)!));
    return { path: o.path, record: { ...o.record, key }, ...(o.file ? splice(o.file, fresh) : {}) };
  });
  for (const [p, f] of fresh) await store.add(p, f.file.blob, f.file.crc);
  const committed = await store.commitAppended();
  const files = patchedOutputs.flatMap((o) => (o.contents ? [{ path: o.path, contents: o.contents }] : []));
  const written = await writeFiles(outDir, files, options.signal ? { signal: options.signal } : {});
  phase('render and write');

  const stamps: Array<readonly [StampField, string, FileStamp]> = [];
  for (const o of patchedOutputs) {
    let record: OutputRecord = o.record;
    if (o.contents) {
      const info = statSync(resolveInside(outDir, o.path));
      record = { ...record, size: info.size, mtimeMs: info.mtimeMs, slots: packSlots(o.slots!) };
      stamps.push(['outputs', o.path, [info.size, info.mtimeMs]]);
    }
    index.setOutput(o.path, record);
  }
  for (const [p, f] of fresh) {
    const { parsed: ps, size, mtimeMs, hash } = f.file;
    const blob: BlobLocation | undefined = committed.locations.get(p);
    records.set(f.ordinal, [p, { size, mtimeMs, hash, diagnostics: [], ...(ps.idAt ? { idAt: ps.idAt } : {}), entry: ps.entry!, ...(blob ? { blob } : {}) }]);
  }
  for (const [ordinal, [p, r]] of records) index.setEntry(ordinal, r, layout.defaultsOf(p));
  for (const s of plan.changed) stamps.push(['entries', s.path, [s.size, s.mtimeMs]]); // each recorded (planPatch)
  // The replaced records go to the overlay (a few lines) until it has grown enough to be folded
  // into a new index; the manifest, written last, names the generation that holds them.
  const generation = newGeneration();
  const fold = index.foldDue;
  await writeBookkeeping(
    outDir,
    [
      fold ? { path: CACHE_PATH, contents: index.serialize(committed.info, generation) } : { path: OVERLAY_PATH, contents: index.serializeOverlay(committed.info, generation) },
      { path: MANIFEST_PATH, contents: manifest.withStamps(stamps, generation) },
    ],
    { durable: false },
  );
  if (fold) await removeOverlay(outDir);
  phase('save cache');
  return { written: written.written, rendered: files.length };
}

const blobEnd = (loc: BlobLocation): number => loc.ends[loc.ends.length - 1] ?? 0;

/** An output as read for a patch: its bytes, its slots, and the old bytes of each edited entry's slot. */
interface Opened {
  readonly bytes: Buffer;
  readonly slots: readonly SlotAt[];
  readonly old: ReadonlyMap<number, number>;
}

/**
 * Read an output and check that each edited entry's slot holds that entry's old fragment (so that
 * a file that is not what the index says is never patched). Gives the old slot lengths by slot.
 */
async function openForSplice(
  outDir: string,
  file: string,
  record: OutputRecord,
  edited: ReadonlyMap<string, unknown>,
  oldBlob: (entry: string) => Promise<FragmentBlob>,
): Promise<Opened | undefined> {
  const bytes = readOutput(outDir, file);
  if (!bytes || bytes.byteLength !== record.size) return undefined;
  const old = new Map<number, number>();
  let from = 0;
  const slots = unpackSlots(record.slots!);
  for (const [i, slot] of slots.entries()) {
    if (!edited.has(slot.entry)) continue;
    const before = concat(slotBytes(await oldBlob(slot.entry), slot.format));
    if (slot.offset < from || !bytes.subarray(slot.offset, slot.offset + before.length).equals(before)) return undefined;
    old.set(i, before.length);
    from = slot.offset + before.length;
  }
  return { bytes, slots, old };
}

/** The output with the edited entries' new fragments in place of the old, and its slots moved. */
function splice(opened: Opened, fresh: ReadonlyMap<string, { file: { blob: FragmentBlob } }>): { contents: Uint8Array[]; slots: SlotAt[] } {
  const contents: Uint8Array[] = [];
  const slots: SlotAt[] = [];
  let from = 0;
  let shift = 0;
  opened.slots.forEach((slot, i) => {
    slots.push({ ...slot, offset: slot.offset + shift });
    const length = opened.old.get(i);
    const edited = fresh.get(slot.entry);
    if (length === undefined || !edited) return;
    const after = concat(slotBytes(edited.file.blob, slot.format));
    contents.push(opened.bytes.subarray(from, slot.offset), after);
    shift += after.length - length;
    from = slot.offset + length;
  });
  contents.push(opened.bytes.subarray(from));
  return { contents, slots };
}

function readOutput(outDir: string, file: string): Buffer | undefined {
  try {
    return readFileSync(resolveInside(outDir, file));
  } catch {
    return undefined;
  }
}
