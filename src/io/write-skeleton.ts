// `storyfeed new`: write a skeleton as a new file inside the entries folder, never replacing one and
// never leaving the folder by a symlink (the settings it is made from are read by read-sources.ts).

import { closeSync, lstatSync, mkdirSync, openSync, realpathSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isInside } from './paths.js';

export type SkeletonWrite = { readonly ok: true; readonly file: string } | { readonly ok: false; readonly problem: string };

/** Why `storyfeed new` cannot write in `entriesDir` at all (it is not a folder), before any plan is made of what it lacks. */
export function entriesFolderProblem(entriesDir: string): string | undefined {
  return statSync(entriesDir, { throwIfNoEntry: false })?.isDirectory() ? undefined : `there is no entries folder ${entriesDir} (--entries names it; default: entries)`;
}

/** Write `text` to `relative` (one folder deep at most) in the entries folder; an existing file stays as it is. */
export function writeSkeleton(entriesDir: string, relative: string, text: string): SkeletonWrite {
  let root: string;
  try {
    root = realpathSync(entriesDir);
  } catch {
    return { ok: false, problem: `there is no entries folder ${entriesDir}` };
  }
  const folder = path.dirname(relative);
  let dir = root;
  if (folder !== '.') {
    dir = path.join(root, folder);
    let real: string;
    try {
      if (!lstatSync(dir, { throwIfNoEntry: false })) mkdirSync(dir);
      real = realpathSync(dir);
    } catch (error) {
      // A folder the system will not make (a name too long, no permission, a full disk): the user's to fix.
      return { ok: false, problem: `cannot make the folder ${path.join(entriesDir, folder)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
    }
    if (!isInside(root, real) || !lstatSync(real).isDirectory()) return { ok: false, problem: `${folder} is not a folder inside ${entriesDir}` };
    dir = real;
  }
  const full = path.join(dir, path.basename(relative));
  let fd: number;
  try {
    // 'wx': O_CREAT|O_EXCL, which also refuses a symlink in the file's place, dangling or not.
    fd = openSync(full, 'wx', 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return { ok: false, problem: `${path.join(entriesDir, relative)} exists; it was not replaced` };
    return { ok: false, problem: `cannot write ${path.join(entriesDir, relative)} (${code ?? (error as Error).message})` };
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return { ok: true, file: path.join(entriesDir, relative) };
}
