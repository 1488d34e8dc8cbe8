// npm run bench:publish — publishing the generated story to a real S3 API (moto_server on
// 127.0.0.1, never a cloud): cold, then after a one-entry change, next to the local write (the
// build) of the same change. Files and bytes uploaded come from `storyfeed publish`'s own line.
// Size: BENCH_PUBLISH_SIZE (default 10000). Not a test: it measures. Results:
// test-results/bench-publish.json and a table.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './corpus.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(root, 'dist/storyfeed.cjs');
const n = Number(process.env.BENCH_PUBLISH_SIZE ?? 10000);
const work = path.join(os.tmpdir(), `storyfeed-bench-publish-${process.pid}`);
const NOW = '2026-06-01T00:00:00Z';
const BUCKET = 'bench';

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
};

function timed(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`storyfeed ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

function uploaded(stdout) {
  const m = /uploaded (\d+) files? \((\d+) bytes\)/.exec(stdout);
  return m ? { files: Number(m[1]), bytes: Number(m[2]) } : { files: 0, bytes: 0 };
}

const port = await freePort();
const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))) });
const endpoint = `http://127.0.0.1:${port}`;
mkdirSync(work, { recursive: true });
try {
  for (let i = 0; ; i++) {
    if (await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error('moto_server did not start (is it installed? pip install "moto[server]")');
    await new Promise((r) => setTimeout(r, 100));
  }
  await fetch(`${endpoint}/${BUCKET}`, { method: 'PUT' });
  const entries = path.join(work, 'entries');
  const out = path.join(work, 'out');
  console.log(`storyfeed publish benchmark — N = ${n}, moto_server on 127.0.0.1, Node ${process.version}`);
  generateCorpus(entries, n, 42);
  const to = `s3://${BUCKET}/story/`;
  const buildCold = timed(['build', '--entries', entries, '--out', out, '--now', NOW]);
  const publishCold = timed(['publish', '--out', out, '--to', to, '--endpoint', endpoint]);
  const noChange = timed(['publish', '--out', out, '--to', to, '--endpoint', endpoint]);
  const file = path.join(entries, `entry-${String(Math.floor(n / 2)).padStart(6, '0')}.md`);
  writeFileSync(file, `${readFileSync(file, 'utf8')}\nOne more sentence.\n`);
  const buildOne = timed(['build', '--entries', entries, '--out', out, '--now', NOW]);
  const publishOne = timed(['publish', '--out', out, '--to', to, '--endpoint', endpoint]);
  const row = {
    n,
    buildCold: buildCold.seconds,
    publishCold: publishCold.seconds,
    coldUploaded: uploaded(publishCold.stdout),
    publishNoChange: noChange.seconds,
    buildOne: buildOne.seconds,
    publishOne: publishOne.seconds,
    oneUploaded: uploaded(publishOne.stdout),
  };
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  writeFileSync(path.join(root, 'test-results', 'bench-publish.json'), `${JSON.stringify(row, null, 2)}\n`);
  const s = (x) => `${x.toFixed(2)} s`;
  const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log('\n| N | local write, cold (build) | publish cold | files / bytes | publish, nothing changed | local write, one entry | publish, one entry | files / bytes |');
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(`| ${n.toLocaleString('en')} | ${s(row.buildCold)} | ${s(row.publishCold)} | ${row.coldUploaded.files.toLocaleString('en')} / ${mb(row.coldUploaded.bytes)} | ${s(row.publishNoChange)} | ${s(row.buildOne)} | ${s(row.publishOne)} | ${row.oneUploaded.files} / ${mb(row.oneUploaded.bytes)} |`);
} finally {
  moto.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
