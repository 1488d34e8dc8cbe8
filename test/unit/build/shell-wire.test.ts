// Shell jobs crossing to a shell worker (src/build/parse/shell-wire.ts): each story and entry object
// crosses once per worker, then as a number; what arrives is the job that was sent.
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { KEPT, shellJobPacker, shellJobUnpacker } from '../../../src/build/parse/shell-wire.js';
import { compile } from '../../../src/core/compile.js';
import type { ShellJob } from '../../../src/core/types.js';
import { LEDGER_PATH } from '../../../src/io/state-folder.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

function jobs(): ShellJob[] {
  const files: Record<string, string> = { '_story.md': storyText('item_limit: 4\n') };
  for (let i = 0; i < 10; i += 1) {
    const extra = [`tags: [t${i % 2}, shared]`, i === 3 ? 'retracted: {at: 2026-05-30T10:00:00Z, reason: "Wrong"}' : ''].filter(Boolean).join('\n');
    files[`e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(1 + i).padStart(2, '0')}T09:00:00Z`, extra: `${extra}\n`, body: `Body ${i}.` });
  }
  const r = compile({ sources: sources(files), now: new Date('2026-06-01T00:00:00Z'), mode: 'strict', ledgerPath: LEDGER_PATH });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.planned.flatMap((p) => (p.shell ? [p.shell.job()] : []));
}

describe('shell jobs on the wire', () => {
  it('arrive as sent, each story and entry object sent once, then by number', () => {
    const all = jobs();
    const pages = all.filter((j) => j.format === 'page');
    expect(pages.length).toBeGreaterThan(2); // the story's page and its tag pages share entries
    const pack = shellJobPacker();
    const unpack = shellJobUnpacker();
    const wires = all.map((j) => pack(j));
    // Through the structured clone a worker's message takes.
    const arrived = wires.map((w) => unpack(structuredClone(w)));
    expect(arrived).toEqual(all);
    // Later jobs name the story and the shared entries by number, and are smaller for it.
    const refs = wires.flatMap((w) => [w.story, ...w.entries, ...w.retracted]);
    const byNumber = refs.filter((r) => typeof r === 'number').length;
    expect(byNumber).toBeGreaterThan(refs.length / 2);
    // An entry object that crossed in an earlier job crosses as its number, and only then.
    const seen = new Set<unknown>();
    all.forEach((job, i) => {
      job.feed.entries.forEach((e, k) => expect(typeof wires[i]!.entries[k] === 'number').toBe(seen.has(e)));
      for (const e of [job.feed.story, ...job.feed.entries, ...job.feed.retracted]) seen.add(e);
    });
    expect(wires.find((w) => w.job.format === 'page' && w.entries.length > 0 && w.entries.every((e) => typeof e === 'number'))).toBeDefined();
    const sizes = (list: unknown[]) => list.reduce<number>((n, x) => n + serialize(x).length, 0);
    expect(sizes(wires)).toBeLessThan(sizes(all) * 0.75); // here 57%; a newsroom story’s pages share far more
  });

  it('keep the last KEPT objects on both sides: an older one crosses again, whole', () => {
    const [template] = jobs();
    const story = template!.feed.story;
    const entry = (i: number) => ({ ...template!.feed.entries[0]!, id: `tag:example.org,2026:e${i}`, title: `Entry ${i}` });
    const job = (e: object) => ({ ...template!, feed: { ...template!.feed, story, entries: [e], retracted: [] } }) as ShellJob;
    const pack = shellJobPacker();
    const unpack = shellJobUnpacker();
    const first = entry(0);
    const send = (j: ShellJob) => {
      const wire = pack(j);
      expect(unpack(structuredClone(wire))).toEqual(j);
      return wire;
    };
    send(job(first));
    expect(send(job(first)).entries[0]).toBeTypeOf('number'); // seen lately
    for (let i = 1; i < KEPT; i += 1) send(job(entry(i))); // KEPT - 1 new entries, and the story by number
    // The first entry is KEPT objects back: gone from both sides, so it crosses whole again.
    expect(send(job(first)).entries[0]).not.toBeTypeOf('number');
    expect(send(job(first)).entries[0]).toBeTypeOf('number');
  });

  it('a job naming an object this worker was never sent is an error, not a wrong page', () => {
    const [first, second] = jobs();
    const pack = shellJobPacker();
    pack(first!);
    expect(() => shellJobUnpacker()(pack(second!))).toThrow(/never sent/);
  });
});
