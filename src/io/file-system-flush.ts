// A large run's durability in two flushes of the file system instead of an fsync per file (issue
// 14's cold newsroom). syncfs(2) writes back every dirty page and the journal of one file system
// and waits for it: once after every temp is written (before the first rename), once after the
// renames (in place of an fsync per folder). What a run guarantees is unchanged: each file's bytes
// are on the disk before any rename names it, and the renames are on the disk when the run ends.
//
// Why: an fsync per file is a journal commit per file. A cold 10,000-entry build's 13,026 files (a
// newsroom's 17,810), settled and alternating, three rounds each: user + system CPU 16.0 → 14.2 s
// for the single story and 22.1 → 17.5 s for the newsroom, medians; the newsroom's wall 13.3 →
// 12.0 s (src/build/README.md).
//
// Node has no syncfs: coreutils' `sync -f FILE` makes the one call (since coreutils 8.24). Used
// only where its answer can be trusted: Linux 5.8 and later, where syncfs reports a write-back
// error the file system met since the descriptor it was given was opened, or one nobody has seen
// yet (errseq; before 5.8 it returned 0 whatever happened). Elsewhere, and for small runs, each
// temp is fsynced (io/sync-thread.ts, io/file-calls.ts).

import { execFile } from 'node:child_process';
import { existsSync, statfsSync } from 'node:fs';
import { platform, release } from 'node:os';

/** The coreutils `sync` that takes -f, by absolute path (never found through PATH). */
const COMMANDS = ['/usr/bin/sync', '/bin/sync'];

/**
 * Linux from 5.8: syncfs reports write-back errors (kernel commit 735e4ae5ba28, "vfs: track per-sb
 * writeback errors and report them to syncfs"). An error nobody has seen yet is reported to a
 * descriptor opened after it (errseq, since 4.17), as `sync -f` opens its own.
 */
export function reportsFlushErrors(os: string, kernel: string): boolean {
  if (os !== 'linux') return false;
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 5 || (major === 5 && minor >= 8);
}

/**
 * Local file systems whose syncfs writes back every file's data and commits the journal (statfs
 * f_type, linux/magic.h): ext2/3/4, XFS, Btrfs, F2FS, tmpfs (nothing to write), overlayfs (a
 * container's: it flushes its upper file system). Not a network or FUSE file system, whose syncfs
 * may stop short of the server's disk (FUSE before 5.15 has none): those files are fsynced.
 */
const FLUSHED_TYPES = new Set([0xef53, 0x58465342, 0x9123683e, 0xf2f52010, 0x01021994, 0x794c7630]);

/** Is the file system that holds `folder` one whose flush is trusted (FLUSHED_TYPES)? */
export function flushesWhole(folder: string): boolean {
  try {
    return FLUSHED_TYPES.has(statfsSync(folder).type);
  } catch {
    return false;
  }
}

let command: string | null | undefined;

/** The command that flushes `folder`'s file system on this machine, or undefined: each file is fsynced instead. */
export function flushCommand(folder: string): string | undefined {
  if (command === undefined) command = (reportsFlushErrors(platform(), release()) && COMMANDS.find((c) => existsSync(c))) || null;
  return command !== null && flushesWhole(folder) ? command : undefined;
}

/** A flush that ran and failed (a write-back error), as against a command that could not run. */
export class FlushFailure extends Error {
  readonly code = 'EIO';
}

export function isFlushFailure(error: unknown): error is FlushFailure {
  return error instanceof FlushFailure;
}

/**
 * Flush the file system each of `files` is on (one per file system: pass a file of each), and wait.
 * Rejects with a FlushFailure (code `EIO`) when the command reports a failure (a write-back error),
 * or with the spawn's own error when the command could not run (ENOENT, EAGAIN…).
 */
export async function flushFileSystems(files: Iterable<string>, run: string | undefined): Promise<void> {
  if (!run) throw new Error('no command flushes a file system here');
  for (const file of files) {
    await new Promise<void>((resolve, reject) =>
      execFile(run, ['-f', file], { timeout: 0 }, (error, _stdout, stderr) => {
        if (!error) return resolve();
        if (typeof error.code !== 'number') {
          command = undefined; // it did not run (ENOENT, EACCES…): the next run looks for it again
          return reject(error);
        }
        reject(new FlushFailure(`flushing the file system of ${file} failed: ${String(stderr).trim() || `exit code ${error.code}`}`));
      }),
    );
  }
}
