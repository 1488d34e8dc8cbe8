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
 * index is written (a million at 100,000 entries), so not as an object each; and not as typed
 * arrays either: two of them and their buffers cost ~370 bytes per record before the first slot,
 * 48 MB for a cold 100,000-entry build's 130,029 records (a heap snapshot at 10,000).
 */
export interface SlotList {
  readonly entries: readonly string[];
  /** Per slot, one digit: its index into FORMAT_CODES (formatCodeAt). */
  readonly formats: string;
  /** Byte offset of each slot in the file. */
  readonly offsets: readonly number[];
}

export const FORMAT_CODES: readonly EntryFormat[] = ['rss', 'atom', 'json', 'html', 'text'];

/** An output without entry slots (a stylesheet, a sitemap): one list for all of them. */
const NO_SLOTS: SlotList = Object.freeze({ entries: Object.freeze([]), formats: '', offsets: Object.freeze([]) });

/** Slot i's index into FORMAT_CODES. */
export function formatCodeAt(list: SlotList, i: number): number {
  return list.formats.charCodeAt(i) - 48;
}

/** A list from its slots' entries, FORMAT_CODES indices and offsets. */
export function slotList(entries: readonly string[], codes: readonly number[], offsets: readonly number[]): SlotList {
  return entries.length === 0 ? NO_SLOTS : { entries, formats: codes.join(''), offsets };
}

export function packSlots(slots: readonly SlotAt[]): SlotList {
  return slotList(
    slots.map((s) => s.entry),
    slots.map((s) => FORMAT_CODES.indexOf(s.format)),
    slots.map((s) => s.offset),
  );
}

export function unpackSlots(list: SlotList): SlotAt[] {
  return list.entries.map((entry, i) => ({ entry, format: FORMAT_CODES[formatCodeAt(list, i)]!, offset: list.offsets[i]! }));
}
