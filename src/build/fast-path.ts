// The start-up fast path of `storyfeed build` (build() in index.ts runs it first): with only stat calls, decide whether the last build
// is still exactly what a build now would write. Loads no compiler, no renderer. When the only
// difference is a few entry files, it says which, so that the build may patch (src/patch.ts)
// without listing the folder again.

import { statSync } from 'node:fs';
import { insideWindow, parseManifest, type BuildCounts, type Manifest } from './state/manifest.js';
import { parseManifestHead, scanStamps, visitStamps, type ManifestHead, type StampVisitor } from './state/manifest-scan.js';
import { MANIFEST_PATH } from '../io/state-folder.js';
import { newsroomNamesSync, sourceNamesSync, stamperSync } from '../io/read-sources.js';
import { folderPrefix } from '../io/paths.js';
import { readBookkeeping } from './state/read-bookkeeping.js';
import { unfinishedRun } from '../io/output-folder.js';

/** More changed files than this: a full build (patching pays for a few edits, not a batch). */
export const PATCH_LIMIT = 16;

/** The last build's manifest, still true of every output, and the few entry files changed since. */
export interface ChangedSince {
  readonly manifestText: string;
  readonly head: ManifestHead;
  /** Source files listed (each recorded in the manifest). */
  readonly entries: number;
  readonly changed: readonly string[];
}

export interface FastPathResult {
  readonly upToDate: boolean;
  readonly entries: number;
  /** What the last build published (its summary's numbers), when it is up to date. */
  readonly counts?: BuildCounts;
  readonly changedSince?: ChangedSince;
}

/**
 * `onChange` is called when the first changed entry file is found (build() starts its parse worker
 * then). A newsroom's names are its story folders' files too (`<slug>/a.md`, as its manifest
 * records them; a single story's manifest never names one); a change in a settings file is a full
 * build, a few changed entries may be patched (build/patch.ts) as in a story.
 */
export function checkUpToDate(entriesDir: string, outDir: string, now: Date, how: { readonly onChange?: () => void; readonly newsroom?: boolean } = {}): FastPathResult {
  const no = { upToDate: false, entries: 0 };
  const { onChange, newsroom } = how;
  let text: string;
  let names: string[];
  try {
    const found = readBookkeeping(outDir, MANIFEST_PATH);
    if (found === undefined) return no;
    text = found;
    const listed = newsroom ? newsroomNamesSync(entriesDir) : sourceNamesSync(entriesDir);
    if (!listed) return no;
    names = listed;
  } catch {
    return no;
  }
  // The stamps are compared as the manifest's text holds them (manifest-scan.ts); text in any other
  // form is parsed whole and compared the same way.
  let manifest: Manifest | undefined;
  const head = parseManifestHead(text) ?? (manifest = parseManifest(text));
  // A run with errors vouches for nothing (manifest.ts `clean`).
  if (!head || head.clean === false || !insideWindow(head, now)) return no;
  // A run that did not finish left temps to sweep (and maybe files to put right): a build does that.
  if (unfinishedRun(outDir)) return no;
  // At most once, whichever of the two readings finds the first changed entry.
  let called = false;
  const changeFound = () => void (called || ((called = true), onChange?.()));
  let compared = compareStamps(entriesDir, outDir, names, newsroom === true, changeFound);
  let stamps = manifest ? 'unparsed' : scanStamps(text, compared.visit);
  if (stamps === 'unparsed') {
    manifest ??= parseManifest(text);
    // Parsed whole, the manifest is what JSON.parse reads (of a key written twice, the last): its window too.
    if (!manifest || manifest.clean === false || !insideWindow(manifest, now)) return no;
    compared = compareStamps(entriesDir, outDir, names, newsroom === true, changeFound);
    stamps = visitStamps(manifest, compared.visit);
  }
  // Every name listed was recorded (each visited once), and no other.
  if (!stamps || compared.unvisited() > 0) return no;
  const { changed } = compared;
  // A patch run changes the manifest where its text holds each stamp: only text in the written form
  // (one a full build writes again otherwise).
  if (changed.length > 0) return manifest ? no : { ...no, changedSince: { manifestText: text, head, entries: names.length, changed } };
  const { counts } = manifest ?? head;
  return { upToDate: true, entries: names.length, ...(counts ? { counts } : {}) };
}

/**
 * The visitor of the manifest's stamps: each entry file's is compared with a stat of it (a few
 * changed entries are collected; a changed newsroom setting stops), each output's with a stat of
 * it. `unvisited` counts the listed names the manifest did not record.
 */
function compareStamps(entriesDir: string, outDir: string, names: readonly string[], newsroom: boolean, onChange: () => void) {
  const listed = new Set(names);
  const changed: string[] = [];
  const stamp = stamperSync(entriesDir);
  const outputAsLeft = outputChecker(outDir);
  const visit: StampVisitor = (field, name, size, mtimeMs) => {
    if (field === 'outputs') return outputAsLeft(name, size, mtimeMs);
    if (!listed.delete(name)) return false;
    const s = stamp(name);
    if (!s) return false;
    if (s.size === size && s.mtimeMs === mtimeMs) return true;
    // A newsroom's settings (`_newsroom.md`, a `_story.md`, anything at the root) changed: a full build.
    if (newsroom && (!name.includes('/') || name.endsWith('/_story.md'))) return false;
    if (changed.push(name) === 1) onChange();
    return changed.length <= PATCH_LIMIT;
  };
  return { visit, changed, unvisited: () => listed.size };
}

/**
 * Is every output the manifest names still as the build left it (size and mtime)? Then the number
 * of entry files it records; undefined otherwise, or when its text is not in the written form (a
 * patch run, which asks, changes the text where it holds each stamp).
 */
export function outputsAsRecorded(outDir: string, text: string): number | undefined {
  const outputAsLeft = outputChecker(outDir);
  let entries = 0;
  const all = scanStamps(text, (field, name, size, mtimeMs) => (field === 'entries' ? (entries += 1) > 0 : outputAsLeft(name, size, mtimeMs)));
  return all === true ? entries : undefined;
}

/** Is this output still the size and mtime it was written with? 17,810 calls for a 10,000-entry newsroom: no per-file path.join, array or options object. */
function outputChecker(outDir: string): (name: string, size: number, mtimeMs: number) => boolean {
  const prefix = folderPrefix(outDir);
  return (name, size, mtimeMs) => {
    const s = statSync(prefix + name, NO_THROW);
    return s !== undefined && s.size === size && s.mtimeMs === mtimeMs;
  };
}

const NO_THROW = { throwIfNoEntry: false } as const;
