import { fstatSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CACHE_PATH, FOLDER_README_PATH, MANIFEST_PATH, OVERLAY_PATH, PACK_PATH, PUBLISHED_PATH } from '../../src/io/state-folder.js';

/** Every file below `dir`, as relative paths with forward slashes, sorted. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.isDirectory()) out.push(...(await listFiles(path.join(dir, d.name), `${prefix}${d.name}/`)));
    else out.push(`${prefix}${d.name}`);
  }
  return out.sort();
}

/** The build's own files in the output folder: bookkeeping about a build, not what it publishes. */
export const BOOKKEEPING: ReadonlySet<string> = new Set([CACHE_PATH, OVERLAY_PATH, PACK_PATH, MANIFEST_PATH, PUBLISHED_PATH, FOLDER_README_PATH]);

/** Every file a build published below `dir` (the ledger included), by relative path, as text. */
export async function publishedFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir)) if (!BOOKKEEPING.has(f)) out[f] = await readFile(path.join(dir, f), 'utf8');
  return out;
}

/** Whether a descriptor is open (check it before anything else opens a file, which could take a freed number). */
export function isOpenDescriptor(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
