// The service's build thread: builds run here so that the HTTP server on the main thread keeps
// answering while a large archive renders. One build at a time; 'abort' abandons it before it
// publishes (see build.ts signal).

import { parentPort } from 'node:worker_threads';
import { build } from './build.js';
import { summarize, type PlainBuildOptions } from './build-summary.js';

type Request = { type: 'build'; id: number; options: PlainBuildOptions } | { type: 'abort' };

let controller = new AbortController();

parentPort?.on('message', (message: Request) => {
  if (message.type === 'abort') {
    controller.abort();
    return;
  }
  controller = new AbortController();
  const { now, ...rest } = message.options;
  build({ ...rest, now: new Date(now), signal: controller.signal }).then(
    (result) => parentPort?.postMessage({ id: message.id, summary: summarize(result) }),
    (error: unknown) => {
      const e = error as NodeJS.ErrnoException;
      // The errno code and path cross too: the service explains a failed run from them.
      // (a rename names its target in `dest`: that is the path in the way).
      const target = (e as { dest?: unknown })?.dest ?? e?.path;
      const errno = typeof e?.code === 'string' ? { code: e.code, ...(typeof target === 'string' ? { path: target } : {}) } : {};
      parentPort?.postMessage({ id: message.id, error: { name: e?.constructor?.name ?? 'Error', message: e?.message ?? String(error), stack: e?.stack, ...errno } });
    },
  );
});
