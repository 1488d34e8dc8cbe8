// What the writer records about each output it wrote: its key, stamp, and where each entry slot
// starts in the file. The build cache keeps these records (build/state/cache.ts) so that the next
// run can skip unchanged outputs and a patch run can splice entry bodies in place (build/patch.ts).

import type { EntryFormat } from '../core/types.js';

/** Where an entry slot's bytes start in an output. */
export interface SlotAt {
  readonly entry: string;
  readonly format: EntryFormat;
  readonly offset: number;
}

export interface OutputRecord {
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** The media type it was planned with (PlannedFile.mediaType, from core/formats.ts). */
  readonly mediaType?: string;
  /**
   * How the output was made, for patching it in place when only entry bodies change (build/patch.ts):
   * its key's base and deps (PlannedFile) and where each entry slot starts in the file.
   */
  readonly base?: string;
  readonly deps?: readonly string[];
  readonly slots?: SlotList;
}

/**
 * An output's entry slots, packed: an archive's records hold some nine slots per entry until the
 * index is written (a million at 100,000 entries), so not as an object each.
 */
export interface SlotList {
  readonly entries: readonly string[];
  /** Index into FORMAT_CODES, per slot. */
  readonly formats: Uint8Array;
  /** Byte offset of each slot in the file. */
  readonly offsets: Float64Array;
}

export const FORMAT_CODES: readonly EntryFormat[] = ['rss', 'atom', 'json', 'html', 'text'];

export function packSlots(slots: readonly SlotAt[]): SlotList {
  return {
    entries: slots.map((s) => s.entry),
    formats: Uint8Array.from(slots, (s) => FORMAT_CODES.indexOf(s.format)),
    offsets: Float64Array.from(slots, (s) => s.offset),
  };
}

export function unpackSlots(list: SlotList): SlotAt[] {
  return list.entries.map((entry, i) => ({ entry, format: FORMAT_CODES[list.formats[i]!]!, offset: list.offsets[i]! }));
}
