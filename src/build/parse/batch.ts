// One batch of entry files → what the build keeps of each: its parse (metadata, diagnostics), the
// hash of its text, and its fragments as one blob. The same function runs on the build's thread or
// on a parse worker (parse-worker.ts), so both give the same bytes.

import { hashText } from '../state/cache.js';
import { parseSources } from '../../core/parse-sources.js';
import { encodeFragments } from '../../core/render/fragments.js';
import type { SourceFile, Story } from '../../core/types.js';
import { blobCrc } from '../state/fragment-pack.js';
import type { ParsedFile } from './wire.js';

export function parseBatch(sources: readonly SourceFile[], story: Story, now: Date, anchors?: ReadonlyMap<string, string>): ParsedFile[] {
  return parseSources(sources, story, now, anchors).map((p, i) => {
    const source = sources[i]!;
    const { fragments, ...parsed } = p;
    const blob = fragments ? encodeFragments(fragments) : undefined;
    return {
      parsed,
      size: source.size ?? Buffer.byteLength(source.text),
      mtimeMs: source.mtimeMs ?? -1,
      hash: hashText(source.text),
      ...(blob ? { blob, crc: blobCrc(blob.bytes) } : {}),
    };
  });
}

