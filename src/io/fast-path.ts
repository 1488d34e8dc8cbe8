// The start-up fast path of `storyfeed build`: with only stat calls, decide whether the last build
// is still exactly what a build now would write. Loads no compiler, no renderer.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { insideWindow, MANIFEST_PATH, parseManifest, type FileStamp } from '../core/manifest.js';
import { isSourceName } from './read-sources.js';

export interface FastPathResult {
  readonly upToDate: boolean;
  readonly entries: number;
}

const same = (a: FileStamp | undefined, size: number, mtimeMs: number) => a !== undefined && a[0] === size && a[1] === mtimeMs;

// Synchronous on purpose: this runs once at start-up, before anything else, and thousands of
// plain stat calls cost less than as many promises.
function stamp(file: string): { size: number; mtimeMs: number } | undefined {
  return statSync(file, { throwIfNoEntry: false }) ?? undefined;
}

export function checkUpToDate(entriesDir: string, outDir: string, now: Date): FastPathResult {
  const no = { upToDate: false, entries: 0 };
  let text: string | undefined;
  let names: string[];
  try {
    text = readFileSync(path.join(outDir, MANIFEST_PATH), 'utf8');
    names = readdirSync(entriesDir).filter(isSourceName);
  } catch {
    return no;
  }
  const manifest = parseManifest(text);
  if (!manifest || !insideWindow(manifest, now)) return no;
  if (names.length !== Object.keys(manifest.entries).length) return no;
  for (const name of names) {
    const s = stamp(path.join(entriesDir, name));
    if (!s || !same(manifest.entries[name], s.size, s.mtimeMs)) return no;
  }
  for (const [file, recorded] of Object.entries(manifest.outputs)) {
    const s = stamp(path.join(outDir, file));
    if (!s || !same(recorded, s.size, s.mtimeMs)) return no;
  }
  return { upToDate: true, entries: names.length };
}
