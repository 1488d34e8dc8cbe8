// The build's own files in the output folder (cache index, manifest), read whole and at once: each
// is needed before anything else can start, and each is checked by whoever parses it.

import { readFileSync } from 'node:fs';
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
