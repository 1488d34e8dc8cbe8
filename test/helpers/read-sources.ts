// List and read a whole entries folder at once, as a build does in two steps (io/read-sources.ts
// lists, then reads what the cache does not hold): for the tests that compile a folder with the core.
import { compareStrings } from '../../src/core/diagnostics.js';
import { listSources, readListed, type ReadResult } from '../../src/io/read-sources.js';

/** List and read every source of the folder. */
export async function readSources(entriesDir: string): Promise<ReadResult> {
  const listing = await listSources(entriesDir);
  const read = await readListed(listing.root, listing.stamps);
  return { sources: read.sources, diagnostics: [...listing.diagnostics, ...read.diagnostics].sort((a, b) => compareStrings(a.file, b.file)) };
}
