// The service's build thread: builds run here so that the HTTP server on the main thread keeps
// answering while a large archive renders. One build at a time; 'abort' abandons it before it
// publishes (see build.ts signal).

import { parentPort } from 'node:worker_threads';
import { build } from '../build/index.js';
import { toWire } from '../errors.js';
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
    (error: unknown) => parentPort?.postMessage({ id: message.id, error: toWire(error) }),
  );
});
