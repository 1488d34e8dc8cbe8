// The writer's staging order: documents that share entries are staged near each other (so that a
// spilled entry's fragments are read back once, not once per stream), whatever order the plan
// lists them in; the order they are published in is not this one (write-outputs.test.ts).
import { describe, expect, it } from 'vitest';
import { stagingOrder } from '../../../src/io/stage-order.js';

describe('stagingOrder', () => {
  it('stages files without entries first, then by the earliest entry they hold, ties in plan order', () => {
    const files = [
      { deps: ['a', 'b'] }, // feed page 1
      { deps: ['c', 'd'] }, // feed page 2
      { deps: ['a', 'c'] }, // a tag's page: holds a, so next to page 1
      {}, // a sitemap
      { deps: ['d'] }, // d's own page
      { deps: ['b'] },
      { deps: [] },
    ];
    expect(stagingOrder(files)).toEqual([3, 6, 0, 2, 5, 1, 4]);
  });

  it('keeps plan order when no file names entries (bookkeeping, patched files)', () => {
    expect(stagingOrder([{}, {}, {}])).toEqual([0, 1, 2]);
  });
});
