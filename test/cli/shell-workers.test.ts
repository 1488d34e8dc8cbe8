// The shells of RSS and Atom documents rendered on a worker (src/build/shell-render.ts,
// parse/pool.ts startShellWorkers, the compiled worker in dist/): the same text as on the build's
// thread; a shell that fails on the worker, or a worker that exits, fails the call at once instead
// of leaving the writer waiting; and until a worker has loaded, shells are rendered here.
import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../../src/core/compile.js';
import { renderShell } from '../../src/core/render/shells.js';
import type { DocumentPart, ShellJob, ShellText } from '../../src/core/types.js';
import { textOf } from '../../src/core/render/fragments.js';
import { SHELLS_BATCH, SHELLS_QUEUED, startShellWorkers, type Parser } from '../../src/build/parse/pool.js';
import { renderShellsOnWorkers, viaPool } from '../../src/build/shell-render.js';
import { LEDGER_PATH } from '../../src/io/state-folder.js';
import { entryText, sources, storyText } from '../helpers/story.js';

const WORKER = new URL('../../dist/parse-worker.cjs', import.meta.url);
const NOW = new Date('2026-06-01T00:00:00Z');

function planned() {
  const files: Record<string, string> = { '_story.md': storyText('item_limit: 3\n') };
  for (let i = 0; i < 12; i += 1) {
    const extra = [`tags: [t${i % 3}, "Iran & U.S."]`, i === 4 ? 'image: {url: "https://newsroom.example.org/a.jpg", alt: "A & B"}' : '', i === 6 ? 'retracted: {at: 2026-05-30T10:00:00Z, reason: "Wrong <here>"}' : ''].filter(Boolean).join('\n');
    files[`e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(1 + i).padStart(2, '0')}T09:00:00Z`, extra: `${extra}\n`, body: i % 2 ? `Body ${i} with [a link](/x/${i}).` : '' });
  }
  const r = compile({ sources: sources(files), now: NOW, mode: 'strict', ledgerPath: LEDGER_PATH });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.planned;
}

/** The pool's answer once a worker has loaded (until then `shell` gives undefined). */
async function whenReady(pool: Parser, job: ShellJob): Promise<Promise<ShellText>> {
  for (let i = 0; i < 1000; i += 1) {
    const answer = pool.shell(job);
    if (answer) return answer;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no worker became ready');
}

/** A document's parts with its text as text, whether it came as bytes or not. */
const asText = (parts: readonly DocumentPart[]) => parts.map((p) => (typeof p === 'string' || p instanceof Uint8Array ? textOf(p) : p));

let pool: Parser | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('shells on a worker', () => {
  it('are the text the build’s thread renders, for every RSS and Atom document and every story and tag page', async () => {
    const withShells = planned().filter((p) => p.shell);
    const jobs = withShells.map((p) => p.shell!.job());
    expect(jobs.length).toBeGreaterThan(20); // feeds, archive pages, tag feeds, both formats; pages
    expect(withShells.filter((p) => p.path.endsWith('index.html')).map((p) => p.path).sort()).toEqual(['index.html', 'tags/iran-u-s-ea777012/index.html', 'tags/t0/index.html', 'tags/t1/index.html', 'tags/t2/index.html']);
    pool = startShellWorkers(1, WORKER);
    await whenReady(pool, jobs[0]!);
    // One at a time (a worker holding SHELLS_QUEUED shells answers undefined: the next test).
    for (const [i, job] of jobs.entries()) {
      const there = await pool.shell(job)!;
      // Its long pieces come as UTF-8 bytes, moved, not copied (parse/shell-bytes.ts).
      expect(there.some((p) => p instanceof Uint8Array)).toBe(true);
      expect(there.map(textOf)).toEqual(renderShell(job));
      // And the document made from it is the one rendered whole here, slots and all.
      expect(asText(withShells[i]!.shell!.fill(there))).toEqual(asText(withShells[i]!.render()));
    }
    // The worker counts what it has answered where this thread sees it: given time (this thread
    // blocked, its answers unread), it renders SHELLS_QUEUED small shells and takes another.
    const quick = jobs.slice(0, SHELLS_QUEUED).map((job) => pool!.shell(job));
    await Promise.resolve(); // posted at the end of this turn, in one message
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
    const more = pool.shell(jobs[SHELLS_QUEUED]!);
    expect(more).not.toBeUndefined();
    expect((await Promise.all([...quick, more])).map((shell) => shell!.map(textOf))).toEqual(jobs.slice(0, SHELLS_QUEUED + 1).map((job) => renderShell(job)));
  });

  // A stand-in worker (startShellWorkers takes the worker's code): it answers a shell once the job's
  // gate is open, counting its answers as the real one does (parse/worker.ts), and in the job's
  // `done` too, where this test can wait for them without turning its event loop.
  const GATED = new URL(
    `data:text/javascript,${encodeURIComponent(`
      import { parentPort, workerData } from 'node:worker_threads';
      parentPort.on('message', ({ shells }) => {
        const answers = [];
        for (const { id, job } of shells) {
          const shell = job.job;
          if (shell.gate) Atomics.wait(new Int32Array(shell.gate), 0, 0);
          Atomics.add(workerData.shellsAnswered, 0, 1);
          answers.push({ id, shell: ['answered'] });
          Atomics.add(new Int32Array(shell.done), 0, 1);
          Atomics.notify(new Int32Array(shell.done), 0);
        }
        parentPort.postMessage({ shells: answers });
      });
      parentPort.postMessage({ id: 0, ready: true });`)}`,
  );

  it('a worker holding SHELLS_QUEUED shells it has not rendered takes no more; once it has rendered them it does, their answers unread', async () => {
    pool = startShellWorkers(1, GATED);
    const feed = { story: {}, entries: [], retracted: [] };
    await (await whenReady(pool, { done: new SharedArrayBuffer(4), feed } as unknown as ShellJob));
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const done = new Int32Array(new SharedArrayBuffer(4));
    const job = { gate: gate.buffer, done: done.buffer, feed } as unknown as ShellJob;
    const held = Array.from({ length: SHELLS_QUEUED }, () => pool!.shell(job));
    expect(held.every((h) => h !== undefined)).toBe(true);
    await Promise.resolve(); // they go at the end of this turn, in one message
    // The worker waits at the gate with all of them: the caller renders this one itself.
    expect(pool.shell(job)).toBeUndefined();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    // This thread blocks outright (as it does while it writes): the answers stay unread.
    for (let i = 0; i < 30 && Atomics.load(done, 0) < SHELLS_QUEUED; i += 1) Atomics.wait(done, 0, Atomics.load(done, 0), 1000);
    expect(Atomics.load(done, 0)).toBe(SHELLS_QUEUED);
    const more = pool.shell(job);
    expect(more).not.toBeUndefined();
    expect(await Promise.all([...held, more])).toEqual(Array(SHELLS_QUEUED + 1).fill(['answered']));
  });

  it('ahead of the writer, a batch starts only when the worker has room for SHELLS_BATCH; the writer’s own shell needs room for one', async () => {
    pool = startShellWorkers(1, GATED);
    const feed = { story: {}, entries: [], retracted: [] };
    await (await whenReady(pool, { done: new SharedArrayBuffer(4), feed } as unknown as ShellJob));
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const job = { gate: gate.buffer, done: new SharedArrayBuffer(4), feed } as unknown as ShellJob;
    const held = Array.from({ length: SHELLS_QUEUED - SHELLS_BATCH + 1 }, () => pool!.shell(job, true));
    expect(held.every((h) => h !== undefined)).toBe(true); // one batch, begun with room for all
    await Promise.resolve(); // sent
    expect(pool.shell(job, true)).toBeUndefined(); // room for SHELLS_BATCH - 1: no new batch
    const own = pool.shell(job); // the writer's document: room for one is enough
    expect(own).not.toBeUndefined();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    expect(await Promise.all([...held, own])).toEqual(Array(held.length + 1).fill(['answered']));
  });

  it('fail the call when the shell fails there, and the worker goes on', async () => {
    const job = planned().find((p) => p.shell)!.shell!.job();
    pool = startShellWorkers(1, WORKER);
    await whenReady(pool, job);
    const broken = { ...job, feed: { ...job.feed, story: undefined } } as unknown as ShellJob;
    await expect(pool.shell(broken)!).rejects.toThrow(/story|undefined/);
    // Through the writer's render too: an error the worker answers with is a bug, not a lost worker.
    await expect(viaPool(pool, { job: () => broken, fill: () => [] }).render()).rejects.toThrow(/story|undefined/);
    // A job that is not plain data fails its call here (it never crosses), not the program.
    const unclonable = { ...job, feed: { ...job.feed, extra: () => undefined } } as unknown as ShellJob;
    await expect(pool.shell(unclonable)!).rejects.toThrow(/could not be cloned/);
    expect((await pool.shell(job)!).map(textOf)).toEqual(renderShell(job));
  });

  it('fail the calls in flight when the worker exits, and take no more', async () => {
    const job = planned().find((p) => p.shell)!.shell!.job();
    pool = startShellWorkers(1, WORKER);
    await whenReady(pool, job);
    const inFlight = [pool.shell(job)!, pool.shell(job)!];
    await pool.close();
    // What had not come back when it exited fails (an exit is never a wait).
    expect((await Promise.allSettled(inFlight)).map((s) => s.status)).toContain('rejected');
    expect(pool.shell(job)).toBeUndefined();
  });

  it('are posted ahead when prepared: the render takes that answer, and a worker lost first has the render done here, the same text, never an unhandled rejection', async () => {
    const files = planned().filter((p) => p.shell);
    pool = startShellWorkers(1, WORKER);
    const early = viaPool(pool, files[0]!.shell!);
    expect(early.prepare()).toBe(false); // no worker ready yet: nothing posted, tried again later
    await whenReady(pool, files[0]!.shell!.job());
    let posted = 0;
    const counting: Parser = { ...pool, shell: (job) => (posted += 1, pool!.shell(job)) };
    const ahead = viaPool(counting, files[1]!.shell!);
    expect(ahead.prepare()).toBe(true);
    expect(ahead.prepare()).toBe(true); // once only
    const parts = ahead.render();
    expect(parts).toBeInstanceOf(Promise); // the worker's answer, not a second render here
    expect(asText(await parts)).toEqual(asText(files[1]!.render()));
    expect(posted).toBe(1);
    // Prepared, then the worker exits before the writer comes (a crash): the shell is rendered here.
    const lost = viaPool(pool, files[2]!.shell!);
    expect(lost.prepare()).toBe(true);
    await pool.close();
    await new Promise((r) => setTimeout(r, 50)); // an unhandled rejection would fail this test run
    expect(asText(await lost.render())).toEqual(asText(files[2]!.render()));
  });

  it('are rendered on the build’s thread until a worker is ready, and without workers', async () => {
    const files = planned();
    const first = files.find((p) => p.shell)!;
    pool = startShellWorkers(1, WORKER);
    // Just started: no worker has loaded its code, so the document is rendered here, at once.
    const parts = viaPool(pool, first.shell!).render();
    expect(parts).not.toBeInstanceOf(Promise);
    expect(parts).toEqual(first.render());
    // STORYFEED_WORKERS=0: no workers, the planned files as they are.
    const none = renderShellsOnWorkers(files, new Map(), { STORYFEED_WORKERS: '0' });
    expect(none.planned).toBe(files);
    await none.close();
  });
});
