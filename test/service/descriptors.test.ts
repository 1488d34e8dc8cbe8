// The service process under a small open-file limit (issue 12, item 10): idle sockets must never
// take the descriptors the builder needs. With `ulimit -n 300`, 400 idle connections used to make
// the next rebuild fail with EMFILE.
import http from 'node:http';
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServiceProcess } from '../helpers/service.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('storyfeed start under ulimit -n 300', () => {
  it(
    '400 idle connections: the rebuild still succeeds and the feeds are still served',
    async () => {
      const folder = await tempFolder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
      cleanups.push(folder.cleanup);
      const service = await startServiceProcess(folder.dir, [], {}, { openFiles: 300 });
      cleanups.push(() => (service.child.exitCode === null ? service.stop('SIGKILL') : Promise.resolve()));
      expect(await service.waitFor((l) => l.event === 'build')).toMatchObject({ ok: true });
      // Half of the 300 descriptors, the rest for the builder.
      expect(service.logs.find((l) => l.event === 'start')).toMatchObject({ max_connections: 150, headers_timeout_ms: 10_000 });
      const { port } = new URL(service.url);

      const sockets: net.Socket[] = [];
      for (let i = 0; i < 400; i += 100) {
        const batch = Array.from({ length: 100 }, () => net.connect(Number(port), '127.0.0.1').on('error', () => undefined));
        await Promise.all(batch.map((s) => new Promise((resolve) => s.once('connect', resolve).once('close', resolve))));
        sockets.push(...batch);
      }
      cleanups.push(async () => sockets.forEach((s) => s.destroy()));

      const from = service.logs.length;
      await writeFile(path.join(folder.dir, 'entries/b.md'), entryText({ slug: 'b', title: 'Second development' }));
      const rebuilt = await service.waitFor((l) => l.event === 'build' && l['reason'] === 'change', { from, timeoutMs: 30_000 });
      expect(rebuilt, JSON.stringify(rebuilt)).toMatchObject({ ok: true, published: 2 });
      const feed = await get(new URL('feed.json', service.url).href);
      expect(feed.status).toBe(200);
      expect(feed.body).toContain('Second development');
      expect(service.stderr()).not.toMatch(/EMFILE/);
    },
    90_000,
  );
});

describe('storyfeed start: server limits on the command line', () => {
  it.each([
    [['--max-connections', '0'], {}, /--max-connections `0` is not a number from 1/],
    [['--max-connections', 'many'], {}, /--max-connections `many`/],
    [[], { STORYFEED_HEADERS_TIMEOUT_MS: '-5' }, /STORYFEED_HEADERS_TIMEOUT_MS `-5` is not a number of milliseconds/],
  ])('start %j with %j → exit 2', async (args, env, pattern) => {
    const r = await runCli(['start', '--port', '0', ...args], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });

  it('--max-connections and STORYFEED_HEADERS_TIMEOUT_MS reach the server', async () => {
    const folder = await tempFolder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    cleanups.push(folder.cleanup);
    const service = await startServiceProcess(folder.dir, ['--max-connections', '7'], { STORYFEED_HEADERS_TIMEOUT_MS: '1234' });
    cleanups.push(() => (service.child.exitCode === null ? service.stop('SIGKILL') : Promise.resolve()));
    expect(service.logs.find((l) => l.event === 'start')).toMatchObject({ max_connections: 7, headers_timeout_ms: 1234 });
    await service.stop();
  });

  it('--max-connections is for start only', async () => {
    const r = await runCli(['build', '--max-connections', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/as does --max-connections/);
  });
});

describe('storyfeed start writing many files', () => {
  it(
    'no warning per file on stderr (the build thread hands its descriptors to the sync thread, which closes them), and a log line of bounded length',
    async () => {
      // 600 entries: 600 pages and the feeds, past the 512 files from which a build fsyncs on a thread of its own (io/sync-thread.ts).
      const files: Record<string, string> = { 'entries/_story.md': storyText() };
      for (let i = 0; i < 600; i += 1) files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z` });
      const folder = await tempFolder(files);
      cleanups.push(folder.cleanup);
      const service = await startServiceProcess(folder.dir);
      cleanups.push(() => (service.child.exitCode === null ? service.stop('SIGKILL') : Promise.resolve()));
      const built = await service.waitFor((l) => l.event === 'build', { timeoutMs: 60_000 });
      expect(built).toMatchObject({ ok: true });
      // Its log line names the first 100 files and counts them all: one line a log collector keeps whole.
      expect(built['changed_total']).toBeGreaterThan(512);
      expect(built['changed']).toHaveLength(100);
      expect(JSON.stringify(built).length).toBeLessThan(16_384);
      // Node warned "File descriptor N opened in unmanaged mode twice" for each reused descriptor (35,579 lines for a 10,000-entry newsroom).
      expect(service.stderr()).not.toMatch(/unmanaged mode/);
    },
    90_000,
  );
});
