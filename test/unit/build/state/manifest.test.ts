// The build manifest written in chunks (manifestChunks) is the one renderManifest writes, byte for byte.

import { describe, expect, it } from 'vitest';
import { manifestChunks, parseManifest, renderManifest, type FileStamp, type Stamped } from '../../../../src/build/state/manifest.js';
import { parseStory } from '../../../../src/core/compile.js';
import { storyText } from '../../../helpers/story.js';

const { story } = parseStory([{ path: '_story.md', text: storyText() }]);

const stamped = (i: number): Stamped => ({ size: 100 + i, mtimeMs: 1796203197655.0542 + i * 1.5 });
const asRecord = (m: ReadonlyMap<string, Stamped>) => Object.fromEntries([...m].map(([p, s]) => [p, [s.size, s.mtimeMs] as FileStamp]));

/** Names out of order, some needing escapes or not ASCII, some sharing a prefix. */
function names(count: number, prefix: string): string[] {
  const odd = ['ä/é.md', 'q"uote.md', 'back\\slash.md', 'tab\there.md', 'z.md', 'a.md', 'a.md.bak', '💡.md'];
  return Array.from({ length: count }, (_, i) => (i < odd.length ? `${prefix}${odd[i]}` : `${prefix}${(count - i) * 7919 % 10007}/index.html`));
}

function maps(count: number, extra: readonly string[] = []) {
  const entries = new Map<string, Stamped>([...names(count, ''), ...extra].map((p, i) => [p, stamped(i)]));
  const outputs = new Map<string, Stamped>(names(count * 2, 'out/').map((p, i) => [p, stamped(i * 3)]));
  return { entries, outputs };
}

const head = { window: [1_700_000_000_000, null] as const, generation: 'g1', counts: { entries: 3, visible: 2, scheduled: 1, drafts: 0, nextScheduled: null, outputs: 9, diagnostics: 0 }, story: story! };

describe('the manifest in chunks', () => {
  it.each([1, 7, 4096, 32 * 1024, 10_000_000])('chunks of %i characters make renderManifest\'s bytes', (chars) => {
    const { entries, outputs } = maps(2500);
    const chunks = [...manifestChunks(head, entries, outputs, chars)];
    const text = renderManifest({ ...head, entries: asRecord(entries), outputs: asRecord(outputs) });
    expect(chunks.join('')).toBe(text);
    // Every file ends a chunk when a chunk is one character; one chunk when it is larger than the text.
    if (chars === 1) expect(chunks).toHaveLength(entries.size + outputs.size + 1);
    if (chars > text.length) expect(chunks).toHaveLength(1);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(chars);
    expect(parseManifest(chunks.join(''))?.entries['a.md']).toEqual([105, 1796203197655.0542 + 7.5]);
  });

  it('without a generation, counts or story, and with no files', () => {
    const chunks = [...manifestChunks({ window: [null, null] }, new Map(), new Map(), 7)];
    expect(chunks.join('')).toBe(renderManifest({ window: [null, null], entries: {}, outputs: {} }));
  });

  it('names JSON puts first (array indices) come first, as in renderManifest', () => {
    const { entries, outputs } = maps(50, ['12', '3', '007', '4294967295']);
    const text = [...manifestChunks(head, entries, outputs, 7)].join('');
    expect(text).toBe(renderManifest({ ...head, entries: asRecord(entries), outputs: asRecord(outputs) }));
    expect(text.indexOf('"3"')).toBeLessThan(text.indexOf('"12"'));
    expect(text.indexOf('"12"')).toBeLessThan(text.indexOf('"007"'));
  });
});
