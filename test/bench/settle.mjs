// Every timed cold build (storyfeed's and Hugo's) starts from the same state of the machine: the
// disk queue flushed (`sync`: a cold build leaves ~1 GB being written back, which otherwise ran on
// into the next run), and, where the bench may (root, Linux), the page cache dropped and the
// run's inputs read back in — so that no run pays for reclaiming the pages an earlier run filled.
// Measured on one build, alternating, 2026-12-04: without this, the same cold 10,000-entry build
// spread 12.4–16.6 s with system time 5–11 s; with it, 12.2–13.3 s and 5.3–6.0 s.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const DROP = '/proc/sys/vm/drop_caches';

/** Read a file, or every file under a folder (what a run reads, now in the page cache). */
function readTree(at) {
  if (!statSync(at).isDirectory()) readFileSync(at);
  else for (const name of readdirSync(at)) readTree(path.join(at, name));
}

/**
 * Flush, drop the page cache if allowed, read `inputs` (the program, its files, the corpus) back in.
 * BENCH_SETTLE=0: flush only (bench.test.ts, whose neighbours in the test run should not lose the
 * page cache under them).
 */
export function settle(inputs) {
  spawnSync('sync');
  if (process.env.BENCH_SETTLE === '0') return;
  try {
    writeFileSync(DROP, '3\n');
  } catch {
    return; // not root, or not Linux: sync alone, and the page cache still holds the inputs
  }
  for (const at of inputs) readTree(at);
}
