// A patch run: when the last build left the output folder exactly as its manifest says, and the
// only change since is the text of a few published entries whose metadata stayed the same (a typo
// fixed, a paragraph added), no document can change its members, their order or its own parts:
// only the bytes in those entries' slots. The run then parses those files alone, splices their
// new fragments into the documents that hold them, and replaces their records in the cache index,
// without decoding the other entries. Anything else, or anything unexpected, gives undefined and
// the full build runs instead: it is always right, this only saves time. Tests compare the two.

import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_PATH, CacheLines, OVERLAY_PATH, cacheDefaults, cacheKey, hashText, metaText, newGeneration, type BlobLocation, type CachedParse, type OutputRecord, type SlotAt } from './core/cache.js';
import { parseStory } from './core/compile.js';
import { insideWindow, MANIFEST_PATH, parseManifest, renderManifest, type FileStamp } from './core/manifest.js';
import { isVisible } from './core/model.js';
import { STORY_FILE } from './core/normalize.js';
import { documentKey } from './core/outputs.js';
import { slotBytes, type FragmentBlob } from './core/render/fragments.js';
import type { SourceFile } from './core/types.js';
import { FragmentStore } from './io/fragment-store.js';
import { readBookkeeping, readBookkeepingBytes } from './io/read-bookkeeping.js';
import { outputsAsRecorded, PATCH_LIMIT, type ChangedSince } from './io/fast-path.js';
import { listNamed, listSources, readListed } from './io/read-sources.js';
import { BuildAbortedError, resolveInside, writeFiles, writeOutputs } from './io/write-outputs.js';
import { parseBatch, type ParsedFile } from './parse-batch.js';
import type { BuildResult } from './build.js';

export interface PatchOptions {
  readonly entriesDir: string;
  readonly outDir: string;
  readonly now: Date;
  readonly signal?: AbortSignal;
  readonly changedSince?: ChangedSince;
}

const concat = (pieces: readonly Uint8Array[]) => Buffer.concat(pieces);

/** Patch the outputs in place, or say why this run needs a full build. */
export async function patchBuild(options: PatchOptions, started: number): Promise<BuildResult | { readonly skipped: string }> {
  const skip = (reason: string) => ({ skipped: reason });
  const { entriesDir, outDir, now } = options;
  const timings: Array<readonly [string, number]> = [];
  let lap = performance.now();
  const phase = (name: string) => {
    const t = performance.now();
    timings.push([name, Math.round(t - lap)]);
    lap = t;
  };

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
  const { story } = parseStory(storyRead.sources);
  if (storyText === undefined || !story) return skip('the story does not parse');
  phase('list');

  // The cache index the manifest was written with.
  const index = CacheLines.parse(readBookkeepingBytes(outDir, CACHE_PATH), readBookkeeping(outDir, OVERLAY_PATH));
  const pack = index?.header.pack;
  if (!index || !pack || index.header.key !== cacheKey(storyText) || index.header.generation !== manifest.generation) return skip('the cache index is not the one the manifest was written with');
  const defaults = cacheDefaults(story);
  phase('load cache');

  const read = await readListed(listing.root, changed);
  if (read.diagnostics.length > 0 || read.sources.length !== changed.length) return skip('a changed file cannot be read');
  // Entry records to replace, by ordinal: touched files (same text, new stamp) and edited ones.
  const records = new Map<number, CachedParse>();
  const edited: Array<{ ordinal: number; old: CachedParse; source: SourceFile }> = [];
  for (const source of read.sources) {
    // Drafts and embargoed entries are not in the index: a change to one needs a full build.
    const ordinal = index.ordinal(source.path);
    const old = ordinal === undefined ? undefined : index.entry(ordinal, defaults);
    if (ordinal === undefined || !old || (old.entry && isVisible(old.entry, now) && !old.blob)) return skip('a changed file is a draft or embargoed, or not in the cache index');
    if (old.hash === hashText(source.text)) records.set(ordinal, { ...old, size: source.size ?? old.size, mtimeMs: source.mtimeMs ?? old.mtimeMs });
    else edited.push({ ordinal, old, source });
  }
  const parsed = parseBatch(
    edited.map((e) => e.source),
    story,
    now,
  );
  const fresh = new Map<string, { ordinal: number; old: CachedParse; file: ParsedFile & { blob: FragmentBlob; crc: number } }>();
  for (const [i, file] of parsed.entries()) {
    const { ordinal, old } = edited[i]!;
    const entry = file.parsed.entry;
    // Only a body edit of an entry that is and was in the documents, with the same metadata.
    if (!entry || !old.entry || file.parsed.diagnostics.length > 0 || old.diagnostics.length > 0) return skip('a changed entry has problems, or had');
    if (!isVisible(entry, now) || !isVisible(old.entry, now) || !file.blob || file.crc === undefined || !old.blob) return skip('a changed entry is not (or was not) published and visible');
    if (metaText(entry, defaults) !== metaText(old.entry, defaults)) return skip('the metadata of a changed entry changed');
    fresh.set(entry.path, { ordinal, old, file: file as ParsedFile & { blob: FragmentBlob; crc: number } });
  }
  let replaced = 0;
  let added = 0;
  for (const { old, file } of fresh.values()) {
    replaced += blobEnd(old.blob!);
    added += file.blob.bytes.byteLength;
  }
  // A pack more dead than live is compacted by a full build.
  if (!FragmentStore.worthAppending(pack.size, pack.live - replaced + added, added)) return skip('the fragment pack is due to be compacted');
  phase('read and parse');

  // The outputs made from an edited entry: a new key each, and new bytes where it has a slot.
  const store = await FragmentStore.open(outDir, pack, new Map([...fresh].map(([p, f]) => [p, f.old.blob!])));
  try {
    if (!store.opened) return skip('the fragment pack is not the one the cache index names');
    const prints = new Map<string, string>();
    const printOf = (p: string): string | undefined => {
      const own = fresh.get(p)?.file.parsed.entry?.print;
      if (own) return own;
      let print = prints.get(p);
      if (print === undefined) {
        const ordinal = index.ordinal(p);
        print = ordinal === undefined ? undefined : index.entry(ordinal, defaults)?.entry?.print;
        if (print !== undefined) prints.set(p, print);
      }
      return print;
    };
    const patchedOutputs: Array<{ path: string; record: OutputRecord; contents?: Uint8Array[]; slots?: SlotAt[] }> = [];
    // Only lines that mention an edited entry's ordinal (as digits anywhere) are decoded.
    const needles = [...fresh.values()].map((f) => String(f.ordinal));
    for (let i = 0; i < index.outputCount; i++) {
      const raw = index.outputText(i);
      if (!raw.includes('"d":[')) return skip('an output has no record of how it was made');
      if (!needles.some((n) => raw.includes(n))) continue;
      const line = index.output(i);
      const record = line?.record;
      if (!line || !record || record.base === undefined || !record.deps || !record.slots) return skip('an output has no record of how it was made');
      if (!record.deps.some((p) => fresh.has(p))) continue;
      const depPrints = record.deps.map(printOf);
      if (depPrints.some((p) => p === undefined)) return skip('an output is made from an entry the cache index does not hold');
      const next = { ...record, key: documentKey(line.path, record.base, depPrints as string[]) };
      if (!record.slots.some((s) => fresh.has(s.entry))) {
        patchedOutputs.push({ path: line.path, record: next });
        continue;
      }
      const spliced = await splice(outDir, line.path, record, fresh, (p) => store.read(p));
      if (!spliced) return skip('an output is not as the cache index says');
      patchedOutputs.push({ path: line.path, record: next, ...spliced });
    }
    phase('plan');
    if (options.signal?.aborted) throw new BuildAbortedError();

    for (const [p, f] of fresh) await store.add(p, f.file.blob, f.file.crc);
    const committed = await store.commitAppended();
    const files = patchedOutputs.flatMap((o) => (o.contents ? [{ path: o.path, contents: o.contents }] : []));
    const written = await writeFiles(outDir, files, options.signal ? { signal: options.signal } : {});
    phase('render and write');

    const outputStamps: Record<string, FileStamp> = { ...manifest.outputs };
    for (const o of patchedOutputs) {
      let record = o.record;
      if (o.contents) {
        const info = statSync(resolveInside(outDir, o.path));
        record = { ...record, size: info.size, mtimeMs: info.mtimeMs, slots: o.slots! };
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
    await writeOutputs(
      outDir,
      [
        fold ? { path: CACHE_PATH, contents: index.serialize(committed.info, generation) } : { path: OVERLAY_PATH, contents: index.serializeOverlay(committed.info, generation) },
        { path: MANIFEST_PATH, contents: renderManifest({ ...manifest, entries: entryStamps, outputs: outputStamps, generation }) },
      ],
      { durable: false },
    );
    if (fold) await rm(path.join(outDir, OVERLAY_PATH), { force: true });
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
      entriesParsed: parsed.length,
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

/**
 * An output with the edited entries' slots replaced: the old slot bytes (checked against the old
 * fragments, so that a file that is not what the index says is never patched) give way to the new.
 */
async function splice(
  outDir: string,
  file: string,
  record: OutputRecord,
  fresh: ReadonlyMap<string, { file: { blob: FragmentBlob } }>,
  oldBlob: (entry: string) => Promise<FragmentBlob>,
): Promise<{ contents: Uint8Array[]; slots: SlotAt[] } | undefined> {
  const text = readOutput(outDir, file);
  if (!text || text.byteLength !== record.size) return undefined;
  const contents: Uint8Array[] = [];
  const slots: SlotAt[] = [];
  let from = 0;
  let shift = 0;
  for (const slot of record.slots!) {
    const edited = fresh.get(slot.entry);
    if (!edited) {
      slots.push({ ...slot, offset: slot.offset + shift });
      continue;
    }
    const before = concat(slotBytes(await oldBlob(slot.entry), slot.format));
    const after = concat(slotBytes(edited.file.blob, slot.format));
    if (slot.offset < from || !text.subarray(slot.offset, slot.offset + before.length).equals(before)) return undefined;
    contents.push(text.subarray(from, slot.offset), after);
    slots.push({ ...slot, offset: slot.offset + shift });
    shift += after.length - before.length;
    from = slot.offset + before.length;
  }
  contents.push(text.subarray(from));
  return { contents, slots };
}

function readOutput(outDir: string, file: string): Buffer | undefined {
  try {
    return readFileSync(resolveInside(outDir, file));
  } catch {
    return undefined;
  }
}
