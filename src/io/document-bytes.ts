// A document's parts (text, its UTF-8 bytes, entry slots) as the buffers the writer hands to
// writev, with where each slot begins (the file's layout, which patch runs splice: build/patch.ts).
// No copies: text is encoded, bytes and slots' fragments are taken as views.

import type { DocumentPart, EntrySlot } from '../core/types.js';
import { packSlots, type SlotAt, type SlotList } from './output-record.js';

/** The bytes of an entry slot (views into its fragment blob). */
export type SlotResolver = (slot: EntrySlot) => Promise<readonly Uint8Array[]> | readonly Uint8Array[];

// Short literal parts (separators) recur thousands of times: encode each once.
const encoded = new Map<string, Buffer>();
function encode(text: string): Buffer {
  if (text.length > 64) return Buffer.from(text, 'utf8');
  let b = encoded.get(text);
  if (!b) {
    b = Buffer.from(text, 'utf8');
    if (encoded.size < 256) encoded.set(text, b);
  }
  return b;
}

export async function toBytes(parts: Iterable<DocumentPart>, resolve: SlotResolver): Promise<{ contents: Uint8Array[]; length: number; slots: SlotList }> {
  const contents: Uint8Array[] = [];
  const slots: SlotAt[] = [];
  let length = 0;
  for (const part of parts) {
    let pieces: readonly Uint8Array[];
    if (typeof part === 'string') pieces = [encode(part)];
    else if (part instanceof Uint8Array) pieces = [part];
    else {
      slots.push({ entry: part.entry, format: part.format, offset: length });
      const got = resolve(part);
      pieces = got instanceof Promise ? await got : got; // no turn of the event loop per slot when the bytes are at hand
    }
    for (const p of pieces) {
      if (p.byteLength === 0) continue;
      contents.push(p);
      length += p.byteLength;
    }
  }
  return { contents, length, slots: packSlots(slots) };
}
