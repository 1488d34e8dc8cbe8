// Parse workers for large builds: batches of entry files go to a few threads (parse-worker.ts) and
// come back parsed, with their fragments as transferred buffers. Small builds parse on the build's
// own thread: starting a worker costs more than parsing a few hundred entries.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShellJob, ShellText, SourceFile, Story } from '../../core/types.js';
import { shellJobPacker, type WireShellJob } from './shell-wire.js';
import { unpackBatch, type PackedBatch, type ParsedFile } from './wire.js';

/**
 * Below this many files to parse, parsing stays on the build's thread: each worker warms up its own
 * compiled code, and measured here the break-even was between 3,000 and 10,000 entries (2 cores).
 */
export const PARALLEL_FROM = 4000;

/**
 * How many workers to use for `files` files: STORYFEED_WORKERS when set (0 = none), otherwise one
 * per core for large builds. None when running from the TypeScript sources (tests): the worker is
 * a compiled file.
 */
export function workerCount(files: number, env: NodeJS.ProcessEnv = process.env): number {
  if (!workersInstalled()) return 0;
  const set = env['STORYFEED_WORKERS'];
  if (set !== undefined && /^\d+$/.test(set)) return Math.min(Number(set), 16);
  return files >= PARALLEL_FROM ? Math.min(availableParallelism(), 8) : 0;
}

const WORKER_URL = new URL('./parse-worker.cjs', import.meta.url);
/** The bundle the worker's launcher runs (parse/worker-boot.ts). */
const WORKER_CODE_URL = new URL('./parse-worker-code.cjs', import.meta.url);

/**
 * Whether the worker's two files are beside this bundle. From the TypeScript sources they are not;
 * in an install missing its bundle (a copy of dist/ made by hand, a partly deleted folder) the
 * build runs on its own thread, as a small one does — found from outside: each worker failed to
 * load and the build stopped with an internal error.
 */
function workersInstalled(): boolean {
  return existsSync(fileURLToPath(WORKER_URL)) && existsSync(fileURLToPath(WORKER_CODE_URL));
}

/**
 * Shells a worker may hold at once; beyond that the caller renders its own. The worker's answers
 * wait for the build's thread to turn its event loop, which it does between its synchronous writes:
 * at 2, a cold 10,000-entry build rendered 0.5-0.9 s of shells on its own thread (a newsroom's
 * 0.8-1.3 s) while the worker stood idle 80% of the time; at 6, 0.01-0.04 s, and render and write
 * took ~1 s less (two alternating pairs each, 2026-12-04). A newsroom (~3,600 shells) still had
 * its thread render 1.6 s of them, the answers unread: so a shell worker counts what it has
 * answered in shared memory (startShellWorkers), and what it holds is what it has not rendered.
 * Posted ahead of the writer (issue 14: io/stage-order.ts prepareAhead), they go in batches
 * (SHELLS_BATCH): one message each way for several shells, not one per shell — a newsroom's 5,400
 * messages each way cost its build's thread ~0.6 s.
 */
export const SHELLS_QUEUED = 12;
/** Shells posted ahead start a batch only when the worker has room for this many. */
export const SHELLS_BATCH = 6;

export interface Parser {
  /** `story`: the story these sources belong to, when not the parser's own (a newsroom's parser serves every story). */
  parse(sources: readonly SourceFile[], story?: Story): Promise<ParsedFile[]>;
  /** How many batches it can usefully take at once. */
  readonly parallelism: number;
  /**
   * A document's shell rendered on a worker (core/render/shells.ts), or undefined when no worker
   * has loaded its code yet (or there are none), or none has room: the caller renders it itself
   * meanwhile. Posted with the others asked for in the same turn (at the next microtask); `ahead`
   * (a document the writer has not reached yet): only into a batch begun, or with room for a whole one.
   */
  shell(job: ShellJob, ahead?: boolean): Promise<ShellText> | undefined;
  close(): Promise<void>;
}

/**
 * `anchors`: entry anchors that are not the plain form, by id (core/anchors.ts); a Map crosses
 * threads as it is. Without `story` (a newsroom: one pool for every story) each batch names its own.
 */
export function createParser(story: Story | undefined, now: Date, workers: number, anchors?: ReadonlyMap<string, string>): Parser {
  if (workers <= 0) {
    // A copy, as a worker's answer is: strings the parsers cut out of a file would otherwise keep
    // the whole file's text alive (V8 sliced strings) for as long as the entry's metadata lives.
    const parse = async (sources: readonly SourceFile[], own?: Story) => {
      const { parseBatch } = await import('./batch.js');
      const of = own ?? story;
      if (!of) throw new Error('a parser needs the story of its sources');
      return parseBatch(sources, of, now, anchors).map((f) => ({ ...f, parsed: structuredClone(f.parsed) }));
    };
    return { parallelism: 1, parse, shell: () => undefined, close: async () => undefined };
  }
  const pool = Array.from({ length: workers }, () => new Worker(WORKER_URL, { workerData: { ...(story ? { story } : {}), now: now.getTime(), ...(anchors ? { anchors } : {}) } }));
  return orHere(onWorkers(pool, {}), () => createParser(story, now, 0, anchors));
}

/**
 * A worker that dies (it could not load its code: a damaged install; or it crashed) fails the
 * calls it held with this; an error a worker answers with (a bug in parsing) is not one.
 */
export class WorkerGone extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/**
 * The parser, or for a batch its workers could not parse because they died, the build's own
 * thread: the same function on the same files, so the same result, only slower (found from
 * outside: a damaged worker bundle stopped every large build with an internal error).
 */
function orHere(pool: Parser, here: () => Parser): Parser {
  let local: Parser | undefined;
  return {
    ...pool,
    parse: (sources, story) => pool.parse(sources, story).catch((error: unknown) => (error instanceof WorkerGone ? (local ??= here()).parse(sources, story) : Promise.reject(error))),
  };
}

/** Workers for documents' shells alone (build/shell-render.ts); `url`: the worker's code (tests give dist/'s). */
export function startShellWorkers(workers: number, url: URL = WORKER_URL): Parser {
  // Each counts the shells it has answered where this thread can see it at once (worker.ts).
  const answered = Array.from({ length: workers }, () => new Int32Array(new SharedArrayBuffer(4)));
  return onWorkers(answered.map((counter) => new Worker(url, { workerData: { shellsAnswered: counter } })), {}, answered);
}

/**
 * A parse worker started before the story is known: the CLI starts one as it begins, so that the
 * worker loads the parsers on the other core while this thread finds out what changed. A build that
 * needs it takes `parser(story, now)`; one that does not closes it.
 */
export interface WarmParser {
  parser(story: Story, now: Date): Parser;
  /** A newsroom's settings parsed on the worker (parse/settings.ts): the build's thread need not load the parsers. */
  settings: StorySettingsParser;
  close(): Promise<void>;
}

/** `_newsroom.md` and some stories' `_story.md` in, each story's settings out (undefined: a problem). */
export type StorySettingsParser = (newsroom: SourceFile, stories: readonly { readonly slug: string; readonly file: SourceFile }[]) => Promise<[string, Story][] | undefined>;

/** The same on the build's own thread (no warm worker: the parsers are loaded here). */
export const settingsHere: StorySettingsParser = async (newsroom, stories) => (await import('./settings.js')).parseStorySettings(newsroom, stories);

export function startWarmParser(): WarmParser | undefined {
  if (!workersInstalled()) return undefined;
  const worker = new Worker(WORKER_URL);
  // It must not hold the process open if nobody takes it (a run with nothing to do).
  worker.unref();
  // Heard from the start: a worker that dies before anyone asks it anything (a damaged bundle) would
  // otherwise be an unhandled 'error' that ends the program, its output lock left behind (found
  // from outside: every run that found a change crashed). Asked after, it is not asked at all.
  let dead: WorkerGone | undefined;
  worker.on('error', (error) => void (dead ??= new WorkerGone(error)));
  worker.on('exit', (code) => void (dead ??= new WorkerGone(new Error(`a parse worker exited (${code})`))));
  const close = async () => {
    await worker.terminate();
  };
  let nextId = 0;
  const settings: StorySettingsParser = (newsroom, stories) =>
    new Promise((resolve, reject) => {
      if (dead) return reject(dead);
      // Ids below zero: a batch's answers (onWorkers) never take one.
      const id = --nextId;
      const done = () => {
        worker.unref();
        worker.off('message', answer);
        worker.off('error', died);
        worker.off('exit', died);
      };
      const answer = (m: { id: number; settings?: [string, Story][] | null; error?: { message: string } }) => {
        if (m.id !== id) return;
        done();
        if (m.error) reject(new Error(m.error.message));
        else resolve(m.settings ?? undefined);
      };
      // Its death is `dead` by then: the listeners above were added first, so they run first.
      const died = () => {
        done();
        reject(dead);
      };
      // Held open while it answers (an unreferenced worker's reply would not keep the process waiting).
      worker.ref();
      worker.on('message', answer);
      worker.once('error', died);
      worker.once('exit', died);
      worker.postMessage({ id, settings: { newsroom, stories } });
    });
  return {
    parser: (story, now) => {
      const here = () => createParser(story, now, 0);
      return dead ? here() : orHere(onWorkers([worker], { story, now: now.getTime() }), here);
    },
    // A worker that could not start: the settings are parsed here (the warm worker's one other call).
    settings: (newsroom, stories) => settings(newsroom, stories).catch((error: unknown) => (error instanceof WorkerGone ? settingsHere(newsroom, stories) : Promise.reject(error))),
    close,
  };
}

/** A shell's answer from a worker (worker.ts): its text, or why it failed. */
type ShellAnswer = { id: number; shell?: ShellText; error?: { message: string; stack?: string } };

function workerError(e: { message: string; stack?: string } | undefined): Error {
  const error = new Error(e?.message ?? 'parse worker failed');
  if (e?.stack) error.stack = e.stack;
  return error;
}

/** A parser on these workers; `context` (story and instant) goes with every batch when given. */
function onWorkers(pool: readonly Worker[], context: { story?: Story; now?: number }, shellsAnswered?: readonly Int32Array[]): Parser {
  const pending = new Map<number, { resolve: (f: never) => void; reject: (e: Error) => void }>();
  const load = pool.map(() => 0);
  const shellsSent = pool.map(() => 0);
  // Shells a worker has still to render: its answers wait for this thread's event loop, but its count does not.
  const shellsQueued = (w: number): number => (shellsAnswered ? shellsSent[w]! - Atomics.load(shellsAnswered[w]!, 0) : load[w]!);
  // A worker says it is ready once its code is loaded (worker.ts); one that exited takes no more work.
  const ready = pool.map(() => false);
  const gone: Array<Error | undefined> = pool.map(() => undefined);
  let nextId = 1;
  pool.forEach((worker, w) => {
    worker.on('message', (m: { id: number; ready?: true; batch?: PackedBatch; shells?: ShellAnswer[]; error?: { message: string; stack?: string } }) => {
      if (m.ready) ready[w] = true;
      for (const a of m.shells ?? []) {
        const p = answered(w, a.id);
        if (a.shell) p?.resolve(a.shell as never);
        else p?.reject(workerError(a.error));
      }
      const p = answered(w, m.id);
      if (!p) return;
      if (m.batch) p.resolve(unpackBatch(m.batch) as never);
      else p.reject(workerError(m.error));
    });
    const fail = (cause: Error) => {
      const error = new WorkerGone(cause);
      gone[w] ??= error;
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`a parse worker exited (${code})`));
    });
  });
  /** Post to the least busy worker (of those `usable`); a worker that exited fails the call at once, never leaves it waiting. */
  /** A call to worker `w`, answered by its id: in the worker's load until then. */
  const call = <T>(w: number): { id: number; answer: Promise<T> } => {
    load[w]! += 1;
    const id = nextId++;
    return { id, answer: new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (f: never) => void, reject })) };
  };
  /** The call an answer (or a failure to post) is for, no longer pending; undefined when none is. */
  function answered(w: number, id: number) {
    const p = pending.get(id);
    if (!p) return undefined;
    pending.delete(id);
    load[w]! -= 1;
    return p;
  }
  const post = <T>(message: object, w: number): Promise<T> => {
    if (gone[w]) return Promise.reject(gone[w]);
    const { id, answer } = call<T>(w);
    try {
      pool[w]!.postMessage({ id, ...message });
    } catch (error) {
      answered(w, id)?.reject(error as Error);
    }
    return answer;
  };
  // Shells asked for in one turn, by worker: posted together at its end (one message, one answer).
  const batches: Array<Array<{ id: number; job: WireShellJob }>> = pool.map(() => []);
  const packers = pool.map(() => shellJobPacker());
  const sendShells = (w: number): void => {
    const shells = batches[w]!;
    batches[w] = [];
    if (gone[w]) return; // a worker gone has failed them already
    try {
      pool[w]!.postMessage({ shells });
    } catch (error) {
      // Not plain data (a bug): these calls fail, as a post inside their promise would have.
      for (const { id } of shells) {
        answered(w, id)?.reject(error as Error);
        shellsSent[w]! -= 1;
      }
    }
  };
  const leastBusy = (usable: (w: number) => boolean): number | undefined => {
    let best: number | undefined;
    for (let i = 0; i < pool.length; i += 1) if (usable(i) && (best === undefined || load[i]! < load[best]!)) best = i;
    return best;
  };
  return {
    parallelism: pool.length * 2,
    parse(sources, story) {
      return post<ParsedFile[]>({ sources, ...context, ...(story ? { story } : {}) }, leastBusy((w) => !gone[w]) ?? 0);
    },
    shell(job, ahead = false) {
      // A worker with shells queued already is busy (or descheduled): this thread renders the shell rather than wait.
      const room = (i: number): number => SHELLS_QUEUED - shellsQueued(i);
      const w = leastBusy((i) => ready[i]! && !gone[i] && room(i) > 0 && (!ahead || batches[i]!.length > 0 || room(i) >= SHELLS_BATCH));
      if (w === undefined) return undefined;
      shellsSent[w]! += 1;
      const { id, answer } = call<ShellText>(w);
      if (batches[w]!.length === 0) queueMicrotask(() => sendShells(w));
      batches[w]!.push({ id, job: packers[w]!(job) });
      return answer;
    },
    async close() {
      pool.forEach((_, w) => (gone[w] ??= new Error('the parse workers were closed')));
      await Promise.all(pool.map((worker) => worker.terminate()));
    },
  };
}
