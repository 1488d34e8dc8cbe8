// The build cache index (cache.ts) as text, in chunks for the writer: a cold 100,000-entry build's
// index is ~120 MB, written as it is made.

import { compareStrings } from '../../core/diagnostics.js';
import { defaultsAt, entryLine, headerLine, outputLine, type BuildCache, type DefaultsOf } from './cache.js';
import { lineBytes, TocBuilder } from './cache-toc.js';

const sortedKeys = (m: ReadonlyMap<string, unknown>) => [...m.keys()].sort(compareStrings);

/**
 * Characters per chunk of the serialized index (then the line that reaches it): a chunk stays under
 * V8's large-object size (128 KiB), so it dies young. Chunks of a thousand lines (~1.2 MB at
 * 100,000 entries) each went to the large-object space, kept until a full collection: the ~120 MB
 * index piled up there while it was written, the peak of a cold build's memory.
 */
export const CHUNK_CHARS = 32 * 1024;

/**
 * The index as text, in chunks: an archive's index is a hundred megabytes at 100,000 entries, and
 * the writer puts each chunk on disk before the next is made. Each line is made when its chunk is:
 * nothing per record is held but the sorted paths and their ordinals.
 */
export function* serializeCache(cache: BuildCache, defaults: DefaultsOf, generation: string, chunkChars = CHUNK_CHARS): Generator<string> {
  const header = headerLine(cache.key, cache.pack, generation);
  yield `${header}\n`;
  // Its last line: where each story folder's lines are (cache-toc.ts).
  const toc = new TocBuilder(lineBytes(header));
  const entryPaths = sortedKeys(cache.entries);
  const ordinal = new Map<string, number>();
  for (const path of entryPaths) ordinal.set(path, ordinal.size);
  let chunk: string[] = [];
  let chars = 0;
  function* add(line: string): Generator<string> {
    chunk.push(line);
    if ((chars += line.length + 1) < chunkChars) return;
    yield `${chunk.join('\n')}\n`;
    chunk = [];
    chars = 0;
  }
  for (const path of entryPaths) {
    const line = entryLine(path, cache.entries.get(path)!, defaultsAt(defaults, path));
    toc.add('e', path, lineBytes(line));
    yield* add(line);
  }
  for (const path of sortedKeys(cache.outputs)) {
    const line = outputLine(path, cache.outputs.get(path)!, ordinal);
    toc.add('o', path, lineBytes(line));
    yield* add(line);
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
  yield toc.render();
}
