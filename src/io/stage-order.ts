// The order the writer renders and stages documents in — not the order it publishes them in (that
// is publishRank, then plan order; write-outputs.ts). Documents that share entries are staged near
// each other, so that an entry's fragments, once read back from a spilled fragment pack, serve all
// of its documents from the fragment store's memory of recent blobs instead of being read again for
// each stream (issue 17: a cold 10,000-entry build read 26,340 blobs back in plan order).

/** Indices of `files` in staging order: by the earliest place in the plan of any entry it holds; files without entries first, in plan order. */
export function stagingOrder(files: ReadonlyArray<{ readonly deps?: readonly string[] | undefined }>): number[] {
  const ordinal = new Map<string, number>();
  const near = files.map((f) => {
    let first = -1;
    for (const entry of f.deps ?? []) {
      let at = ordinal.get(entry);
      if (at === undefined) ordinal.set(entry, (at = ordinal.size));
      if (first < 0 || at < first) first = at;
    }
    return first;
  });
  return files.map((_, i) => i).sort((a, b) => near[a]! - near[b]! || a - b);
}

/**
 * Files whose rendering can start early (a shell posted to a worker: build/shell-render.ts) are
 * started this many places before the writer reaches them, so that the worker renders while this
 * thread writes the files between (a newsroom's entry pages and bodies: without it, the shells
 * came in bursts, the worker idled half the build and this thread rendered the overflow itself).
 */
export const PREPARE_AHEAD = 64;

/**
 * `ahead(next)`, called as the writer takes queue[next]: prepares the files up to PREPARE_AHEAD
 * places on, in staging order, stopping at the first one that cannot start yet (its worker full:
 * the next call tries it again).
 */
export function prepareAhead(files: ReadonlyArray<{ readonly prepare?: (() => boolean) | undefined }>, queue: readonly number[]): (next: number) => void {
  let cursor = 0;
  let stuck = false;
  return (next) => {
    cursor = Math.max(cursor, next);
    // The window is refilled half at a time, not a file per step: the shells prepared in one call
    // go to a worker in one message (parse/pool.ts batches). Sliding by one, nearly every shell went
    // alone (a newsroom: 4,378 messages for 5,400 shells). One that found no room is tried again
    // at the next step (a worker starts a batch only when it has room for several).
    if (!stuck && cursor - next > PREPARE_AHEAD / 2) return;
    stuck = false;
    const end = Math.min(queue.length, next + PREPARE_AHEAD);
    while (cursor < end) {
      const prepare = files[queue[cursor]!]!.prepare;
      if (prepare && !prepare()) {
        stuck = true;
        return;
      }
      cursor += 1;
    }
  };
}
