// npm run bench:serve — load on the embedded server (autocannon, 127.0.0.1 only, bounded) while
// the service rebuilds every few seconds: requests/s, p50/p99 latency, errors (must be 0), and a
// verifying client that proves no response was ever a partial or mixed-version feed.
// SERVE_SECONDS (default 10) bounds each load phase; the CI test runs it with 2.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SaxesParser } from 'saxes';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seconds = Number(process.env.SERVE_SECONDS ?? 10);
const rebuildEveryMs = Number(process.env.SERVE_REBUILD_MS ?? 1500);

export async function benchServe({ seconds: duration = seconds, log = console.log } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'storyfeed-serve-'));
  cpSync(path.join(root, 'entries'), path.join(dir, 'entries'), { recursive: true });
  const versionFile = path.join(dir, 'entries', '2026-05-30-load-version.md');
  const writeVersion = (n) =>
    writeFileSync(
      versionFile,
      `---\nid: tag:newsroom.example.org,2026-05-30:us-iran-talks/load-test\ntitle: Load test version ${n}\npublished: 2026-05-30T09:00:00Z\n---\n${`Version ${n} body. `.repeat(400)}\n`,
    );
  writeVersion(0);
  const child = spawn(process.execPath, [path.join(root, 'dist/storyfeed.cjs'), 'start', '--entries', 'entries', '--out', 'out', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let logText = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${logText}`)), 20_000);
    child.stdout.on('data', (d) => {
      logText += d.toString();
      const m = /"event":"build"/.test(logText) && /"url":"([^"]+)"/.exec(logText);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });

  // The rebuilder: a new version of one entry every few seconds (the service rebuilds on change).
  let version = 0;
  const rebuilder = setInterval(() => writeVersion(++version), rebuildEveryMs);

  // The verifying client: every body must parse, carry exactly one version, and match its ETag.
  let verified = 0;
  const problems = [];
  let verifying = true;
  let latestEtag = '';
  const verifier = (async () => {
    while (verifying) {
      const res = await fetch(new URL('rss.xml', url), { headers: { 'accept-encoding': 'identity' } });
      const body = Buffer.from(await res.arrayBuffer());
      const text = body.toString('utf8');
      try {
        new SaxesParser({ xmlns: true }).write(text).close();
      } catch (error) {
        problems.push(`malformed response: ${error.message}`);
      }
      const versions = new Set([...text.matchAll(/Version (\d+) body/g)].map((m) => m[1]));
      if (versions.size !== 1) problems.push(`mixed versions in one response: ${[...versions].join(', ')}`);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      if (res.headers.get('etag') !== etag) problems.push('ETag does not match the body');
      latestEtag = etag;
      verified += 1;
    }
  })();

  const run = (title, opts) =>
    new Promise((resolve, reject) => {
      autocannon({ url: new URL('rss.xml', url).href, duration, connections: 10, ...opts }, (err, result) => (err ? reject(err) : resolve({ title, result })));
    });
  const phases = [];
  phases.push(await run('plain GET', {}));
  // Readers revalidate with the ETag they hold: the newest one, so most answers are 304.
  phases.push(await run('conditional GET (If-None-Match)', { requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'if-none-match': latestEtag } }) }] }));
  phases.push(await run('GET with gzip', { headers: { 'accept-encoding': 'gzip' } }));

  verifying = false;
  await verifier;
  clearInterval(rebuilder);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  const builds = (logText.match(/"event":"build"/g) ?? []).length;
  rmSync(dir, { recursive: true, force: true });

  const rows = phases.map(({ title, result }) => ({
    title,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statusCodes: result.statusCodeStats,
  }));
  for (const r of rows) {
    log(`${r.title.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}  status ${JSON.stringify(Object.fromEntries(Object.entries(r.statusCodes).map(([k, v]) => [k, v.count])))}`);
  }
  log(`rebuilds during the run: ${builds}; verified responses: ${verified}; partial or mixed: ${problems.length}`);
  return { rows, builds, verified, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`storyfeed serve benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, ${seconds} s per phase, a rebuild every ${rebuildEveryMs} ms`);
  const { problems, rows } = await benchServe();
  if (problems.length > 0 || rows.some((r) => r.errors > 0)) {
    console.error(problems.slice(0, 5).join('\n'));
    process.exitCode = 1;
  }
}
