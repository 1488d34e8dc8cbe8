// How long does the embedded server go without answering while the service rebuilds a large
// story? Generates N entries (LATENCY_ENTRIES, default 1000), starts `storyfeed start`, forces a
// full rebuild (the story text changes, so no cache applies) and GETs rss.xml back to back for
// LATENCY_SECONDS (default 6), reporting the longest gap between two answers. A measurement.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './corpus.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const n = Number(process.env.LATENCY_ENTRIES ?? 1000);
const seconds = Number(process.env.LATENCY_SECONDS ?? 6);
const dir = mkdtempSync(path.join(os.tmpdir(), 'storyfeed-latency-'));
generateCorpus(path.join(dir, 'entries'), n, 42);
const child = spawn(process.execPath, [path.join(root, 'dist/storyfeed.cjs'), 'start', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
let log = '';
const url = await new Promise((resolve) =>
  child.stdout.on('data', (d) => {
    log += d;
    const m = /"event":"build"/.test(log) && /"url":"([^"]+)"/.exec(log);
    if (m) resolve(m[1]);
  }),
);
const storyFile = path.join(dir, 'entries/_story.md');
writeFileSync(storyFile, readFileSync(storyFile, 'utf8').replace('Benchmark story', 'Benchmark story, renamed'));
const t0 = Date.now();
let last = t0;
let maxGap = 0;
let requests = 0;
while (Date.now() - t0 < seconds * 1000) {
  const res = await fetch(new URL('rss.xml', url));
  await res.arrayBuffer();
  const now = Date.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
  requests += 1;
}
const rebuild = log.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.event === 'build' && l.reason === 'change').pop();
console.log(`N = ${n}: full rebuild ${rebuild ? `${rebuild.duration_ms} ms` : 'not finished in the window'}; ${requests} sequential GETs in ${seconds} s; longest gap between two answers ${maxGap} ms`);
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
rmSync(dir, { recursive: true, force: true });
