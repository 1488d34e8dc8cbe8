// The writer's staging order: documents that share entries are staged near each other (so that a
// spilled entry's fragments are read back once, not once per stream), whatever order the plan
// lists them in; the order they are published in is not this one (write-outputs.test.ts).
import { describe, expect, it } from 'vitest';
import { PREPARE_AHEAD, prepareAhead, stagingOrder } from '../../../src/io/stage-order.js';

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

describe('prepareAhead', () => {
  // Shells are posted to a worker before the writer reaches their documents (build/shell-render.ts
  // viaPool), in staging order, as far as the worker has room.
  it('prepares the files ahead of the writer in staging order, stops at one that cannot start, and tries it again', () => {
    const calls: number[] = [];
    let room = 3;
    const files = Array.from({ length: PREPARE_AHEAD + 10 }, (_, i) => (i % 5 === 1 ? {} : { prepare: () => (room > 0 ? (calls.push(i), (room -= 1), true) : false) }));
    const queue = files.map((_, i) => files.length - 1 - i); // staging order: last file first
    const ahead = prepareAhead(files, queue);
    const ready = files.map((f, i) => i).filter((i) => files[i]!.prepare);
    ahead(0);
    expect(calls).toEqual(queue.filter((i) => ready.includes(i)).slice(0, 3)); // the worker took three, then was full
    ahead(1); // no room yet: nothing is skipped
    expect(calls).toHaveLength(3);
    room = 1000;
    ahead(1);
    // Everything up to PREPARE_AHEAD places past the writer (files with nothing to prepare passed over), each once.
    expect(calls).toEqual(queue.slice(0, 1 + PREPARE_AHEAD).filter((i) => ready.includes(i)));
    // Refilled half a window at a time, not a file per step: what one call prepares goes to the
    // worker in one message (parse/pool.ts batches).
    const before = calls.length;
    const half = PREPARE_AHEAD / 2;
    for (let next = 2; next < 1 + half; next += 1) ahead(next);
    expect(calls).toHaveLength(before);
    ahead(1 + half);
    expect(calls).toEqual(queue.slice(0, Math.min(files.length, 1 + half + PREPARE_AHEAD)).filter((i) => ready.includes(i)));
    expect(calls.length).toBeGreaterThan(before);
    expect(calls).toHaveLength(new Set(calls).size);
  });

  it('after a file found no room, tries it again at the next step, however full the window is', () => {
    let room = 2;
    const calls: number[] = [];
    const files = Array.from({ length: 8 }, (_, i) => ({ prepare: () => (room > 0 ? (calls.push(i), (room -= 1), true) : false) }));
    const ahead = prepareAhead(files, files.map((_, i) => i));
    ahead(0);
    expect(calls).toEqual([0, 1]);
    room = 1;
    ahead(1);
    expect(calls).toEqual([0, 1, 2]);
  });
});
