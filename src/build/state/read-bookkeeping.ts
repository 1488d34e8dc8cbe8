// The build's own files in the output folder (cache index, manifest), read whole and at once: each
// is needed before anything else can start, and each is checked by whoever parses it.

import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';

/** The file's text, or undefined when it is not there (or not readable: it is then rebuilt). */
export function readBookkeeping(outDir: string, relative: string): string | undefined {
  try {
    return readFileSync(path.join(outDir, relative), 'utf8');
  } catch {
    return undefined;
  }
}

/** The same as bytes (the cache index: a patch run decodes only the lines it needs). */
export function readBookkeepingBytes(outDir: string, relative: string): Buffer | undefined {
  try {
    return readFileSync(path.join(outDir, relative));
  } catch {
    return undefined;
  }
}

/** The file's first `bytes` as text (a manifest's head: build/state/rehearsal.ts), or undefined. */
export function readBookkeepingHead(outDir: string, relative: string, bytes: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(outDir, relative), 'r');
    const buffer = Buffer.allocUnsafe(bytes);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, bytes, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Is the file still the text read earlier, by its length and its first bytes? Enough for a file
 * whose head names the run that wrote it (the manifest's random `generation`): a patch run checks
 * so that the manifest the fast path read is the one on disk, without reading 1.5 MB again.
 */
export function startsAs(outDir: string, relative: string, text: string, head = 256): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(outDir, relative), 'r');
    if (fstatSync(fd).size !== Buffer.byteLength(text)) return false;
    const expected = Buffer.from(text.slice(0, head));
    const found = Buffer.alloc(expected.byteLength);
    return readSync(fd, found, 0, found.byteLength, 0) === found.byteLength && found.equals(expected);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The file open for reads at given offsets, `[from, to)` each (the cache index's table of contents
 * and the lines it points to: build/state/cache-toc.ts); undefined when it cannot be opened or read.
 */
export function withBookkeepingFile<T>(outDir: string, relative: string, use: (size: number, read: (from: number, to: number) => Buffer) => T): T | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(outDir, relative), 'r');
    const file = fd;
    const read = (from: number, to: number): Buffer => {
      const buffer = Buffer.allocUnsafe(to - from);
      if (readSync(file, buffer, 0, buffer.length, from) !== buffer.length) throw new Error('short read');
      return buffer;
    };
    return use(fstatSync(fd).size, read);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
