// The only module that writes outputs. A file whose bytes would not change is not touched (its
// mtime, and so every reader's conditional GET, stays valid); a changed file is replaced
// atomically: temp file in the same folder, fsync, rename, fsync the folder. A reader sees the
// old file or the new one, never half of one.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { OutputRecord } from '../core/cache.js';
import type { PlannedFile, RenderedFile } from '../core/types.js';

export interface WriteResult {
  readonly written: string[];
  readonly unchanged: string[];
}

export const TEMP_PREFIX = '.storyfeed-tmp-';

/** A build stopped on request (shutdown) before it published anything. */
export class BuildAbortedError extends Error {
  constructor() {
    super('the build was abandoned before publishing; the previous outputs are unchanged');
  }
}

/** Resolve `relative` inside `outDir`, refusing anything that would land outside it. */
export function resolveInside(outDir: string, relative: string): string {
  if (relative === '' || path.isAbsolute(relative) || relative.split(/[\\/]/).some((part) => part === '..' || part === '')) {
    throw new Error(`refusing to write outside the output folder: ${JSON.stringify(relative)}`);
  }
  const full = path.resolve(outDir, relative);
  const rel = path.relative(path.resolve(outDir), full);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`refusing to write outside the output folder: ${relative}`);
  return full;
}

async function sameBytes(file: string, contents: Buffer): Promise<boolean> {
  try {
    const existing = await readFile(file);
    return existing.equals(contents);
  } catch {
    return false;
  }
}

async function writeTemp(dir: string, contents: Buffer): Promise<string> {
  const temp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable; not every platform allows fsync on a directory.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

export interface PlannedWriteResult extends WriteResult {
  /** What each output was written (or found) from, for the next run's cache. */
  readonly records: Map<string, OutputRecord>;
  /** How many outputs were rendered (the rest were skipped by key). */
  readonly rendered: number;
}

/**
 * Write planned outputs. An output whose key matches the cache record, and whose file still has
 * the recorded size and mtime, is neither rendered nor read. Every other output is rendered and
 * written only if its bytes differ from the file on disk.
 */
export async function writePlanned(
  outDir: string,
  planned: readonly PlannedFile[],
  previous: ReadonlyMap<string, OutputRecord>,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<PlannedWriteResult> {
  const records = new Map<string, OutputRecord>();
  const pending: Array<{ path: string; key: string; contents: () => string }> = [];
  for (const p of planned) {
    const record = previous.get(p.path);
    if (record && record.key === p.key) {
      const info = await stat(resolveInside(outDir, p.path)).catch(() => undefined);
      if (info && info.size === record.size && info.mtimeMs === record.mtimeMs) {
        records.set(p.path, record);
        continue;
      }
    }
    pending.push({ path: p.path, key: p.key, contents: () => p.render() });
  }
  const result = await writeLazily(outDir, pending, onProgress, signal);
  for (const { path: file, key } of pending) {
    const info = await stat(resolveInside(outDir, file));
    records.set(file, { key, size: info.size, mtimeMs: info.mtimeMs });
  }
  const written = new Set(result.written);
  return { written: result.written, unchanged: planned.map((p) => p.path).filter((p) => !written.has(p)), records, rendered: pending.length };
}

export function writeOutputs(outDir: string, files: readonly RenderedFile[]): Promise<WriteResult> {
  return writeLazily(outDir, files.map((f) => ({ path: f.path, contents: () => f.contents })));
}

/**
 * Render, compare and stage one file at a time (so that memory holds one document, not the whole
 * archive), then publish: all temp files first, then all renames. A failure while staging (disk
 * full, read-only folder) leaves every published file as it was.
 */
async function writeLazily(
  outDir: string,
  files: ReadonlyArray<{ path: string; contents: () => string }>,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<WriteResult> {
  const temps: Array<{ temp: string; target: string; path: string }> = [];
  try {
    let done = 0;
    for (const file of files) {
      // Shutdown may abandon a build while it stages: nothing is renamed, the temps are removed.
      if (signal?.aborted) throw new BuildAbortedError();
      onProgress?.((done += 1), files.length);
      const target = resolveInside(outDir, file.path);
      const contents = Buffer.from(file.contents(), 'utf8');
      if (await sameBytes(target, contents)) continue;
      const dir = path.dirname(target);
      await mkdir(dir, { recursive: true });
      temps.push({ temp: await writeTemp(dir, contents), target, path: file.path });
    }
  } catch (error) {
    await Promise.all(temps.map((t) => unlink(t.temp).catch(() => undefined)));
    throw error;
  }
  if (signal?.aborted) {
    await Promise.all(temps.map((t) => unlink(t.temp).catch(() => undefined)));
    throw new BuildAbortedError();
  }
  const dirs = new Set<string>();
  for (const t of temps) {
    await rename(t.temp, t.target);
    dirs.add(path.dirname(t.target));
  }
  for (const dir of dirs) await syncDir(dir);
  const written = new Set(temps.map((t) => t.path));
  return {
    written: [...written],
    unchanged: files.map((f) => f.path).filter((p) => !written.has(p)),
  };
}

/** Remove temp files left by a process that was killed mid-write (they are never published). */
export async function removeStaleTemps(outDir: string): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    let names: import('node:fs').Dirent[];
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of names) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) await walk(full);
      else if (d.name.startsWith(TEMP_PREFIX)) {
        await unlink(full).catch(() => undefined);
        removed += 1;
      }
    }
  };
  await walk(outDir);
  return removed;
}
