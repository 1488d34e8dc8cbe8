// Shell jobs as they cross to a shell worker (pool.ts, worker.ts). A newsroom's story and tag pages
// hold every development of their story, so each entry is in five page jobs, and every job of a
// story holds its story: 26 MB of a 10,000-entry newsroom's 30 MB of jobs, cloned on the build's
// thread (~0.35 s of it) and again on the worker's. A job crosses with each story and entry object
// the worker has not seen lately, and a number in place of each it has. Both sides keep the last
// KEPT objects sent (a window by number, so they agree without a word): the writer stages a
// story's documents together, and neither side holds a 100,000-entry build's objects beyond their use.

import type { EntryMeta, Feed, ShellJob, Story } from '../../core/types.js';

/** A story or entry the worker has (a number), or one it is sent now with the number it will have. */
type Ref<T> = number | { n: number; value: T };

/** A job's feed with its story and entries as references. */
export interface WireShellJob {
  readonly job: ShellJob;
  readonly story: Ref<Story>;
  readonly entries: ReadonlyArray<Ref<EntryMeta>>;
  readonly retracted: ReadonlyArray<Ref<EntryMeta>>;
}

/** How many of the objects last sent each side keeps: a newsroom story's are ~60, a build's 10,000s. */
export const KEPT = 4096;

/** The sending side: what one worker has been sent lately, by object. */
export function shellJobPacker(): (job: ShellJob) => WireShellJob {
  // A Map, not a WeakMap: a WeakMap of 10,000 entries made each garbage collection of the build's
  // thread slower (ephemerons); the window (`order`) lets go of what the worker no longer has.
  const sent = new Map<object, number>();
  const order: object[] = [];
  let next = 0;
  const ref = <T>(value: T): Ref<T> => {
    if (typeof value !== 'object' || value === null) return { n: 0, value }; // not ours to keep (a broken job fails on the worker)
    const known = sent.get(value);
    if (known !== undefined) return known;
    next += 1;
    const slot = next % KEPT;
    const old = order[slot];
    if (old !== undefined) sent.delete(old); // number next - KEPT: the worker drops it now too
    order[slot] = value;
    sent.set(value, next);
    return { n: next, value };
  };
  return (job) => {
    const { story, entries, retracted, ...rest } = job.feed;
    // Unpacked in this order: the story, then the entries, then the retracted.
    return { job: { ...job, feed: { ...rest } as Feed }, story: ref(story), entries: entries.map(ref), retracted: retracted.map(ref) };
  };
}

/** The receiving side: the worker's objects by number. */
export function shellJobUnpacker(): (wire: WireShellJob) => ShellJob {
  const known = new Map<number, object>();
  const get = <T>(r: Ref<T>): T => {
    if (typeof r !== 'number') {
      if (r.n !== 0) {
        known.set(r.n, r.value as object);
        known.delete(r.n - KEPT); // as the sender did
      }
      return r.value;
    }
    const value = known.get(r);
    if (value === undefined) throw new Error(`a shell job names object ${r}, which this worker was never sent`);
    return value as T;
  };
  return (wire) => ({ ...wire.job, feed: { ...wire.job.feed, story: get(wire.story), entries: wire.entries.map(get), retracted: wire.retracted.map(get) } } as ShellJob);
}
