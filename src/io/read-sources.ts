// The only module that reads entries. It turns a folder into SourceFiles, and anything it cannot
// read into diagnostics (never exceptions), so that one run reports every problem.

import { closeSync, constants, type Dirent, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { diagnostic, FILE_START, type Diagnostic } from '../core/diagnostics.js';
import { LIMITS } from '../core/limits.js';
import { NEWSROOM_FILE } from '../core/links.js';
import { folderPrefix, isInside } from './paths.js';
import { UserError } from '../errors.js';
import type { SourceFile } from '../core/types.js';
import { firstInvalidUtf8, printableName } from './utf8-names.js';

export interface ReadResult {
  readonly sources: SourceFile[];
  readonly diagnostics: Diagnostic[];
}

/** Which names in the entries folder are sources: `*.md`, except hidden and `_`-prefixed helpers (but `_story.md` and `_newsroom.md`). */
export function isSourceName(name: string): boolean {
  if (!name.endsWith('.md') || name.startsWith('.')) return false;
  return !name.startsWith('_') || name === '_story.md' || name === NEWSROOM_FILE;
}

/**
 * For the CLI's fast path (build/fast-path.ts), before anything else runs: the source names as the
 * folder lists them, and a plain stamp per name. Synchronous on purpose: thousands of plain stat
 * calls cost less than as many promises. Nothing is judged or read here; a build does that.
 */
export function sourceNamesSync(entriesDir: string): string[] | undefined {
  // A folder of entries in a story's folder is E_LAYOUT (nestedSources): a build must say so.
  return nestedSources(entriesDir).length > 0 ? undefined : readdirSync(entriesDir).filter(isSourceName);
}

/** The folders in a story's folder that hold entry files (not read: E_LAYOUT). Only stat calls unless it has folders. */
function nestedSources(full: string): string[] {
  // A folder's link count is 2 plus its subfolders (1: a file system that does not count them).
  if ((statSync(full, NO_THROW)?.nlink ?? 1) === 2) return [];
  return readdirSync(full, { withFileTypes: true }).flatMap((f) => (f.isDirectory() && holdsSources(path.join(full, f.name), f.name) ? [f.name] : []));
}

/**
 * The same for a newsroom: the root's names and each story folder's (`<folder>/<file>`), named as
 * listSources names them. Undefined when a story folder is a symbolic link: a build judges where
 * it leads.
 */
export function newsroomNamesSync(entriesDir: string): string[] | undefined {
  const names: string[] = [];
  for (const d of readdirSync(entriesDir, { withFileTypes: true })) {
    if (isSourceName(d.name)) names.push(d.name);
    if (d.name.startsWith('.') || d.name.startsWith('_')) continue;
    if (d.isSymbolicLink()) return undefined;
    if (!d.isDirectory()) continue;
    const folder = path.join(entriesDir, d.name);
    // A folder of entries inside a story folder is E_LAYOUT (listStoryFolder): the build must say so,
    // not find the stamps it knows unchanged and skip. Most story folders have no folder, and are
    // listed by name only: 10,000 Dirent objects cost the no-change run ~15 ms of GC.
    if (nestedSources(folder).length > 0) return undefined;
    for (const name of readdirSync(folder)) if (isSourceName(name) && name !== NEWSROOM_FILE) names.push(`${d.name}/${name}`);
  }
  return names;
}

/** The stamps (size, mtime) of files in the folder by name: one stat each, no per-file path.join (the fast path stats every entry). */
export function stamperSync(entriesDir: string): (name: string) => { size: number; mtimeMs: number } | undefined {
  const prefix = folderPrefix(entriesDir);
  return (name) => statSync(prefix + name, NO_THROW) ?? undefined;
}

const NO_THROW = { throwIfNoEntry: false } as const;

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
  let raw: Buffer[];
  try {
    root = await realpath(entriesDir);
    // As bytes: a name that is not UTF-8 would come back as a string with U+FFFD in it, which
    // names no file (opening it gives ENOENT), so the real cause would be lost.
    raw = await readdir(root, { encoding: 'buffer' });
  } catch (error) {
    throw new UserError('entries-folder', `cannot read the entries folder ${entriesDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const names: string[] = [];
  const badNames: Diagnostic[] = [];
  for (const bytes of raw) {
    const name = bytes.toString('utf8');
    if (!isSourceName(name)) continue;
    if (isUtf8(bytes)) names.push(name);
    else badNames.push(badNameFailure(bytes).diagnostic);
  }
  // A single story's folder of entries (`2026-06/`) is not read: said, as in a newsroom's story folder.
  if (!names.includes(NEWSROOM_FILE)) for (const name of nestedSources(root)) badNames.push(nestedFailure('', name));
  // A newsroom (core/newsroom.ts): one level of story folders, their files named `<folder>/<file>`.
  if (names.includes(NEWSROOM_FILE)) {
    for (const bytes of raw) {
      const folder = bytes.toString('utf8');
      if (folder.startsWith('.') || folder.startsWith('_')) continue;
      // A name that is not UTF-8 is looked at by its bytes: as a string it names no folder, and the story would vanish unsaid.
      if (!isUtf8(bytes)) {
        if (isFolder(root, bytes)) badNames.push({ ...badNameFailure(bytes, 'story folder').diagnostic, file: `${printableName(bytes)}/` });
        continue;
      }
      if (!isFolder(root, folder)) continue;
      const nested = listStoryFolder(root, folder);
      names.push(...nested.names);
      badNames.push(...nested.diagnostics);
    }
  }
  const listing = stampAll(root, names.sort());
  return badNames.length === 0 ? listing : { ...listing, diagnostics: [...listing.diagnostics, ...badNames] };
}

/** Is `name` in the folder a folder (a symbolic link to one counts: listStoryFolder judges where it leads)? */
function isFolder(root: string, name: string | Buffer): boolean {
  const at = typeof name === 'string' ? path.join(root, name) : Buffer.concat([Buffer.from(`${root}${path.sep}`), name]);
  return statSync(at, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * The sources of one story folder, as `<folder>/<file>`. A folder that is a link leading outside
 * the entries folder is refused whole; each file is then judged as a root file is (statSource,
 * openEntry: links, size, encoding). Deeper folders are not read.
 */
function listStoryFolder(root: string, folder: string): { names: string[]; diagnostics: Diagnostic[] } {
  const full = path.join(root, folder);
  const target = realpathOrUndefined(full);
  if (target === undefined || !isInside(root, target) || target === root) {
    return { names: [], diagnostics: [failure(`${folder}/`, 'E_FILE_SYMLINK_OUTSIDE', 'the story folder is a symbolic link that leads outside the entries folder (or nowhere)', 'move the story folder into the entries folder instead of linking to it').diagnostic] };
  }
  let raw: Dirent<Buffer>[];
  try {
    // With their types: a story folder of 50 files would otherwise cost 50 lstat calls (issue 14).
    raw = readdirSync(full, { encoding: 'buffer', withFileTypes: true });
  } catch (error) {
    return { names: [], diagnostics: [readFailure(`${folder}/`, error).diagnostic] };
  }
  const names: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const dirent of raw) {
    const bytes = dirent.name;
    const name = bytes.toString('utf8');
    if (dirent.isDirectory() && holdsSources(path.join(full, name), name)) diagnostics.push(nestedFailure(`${folder}/`, name));
    if (!isSourceName(name) || name === NEWSROOM_FILE) continue;
    if (isUtf8(bytes)) names.push(`${folder}/${name}`);
    else diagnostics.push({ ...badNameFailure(bytes).diagnostic, file: `${folder}/${printableName(bytes)}` });
  }
  return { names, diagnostics };
}

function nestedFailure(folder: string, name: string): Diagnostic {
  const [inside, up] = folder === '' ? ['the entries folder', 'the entries folder (a story'] : ['a story folder', `\`${folder}\` (a story folder`];
  return failure(`${folder}${name}/`, 'E_LAYOUT', `\`${folder}${name}/\` is a folder inside ${inside}: its files are not read`, `move its entries up into ${up} holds its entries directly), or start the folder's name with \`_\` to keep it unread`).diagnostic;
}

/** Does the folder `name` (a folder, not a link: its Dirent says so; not hidden or `_`-prefixed) hold entry files, which a build would not read? */
function holdsSources(full: string, name: string): boolean {
  if (name.startsWith('.') || name.startsWith('_')) return false;
  try {
    return readdirSync(full).some(isSourceName);
  } catch {
    return false;
  }
}

function badNameFailure(bytes: Buffer, what: 'file' | 'story folder' = 'file'): { diagnostic: Diagnostic } {
  const more = what === 'file' ? '' : ': its story is not read';
  return failure(printableName(bytes), 'E_FILE_NAME', `the ${what} name is not valid UTF-8 (it was probably made on a system with another encoding, e.g. Latin-1)${more}`, `rename the ${what} to a UTF-8 name, e.g. with plain ASCII letters, digits and \`-\` (\`mv\` with the name typed in a UTF-8 terminal, or \`convmv -f latin1 -t utf8\`)`);
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
  let fd: number | undefined;
  try {
    const opened = openEntry(root, name);
    if ('diagnostic' in opened) return opened;
    fd = opened.fd;
    // What was opened is judged, not what the name pointed to when it was listed: between the two,
    // the file may have been swapped for a link, a FIFO or a device.
    const info = fstatSync(fd);
    if (!info.isFile()) return failure(name, 'E_FILE_READ', 'not a regular file', 'entries are plain .md files');
    if (info.size > LIMITS.entryBytes) {
      return failure(name, 'E_FILE_TOO_LARGE', `the file is ${info.size} bytes (at most ${LIMITS.entryBytes})`, 'split the development into several entries, or move media out of the text');
    }
    // Changed since it was listed (an editor saving): it is read as it is now, and stamped so.
    const bytes = readBounded(fd, info.size);
    if (bytes.length > LIMITS.entryBytes) {
      return failure(name, 'E_FILE_TOO_LARGE', `the file is more than ${LIMITS.entryBytes} bytes`, 'split the development into several entries, or move media out of the text');
    }
    if (!isUtf8(bytes)) {
      return failure(name, 'E_FILE_ENCODING', 'the file is not valid UTF-8', 'save the file as UTF-8 (most editors: "Save with encoding")', firstInvalidUtf8(bytes));
    }
    const size = bytes.length === stamp.size ? stamp.size : bytes.length;
    return { source: { path: name, text: bytes.toString('utf8'), size, mtimeMs: size === stamp.size ? stamp.mtimeMs : -1 } };
  } catch (error) {
    return readFailure(name, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// O_NOFOLLOW: open(2) fails with ELOOP when the last component is a symbolic link, instead of
// following it. O_NONBLOCK: opening a FIFO swapped in for an entry returns at once instead of
// waiting for a writer (fstat then refuses it). Both are POSIX; where Node lacks them they are 0.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Open an entry without following a link to anywhere. The name itself is opened with O_NOFOLLOW
 * (the folder is a resolved path, so no link is followed on the way to it). A name that is a
 * symbolic link is resolved and checked to lead inside the folder, and its target opened with
 * O_NOFOLLOW in turn; then the opened descriptor's own path (/proc/self/fd, which names the file
 * actually opened, whatever was swapped where in between) must be inside the folder too.
 */
function openEntry(root: string, name: string): Outcome<{ fd: number }> {
  const outside = () => failure(name, 'E_FILE_SYMLINK_OUTSIDE', 'the symbolic link leads outside the entries folder (or nowhere)', 'copy the file into the entries folder instead of linking to it');
  let fd: number;
  let viaLink = false;
  try {
    fd = openSync(path.join(root, name), OPEN_FLAGS);
  } catch (error) {
    // Linux says ELOOP for a link opened with O_NOFOLLOW; FreeBSD says EMLINK.
    if (!isLinkRefusal(error)) throw error;
    const target = realpathOrUndefined(path.join(root, name));
    if (target === undefined || !isInside(root, target)) return outside();
    try {
      fd = openSync(target, OPEN_FLAGS);
    } catch (again) {
      // The target became a link itself since it was resolved: something is swapping files.
      if (isLinkRefusal(again)) return outside();
      throw again;
    }
    viaLink = true;
  }
  // Where the system cannot say (no /proc), only a file opened directly in the folder (no link
  // followed on the way) is vouched for; one reached through a link is refused.
  const where = descriptorPath(fd);
  if (where === undefined ? viaLink : !isInside(root, where)) {
    closeSync(fd);
    return outside();
  }
  return { fd };
}

const isLinkRefusal = (error: unknown) => ['ELOOP', 'EMLINK'].includes((error as NodeJS.ErrnoException).code ?? '');

/** The path of the file an open descriptor refers to (Linux: /proc/self/fd), or undefined where the system cannot say. */
function descriptorPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Read a descriptor to its end, but never more than one byte past the limit (a file may grow after fstat). */
function readBounded(fd: number, expected: number): Buffer {
  const cap = LIMITS.entryBytes + 1;
  let buffer = Buffer.allocUnsafe(Math.min(Math.max(expected, 4096), cap));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (buffer.length >= cap) break;
      const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, cap));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    if (n === 0) break;
    length += n;
  }
  return buffer.subarray(0, length);
}

function realpathOrUndefined(file: string): string | undefined {
  try { return realpathSync(file); } catch { return undefined; }
}

/** Does the entries folder hold `_newsroom.md` (a newsroom: build/newsroom.ts builds it)? A stat call, for build() before the fast path. */
export function isNewsroomSync(entriesDir: string): boolean {
  // Any `_newsroom.md` (a folder, a link leading nowhere): the newsroom's build reports what is wrong with it, not E_STORY_MISSING;
  // an entries folder that is a file or cannot be read holds none: listing it says why (listSources).
  try { return lstatSync(path.join(entriesDir, NEWSROOM_FILE), { throwIfNoEntry: false }) !== undefined; } catch { return false; }
}

/** Why the entries folder cannot be read (`ENOENT`, `ENOTDIR`, …), if it cannot: `storyfeed start` checks it first. */
export function entriesFolderProblem(entriesDir: string): string | undefined {
  try { readdirSync(entriesDir); return undefined; } catch (error) { return (error as NodeJS.ErrnoException).code ?? 'unreadable'; }
}

/** The service's watcher: the folders (and links) in the entries folder, hidden ones aside; none when it cannot be listed. */
export function folderNamesSync(entriesDir: string): string[] {
  try { return readdirSync(entriesDir, { withFileTypes: true }).flatMap((d) => ((d.isDirectory() || d.isSymbolicLink()) && !d.name.startsWith('.') ? [d.name] : [])); } catch { return []; }
}
/** Is `name` in the entries folder a folder (or a link to one)? */
export function isFolderSync(entriesDir: string, name: string): boolean {
  return statSync(path.join(entriesDir, name), { throwIfNoEntry: false })?.isDirectory() === true;
}

/** `storyfeed new`: the settings files among `names` that exist inside the entries folder (the skeleton's plan says what is missing). */
export function readSettingsFiles(entriesDir: string, names: readonly string[]): SourceFile[] {
  const root = realpathOrUndefined(entriesDir);
  if (root === undefined) return [];
  const files: SourceFile[] = [];
  for (const name of names) {
    try {
      const real = realpathSync(path.join(root, name));
      if (isInside(root, real)) files.push({ path: name, text: readFileSync(real, 'utf8') });
    } catch {} // absent (or unreadable): the skeleton's plan says what is missing
  }
  return files;
}
