// Paths in the two folders storyfeed touches: the one containment check every reader, writer and
// the server use, and the one way a temp file is named (stale ones are found by the prefix).

import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Temp files: in the folder of the file they replace (so the rename is atomic), named by pid. */
export const TEMP_PREFIX = '.storyfeed-tmp-';

/** A temp file of the fragment store's: by pid and a random tag. */
export function tempPath(dir: string): string {
  return path.join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** `dir` as a prefix for names inside it (`''` is the current folder, `./`): a stat per file with no path.join each. */
export function folderPrefix(dir: string): string {
  const d = path.join(dir, '.');
  return d.endsWith(path.sep) ? d : `${d}${path.sep}`;
}

/** A writer's temp file: by its run's token (16 hex) and a counter. */
export function runTempPath(dir: string, token: string, n: number): string {
  return path.join(dir, `${TEMP_PREFIX}${token}-${n}`);
}

/**
 * Temp files this version writes (`.storyfeed-tmp-<run token>-<n>`) and those of earlier versions
 * and of the fragment store (`.storyfeed-tmp-<pid>-<12 hex>`). Only names of exactly this form are
 * ever removed as stale: a user's own `.storyfeed-tmp-notes` is not a temp file of ours.
 */
const OWN_TEMP = /^\.storyfeed-tmp-(?:[0-9a-f]{16}-\d+|\d+-[0-9a-f]{12})$/;

export function isOwnTempName(name: string): boolean {
  return OWN_TEMP.test(name);
}

/** Is `target` strictly inside `root` (both absolute)? */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Resolve `relative` inside `outDir`, refusing anything that would land outside it. */
export function resolveInside(outDir: string, relative: string): string {
  if (relative === '' || path.isAbsolute(relative) || relative.split(/[\\/]/).some((part) => part === '..' || part === '')) {
    throw new Error(`refusing to write outside the output folder: ${JSON.stringify(relative)}`);
  }
  const full = path.resolve(outDir, relative);
  if (!isInside(path.resolve(outDir), full)) throw new Error(`refusing to write outside the output folder: ${relative}`);
  return full;
}
