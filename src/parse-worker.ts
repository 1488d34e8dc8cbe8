// A parse worker: batches of entry files in, parses and fragments out (parse-batch.ts). Started by
// parse-pool.ts for large builds, so that Markdown, sanitizing and rendering use every core.

import { parentPort, workerData } from 'node:worker_threads';
import type { SourceFile, Story } from './core/types.js';
import { packBatch, parseBatch } from './parse-batch.js';

const { story, now } = workerData as { story: Story; now: number };

parentPort?.on('message', (message: { id: number; sources: SourceFile[] }) => {
  try {
    const packed = packBatch(parseBatch(message.sources, story, new Date(now)));
    parentPort?.postMessage({ id: message.id, batch: packed }, [packed.buffer]);
  } catch (error) {
    const e = error as Error;
    parentPort?.postMessage({ id: message.id, error: { message: e?.message ?? String(error), stack: e?.stack } });
  }
});
