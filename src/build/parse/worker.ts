// A parse worker: batches of entry files in, parses and fragments out (parse-batch.ts). Started by
// parse-pool.ts for large builds, so that Markdown, sanitizing and rendering use every core.

import { parentPort, workerData } from 'node:worker_threads';
import type { SourceFile, Story } from '../../core/types.js';
import { renderShell } from '../../core/render/shells.js';
import { parseBatch } from './batch.js';
import { parseStorySettings } from './settings.js';
import { packBatch } from './wire.js';
import { shellJobUnpacker, type WireShellJob } from './shell-wire.js';
import { encodeShellPieces } from './shell-bytes.js';

// For the code cache that `npm run build` makes of this bundle (worker-boot.ts, warm-up.ts).
export { warmUp } from './warm-up.js';

const unpack = shellJobUnpacker();

// A pool's worker knows the story from the start; a warm one (parse-pool.ts) is told with each batch.
const given = (workerData ?? {}) as { story?: Story; now?: number; anchors?: Map<string, string>; shellsAnswered?: Int32Array };

type SettingsRequest = { newsroom: SourceFile; stories: { slug: string; file: SourceFile }[] };

parentPort?.on('message', (message: { id: number; sources: SourceFile[]; story?: Story; now?: number; anchors?: Map<string, string>; settings?: SettingsRequest; shells?: Array<{ id: number; job: WireShellJob }> }) => {
  try {
    // A newsroom patch run's settings (parse/settings.ts), asked of the warm worker before any batch.
    if (message.settings) {
      parentPort?.postMessage({ id: message.id, settings: parseStorySettings(message.settings.newsroom, message.settings.stories) ?? null });
      return;
    }
    // Documents' shells (build/shell-render.ts), a batch of them: the renderers are loaded here already.
    if (message.shells) {
      const shells = message.shells.map(({ id, job }) => {
        let answer: { id: number; shell?: readonly string[]; error?: ErrorAnswer };
        try {
          answer = { id, shell: renderShell(unpack(job)) };
        } catch (error) {
          answer = { id, error: errorAnswer(error) };
        }
        // Counted as each is done, before the batch is posted: once the pool has read an answer, the count has it too.
        if (given.shellsAnswered) Atomics.add(given.shellsAnswered, 0, 1);
        return answer;
      });
      const encoded = encodeShellPieces(shells);
      parentPort?.postMessage({ shells: encoded.answers }, encoded.transfer);
      return;
    }
    const story = message.story ?? given.story;
    const now = message.now ?? given.now;
    if (!story || now === undefined) throw new Error('a parse worker needs the story and the instant');
    const packed = packBatch(parseBatch(message.sources, story, new Date(now), message.anchors ?? given.anchors));
    parentPort?.postMessage({ id: message.id, batch: packed }, [packed.buffer]);
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: errorAnswer(error) });
  }
});

type ErrorAnswer = { message: string; stack?: string | undefined };

/** What crosses back of an error (the pool makes an Error of it again: pool.ts workerError). */
function errorAnswer(error: unknown): ErrorAnswer {
  const e = error as Error;
  return { message: e?.message ?? String(error), stack: e?.stack };
}

// Its code is loaded: the pool may now send it shells (pool.ts), which would otherwise wait behind the loading.
parentPort?.postMessage({ id: 0, ready: true });
