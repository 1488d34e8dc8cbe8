// The output folder as publish sees it: every published file, that is every file but hidden
// bookkeeping (the build's `.storyfeed/` state folder, temp files, dotfiles — the ones the server
// refuses too), hashed, with its media type from the registry the server uses.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { mediaTypeOfFile } from '../core/formats.js';
import { kindOfKey, type LocalFile } from './publish-plan.js';

export interface LocalSnapshot {
  readonly files: readonly LocalFile[];
  /** The bytes of the files `keep` asked for, as hashed. */
  readonly bytes: ReadonlyMap<string, Buffer>;
}

async function walk(dir: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const key = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) await walk(path.join(dir, entry.name), key, out);
    else if (entry.isFile()) out.push(key);
  }
}

/**
 * Read and hash the output folder; keep the bytes of the files `keep` selects (those to upload).
 * With `builtOutputs` (what the last build wrote, from its manifest), only the feeds and pages that
 * build published count: the build deletes what it no longer plans (io/sweep-outputs.ts), so this
 * mostly keeps out pages of the newsroom's own in a folder built with --force, and a file whose
 * removal failed (retried by the next build); assets (images, the stylesheet) always count.
 */
export async function readOutputFolder(outDir: string, keep: (file: LocalFile) => boolean, builtOutputs?: ReadonlySet<string>): Promise<LocalSnapshot> {
  const all: string[] = [];
  await walk(outDir, '', all);
  const keys = all.filter((key) => builtOutputs === undefined || builtOutputs.has(key) || kindOfKey(key, mediaTypeOfFile(key)) === 'asset').sort();
  const files: LocalFile[] = [];
  const bytes = new Map<string, Buffer>();
  for (const key of keys) {
    const data = await readFile(path.join(outDir, ...key.split('/')));
    const file: LocalFile = { key, sha256: createHash('sha256').update(data).digest('hex'), size: data.length, contentType: mediaTypeOfFile(key) };
    files.push(file);
    if (keep(file)) bytes.set(key, data);
  }
  return { files, bytes };
}
