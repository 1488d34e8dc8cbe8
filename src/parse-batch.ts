// One batch of entry files → what the build keeps of each: its parse (metadata, diagnostics), the
// hash of its text, and its fragments as one blob. The same function runs on the build's thread or
// on a parse worker (parse-worker.ts), so both give the same bytes.

import { hashText } from './core/cache.js';
import { parseSources, type ParsedSource } from './core/parse-sources.js';
import { encodeFragments, type FragmentBlob } from './core/render/fragments.js';
import type { SourceFile, Story } from './core/types.js';
import { blobCrc } from './io/fragment-store.js';

export interface ParsedFile {
  /** The parse, without fragments (they are in `blob`). */
  readonly parsed: ParsedSource;
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash: string;
  readonly blob?: FragmentBlob;
  readonly crc?: number;
}

export function parseBatch(sources: readonly SourceFile[], story: Story, now: Date): ParsedFile[] {
  return parseSources(sources, story, now).map((p, i) => {
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

/** A batch's blobs in one buffer, so that it crosses threads as one transfer, not a copy. */
export interface PackedBatch {
  readonly files: ReadonlyArray<Omit<ParsedFile, 'blob'> & { readonly blob?: { readonly offset: number; readonly ends: readonly number[] } }>;
  readonly buffer: ArrayBuffer;
}

export function packBatch(files: readonly ParsedFile[]): PackedBatch {
  let total = 0;
  for (const f of files) total += f.blob?.bytes.byteLength ?? 0;
  const buffer = new ArrayBuffer(total);
  const view = new Uint8Array(buffer);
  let at = 0;
  const out = files.map((f) => {
    if (!f.blob) return f as Omit<ParsedFile, 'blob'>;
    view.set(f.blob.bytes, at);
    const blob = { offset: at, ends: f.blob.ends };
    at += f.blob.bytes.byteLength;
    return { ...f, blob };
  });
  return { files: out, buffer };
}

export function unpackBatch(batch: PackedBatch): ParsedFile[] {
  return batch.files.map((f) => {
    if (!f.blob) return f as ParsedFile;
    const length = f.blob.ends[f.blob.ends.length - 1] ?? 0;
    return { ...f, blob: { bytes: new Uint8Array(batch.buffer, f.blob.offset, length), ends: f.blob.ends } };
  });
}
