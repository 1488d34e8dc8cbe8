// What a parse of one entry file gives the build, and how a batch of them crosses threads (one
// transferred buffer for every blob). Types and copying only: loading this module loads no parser.

import type { ParsedSource } from '../../core/parse-sources.js';
import type { FragmentBlob } from '../../core/render/fragments.js';

export interface ParsedFile {
  /** The parse, without fragments (they are in `blob`). */
  readonly parsed: ParsedSource;
  readonly size: number;
  readonly mtimeMs: number;
  readonly hash: string;
  readonly blob?: FragmentBlob;
  readonly crc?: number;
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
