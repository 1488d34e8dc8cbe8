// The only module that reads entries. It turns a folder into SourceFiles, and anything it cannot
// read into diagnostics (never exceptions), so that one run reports every problem.

import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { diagnostic, FILE_START, type Diagnostic } from '../core/diagnostics.js';
import { LIMITS } from '../core/limits.js';
import type { SourceFile } from '../core/types.js';

export interface ReadResult {
  readonly sources: SourceFile[];
  readonly diagnostics: Diagnostic[];
}

/** Which names in the entries folder are sources: `*.md`, except hidden and `_`-prefixed helpers (but `_story.md`). */
export function isSourceName(name: string): boolean {
  if (!name.endsWith('.md') || name.startsWith('.')) return false;
  return !name.startsWith('_') || name === '_story.md';
}

export class EntriesFolderError extends Error {}

/** An entry file as listed: where it is and its stamp (size, mtime), not yet read. */
export interface SourceStamp {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface Listing {
  /** The entries folder, resolved (symlinks followed). */
  readonly root: string;
  readonly stamps: SourceStamp[];
  /** Files that cannot be sources (symlinks out, too large, not regular files). */
  readonly diagnostics: Diagnostic[];
}

/** Every source of the folder, by name, with its stamp: `stat` calls only, no file is read. */
export async function listSources(entriesDir: string): Promise<Listing> {
  let root: string;
  let names: string[];
  try {
    root = await realpath(entriesDir);
    names = (await readdir(root)).filter(isSourceName).sort();
  } catch (error) {
    throw new EntriesFolderError(`cannot read the entries folder ${entriesDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return stampAll(root, names);
}

/**
 * Some sources of the folder, stamped as listSources would (a patch run's changed files). Undefined
 * when the folder cannot be resolved.
 */
export function listNamed(entriesDir: string, names: readonly string[]): Listing | undefined {
  const root = realpathOrUndefined(entriesDir);
  if (root === undefined) return undefined;
  return stampAll(root, names);
}

function stampAll(root: string, names: readonly string[]): Listing {
  const { ok: stamps, diagnostics } = partition(names.map((name) => statSource(root, name)), (r) => ('stamp' in r ? r.stamp : undefined));
  return { root, stamps, diagnostics };
}

/**
 * Read listed files (all of them, or those the caller needs). Synchronous on purpose, like the
 * stat calls of the listing: entry files are small, and ten thousand promise round trips (open,
 * fstat, read, close each) cost ten times the reads themselves. The service builds on a thread of
 * its own, so its server never waits for this.
 */
export async function readListed(root: string, stamps: readonly SourceStamp[]): Promise<ReadResult> {
  const { ok: sources, diagnostics } = partition(stamps.map((stamp) => readSource(root, stamp)), (r) => ('source' in r ? r.source : undefined));
  return { sources, diagnostics };
}

/** List and read every source of the folder. */
export async function readSources(entriesDir: string): Promise<ReadResult> {
  const listing = await listSources(entriesDir);
  const read = await readListed(listing.root, listing.stamps);
  return { sources: read.sources, diagnostics: [...listing.diagnostics, ...read.diagnostics].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)) };
}

type Outcome<T> = T | { diagnostic: Diagnostic };

/** Outcomes split into what worked and the diagnostics of what did not, in order. */
function partition<T, V>(outcomes: ReadonlyArray<Outcome<T>>, value: (o: Outcome<T>) => V | undefined): { ok: V[]; diagnostics: Diagnostic[] } {
  const ok: V[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const o of outcomes) {
    const v = value(o);
    if (v !== undefined) ok.push(v);
    else diagnostics.push((o as { diagnostic: Diagnostic }).diagnostic);
  }
  return { ok, diagnostics };
}

function failure(name: string, code: Parameters<typeof diagnostic>[2], message: string, hint: string, at = FILE_START): { diagnostic: Diagnostic } {
  return { diagnostic: diagnostic(name, at, code, message, hint) };
}

function readFailure(name: string, error: unknown): { diagnostic: Diagnostic } {
  // An entry deleted between listing and reading, or unreadable: report it, keep going.
  return failure(name, 'E_FILE_READ', `the file could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'check that the file exists and is readable by the user running storyfeed');
}

function statSource(root: string, name: string): Outcome<{ stamp: SourceStamp }> {
  const full = path.join(root, name);
  try {
    const link = lstatSync(full);
    if (link.isSymbolicLink()) {
      // A symlink may point anywhere on the machine: follow it only within the entries folder.
      const target = realpathOrUndefined(full);
      if (target === undefined || !isInside(root, target)) {
        return failure(name, 'E_FILE_SYMLINK_OUTSIDE', 'the symbolic link leads outside the entries folder (or nowhere)', 'copy the file into the entries folder instead of linking to it');
      }
    }
    const info = link.isSymbolicLink() ? statSync(full) : link;
    if (!info.isFile()) return failure(name, 'E_FILE_READ', 'not a regular file', 'entries are plain .md files');
    if (info.size > LIMITS.entryBytes) {
      return failure(name, 'E_FILE_TOO_LARGE', `the file is ${info.size} bytes (at most ${LIMITS.entryBytes})`, 'split the development into several entries, or move media out of the text');
    }
    return { stamp: { path: name, size: info.size, mtimeMs: info.mtimeMs } };
  } catch (error) {
    return readFailure(name, error);
  }
}

function readSource(root: string, stamp: SourceStamp): Outcome<{ source: SourceFile }> {
  const name = stamp.path;
  try {
    const bytes = readFileSync(path.join(root, name));
    // Changed since it was listed (an editor saving): it is read as it is now, and stamped so.
    if (bytes.length > LIMITS.entryBytes) {
      return failure(name, 'E_FILE_TOO_LARGE', `the file is ${bytes.length} bytes (at most ${LIMITS.entryBytes})`, 'split the development into several entries, or move media out of the text');
    }
    if (!isUtf8(bytes)) {
      return failure(name, 'E_FILE_ENCODING', 'the file is not valid UTF-8', 'save the file as UTF-8 (most editors: "Save with encoding")', firstInvalidUtf8(bytes));
    }
    const size = bytes.length === stamp.size ? stamp.size : bytes.length;
    return { source: { path: name, text: bytes.toString('utf8'), size, mtimeMs: size === stamp.size ? stamp.mtimeMs : -1 } };
  } catch (error) {
    return readFailure(name, error);
  }
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Line and column of the first line that is not UTF-8 (0x0A never occurs inside a multi-byte sequence). */
function firstInvalidUtf8(bytes: Buffer): { line: number; column: number } {
  let line = 1;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const chunk = bytes.subarray(start, end);
    if (!isUtf8(chunk)) {
      const column = chunk.toString('utf8').indexOf('\uFFFD') + 1;
      return { line, column: Math.max(column, 1) };
    }
    line += 1;
    start = end + 1;
  }
  return FILE_START;
}
