// The size of libuv's thread pool for the program (issue 17). The writer's file calls are plain
// synchronous calls (file-calls.ts), but its fsyncs go to the pool and wait there on the disk: a
// cold build ends by fsyncing every folder it renamed files into (a page per development: 11,006
// folders at 10,000 entries), which with libuv's 4 threads took 1.2 s of a 12 s build with the
// build's thread idle; with 32 threads and 64 folders in flight (file-calls.ts SYNCS_IN_FLIGHT),
// 0.35 s (2026-12-04; 16 threads: 0.5 s, 64: 0.43 s). A waiting thread costs a stack, not CPU.
// (Where its file system can be flushed whole, a cold build now does that instead:
// file-system-flush.ts; smaller runs and other systems still fsync here.)
// libuv sizes the pool once, when first used, from UV_THREADPOOL_SIZE (1 to 1024:
// https://docs.libuv.org/en/v1.x/threadpool.html). Node loads an ES module through the pool, so
// the variable is set by the command's CommonJS launcher (bin/storyfeed.ts) before it loads the CLI.

export const THREAD_POOL_SIZE = 32;

/** UV_THREADPOOL_SIZE for the program: the one the user set when libuv takes it, otherwise ours. */
export function threadPoolSize(given: string | undefined): string {
  return given !== undefined && /^\d+$/.test(given) && Number(given) >= 1 && Number(given) <= 1024 ? given : String(THREAD_POOL_SIZE);
}
