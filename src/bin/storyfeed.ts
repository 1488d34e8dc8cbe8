#!/usr/bin/env node
// The `storyfeed` command (package.json "bin", `npm start`), bundled as CommonJS (dist/storyfeed.cjs),
// the one layer above the CLI: it sizes libuv's thread pool before anything starts it
// (io/thread-pool.ts) — Node loads an ES module through the pool, so the CLI, an ES module, cannot —
// and then loads the CLI and runs it. A CLI that cannot load fails as Node reports it (exit 1).
import { threadPoolSize } from '../io/thread-pool.js';

process.env['UV_THREADPOOL_SIZE'] = threadPoolSize(process.env['UV_THREADPOOL_SIZE']);
void import('../cli.js').then((cli: { runAsProgram(): void }) => cli.runAsProgram());
