// RFC 5005 §4 archive pages (core/plan.ts archiveRanges), table-driven: which slots the
// subscription feed holds and how the older ones are cut into stable pages, counted from the oldest.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { archiveRanges } from '../../../src/core/plan.js';

describe('archiveRanges', () => {
  it.each([
    // slots, page size → first slot of the subscription feed, archive pages [start, end)
    [0, 10, 0, []],
    [1, 10, 0, []],
    [9, 10, 0, []],
    [10, 10, 0, []],
    // One slot too many: the oldest goes to page 1, alone.
    [11, 10, 1, [[0, 1]]],
    [19, 10, 9, [[0, 9]]],
    [20, 10, 10, [[0, 10]]],
    [21, 10, 11, [[0, 10], [10, 11]]],
    [25, 10, 15, [[0, 10], [10, 15]]],
    [30, 10, 20, [[0, 10], [10, 20]]],
    [31, 10, 21, [[0, 10], [10, 20], [20, 21]]],
    [3, 1, 2, [[0, 1], [1, 2]]],
    [1, 1, 0, []],
    [2, 1, 1, [[0, 1]]],
    [7, 3, 4, [[0, 3], [3, 4]]],
  ] as const)('%i slots, pages of %i: the subscription from slot %i, pages %j', (slots, size, current, pages) => {
    expect(archiveRanges(slots, size)).toEqual({ current, pages });
  });

  it('the subscription feed holds the newest min(slots, size) slots; the pages tile the rest, every page full but the newest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 50 }), (slots, size) => {
        const { current, pages } = archiveRanges(slots, size);
        expect(slots - current).toBe(Math.min(slots, size));
        let at = 0;
        pages.forEach(([start, end], i) => {
          expect(start).toBe(at);
          expect(end - start).toBe(i === pages.length - 1 ? end - start : size);
          expect(end - start).toBeGreaterThan(0);
          expect(end - start).toBeLessThanOrEqual(size);
          at = end;
        });
        expect(at).toBe(current);
      }),
    );
  });

  it('pages are stable: a full page never changes as more slots come, so its documents are never rewritten', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 40 }), (a, more, size) => {
        const before = archiveRanges(a, size).pages.filter(([s, e]) => e - s === size);
        const after = archiveRanges(a + more, size).pages;
        expect(after.slice(0, before.length)).toEqual(before);
      }),
    );
  });
});
