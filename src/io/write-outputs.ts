// The only module that writes outputs. A file whose bytes would not change is not touched (its
// mtime, and so every reader's conditional GET, stays valid); a changed file is replaced
// atomically: temp file in the same folder, fsync, rename, fsync the folder. A reader sees the
// old file or the new one, never half of one. A new folder is made under a temp name, filled, and
// renamed into place whole (io/file-calls.ts FolderStaging): a new story appears all at once.
//
// A run publishes whole: every file is staged before the first rename; the renames go in
// dependency order (archives, then tag feeds and other secondary files, then the main feeds, then
// the ledger), each over a hard link of the file it replaces kept in the run's folder
// (`.storyfeed/run-<token>/`), so that a rename failing part-way puts back every file already
// replaced. Only then are the files an earlier run published and this one no longer plans
// deleted: the feeds that linked to them are already gone.

import { randomBytes } from 'node:crypto';
import { rename, rm, rmdir, unlink } from 'node:fs/promises';
import { copyFileSync, linkSync, lstatSync, renameSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { buildAborted, UserError } from '../errors.js';
import { resolveInside, runTempPath } from './paths.js';
import { packSlots, type OutputRecord, type SlotList } from './output-record.js';
import type { DocumentPart, PlannedFile } from '../core/types.js';
import { toBytes, type SlotResolver } from './document-bytes.js';
import { FOLDER_README, publishRank, renderPublished, type PreviousPublished } from './output-folder.js';
import { plainCause } from './file-errors.js';
import { retireFiles, syncDirs } from './sweep-outputs.js';
import { prepareAhead, stagingOrder } from './stage-order.js';
import { closingFileSyncs, folderMaker, poolFileSyncs, sameBytes, syncFiles, writeNewFile, writeTempStream, type FileSyncs, type MadeFolder } from './file-calls.js';
import { flushCommand, flushesWhole, flushFileSystems, isFlushFailure } from './file-system-flush.js';
import { fileSyncThread } from './sync-thread.js';
import { folderThread, type FolderThread } from './folder-thread.js';
import { FOLDER_README_PATH, PUBLISHED_PATH, STATE_FOLDER } from './state-folder.js';

export interface WriteResult {
  readonly written: string[];
  readonly unchanged: string[];
}

/** A planned file as the writer takes it: rendered only if needed, at once (the core's) or not (a sitemap: build/sitemaps.ts). */
export type WritableFile = Omit<PlannedFile, 'render'> & { render(): readonly DocumentPart[] | Promise<readonly DocumentPart[]>; prepare?(): boolean };

/** One run's temp names: its token (random, so that no other run's temp is ever taken for its own) and a counter. */
class RunNames {
  readonly token = randomBytes(8).toString('hex');
  private n = 0;
  temp(dir: string): string {
    return runTempPath(dir, this.token, (this.n += 1));
  }
  folder(outDir: string): string {
    return path.join(outDir, STATE_FOLDER, `run-${this.token}`);
  }
}

export interface PlannedWriteResult extends WriteResult {
  /** What each output was written (or found) from, for the next run's cache. */
  readonly records: Map<string, OutputRecord>;
  /** How many outputs were rendered (the rest were skipped by key). */
  readonly rendered: number;
  /** Files an earlier run published that this one deleted. */
  readonly removed: readonly string[];
}

export type { SlotResolver } from './document-bytes.js';

export interface WriteOptions {
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** fsync every file and folder before it counts as written (default true). */
  readonly durable?: boolean;
  /** The output folder as the user named it, for messages (default: the path given). */
  readonly displayDir?: string;
}

/** A plain stat call: tens of thousands of promises (a newsroom's every story) cost more than the calls. */
function statOrUndefined(file: string): Stats | undefined {
  try { return statSync(file, { throwIfNoEntry: false }); } catch { return undefined; }
}

/**
 * Write planned outputs. An output whose key matches the cache record, and whose file still has
 * the recorded size and mtime, is neither rendered nor read. Every other output is rendered and
 * written only if its bytes differ from the file on disk.
 */
export async function writePlanned(
  outDir: string,
  planned: readonly WritableFile[],
  previous: ReadonlyMap<string, OutputRecord>,
  resolve: SlotResolver,
  options: WriteOptions & { readonly published?: PreviousPublished } = {},
): Promise<PlannedWriteResult> {
  const durable = options.durable ?? true;
  const before = options.published;
  const plannedPaths = new Set(planned.map((p) => p.path));
  const added = before ? planned.some((p) => !before.files.has(p.path)) : false;
  // Recorded before the first rename: whatever happens next, the record names every file of ours
  // that may be on disk, so a later run can delete any of them.
  if (before && (added || !before.recorded)) await writeRecord(outDir, [...before.files, ...plannedPaths], { durable });
  const records = new Map<string, OutputRecord>();
  const pending: Array<LazyFile & { key: string; deps: readonly string[] }> = [];
  const stamps = planned.map((p) => {
    const record = previous.get(p.path);
    if (!record || record.key !== p.key) return undefined;
    const info = statOrUndefined(resolveInside(outDir, p.path));
    return info && info.size === record.size && info.mtimeMs === record.mtimeMs ? record : undefined;
  });
  planned.forEach((p, i) => {
    const record = stamps[i];
    if (record) records.set(p.path, record.mediaType === p.mediaType ? record : { ...record, mediaType: p.mediaType });
    else pending.push({ path: p.path, key: p.key, deps: p.deps, parts: () => p.render(), ...(p.prepare && { prepare: () => p.prepare!() }) });
  });
  const result = await writeLazily(outDir, pending, resolve, options);
  const byPath = new Map(planned.map((p) => [p.path, p]));
  // Plain stat calls (as statOrUndefined): a promise each for a cold build's 13,000 files cost more
  // than the calls. None for a file the sync thread stamped: it read the mtime with the descriptor
  // open, after the last write (a rename keeps it), and a stamp that came out wrong would only make
  // the next run render that file again. A newsroom's 17,800 stats by path were ~130 ms of its
  // build's thread.
  for (const { path: file, key } of pending) {
    const info = result.stamps.get(file) ?? statSync(resolveInside(outDir, file));
    const p = byPath.get(file)!;
    records.set(file, { key, size: info.size, mtimeMs: info.mtimeMs, mediaType: p.mediaType, base: p.base, deps: p.deps, slots: result.layouts.get(file) ?? packSlots([]) });
  }
  const written = new Set(result.written);
  const unchanged = planned.map((p) => p.path).filter((p) => !written.has(p));
  if (!before) return { written: result.written, unchanged, records, rendered: pending.length, removed: [] };
  // The new feeds no longer link to them: what this run does not plan goes now.
  const stale = [...before.files].filter((p) => !plannedPaths.has(p));
  const retired = await retireFiles(outDir, stale, { durable });
  if (added || stale.length > 0 || !before.recorded) await writeRecord(outDir, [...plannedPaths, ...retired.failed.map((f) => f.path)], { durable });
  const failed = retired.failed[0];
  if (failed) {
    throw new UserError('write', `could not remove ${path.join(options.displayDir ?? outDir, failed.path)}, which this run no longer publishes: ${plainCause(failed.error)}; the new feeds are in place, and the next run removes it`);
  }
  return { written: result.written, unchanged, records, rendered: pending.length, removed: retired.removed };
}

/**
 * Write whole files. `durable: false` is for the build's bookkeeping (cache index, manifest):
 * still atomic (a reader sees the old file or the new one), but not flushed to the disk, because
 * each is checked when read and a lost or torn one only costs a full build.
 */
export function writeBookkeeping(outDir: string, files: readonly BookkeepingFile[], options: { durable?: boolean; displayDir?: string } = {}): Promise<WriteResult> {
  const noSlots = () => {
    throw new Error('a rendered file has no entry slots');
  };
  // Bookkeeping is rewritten whenever it is written (no comparison with the file on disk), so its
  // chunks go to the temp file as they are made: an archive's cache index never sits in memory whole.
  const stream = (f: BookkeepingFile) => typeof f.contents !== 'string';
  return writeLazily(outDir, files.map((f) => ({ path: f.path, parts: () => (typeof f.contents === 'string' ? [f.contents] : f.contents), stream: stream(f) })), noSlots, { durable: options.durable ?? true, ...(options.displayDir ? { displayDir: options.displayDir } : {}) });
}

/** A whole file to write: its text, or its text in chunks (each encoded as it comes). */
export interface BookkeepingFile {
  readonly path: string;
  readonly contents: string | Iterable<string>;
}

/** What a file's record takes from its stat. */
type FileStamp = { readonly size: number; readonly mtimeMs: number };

type LazyFile = { path: string; parts: () => Iterable<DocumentPart> | Promise<Iterable<DocumentPart>>; stream?: boolean; deps?: readonly string[]; prepare?: () => boolean };

/** What the staging lanes of one write share. */
interface Staging {
  readonly outDir: string;
  readonly names: RunNames;
  readonly durable: boolean;
  readonly resolve: SlotResolver;
  readonly temps: Staged[];
  readonly layouts: Map<string, SlotList>;
  /** Each written file's size and mtime as the sync thread read them (io/sync-thread.ts): no stat by path to record it. */
  readonly stamps: Map<string, FileStamp>;
  /** Makes the folder if need be: fresh when this run made it (or one above it), so nothing of ours is in it yet; `into`, staged (file-calls.ts FolderStaging). */
  readonly ensureFolder: (dir: string) => Promise<MadeFolder>;
  /** A large run's folders, made on a thread of their own (io/folder-thread.ts). */
  readonly folders: FolderThread | undefined;
  /** Where a durable run's temps are fsynced and closed; their fsyncs, each settled (a failure recorded by `fail`). */
  readonly syncs: FileSyncs | undefined;
  readonly synced: Promise<void>[];
  fail(error: unknown): void;
}

/** Render a file and stage it in a temp file beside its target, unless its bytes are already there. */
async function stageFile(s: Staging, file: LazyFile): Promise<void> {
  const target = resolveInside(s.outDir, file.path);
  const dir = path.dirname(target);
  if (file.stream) {
    const { temp, placed } = await stagedPath(s, dir, target);
    s.temps.push({ temp: await writeTempStream(temp, (await file.parts()) as Iterable<string>, s.durable), target, path: file.path, ...(placed && { fresh: true, placed }) });
    return;
  }
  const { contents, length, slots } = await toBytes(await file.parts(), s.resolve);
  s.layouts.set(file.path, slots);
  // In a folder this run made there is no file to compare with (a cold build's every page): no
  // stat that can only fail. The temps staged there are not the target either.
  const { fresh, temp, placed } = await stagedPath(s, dir, target);
  if (!fresh && (await sameBytes(target, contents, length))) return;
  const syncing = writeNewFile(temp, contents, length, s.syncs);
  s.temps.push({ temp, target, path: file.path, fresh, ...(placed && { placed }) });
  s.synced.push(
    syncing.then(
      (mtimeMs) => void (mtimeMs !== undefined && s.stamps.set(file.path, { size: length, mtimeMs })),
      (error: unknown) => s.fail(error),
    ),
  );
  // Descriptors wait open for their fsync: a bound on how many.
  if (s.syncs && s.syncs.backlog >= OPEN_FOR_SYNC) await s.synced[s.synced.length - OPEN_FOR_SYNC / 2];
}

/**
 * Where a file of `dir` is staged: a temp beside its target, or, in a folder staged by this run,
 * its own name there (the folder goes into place whole), once that folder is made.
 */
async function stagedPath(s: Staging, dir: string, target: string): Promise<{ fresh: boolean; temp: string; placed: boolean }> {
  const { fresh, into, op } = await s.ensureFolder(dir);
  if (op !== undefined) s.folders!.ready(op);
  return into === undefined ? { fresh, temp: s.names.temp(dir), placed: false } : { fresh, temp: path.join(into, path.basename(target)), placed: true };
}

/** Temps still open for their fsync before staging waits for some; from how many files a run fsyncs on a thread of its own (io/sync-thread.ts). */
const OPEN_FOR_SYNC = 512;
const SYNC_THREAD_FROM = 512;
/** Files rendered, compared and staged at once: enough to keep the disk busy, few enough to bound memory. */
const IN_FLIGHT = 8;

/**
 * Render, compare and stage a few files at a time (so that memory holds a few documents, not the
 * whole archive), then publish: all temp files first, then all renames. A failure while staging
 * (disk full, read-only folder) leaves every published file as it was; a rename that fails is
 * undone (see publish).
 */
async function writeLazily(
  outDir: string,
  files: ReadonlyArray<LazyFile>,
  resolve: SlotResolver,
  options: WriteOptions = {},
): Promise<WriteResult & { readonly layouts: ReadonlyMap<string, SlotList>; readonly stamps: ReadonlyMap<string, FileStamp> }> {
  const { onProgress, signal, durable = true } = options;
  const temps: Staged[] = [];
  const layouts = new Map<string, SlotList>();
  const stamps = new Map<string, FileStamp>();
  if (files.length === 0) return { written: [], unchanged: [], layouts, stamps };
  const names = new RunNames();
  // The run's folder exists while its temps may: a run killed meanwhile leaves it behind, and the
  // next run, finding it, sweeps the temps (removeStaleTemps).
  const runFolder = names.folder(outDir);
  const tops = new Map<string, string>();
  // A large run is flushed by its file systems where that is trusted (io/file-system-flush.ts), else fsynced file by file.
  const large = files.length >= SYNC_THREAD_FROM;
  const folders = large ? folderThread() : undefined;
  const ensureFolder = folderMaker(outDir, { name: (parent) => names.temp(parent), except: STATE_FOLDER, tops, ...(folders && { defer: (f: string) => folders.add(f) }) });
  await ensureFolder(runFolder);
  let failure: unknown;
  let next = 0, done = 0;
  const flushWith = durable && large ? flushCommand(outDir) : undefined;
  const flushed = flushWith ? closingFileSyncs(flushesWhole) : undefined;
  const syncs = !durable ? undefined : (flushed ?? (large ? fileSyncThread() : poolFileSyncs()));
  const synced: Promise<void>[] = [];
  const staging: Staging = { outDir, names, durable, resolve, temps, layouts, stamps, ensureFolder, folders, syncs, synced, fail: (error) => void (failure ??= error) };
  const queue = stagingOrder(files), ahead = prepareAhead(files, queue); // entries' documents together; shells posted ahead (io/stage-order.ts)
  if (folders) {
    // Every folder planned in the order the files come, then made on the thread while they render.
    try {
      for (const i of queue) await ensureFolder(path.dirname(resolveInside(outDir, files[i]!.path)));
    } catch (error) {
      failure = error;
    }
    folders.start();
  }
  const stage = async (): Promise<void> => {
    while (failure === undefined && next < files.length) {
      ahead(next);
      const file = files[queue[next++]!]!;
      try {
        // Shutdown may abandon a build while it stages: nothing is renamed, the temps are removed.
        if (signal?.aborted) throw buildAborted();
        await stageFile(staging, file);
        onProgress?.((done += 1), files.length);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, files.length) }, stage));
  await Promise.all(synced); // every temp closed, whatever happened
  // Every temp's bytes on the disk before the first rename, as an fsync each would have them: a
  // flush that failed fails the run; one whose command did not run (a process limit) is an fsync each.
  if (failure === undefined && flushed) {
    await flushFileSystems(flushed.folders.values(), flushWith).catch((error: unknown) =>
      isFlushFailure(error) ? void (failure = error) : syncFiles(temps.map((t) => t.temp)).catch((e: unknown) => void (failure = e)),
    );
  }
  if (failure === undefined && signal?.aborted) failure = buildAborted();
  await folders?.close(); // done making folders: each file waited for its own
  if (failure !== undefined) {
    await Promise.all([...temps.map((t) => unlink(t.temp).catch(() => undefined)), ...[...tops.values()].map((f) => rm(f, { recursive: true, force: true }).catch(() => undefined))]);
    await dropRunFolder(runFolder);
    throw failure;
  }
  const order = new Map(files.map((f, i) => [f.path, i]));
  // The renames on the disk: the file systems flushed (best effort, as a folder's fsync), and each
  // folder fsynced where that is not enough (a failed flush, a file system whose flush is not trusted).
  const flushRenames = flushed && (async (dirs: ReadonlySet<string>) => {
    const whole = await flushFileSystems(flushed.folders.values(), flushWith).then(() => true, () => false);
    if (!whole || flushed.foldersToo) await syncDirs(dirs);
  });
  await publish(outDir, temps, tops, order, runFolder, durable, options.displayDir ?? outDir, flushRenames);
  const written = new Set(temps.map((t) => t.path));
  return {
    // In plan order (the summary line lists them so), whatever order they were renamed in.
    written: files.map((f) => f.path).filter((p) => written.has(p)),
    unchanged: files.map((f) => f.path).filter((p) => !written.has(p)),
    layouts,
    stamps,
  };
}

/** The run's folder once it is done with; `.storyfeed/` too if the run made it and it holds nothing else. */
async function dropRunFolder(runFolder: string): Promise<void> {
  await rm(runFolder, { recursive: true, force: true }).catch(() => undefined);
  await rmdir(path.dirname(runFolder)).catch(() => undefined);
}

interface Staged {
  readonly temp: string;
  readonly target: string;
  readonly path: string;
  readonly fresh?: boolean; // in a folder this run made: no earlier file to keep
  readonly placed?: boolean; // written under its own name in a staged folder: renamed with it
  readonly folder?: boolean; // a staged folder
}

/**
 * Rename the staged temps into place in publish order (publishRank, then plan order). Before a
 * file is replaced, a hard link of it is kept in the run's folder; if a rename fails, the files
 * already replaced get their old versions back (in reverse), the new ones that had none are
 * removed, the remaining temps too, and a UserError of kind 'write' says which file failed and why. If the undo
 * itself fails, the run's folder stays, and the next run sweeps what is left and publishes whole.
 */
async function publish(outDir: string, staged: readonly Staged[], tops: ReadonlyMap<string, string>, order: ReadonlyMap<string, number>, runFolder: string, durable: boolean, displayDir: string, syncRenames: (dirs: ReadonlySet<string>) => Promise<void> = syncDirs): Promise<void> {
  // Each file's rank once, not in every comparison (a newsroom's 17,800 files: ~500,000 calls).
  const rank = new Map(staged.map((t) => [t, publishRank(t.path) * order.size + order.get(t.path)!]));
  // New folders first, each whole (all they hold is new; the files renamed after may link into them).
  const folders = [...tops].map(([target, temp]) => ({ temp, target, path: path.relative(outDir, target), fresh: true, folder: true }));
  const temps: Staged[] = [...folders, ...staged.filter((t) => !t.placed).sort((a, b) => rank.get(a)! - rank.get(b)!)];
  const done: Array<{ target: string; backup?: string; folder?: boolean }> = [];
  const dirs = new Set(staged.filter((t) => t.placed).map((t) => path.dirname(t.target)));
  let kept = 0;
  for (const [i, t] of temps.entries()) {
    let backup: string | undefined;
    try {
      // Plain calls, one file after another as before: a promise each cost more than the call (file-calls.ts).
      const old = t.fresh ? undefined : lstatSync(t.target, { throwIfNoEntry: false });
      if (old?.isFile()) {
        backup = path.join(runFolder, String((kept += 1)));
        // A hard link costs no copy; a file system without them gets a copy.
        try {
          linkSync(t.target, backup);
        } catch {
          copyFileSync(t.target, backup);
        }
      }
      renameSync(t.temp, t.target);
      done.push(backup === undefined ? { target: t.target, ...(t.folder && { folder: true }) } : { target: t.target, backup });
      dirs.add(path.dirname(t.target));
    } catch (error) {
      let undone = true;
      for (const d of done.reverse()) {
        try {
          if (d.backup) await rename(d.backup, d.target);
          else await (d.folder ? rm(d.target, { recursive: true }) : unlink(d.target));
        } catch {
          undone = false;
        }
      }
      for (const r of temps.slice(i)) await (r.folder ? rm(r.temp, { recursive: true }) : unlink(r.temp)).catch((e: NodeJS.ErrnoException) => void (e.code === 'ENOENT' || (undone = false)));
      if (undone) await dropRunFolder(runFolder);
      const shown = path.join(displayDir, t.path);
      throw new UserError('write', `could not publish ${shown}: ${plainCause(error)}; ${undone ? 'the published files are as they were' : 'some files could not be put back, and the next run completes the publish'}`);
    }
  }
  if (durable) await syncRenames(dirs);
  await dropRunFolder(runFolder);
}

/** Write files given as bytes (a patched document), each only if its bytes differ from the file on disk. */
export function writeFiles(outDir: string, files: ReadonlyArray<{ path: string; contents: readonly Uint8Array[] }>, options: WriteOptions = {}): Promise<WriteResult> {
  const noSlots = () => {
    throw new Error('a patched file has no entry slots');
  };
  return writeLazily(outDir, files.map((f) => ({ path: f.path, parts: () => f.contents })), noSlots, options);
}

/** The record and the folder's README, before the first rename of a run that publishes files no record names yet. */
export async function writeRecord(outDir: string, paths: Iterable<string>, options: { durable?: boolean; readme?: boolean } = {}): Promise<void> {
  await writeBookkeeping(
    outDir,
    [...(options.readme === false ? [] : [{ path: FOLDER_README_PATH, contents: FOLDER_README }]), { path: PUBLISHED_PATH, contents: renderPublished(paths) }],
    { durable: options.durable ?? true },
  );
}
