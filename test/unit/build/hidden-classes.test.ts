// The records a build makes once per entry or per document share their hidden classes (V8 maps):
// a record with a map of its own costs ~250 bytes more, ~50 MB at 100,000 entries, and a record
// turned into a dictionary (a `delete`) ~430 bytes more (src/core/objects.ts, src/build/README.md
// "Memory at 100,000 entries"). V8's own view decides: %HaveSameMap and %HasFastProperties, with
// natives syntax switched on for this file's functions only.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { LEDGER_PATH } from '../../../src/io/state-folder.js';
import { withFields } from '../../../src/core/objects.js';
import { fromWireOutput, toWireOutput } from '../../../src/build/state/cache.js';
import { blobCrc, FragmentStore } from '../../../src/build/state/fragment-pack.js';
import { encodeFragments } from '../../../src/core/render/fragments.js';
import { packSlots, type OutputRecord } from '../../../src/io/output-record.js';
import { entryText, sources, storyText, tempFolder } from '../../helpers/story.js';

setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const fastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

/** How many distinct maps these objects have (each compared with the ones before). */
function mapsOf(objects: readonly object[]): number {
  const kinds: object[] = [];
  for (const o of objects) if (!kinds.some((k) => sameMap(k, o))) kinds.push(o);
  return kinds.length;
}

const NOW = new Date('2026-06-01T00:00:00Z');

function compiledStory(count: number) {
  const files: Record<string, string> = { '_story.md': storyText('item_limit: 2\n') };
  for (let i = 0; i < count; i += 1) {
    const slug = `e${String(i).padStart(2, '0')}`;
    files[`${slug}.md`] = entryText({ slug, published: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z`, extra: 'tags: [talks, sanctions]\n' });
  }
  const r = compile({ sources: sources(files), now: NOW, mode: 'strict', ledgerPath: LEDGER_PATH });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r;
}

describe('hidden classes of per-entry and per-document records', () => {
  it('the check itself tells a spread record with a new key from a shared one', () => {
    // Node 20's V8: `{ ...x, newKey }` gives each result a map of its own. If a later V8 shares
    // them, this case fails and the workaround can go (src/core/objects.ts).
    const spread = Array.from({ length: 20 }, (_, i) => ({ ...{ path: `p${i}`, key: 'k' }, shell: i }));
    const assigned = Array.from({ length: 20 }, (_, i) => withFields({ path: `p${i}`, key: 'k' }, { shell: i }));
    expect([mapsOf(spread) > 1, mapsOf(assigned)]).toEqual([true, 1]);
  });

  it('withFields gives the keys and values of a spread, in the same order', () => {
    const base = { a: 1, b: 'two', c: undefined };
    for (const extra of [{ d: 4 }, { b: 'over' }, {}, { a: 0, e: [5] }]) {
      const got = withFields(base, extra);
      expect([Object.keys(got), got]).toEqual([Object.keys({ ...base, ...extra }), { ...base, ...extra }]);
    }
  });

  const compiled = compiledStory(30);

  it.each([
    ['ledger records with anchors (updateLedger)', () => Object.values(compiled.ledger!.ids)],
    ['RSS and Atom documents with a shell (plan)', () => compiled.planned.filter((p) => p.shell)],
  ])('%s share one map', (_name, objects) => {
    const list = objects() as object[];
    expect(list.length).toBeGreaterThan(10);
    expect(mapsOf(list)).toBe(1);
  });

  it('cache output records read back share one map', () => {
    const ordinal = new Map(Array.from({ length: 20 }, (_, i) => [`e${i}.md`, i]));
    const made: OutputRecord[] = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, size: i, mtimeMs: i, mediaType: 'text/html', base: 'b', deps: [`e${i}.md`], slots: packSlots([{ entry: `e${i}.md`, format: 'html', offset: 10 * i }]) }));
    const read = made.map((r) => fromWireOutput(JSON.parse(JSON.stringify(toWireOutput(r, ordinal))), (n) => `e${n}.md`)!);
    expect(read.map((r) => r.slots?.entries)).toEqual(made.map((r) => r.slots?.entries));
    expect(mapsOf(read)).toBe(1);
  });

  it('a fragment store keeps its fresh blobs fast-property objects once they spill', async () => {
    const folder = await tempFolder();
    try {
      const store = await FragmentStore.open(folder.dir, undefined, new Map(), { memoryBudget: 64 });
      for (let i = 0; i < 20; i += 1) {
        const blob = encodeFragments({ rss: [`<item>${i}`, '</item>'], atom: ['<entry>', '</entry>'], json: ['{', '}'], html: `<p>${i}</p>`, text: '""' });
        await store.add(`e${i}.md`, blob, blobCrc(blob.bytes));
      }
      await store.parsed();
      const fresh = [...(store as unknown as { fresh: Map<string, object> }).fresh.values()];
      expect(fresh.length).toBe(20);
      expect(fresh.map((f) => fastProperties(f))).toEqual(fresh.map(() => true));
      expect(mapsOf(fresh)).toBe(1);
      await store.discard();
    } finally {
      await folder.cleanup();
    }
  });
});
