// Entry slots as the writer records them (src/io/output-record.ts): packed into plain arrays and a
// string of format digits, they unpack to exactly what was packed, at any size and offset.
import { describe, expect, it } from 'vitest';
import { FORMAT_CODES, formatCodeAt, packSlots, unpackSlots, type SlotAt } from '../../../src/io/output-record.js';

const slot = (i: number, offset = 100 * i): SlotAt => ({ entry: `e${i}.md`, format: FORMAT_CODES[i % FORMAT_CODES.length]!, offset });

describe('packSlots and unpackSlots', () => {
  it.each([
    ['no slots', []],
    ['one slot of each format', FORMAT_CODES.map((_, i) => slot(i))],
    ['offsets past 2 GiB and 4 GiB', [slot(1, 2 ** 31 + 7), slot(2, 2 ** 32 + 1), slot(3, 0)]],
    ['250,000 slots (an archive record at 100,000 entries)', Array.from({ length: 250_000 }, (_, i) => slot(i))],
  ])('%s: unpack(pack(slots)) is the slots', (_name, slots: SlotAt[]) => {
    const list = packSlots(slots);
    expect(list.entries.length).toBe(slots.length);
    expect(list.formats.length).toBe(slots.length);
    expect(unpackSlots(list)).toEqual(slots);
  });

  it('keeps one format digit per slot, the index of its format', () => {
    const list = packSlots([slot(4), slot(0), slot(2)]);
    expect([list.formats, [0, 1, 2].map((i) => formatCodeAt(list, i))]).toEqual(['402', [4, 0, 2]]);
  });

  it('holds plain arrays, not typed arrays, and one shared list for outputs without slots', () => {
    const list = packSlots([slot(1)]);
    expect([Array.isArray(list.offsets), typeof list.formats]).toEqual([true, 'string']);
    expect(packSlots([])).toBe(packSlots([]));
  });
});
