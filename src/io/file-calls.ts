// The writer's file calls, made the cheap way (issue 17). A promise call (fs/promises) is a round
// trip through libuv's thread pool: a futex wake-up there and an eventfd write back, which on this
// kind of virtual machine cost more than the call itself (strace of a cold 10,000-entry newsroom
// build: 371,360 futex calls and 98,502 epoll waits for ~110,000 file calls). Calls that the page
// cache answers at once (open, write, close, rename, link, mkdir) are made synchronously; only
// fsync, which waits on the disk, goes elsewhere (a folder's to the pool, a temp file's to the sync
// thread, io/sync-thread.ts), so that many are in flight while this thread renders the next
// documents. The build runs on a thread of its own in the service.

import { closeSync, fstatSync, fsync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, unlinkSync, writevSync, type Stats } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { isInside, isOwnTempName } from './paths.js';

/** fsync a descriptor on the thread pool: the one call here that waits on the disk. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Where a durable run's temps are fsynced and closed: here on the pool, or on the sync thread (io/sync-thread.ts). */
export interface FileSyncs {
  /**
   * fsync `fd`, then close it (it is no longer the caller's): settles once both are done, with the
   * file's mtime when it was read on the way (the sync thread's fstat), so that the writer need not
   * stat the file by its path again to record it. `file`: the path it was opened by.
   */
  syncAndClose(fd: number, file?: string): Promise<number | undefined>;
  /** Descriptors handed over and not done yet. */
  readonly backlog: number;
}

/**
 * For a run made durable by flushing its file systems after staging (io/file-system-flush.ts): no
 * fsync here; each descriptor is closed at once, its mtime read first (as the sync thread reads it),
 * and `folders` keeps a folder of each file system a temp is on, where its temps are renamed too.
 * A temp on a file system whose flush is not trusted (`flushesWhole`: a network mount inside the
 * output folder, say) is fsynced here before it is closed, and `foldersToo` says the run's folders
 * need their fsyncs after the renames.
 */
export function closingFileSyncs(flushesWhole: (folder: string) => boolean): FileSyncs & { readonly folders: ReadonlyMap<number, string>; readonly foldersToo: boolean } {
  const folders = new Map<number, string>();
  const untrusted = new Set<number>();
  return {
    folders,
    get foldersToo() {
      return untrusted.size > 0;
    },
    backlog: 0,
    syncAndClose(fd, file) {
      try {
        if (file === undefined) throw new Error('a descriptor handed over without its file');
        const info = fstatSync(fd);
        if (!folders.has(info.dev) && !untrusted.has(info.dev)) {
          const folder = lastingFolder(path.dirname(file));
          if (flushesWhole(folder)) folders.set(info.dev, folder);
          else untrusted.add(info.dev);
        }
        if (untrusted.has(info.dev)) fsyncSync(fd);
        return Promise.resolve(info.mtimeMs);
      } catch (error) {
        return Promise.reject(error as Error);
      } finally {
        closeQuietly(fd);
      }
    },
  };
}

/**
 * For a file in a staged folder (FolderStaging), the folder that folder is made in: the flush after
 * the renames is given a folder that is still there (a staged one is not: found in review, the
 * flush then failed and every folder of a cold build was fsynced in its place).
 */
function lastingFolder(folder: string): string {
  const parts = folder.split(path.sep);
  const staged = parts.findIndex(isOwnTempName);
  return staged === -1 ? folder : parts.slice(0, staged).join(path.sep) || path.sep;
}

/** On libuv's pool, a descriptor at a time: for a run of a few files, where a thread would cost more than it saves. */
export function poolFileSyncs(): FileSyncs {
  let backlog = 0;
  return {
    get backlog() {
      return backlog;
    },
    syncAndClose(fd) {
      backlog += 1;
      return fsyncFd(fd)
        .finally(() => {
          closeQuietly(fd);
          backlog -= 1;
        })
        .then(() => undefined);
    },
  };
}

/**
 * fsyncs at once: each waits on the disk on a thread of the pool (io/thread-pool.ts), so more in
 * flight end sooner — a cold 10,000-entry build's 11,006 folders took 1.2 s 8 at a time on 4
 * threads, 0.35 s 64 at a time on 32.
 */
export const SYNCS_IN_FLIGHT = 64;

/** `work` on every item, at most `limit` at a time; resolves once all are done (`work` handles its own failures). */
export async function inFlight<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * fsync files by path, SYNCS_IN_FLIGHT at a time on the pool: a large run's temps when its file
 * system could not be flushed (io/file-system-flush.ts: the command did not run). Rejects with the
 * first failure once every file is done.
 */
export async function syncFiles(files: readonly string[]): Promise<void> {
  const pool = poolFileSyncs();
  let failed: unknown;
  await inFlight(files, SYNCS_IN_FLIGHT, async (file) => {
    try {
      await pool.syncAndClose(openSync(file, 'r'));
    } catch (error) {
      failed ??= error;
    }
  });
  if (failed !== undefined) throw failed;
}

/** Close a descriptor whose fsync is over, failed or not: closed either way. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closed either way
  }
}

/**
 * Write the buffers to a new file (`wx`: never an existing one); throws at once if it cannot, and
 * then leaves no file. Durable, its fsync and close are handed to `syncs`: the promise settles with them.
 */
export function writeNewFile(file: string, contents: readonly Uint8Array[], length: number, syncs: FileSyncs | undefined): Promise<number | undefined> {
  const fd = openSync(file, 'wx', 0o644);
  try {
    // libuv writes every buffer (in IOV_MAX chunks, retrying short writes); say so if it did not.
    const wrote = contents.length === 0 ? 0 : writevSync(fd, contents as Uint8Array[]);
    if (wrote !== length) throw new Error(`short write to ${file}: ${wrote} of ${length} bytes`);
  } catch (error) {
    closeSync(fd);
    unlinkSync(file); // ours (wx), half written: a disk that filled up mid-file leaves no temp behind
    throw error;
  }
  if (!syncs) {
    closeSync(fd);
    return Promise.resolve(undefined);
  }
  return syncs.syncAndClose(fd, file);
}

/** fsync a folder, so that the renames and removals in it survive a power loss (best effort: not every platform allows it). */
export async function syncFolder(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    await fsyncFd(fd);
  } catch {
    // best effort
  } finally {
    closeSync(fd);
  }
}

/**
 * Is each folder of the output folder really in it? A symbolic link inside the output folder (a
 * folder replaced by a link to elsewhere) would have the writer create, replace and delete files
 * outside it. Each folder from the output folder down to `dir` is looked at once per run (an lstat;
 * a link is resolved): `check(dir)` throws a UserError when one leads outside, `inside(dir)` says
 * whether none does.
 */
export function outputFolderGuard(outDir: string): { check(dir: string): void; inside(dir: string): boolean; made(dir: string, parent: string): boolean } {
  const top = path.resolve(outDir);
  let root: string | undefined;
  const real = new Set<string>();
  /** Where a folder of `dir` (itself or one above it) really is, when that is outside the output folder. */
  const leadsTo = (dir: string): { folder: string; real: string } | undefined => {
    if (root === undefined) {
      // The output folder may itself be a link (`--out` naming one): where it leads is the output folder.
      root = realpathSync.native(outDir);
      real.add(top);
    }
    const at = path.resolve(dir);
    if (real.has(at)) return undefined;
    if (!isInside(top, at)) throw new Error(`not a folder of the output folder: ${at}`);
    const above = leadsTo(path.dirname(at));
    if (above) return above;
    // One lstat per folder and run; only a link is resolved. A folder not there yet will be a real one.
    let info: Stats | undefined;
    try {
      info = lstatSync(at, { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
    if (info === undefined) return undefined;
    if (info.isSymbolicLink()) {
      const resolved = realpathSync.native(at);
      if (resolved !== root && !isInside(root, resolved)) return { folder: at, real: resolved };
    }
    real.add(at);
    return undefined;
  };
  return {
    inside: (dir) => leadsTo(dir) === undefined,
    // A folder that mkdir(2) has just made in a folder known to be real is real itself: no lstat.
    made(dir, parent) {
      if (!real.has(parent)) return false;
      real.add(dir);
      return true;
    },
    check(dir) {
      const out = leadsTo(dir);
      if (out) throw new UserError('write', `refusing to write outside the output folder: ${out.folder} leads to ${out.real} (a symbolic link in the output folder); replace the link with a real folder, or name the real folder with --out`);
    },
  };
}

/** mkdir(2) of one folder: false when something is there already, or the folder above is not. */
function makeOne(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw error;
  }
}

/** A folder as folderMaker left it: `fresh` when this run made it; `into`, where a new file of it is written while its staged folder is not in place. */
export interface MadeFolder {
  readonly fresh: boolean;
  readonly into?: string;
  /** Its mkdir as `defer` numbered it: the folder is there once that is done. */
  readonly op?: number;
}

/**
 * New folders staged whole (issue 14): a folder this run makes in one that was there is made under
 * a temp name (`name(parent)`) and recorded in `tops`, what it holds is made and written inside it
 * under their own names, and the writer renames it into place once (io/write-outputs.ts publish):
 * a new story appears with all its files or not at all, one rename for its ~90 files. Not under
 * `except` (the state folder: the run's folder holds hard links that must not move).
 */
export interface FolderStaging {
  name(parent: string): string;
  readonly except: string;
  /** Each staged folder: its path → where it is staged. */
  readonly tops: Map<string, string>;
  /** Make the staged folders later, in this order (io/folder-thread.ts): the mkdir's number. */
  readonly defer?: (folder: string) => number;
}

const NOT_MADE: MadeFolder = { fresh: false };

/**
 * One mkdir per folder, not per file (an archive has thousands of files in a few hundred folders),
 * never through a link leading outside. A cold build makes a folder per page: whether one is there
 * already is read once per folder that was (one readdir, not a call per folder), and only what was
 * there is looked at (issue 17).
 */
export function folderMaker(outDir: string, staging?: FolderStaging): (dir: string) => Promise<MadeFolder> {
  const folders = new Map<string, Promise<MadeFolder>>();
  const known = new Map<string, MadeFolder>();
  const listed = new Map<string, ReadonlySet<string>>();
  const guard = outputFolderGuard(outDir);
  const top = path.resolve(outDir);
  const except = staging ? path.resolve(top, staging.except) : undefined;
  const holds = (parent: string, name: string): boolean => {
    let names = listed.get(parent);
    if (!names) listed.set(parent, (names = new Set(readdirSync(parent))));
    return names.has(name);
  };
  /** A folder of a staged one, or the staged one itself: made now, or numbered for the folder thread. */
  const staged = (into: string): MadeFolder => {
    if (!staging?.defer) {
      mkdirSync(into);
      return { fresh: true, into };
    }
    return { fresh: true, into, op: staging.defer(into) };
  };
  const make = (dir: string): MadeFolder => {
    const at = path.resolve(dir);
    let made = known.get(at);
    if (made !== undefined) return made;
    const parent = path.dirname(at);
    // The folder above first, once each, so that every folder this run makes is known as made: a
    // newsroom's story folder, made for its first page, then takes its feeds with no file compared
    // (mkdir -p would say only which folder it made first; the others were taken as there before).
    const above = isInside(top, parent) ? make(parent) : NOT_MADE;
    if (above.into !== undefined) {
      // Inside a staged folder, under its own name: ours, and real (guard.made), like the one above.
      made = staged(path.join(above.into, path.basename(at)));
      guard.made(at, parent);
    } else if (staging && except !== undefined && isInside(top, at) && at !== except && !isInside(except, at) && guard.inside(parent) && !holds(parent, path.basename(at))) {
      made = staged(staging.name(parent));
      guard.made(at, parent);
      staging.tops.set(at, made.into!);
    } else if (isInside(top, at) && guard.inside(parent) && !staging && makeOne(at)) {
      if (!guard.made(at, parent)) guard.check(at);
      made = { fresh: true };
    } else {
      guard.check(dir);
      // mkdir -p gives the first folder it made, undefined when the folder was there already.
      made = mkdirSync(dir, { recursive: true }) !== undefined ? { fresh: true } : NOT_MADE;
    }
    known.set(at, made);
    return made;
  };
  return (dir) => {
    let made = folders.get(dir);
    if (!made) {
      made = new Promise<MadeFolder>((resolve) => resolve(make(dir)));
      folders.set(dir, made);
    }
    return made;
  };
}

/** Is the file on disk exactly these bytes? (Size first: most changed files differ in length.) */
export async function sameBytes(file: string, contents: readonly Uint8Array[], length: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  if (!info || info.size !== length) return false;
  try {
    const existing = await readFile(file);
    let at = 0;
    for (const c of contents) {
      if (Buffer.compare(existing.subarray(at, at + c.byteLength), c) !== 0) return false;
      at += c.byteLength;
    }
    return at === existing.length;
  } catch {
    return false;
  }
}

/** A temp file written chunk by chunk, each chunk encoded only when its turn comes. */
export async function writeTempStream(temp: string, chunks: Iterable<string>, durable: boolean): Promise<string> {
  const handle = await open(temp, 'wx', 0o644);
  try {
    // writeFile on a handle writes all of it, at the current position: the chunks follow each other.
    for (const chunk of chunks) await handle.writeFile(chunk, 'utf8');
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}
