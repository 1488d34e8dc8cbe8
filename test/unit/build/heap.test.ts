// The build's one full garbage collection (src/build/heap.ts): it collects what nothing holds, only
// for plans from COLLECT_FROM_DOCUMENTS documents, and leaves no `gc` global behind.
import { describe, expect, it } from 'vitest';
import { collectAfterPlanning, collectGarbage, COLLECT_FROM_DOCUMENTS } from '../../../src/build/heap.js';

/** An object only a WeakRef holds, once the job that made it is over (a WeakRef keeps its target through the job). */
async function dropped(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: new Array(1000).fill('x') });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return ref;
}

describe('collectGarbage', () => {
  it('frees an object nothing holds, at once', async () => {
    const ref = await dropped();
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });

  it.each([
    [0, false],
    [COLLECT_FROM_DOCUMENTS - 1, false],
    [COLLECT_FROM_DOCUMENTS, true],
    [130_029, true],
  ])('a plan of %i documents: collected %s', async (documents, collects) => {
    const ref = await dropped();
    expect(collectAfterPlanning(documents)).toBe(collects);
    if (collects) expect(ref.deref()).toBeUndefined();
  });

  it('leaves the global scope without a gc function', () => {
    collectGarbage();
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });
});
