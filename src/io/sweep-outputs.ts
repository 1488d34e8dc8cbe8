// Removing what is not published: temp files, staged folders and run folders left by runs that did
// not finish, and the files an earlier run published that this one no longer plans. It deletes
// only names it can prove are its own (a temp of our exact form; a file in the record of what was
// published), never by listing the folder for candidates. io/write-outputs.ts calls it after the
// renames.

import { readdirSync, rmSync, unlinkSync, type Dirent } from 'node:fs';
import { lstat, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { RUN_FOLDER } from './output-folder.js';
import { isInside, isOwnTempName, resolveInside, TEMP_PREFIX } from './paths.js';
import { LOCK_NAME, STATE_FOLDER } from './state-folder.js';
import { inFlight, outputFolderGuard, syncFolder, SYNCS_IN_FLIGHT } from './file-calls.js';

/**
 * fsync folders several at a time (all of them before it resolves): one by one, a cold build with a
 * page per entry, so a folder per entry, waited on each in turn (issue 17).
 */
export async function syncDirs(dirs: Iterable<string>): Promise<void> {
  await inFlight([...dirs], SYNCS_IN_FLIGHT, syncFolder);
}

/**
 * Remove what earlier runs that did not finish left (they are never published): temp files of
 * exactly our form (files, and the folders a run staged), and their run folders. Never a user's
 * file that merely looks alike, never the service's lock (`.storyfeed.lock…`). Runs under the
 * lock, so no live run's temps are there. Synchronous on purpose: it walks every folder of an
 * archive (hundreds) before each build, and a promise per readdir cost eight times the calls
 * themselves (measured: 86 ms against 10 ms for 600 folders). The service builds on a thread of its own.
 */
export async function removeStaleTemps(outDir: string): Promise<number> {
  let removed = 0;
  const walk = (dir: string, top: boolean): void => {
    let names: Dirent[];
    try {
      names = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names) {
      if (d.name.startsWith(LOCK_NAME)) continue;
      const full = path.join(dir, d.name);
      if (d.isDirectory() && isOwnTempName(d.name)) {
        // A new folder a run staged and never put in place (file-calls.ts FolderStaging): nothing in it was published.
        rmSync(full, { recursive: true, force: true });
        removed += 1;
      } else if (d.isDirectory()) {
        if (top && d.name === STATE_FOLDER) {
          for (const n of readdirSafe(full)) {
            if (!RUN_FOLDER.test(n)) continue;
            rmSync(path.join(full, n), { recursive: true, force: true });
            removed += 1;
          }
        }
        walk(full, false);
      } else if (isOwnTempName(d.name)) {
        try {
          unlinkSync(full);
          removed += 1;
        } catch {
          // gone already, or not ours to remove: it is never published either way
        }
      }
    }
  };
  walk(outDir, true);
  return removed;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** What became of the files an earlier run published and this one no longer plans. */
export interface Retired {
  /** Deleted (or already gone). */
  readonly removed: string[];
  /** Still there: deleting failed (they stay in the record, and the next run tries again). */
  readonly failed: Array<{ path: string; error: unknown }>;
}

/** Paths a record may name that are never deleted: the bookkeeping, the lock, anything outside the folder. */
function deletable(outDir: string, relative: string): string | undefined {
  if (relative.startsWith(`${STATE_FOLDER}/`)) return undefined;
  const base = relative.split('/').pop()!;
  if (base.startsWith(LOCK_NAME) || base.startsWith(TEMP_PREFIX)) return undefined;
  try {
    return resolveInside(outDir, relative);
  } catch {
    return undefined;
  }
}

/**
 * Delete files an earlier run published that this run no longer plans (`stale`: names from the
 * record of what storyfeed published, never from a listing of the folder), then the folders they
 * leave empty, up to the output folder. A file replaced since by a folder or a link is not ours.
 */
export async function retireFiles(outDir: string, stale: Iterable<string>, options: { durable?: boolean } = {}): Promise<Retired> {
  const removed: string[] = [];
  const failed: Retired['failed'] = [];
  const emptied = new Set<string>();
  const guard = outputFolderGuard(outDir);
  for (const relative of [...stale].sort()) {
    const full = deletable(outDir, relative);
    if (!full) continue;
    try {
      // A folder replaced by a link that leads outside the output folder: nothing there is ours to delete.
      if (!guard.inside(path.dirname(full))) continue;
      const info = await lstat(full).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
        throw e;
      });
      if (info?.isFile()) await unlink(full);
      removed.push(relative);
      if (info?.isFile()) emptied.add(path.dirname(full));
    } catch (error) {
      failed.push({ path: relative, error });
    }
  }
  // Deepest first; rmdir removes only an empty folder, so a folder holding anything stays.
  const root = path.resolve(outDir);
  const synced = new Set<string>();
  for (const dir of [...emptied].sort((a, b) => b.length - a.length)) {
    let at = dir;
    while (isInside(root, at)) {
      try {
        await rmdir(at);
      } catch {
        synced.add(at);
        break;
      }
      at = path.dirname(at);
    }
    if (at === root) synced.add(root);
  }
  if (options.durable ?? true) await syncDirs(synced);
  return { removed, failed };
}
