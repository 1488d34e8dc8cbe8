// A full garbage collection between planning and rendering, for builds large enough to need one.
//
// Why: V8 sets the next collection's threshold from the heap that is live after the last one, times
// a factor of up to 4 while the program allocates fast. Parsing leaves ~185 MB live at 100,000
// entries, so no full collection came until the heap reached ~740 MB: planning's garbage (~320 MB)
// piled up into the first seconds of rendering, the peak of the whole build (in one run 1.13 GB of
// RSS, 742 MB of JS heap used and 426 MB of it live: src/build/README.md, eighth pass). One
// collection at the boundary, 276 ms at that size (timed in one run), frees it before rendering
// starts. A small build's garbage is small: it gets none.
//
// `gc` is not a global unless the program started with --expose-gc. The flag set at run time takes
// effect for contexts made after it, so a new context hands out the function (as jest's leak
// detector does); the main context's globals are untouched.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** From this many planned documents a build collects its garbage once planning is over. */
export const COLLECT_FROM_DOCUMENTS = 40_000;

let collector: (() => void) | undefined;

/** A full, synchronous garbage collection of this thread's heap. */
export function collectGarbage(): void {
  if (!collector) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
}

/** Collect once planning is over when the plan is large: what planning made and dropped goes before the writer allocates. */
export function collectAfterPlanning(documents: number): boolean {
  if (documents < COLLECT_FROM_DOCUMENTS) return false;
  collectGarbage();
  return true;
}
