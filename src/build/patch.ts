// A patch run: when the last build left the output folder exactly as its manifest says, and the
// only change since is the text of a few published entries whose metadata stayed the same (a typo
// fixed, a paragraph added), no document can change its members, their order or its own parts:
// only the bytes in those entries' slots. The run then parses those files alone, splices their
// new fragments into the documents that hold them, and replaces their records in the cache index,
// without decoding the other entries. Anything else, or anything unexpected, says why, and the full
// build runs instead: it is always right, this only saves time. Tests compare the two.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CacheLines, removeOverlay } from './state/cache-lines.js';
import { cacheDefaults, cacheKey, hashText, metaText, type BlobLocation, type CachedParse } from './state/cache.js';
import { CACHE_PATH, MANIFEST_PATH, newGeneration, OVERLAY_PATH } from '../io/state-folder.js';
import { packSlots, unpackSlots, type OutputRecord, type SlotAt } from '../io/output-record.js';
import { insideWindow, parseManifest, renderManifest, type FileStamp } from './state/manifest.js';
import { isVisible } from '../core/model.js';
import { STORY_FILE } from '../core/links.js';
import { documentKey } from '../core/fingerprint.js';
import { slotBytes, type FragmentBlob } from '../core/render/fragments.js';
import type { EntryMeta, SourceFile } from '../core/types.js';
import { FragmentStore } from './state/fragment-pack.js';
import { readBookkeeping, readBookkeepingBytes } from './state/read-bookkeeping.js';
import { outputsAsRecorded, PATCH_LIMIT, type ChangedSince } from './fast-path.js';
import { listNamed, listSources, readListed } from '../io/read-sources.js';
import { resolveInside } from '../io/paths.js';
import { writeFiles, writeBookkeeping } from '../io/write-outputs.js';
import { createParser, type WarmParser } from './parse/pool.js';
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
}

const concat = (pieces: readonly Uint8Array[]) => Buffer.concat(pieces);

/** Patch the outputs in place, or say why this run needs a full build. */
export async function patchBuild(options: PatchOptions, started: number): Promise<BuildResult | { readonly skipped: string }> {
  const skip = (reason: string) => ({ skipped: reason });
  const { entriesDir, outDir, now } = options;
  const { timings, phase } = phaseTimer();

  // The last build was clean and is still what its manifest says: every output as it wrote it.
  // The CLI's fast path may have checked that already (its manifest is still the one on disk).
  const manifestText = readBookkeeping(outDir, MANIFEST_PATH);
  const hint = options.changedSince?.manifestText === manifestText ? options.changedSince : undefined;
  const manifest = hint ? hint.manifest : parseManifest(manifestText);
  if (!manifest) return skip('no earlier build to patch');
  if (!manifest.generation || !manifest.counts || manifest.counts.diagnostics > 0 || !insideWindow(manifest, now)) return skip('the last build had warnings, or an entry has come out or gone since');
  const listing = hint ? listNamed(entriesDir, [STORY_FILE, ...hint.changed]) : await listSources(entriesDir);
  if (!listing || listing.diagnostics.length > 0) return skip('the changed files cannot all be listed');
  if (!hint && (listing.stamps.length !== Object.keys(manifest.entries).length || !outputsAsRecorded(outDir, manifest))) return skip('files were added or removed, or an output is not as the last build wrote it');
  const entryCount = Object.keys(manifest.entries).length;
  const changed = listing.stamps.filter((s) => {
    const m = manifest.entries[s.path];
    return !m || m[0] !== s.size || m[1] !== s.mtimeMs;
  });
  if (changed.length === 0 || changed.length > PATCH_LIMIT || changed.some((s) => s.path === STORY_FILE || !manifest.entries[s.path])) return skip('no entry changed, too many did, or the story did');
  const storyStamp = listing.stamps.find((s) => s.path === STORY_FILE);
  const storyRead = await readListed(listing.root, storyStamp ? [storyStamp] : []);
  const storyText = storyRead.sources[0]?.text;
  // The story as the last build parsed it: the index's key below vouches that its text is the same.
  const story = manifest.story;
  if (storyText === undefined || !story) return skip('the last build recorded no story');

  // The changed files go to the parser at once (on the warm worker, when the CLI started one):
  // everything up to the splice itself depends only on which entries changed, and is done while
  // they are parsed.
  const read = await readListed(listing.root, changed);
  if (read.diagnostics.length > 0 || read.sources.length !== changed.length) return skip('a changed file cannot be read');
  const parser = options.warm ? options.warm.parser(story, now) : createParser(story, now, 0);
  const parsing = parser.parse(read.sources);
  parsing.catch(() => undefined); // awaited below, unless the run gives up first
  phase('list');

  // The cache index the manifest was written with.
  const index = CacheLines.parse(readBookkeepingBytes(outDir, CACHE_PATH), readBookkeeping(outDir, OVERLAY_PATH));
  const pack = index?.header.pack;
  if (!index || !pack || index.header.key !== cacheKey(storyText) || index.header.generation !== manifest.generation) return skip('the cache index is not the one the manifest was written with');
  const defaults = cacheDefaults(story);
  phase('load cache');

  // Entry records to replace, by ordinal: touched files (same text, new stamp) and edited ones.
  const records = new Map<number, CachedParse>();
  const edited = new Map<string, { ordinal: number; old: CachedParse & { entry: EntryMeta; blob: BlobLocation }; source: SourceFile }>();
  for (const source of read.sources) {
    // Drafts and embargoed entries are not in the index: a change to one needs a full build.
    const ordinal = index.ordinal(source.path);
    const old = ordinal === undefined ? undefined : index.entry(ordinal, defaults);
    if (ordinal === undefined || !old || (old.entry && isVisible(old.entry, now) && !old.blob)) return skip('a changed file is a draft or embargoed, or not in the cache index');
    if (old.hash === hashText(source.text)) {
      records.set(ordinal, { ...old, size: source.size ?? old.size, mtimeMs: source.mtimeMs ?? old.mtimeMs });
      continue;
    }
    // Only a body edit of an entry that is and was in the documents (the new version is checked below).
    if (!old.entry || old.diagnostics.length > 0 || !isVisible(old.entry, now) || !old.blob) return skip('a changed entry is not (or was not) published and visible');
    edited.set(source.path, { ordinal, old: old as CachedParse & { entry: EntryMeta; blob: BlobLocation }, source });
  }

  // The outputs made from an edited entry, each read and checked against the old fragments.
  const store = await FragmentStore.open(outDir, pack, new Map([...edited].map(([p, e]) => [p, e.old.blob])));
  try {
    if (!store.opened) return skip('the fragment pack is not the one the cache index names');
    const prints = new Map<string, string>();
    const printOf = (p: string): string | undefined => {
      let print = prints.get(p);
      if (print === undefined) {
        const ordinal = index.ordinal(p);
        print = ordinal === undefined ? undefined : index.entry(ordinal, defaults)?.entry?.print;
        if (print !== undefined) prints.set(p, print);
      }
      return print;
    };
    const affected: Array<{ path: string; record: OutputRecord & { base: string; deps: readonly string[] }; file?: Opened }> = [];
    // Only lines that mention an edited entry's ordinal (as digits anywhere) are decoded.
    const needles = [...edited.values()].map((e) => String(e.ordinal));
    for (let i = 0; i < index.outputCount && edited.size > 0; i++) {
      const raw = index.outputText(i);
      if (!raw.includes('"d":[')) return skip('an output has no record of how it was made');
      if (!needles.some((n) => raw.includes(n))) continue;
      const line = index.output(i);
      const record = line?.record;
      if (!line || !record || record.base === undefined || !record.deps || !record.slots) return skip('an output has no record of how it was made');
      if (!record.deps.some((p) => edited.has(p))) continue;
      if (record.deps.some((p) => !edited.has(p) && printOf(p) === undefined)) return skip('an output is made from an entry the cache index does not hold');
      const slotted = record.slots.entries.some((entry) => edited.has(entry));
      const file = slotted ? await openForSplice(outDir, line.path, record, edited, (p) => store.read(p)) : undefined;
      if (slotted && !file) return skip('an output is not as the cache index says');
      affected.push({ path: line.path, record: record as OutputRecord & { base: string; deps: readonly string[] }, ...(file ? { file } : {}) });
    }
    phase('plan');

    // Only touched files: their parses are the ones recorded, and nothing waits for the parser.
    let parsed: ParsedFile[] = [];
    try {
      if (edited.size > 0) parsed = await parsing;
    } catch {
      return skip('the edited files could not be parsed here');
    }
    const fresh = new Map<string, { ordinal: number; file: ParsedFile & { blob: FragmentBlob; crc: number } }>();
    let replaced = 0;
    let added = 0;
    for (const file of parsed) {
      const e = edited.get(file.parsed.path);
      if (!e) continue; // touched: its parse is the one recorded
      const entry = file.parsed.entry;
      if (!entry || file.parsed.diagnostics.length > 0) return skip('a changed entry has problems');
      if (!isVisible(entry, now) || !file.blob || file.crc === undefined) return skip('a changed entry is not (or was not) published and visible');
      if (metaText(entry, defaults) !== metaText(e.old.entry, defaults)) return skip('the metadata of a changed entry changed');
      fresh.set(entry.path, { ordinal: e.ordinal, file: file as ParsedFile & { blob: FragmentBlob; crc: number } });
      replaced += blobEnd(e.old.blob);
      added += file.blob.bytes.byteLength;
    }
    // A pack more dead than live is compacted by a full build.
    if (!FragmentStore.worthAppending(pack.size, pack.live - replaced + added, added)) return skip('the fragment pack is due to be compacted');
    phase('read and parse');
    if (options.signal?.aborted) throw buildAborted();

    const patchedOutputs = affected.map((o) => {
      const key = documentKey(o.path, o.record.base, o.record.deps.map((p) => fresh.get(p)?.file.parsed.entry?.print ?? printOf(p)!));
      return { path: o.path, record: { ...o.record, key }, ...(o.file ? splice(o.file, fresh) : {}) };
    });
    for (const [p, f] of fresh) await store.add(p, f.file.blob, f.file.crc);
    const committed = await store.commitAppended();
    const files = patchedOutputs.flatMap((o) => (o.contents ? [{ path: o.path, contents: o.contents }] : []));
    const written = await writeFiles(outDir, files, options.signal ? { signal: options.signal } : {});
    phase('render and write');

    const outputStamps: Record<string, FileStamp> = { ...manifest.outputs };
    for (const o of patchedOutputs) {
      let record: OutputRecord = o.record;
      if (o.contents) {
        const info = statSync(resolveInside(outDir, o.path));
        record = { ...record, size: info.size, mtimeMs: info.mtimeMs, slots: packSlots(o.slots!) };
        outputStamps[o.path] = [info.size, info.mtimeMs];
      }
      index.setOutput(o.path, record);
    }
    for (const [p, f] of fresh) {
      const { parsed: ps, size, mtimeMs, hash } = f.file;
      const blob: BlobLocation | undefined = committed.locations.get(p);
      records.set(f.ordinal, { size, mtimeMs, hash, diagnostics: [], ...(ps.idAt ? { idAt: ps.idAt } : {}), entry: ps.entry!, ...(blob ? { blob } : {}) });
    }
    for (const [ordinal, r] of records) index.setEntry(ordinal, r, defaults);
    const entryStamps: Record<string, FileStamp> = { ...manifest.entries };
    for (const s of changed) entryStamps[s.path] = [s.size, s.mtimeMs];
    // The replaced records go to the overlay (a few lines) until it has grown enough to be folded
    // into a new index; the manifest, written last, names the generation that holds them.
    const generation = newGeneration();
    const fold = index.foldDue;
    await writeBookkeeping(
      outDir,
      [
        fold ? { path: CACHE_PATH, contents: index.serialize(committed.info, generation) } : { path: OVERLAY_PATH, contents: index.serializeOverlay(committed.info, generation) },
        { path: MANIFEST_PATH, contents: renderManifest({ ...manifest, entries: entryStamps, outputs: outputStamps, generation }) },
      ],
      { durable: false },
    );
    if (fold) await removeOverlay(outDir);
    phase('save cache');
    const writtenSet = new Set(written.written);
    return {
      ok: true,
      diagnostics: [],
      counts: manifest.counts,
      patched: true,
      written: written.written,
      unchanged: Object.keys(manifest.outputs).filter((p) => !writtenSet.has(p)),
      entriesRead: entryCount,
      filesRead: storyRead.sources.length + read.sources.length,
      entriesParsed: fresh.size,
      rendered: files.length,
      durationMs: performance.now() - started,
      timings,
    };
  } finally {
    await store.discard();
  }
}

function blobEnd(loc: BlobLocation): number {
  return loc.ends[loc.ends.length - 1] ?? 0;
}

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
