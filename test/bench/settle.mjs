// Every timed cold build (storyfeed's and Hugo's) starts from the same state of the machine: the
// disk queue flushed (`sync`: a cold build leaves ~1 GB being written back, which otherwise ran on
// into the next run), and, where the bench may (root, Linux), the page cache dropped and the
// run's inputs read back in — so that no run pays for reclaiming the pages an earlier run filled.
// Measured on one build, alternating, 2026-12-04: without this, the same cold 10,000-entry build
// spread 12.4–16.6 s with system time 5–11 s; with it, 12.2–13.3 s and 5.3–6.0 s.
//
// A timed build never follows the bench's own removal of a large output folder. ext4 without a
// journal (this VM's disk) gives no new file an inode freed in the last 60 s (360 s while its inode
// table block is dirty), and its allocator steps over each such inode, from the start of the group,
// for every file it creates (fs/ext4/ialloc.c `recently_deleted`, since Linux 3.12). Removing the
// last build's 30,000 files and folders just before a cold build therefore slowed that build's open
// and mkdir calls by seconds — more for the build that makes more of them: measured 2026-12-07, a
// newsroom's open calls 1.39 s against 0.31 s, and `perf` put 5% of the machine's samples in
// `recently_deleted`, `find_inode_bit` and the buffer lookups they make; five pairs of cold builds
// went from 7.86 / 10.40 s (1.32×) to 7.07 / 8.52 s (1.20×) once the outputs were set aside instead.
// So a cold series sets the last output aside (a rename: no inode freed) and removes the lot after
// the series, and `settle` waits until the newest removal is out of that window.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** When the bench last removed a large folder (ms), for settle's wait. */
let removedAt = 0;
let asideCount = 0;
/** An inode freed this long ago is given out again at once (with its block written back: settle syncs first). */
const RECENTLY_DELETED_MS = 62_000;

/** Move `dir` (if it is there) into `aside` instead of removing it: nothing freed before the next timed build. */
export function setAside(dir, aside = `${dir}.aside`) {
  mkdirSync(aside, { recursive: true });
  try {
    renameSync(dir, path.join(aside, String((asideCount += 1))));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}

/** Remove a folder and `<dir>.aside`, noting when: the next settle waits out the window. */
export function removeTree(dir) {
  for (const at of [dir, `${dir}.aside`]) rmSync(at, { recursive: true, force: true });
  removedAt = Date.now();
}

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
  const wait = removedAt + RECENTLY_DELETED_MS - Date.now();
  if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
  try {
    writeFileSync(DROP, '3\n');
  } catch {
    return; // not root, or not Linux: sync alone, and the page cache still holds the inputs
  }
  for (const at of inputs) readTree(at);
}
