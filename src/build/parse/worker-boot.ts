// The parse worker's entry (dist/parse-worker.cjs, what parse/pool.ts starts): it runs the worker's
// bundle (dist/parse-worker-code.cjs, parse/worker.ts) with its code cache (code-cache.ts). Run as
// a program, it writes that cache (`node dist/parse-worker.cjs`, which `npm run build` does), or
// with `--check` says whether V8 takes it (test/cli/code-cache.test.ts).
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { runCommonJs, writeCodeCache } from './code-cache.js';

// Bundled as CommonJS (esbuild.config.mjs): __dirname is dist/.
const code = path.join(__dirname, 'parse-worker-code.cjs');
if (!isMainThread) runCommonJs(code);
else if (process.argv[2] === '--check') {
  const { cached } = runCommonJs(code);
  process.stdout.write(`code cache ${cached ? 'taken' : 'not taken'}\n`);
  process.exitCode = cached ? 0 : 1;
} else writeCodeCache(code, (exports) => (exports as { warmUp(): void }).warmUp()); // the cache holds what a first parse compiles (warm-up.ts)
