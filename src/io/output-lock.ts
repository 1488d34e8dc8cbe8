// One builder at a time per output folder, across processes, containers and hosts sharing a disk.
//
// The lock is the file `.storyfeed.lock` in the output folder. It names its holder: host, boot id,
// pid namespace, pid, the process's start time and a random token. The holder refreshes the
// file's mtime (its heartbeat) every 5 s from a thread of its own (started once the lock has been
// held a second), so a busy build still beats.
//
// Who may take a lock over:
// - a holder in our own pid namespace on the same boot is alive while a process with its pid and
//   its start time exists (a recycled pid has another start time; a container restarted as PID 1
//   finds its predecessor's lock with pid 1 but another start time and token, and takes it over);
// - a foreign holder (another host, boot or pid namespace) cannot be asked with kill(pid, 0): its
//   pid means nothing here. It is judged by its heartbeat only, stale after 90 s;
// - a lock is ours only when its token is.
// Taking a lock is atomic (link(2) of a complete file, which fails if one is there); takers of a
// dead one take turns through a guard file, and each removes the lock only if it is still the one
// it judged.

import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { link, lstat, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { LOCK_NAME } from './state-folder.js';

/** The lock's file name (named in io/state-folder.ts, where the fast path looks for it without loading this module). */
export { LOCK_NAME };
/** The holder refreshes its heartbeat this often. */
export const HEARTBEAT_MS = 5_000;
/** A foreign holder whose heartbeat is older than this is taken for dead (18 missed beats). */
export const FOREIGN_STALE_MS = 90_000;
/** The heartbeat's thread starts once the lock has been held this long (or the heartbeat's period, if shorter). */
const BEAT_THREAD_AFTER_MS = 1_000;
/** A lock file that cannot be read as an owner (cut short by a crash) is dead once this old. */
const UNREADABLE_STALE_MS = 2_000;

/** Another builder holds the output folder and did not let go in time. */

export interface LockOwner {
  readonly host: string;
  readonly bootId: string;
  readonly pidNamespace: string;
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); '' where there is no /proc. */
  readonly startTime: string;
  readonly token: string;
  /** When the lock was taken (for messages). */
  readonly since: string;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** A process's start time: field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces and parentheses). */
export function processStartTime(pid: number | 'self'): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const close = stat.lastIndexOf(')');
  if (close === -1) return undefined;
  // Fields 3… follow the name: field 22 is the 20th of them.
  return stat.slice(close + 2).split(' ')[19];
}

let me: Omit<LockOwner, 'token' | 'since'> | undefined;
export function currentProcess(): Omit<LockOwner, 'token' | 'since'> {
  me ??= {
    host: hostname(),
    bootId: readText('/proc/sys/kernel/random/boot_id'),
    pidNamespace: (() => {
      try {
        return readlinkSync('/proc/self/ns/pid');
      } catch {
        return '';
      }
    })(),
    pid: process.pid,
    startTime: processStartTime('self') ?? '',
  };
  return me;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.host === 'string' && typeof o.bootId === 'string' && typeof o.pidNamespace === 'string' && Number.isInteger(o.pid) && typeof o.startTime === 'string' && typeof o.token === 'string' && o.token !== '') {
      return o as LockOwner;
    }
  } catch {
    // cut short or not ours: judged by age below
  }
  return undefined;
}

export type Verdict = { readonly alive: true; readonly why: string } | { readonly alive: false; readonly why: string };

/**
 * Is the holder of a lock alive? `owner` undefined: the file is not a readable owner record, or it
 * is the lock folder of an earlier storyfeed (proper-lockfile, refreshed every minute).
 */
export function judge(owner: LockOwner | undefined, mtimeMs: number, legacy: boolean, nowMs = Date.now()): Verdict {
  const age = nowMs - mtimeMs;
  if (!owner) {
    const limit = legacy ? FOREIGN_STALE_MS : UNREADABLE_STALE_MS;
    return age > limit ? { alive: false, why: `an unreadable lock not refreshed for ${Math.round(age / 1000)} s` } : { alive: true, why: 'a lock being written' };
  }
  const self = currentProcess();
  const local = owner.host === self.host && owner.bootId === self.bootId && owner.bootId !== '' && owner.pidNamespace === self.pidNamespace && owner.pidNamespace !== '';
  if (!local || self.startTime === '') {
    // Only the heartbeat can tell: kill(pid, 0) would ask about whatever process has that pid here.
    return age > FOREIGN_STALE_MS
      ? { alive: false, why: `pid ${owner.pid} on ${owner.host} has not refreshed the lock for ${Math.round(age / 1000)} s` }
      : { alive: true, why: `pid ${owner.pid} on ${owner.host}${local ? '' : ' (another host or container)'}, heartbeat ${Math.round(age / 1000)} s ago` };
  }
  const start = owner.pid === self.pid ? self.startTime : processStartTime(owner.pid);
  if (start === undefined) return { alive: false, why: `pid ${owner.pid} is gone` };
  if (start !== owner.startTime) return { alive: false, why: `pid ${owner.pid} is another process now (a restart or a recycled pid)` };
  return { alive: true, why: `pid ${owner.pid} on ${owner.host}` };
}

interface Found {
  readonly owner: LockOwner | undefined;
  readonly mtimeMs: number;
  readonly legacy: boolean;
}

async function look(lockPath: string): Promise<Found | undefined> {
  const info = await lstat(lockPath).catch(() => undefined);
  if (!info) return undefined;
  // A folder is the lock of an earlier storyfeed (proper-lockfile): a bare pid is not enough to judge it.
  if (info.isDirectory()) return { owner: undefined, mtimeMs: info.mtimeMs, legacy: true };
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  return { owner: parseOwner(text), mtimeMs: info.mtimeMs, legacy: false };
}

/** Is there a lock in `outDir` whose holder is dead (a builder killed before it let go)? */
export async function heldByDeadBuilder(outDir: string): Promise<boolean> {
  const found = await look(path.join(outDir, LOCK_NAME));
  return found !== undefined && !judge(found.owner, found.mtimeMs, found.legacy).alive;
}

/** Create the lock file whole, or fail with EEXIST: link(2) of a complete temp file. */
async function create(lockPath: string, owner: LockOwner): Promise<boolean> {
  const temp = `${lockPath}.${owner.token}`;
  await writeFile(temp, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
  try {
    await link(temp, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    // A file system without hard links: exclusive create (a reader may see it empty for an instant: see UNREADABLE_STALE_MS).
    try {
      await writeFile(lockPath, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** How long a takeover guard may stand before it is taken for the leftover of a taker that died. */
const GUARD_STALE_MS = 10_000;

function sameLock(now: Found, judged: Found): boolean {
  return now.legacy === judged.legacy && (judged.owner ? now.owner?.token === judged.owner.token : now.owner === undefined && now.mtimeMs === judged.mtimeMs);
}

/**
 * Remove a lock judged dead, and only that one. Takers of one dead lock take turns through a guard
 * file (exclusive create); the one holding it looks again and removes the lock only if it is still
 * the one judged. A live lock is never moved, not even for an instant, so a builder that has just
 * taken the lock over never finds it gone.
 */
async function removeDead(lockPath: string, judged: Found, myToken: string): Promise<void> {
  const guard = `${lockPath}.takeover`;
  try {
    await writeFile(guard, myToken, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const info = await lstat(guard).catch(() => undefined);
    // Whatever stands there that long (a file, or a folder made by hand) is no taker at work.
    if (info && Date.now() - info.mtimeMs > GUARD_STALE_MS) await rm(guard, { recursive: true, force: true }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
    return; // another taker is at it: look again
  }
  try {
    const now = await look(lockPath);
    if (now && sameLock(now, judged)) await rm(lockPath, { recursive: true, force: true });
  } finally {
    await unlink(guard).catch(() => undefined);
  }
  // A builder killed between staging and linking its lock leaves the staged copy.
  if (judged.owner) await unlink(`${lockPath}.${judged.owner.token}`).catch(() => undefined);
}

// The heartbeat runs on a thread of its own: a build that keeps the event loop busy (a large archive
// rendering) still beats. It stops and says so if the lock is no longer ours.
const HEARTBEAT_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { lockPath, token, everyMs } = workerData;
const beat = () => {
  let text = '';
  try { text = fs.readFileSync(lockPath, 'utf8'); } catch {}
  let owner;
  try { owner = JSON.parse(text); } catch {}
  if (!owner || owner.token !== token) { parentPort.postMessage('lost'); clearInterval(timer); return; }
  const now = new Date();
  try { fs.utimesSync(lockPath, now, now); } catch {}
};
const timer = setInterval(beat, everyMs);
`;

export interface HeldLock {
  readonly owner: LockOwner;
  /** Why the lock was lost while held (taken over by another builder), if it was. */
  lost(): string | undefined;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** How long to wait for a live holder (ms). */
  readonly waitMs: number;
  readonly heartbeatMs?: number;
  /** Poll interval while waiting (ms). */
  readonly pollMs?: number;
}

/** Take the lock of `outDir`, waiting up to `waitMs` for a live holder. `found` says whether a lock was there at first. */
export async function acquireOutputLock(outDir: string, options: AcquireOptions): Promise<{ lock: HeldLock; found: boolean }> {
  await mkdir(outDir, { recursive: true });
  const lockPath = path.join(outDir, LOCK_NAME);
  const owner: LockOwner = { ...currentProcess(), token: randomBytes(16).toString('hex'), since: new Date().toISOString() };
  const deadline = Date.now() + options.waitMs;
  let found = false;
  for (;;) {
    if (await create(lockPath, owner)) {
      // Confirm: the file in place is ours (a lock can only be removed by a taker that judged it dead).
      if ((await look(lockPath))?.owner?.token === owner.token) break;
      found = true;
      continue;
    }
    found = true;
    const there = await look(lockPath);
    if (!there) continue;
    if (there.owner?.token === owner.token) break;
    const verdict = judge(there.owner, there.mtimeMs, there.legacy);
    if (!verdict.alive) {
      await removeDead(lockPath, there, owner.token);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new UserError('lock-busy', `another storyfeed build is writing ${outDir} (${verdict.why}; lock ${lockPath}); try again when it has finished`);
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
  }
  let lostWhy: string | undefined;
  const everyMs = options.heartbeatMs ?? HEARTBEAT_MS;
  // The thread starts after a second (at the first turn of the event loop after it): a run over
  // sooner — a patch, most service runs — never pays for starting it (~90 ms of CPU on a small
  // virtual machine, beside a run of ~300 ms). Its first beat was due after 5 s in any case, and
  // only a foreign holder is judged by its beats (stale after 90 s).
  let beat: Worker | undefined;
  const starting = setTimeout(() => {
    beat = new Worker(HEARTBEAT_SOURCE, { eval: true, workerData: { lockPath, token: owner.token, everyMs } });
    beat.on('message', () => {
      lostWhy = 'another builder took the lock over';
    });
    beat.on('error', () => undefined);
    beat.unref(); // after the 'message' listener, which refs the thread's port again (sync-thread.ts)
  }, Math.min(BEAT_THREAD_AFTER_MS, everyMs));
  starting.unref();
  return {
    found,
    lock: {
      owner,
      lost: () => lostWhy,
      async release() {
        clearTimeout(starting);
        await beat?.terminate().catch(() => undefined);
        const now = await look(lockPath);
        if (now?.owner?.token === owner.token) await unlink(lockPath).catch(() => undefined);
      },
    },
  };
}

/** Run `work` under the lock; it learns whether a lock was there when it first looked (see build.ts). */
export async function withOutputLock<T>(outDir: string, waitMs: number, work: (afterOther: boolean) => Promise<T>, heartbeatMs = HEARTBEAT_MS): Promise<T> {
  const { lock, found } = await acquireOutputLock(outDir, { waitMs, heartbeatMs });
  try {
    const result = await work(found);
    const lost = lock.lost();
    if (lost) throw new UserError('lock-busy', `the lock on ${outDir} was lost during the build: ${lost}`);
    return result;
  } finally {
    await lock.release();
  }
}
