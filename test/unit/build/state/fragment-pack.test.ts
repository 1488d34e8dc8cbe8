// The fragment pack on its own: blobs added at once from several lanes (as parse workers deliver
// them) spill without overlapping, read back exactly, survive commit and reopening, and a pack
// that does not match its index is not opened.
import { readdir, readFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFragments, type FragmentBlob } from '../../../../src/core/render/fragments.js';
import { blobCrc, FragmentStore, MEMORY_BUDGET, memoryBudgetFor, SPILLING_BUDGET, SPILLING_RUN_FROM } from '../../../../src/build/state/fragment-pack.js';
import { PACK_PATH, STATE_FOLDER } from '../../../../src/io/state-folder.js';
import { TEMP_PREFIX } from '../../../../src/io/paths.js';
import { tempFolder } from '../../../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

function blobOf(i: number): FragmentBlob {
  const text = `entry ${i} `.repeat(1 + (i % 37));
  return encodeFragments({ rss: [`<item>${i}`, '</item>'], atom: [`<entry>${i}`, '</entry>'], json: ['{', `, "n": ${i}}`], html: `<p>${text}ü</p>`, text: JSON.stringify(`${text}ü`) });
}

async function readAll(store: FragmentStore, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const got = await store.read(`e${i}.md`);
    const want = blobOf(i);
    expect([i, Buffer.from(got.bytes).equals(Buffer.from(want.bytes)), got.ends]).toEqual([i, true, want.ends]);
  }
}

describe('FragmentStore', () => {
  it.each([
    ['all in memory', 1 << 30],
    ['spilling on every add, from eight lanes at once', 1],
    ['spilling now and then', 4096],
  ])('%s: every blob reads back, before and after commit', async (_name, budget) => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const count = 300;
    const store = await FragmentStore.open(folder.dir, undefined, new Map(), { memoryBudget: budget });
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) {
          const i = next++;
          const blob = blobOf(i);
          await store.add(`e${i}.md`, blob, blobCrc(blob.bytes));
          if (i % 7 === 0) await store.read(`e${Math.floor(i / 2)}.md`);
        }
      }),
    );
    await readAll(store, count);
    const live = new Set(Array.from({ length: count }, (_, i) => `e${i}.md`));
    const { info, locations } = await store.commit(live);
    expect(info.size).toBe((await readFile(path.join(folder.dir, PACK_PATH))).length);
    const reopened = await FragmentStore.open(folder.dir, info, locations);
    await readAll(reopened, count);
    await reopened.discard();
  });

  it('does not open a pack whose header or size does not match the index', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const store = await FragmentStore.open(folder.dir, undefined, new Map());
    const blob = blobOf(1);
    await store.add('e1.md', blob, blobCrc(blob.bytes));
    const { info, locations } = await store.commit(new Set(['e1.md']));
    expect((await FragmentStore.open(folder.dir, info, locations)).has('e1.md')).toBe(true);
    expect((await FragmentStore.open(folder.dir, { ...info, id: '0000000000000000' }, locations)).has('e1.md')).toBe(false);
    expect((await FragmentStore.open(folder.dir, { ...info, size: info.size + 1 }, locations)).has('e1.md')).toBe(false);
  });

  it('spills the oldest blobs down to half its budget and keeps the newest in memory', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const blob = (i: number): FragmentBlob => encodeFragments({ rss: [`<item>${i % 10}`, '</item>'], atom: ['<entry>', '</entry>'], json: ['{', '}'], html: `<p>${'x'.repeat(1000)}</p>`, text: '"x"' });
    const size = blob(0).bytes.byteLength;
    const store = await FragmentStore.open(folder.dir, undefined, new Map(), { memoryBudget: 10 * size });
    // The eleventh blob passes the budget: the oldest six go to the spill file, the newest five stay.
    for (let i = 0; i <= 10; i += 1) await store.add(`e${i}.md`, blob(i), blobCrc(blob(i).bytes));
    const state = path.join(folder.dir, STATE_FOLDER);
    const spills = (await readdir(state)).filter((n) => n.startsWith(TEMP_PREFIX));
    expect(spills).toHaveLength(1);
    // With the spill file emptied, what was spilled cannot be read back; what stayed in memory can.
    await truncate(path.join(state, spills[0]!), 0);
    for (let i = 6; i <= 10; i += 1) expect(Buffer.from((await store.read(`e${i}.md`)).bytes).equals(Buffer.from(blob(i).bytes))).toBe(true);
    expect(() => store.read('e5.md')).toThrow(/shorter than its index/);
    await store.discard();
  });

  it('once parsing is over, spills what it still holds if it has spilled before, and keeps it otherwise', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const blob = (i: number): FragmentBlob => encodeFragments({ rss: [`<item>${i}`, '</item>'], atom: ['<entry>', '</entry>'], json: ['{', '}'], html: `<p>${'y'.repeat(1000)}</p>`, text: '"y"' });
    const size = blob(0).bytes.byteLength;
    const state = path.join(folder.dir, STATE_FOLDER);
    const spillFile = async () => (await readdir(state).catch(() => [])).filter((n) => n.startsWith(TEMP_PREFIX));
    // Under the budget: nothing spills, not even after parsing (a small run's blobs may be appended to the pack).
    const small = await FragmentStore.open(folder.dir, undefined, new Map(), { memoryBudget: 10 * size });
    for (let i = 0; i < 5; i += 1) await small.add(`e${i}.md`, blob(i), blobCrc(blob(i).bytes));
    await small.parsed();
    expect(await spillFile()).toHaveLength(0);
    await small.discard();
    // Over it: the newest five stayed in memory until parsing was over, then went to the spill file too.
    const store = await FragmentStore.open(folder.dir, undefined, new Map(), { memoryBudget: 10 * size });
    for (let i = 0; i <= 10; i += 1) await store.add(`e${i}.md`, blob(i), blobCrc(blob(i).bytes));
    await store.parsed();
    const spills = await spillFile();
    expect(spills).toHaveLength(1);
    expect((await readFile(path.join(state, spills[0]!))).includes(Buffer.from(blob(10).bytes))).toBe(true);
    for (let i = 0; i < 10; i += 1) expect(Buffer.from((await store.read(`e${i}.md`)).bytes).equals(Buffer.from(blob(i).bytes))).toBe(true);
    // The newest is read from the file now: with it emptied, it cannot be read back.
    await truncate(path.join(state, spills[0]!), 0);
    expect(() => store.read('e10.md')).toThrow(/shorter than its index/);
    await store.discard();
  });
});

describe('memoryBudgetFor', () => {
  // A run whose blobs overflow the budget spills them all when parsing ends (parsed()): it holds only a write's worth.
  it.each([
    [0, MEMORY_BUDGET],
    [10_000, MEMORY_BUDGET],
    [SPILLING_RUN_FROM - 1, MEMORY_BUDGET],
    [SPILLING_RUN_FROM, SPILLING_BUDGET],
    [100_000, SPILLING_BUDGET],
  ])('%i entry files: %i bytes', (entries, budget) => {
    expect(memoryBudgetFor(entries)).toBe(budget);
  });

  it('a spilling run (every blob over its budget) spills all at parse end and reads every blob back', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const store = await FragmentStore.open(folder.dir, undefined, new Map(), { memoryBudget: 2048 });
    for (let i = 0; i < 50; i += 1) {
      const blob = blobOf(i);
      await store.add(`e${i}.md`, blob, blobCrc(blob.bytes));
    }
    await store.parsed();
    const fresh = [...(store as unknown as { fresh: Map<string, { bytes?: Uint8Array }> }).fresh.values()];
    expect(fresh.filter((f) => f.bytes !== undefined)).toEqual([]);
    await readAll(store, 50);
    await store.discard();
  });
});
