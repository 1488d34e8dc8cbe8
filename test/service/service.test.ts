// End-to-end: `storyfeed start` as a child process on a free port on 127.0.0.1.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputFile } from '../helpers/checkers.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function startWith(entries: Record<string, string>): Promise<{ dir: string; service: ServiceProcess }> {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(entries)) files[`entries/${name}`] = text;
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  const service = await startServiceProcess(folder.dir);
  cleanups.push(() => (service.child.exitCode === null ? service.stop('SIGKILL') : Promise.resolve()));
  return { dir: folder.dir, service };
}

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('storyfeed start', () => {
  it('builds at start, serves the feeds, publishes a dropped-in entry, and logs one line per run', async () => {
    const { dir, service } = await startWith({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }) });
    const first = await service.waitFor((l) => l.event === 'build');
    expect(first).toMatchObject({ reason: 'start', ok: true, published: 1, rejected: [], kept_last_good: [] });
    expect(first['changed']).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json']));
    expect(typeof first['duration_ms']).toBe('number');
    expect(Date.parse(String(first['started']))).toBeLessThanOrEqual(Date.parse(String(first['time'])));

    const res = await fetch(new URL('atom.xml', service.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(await res.text()).toContain('test-story/a</id>');
    // Cache-Control matches the schedule: readers may cache until the next 5-minute tick.
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    const untilTick = 300 - ((Date.now() / 1000) % 300);
    expect(Math.abs(maxAge - untilTick)).toBeLessThanOrEqual(2);

    const mark = service.logs.length;
    await writeFile(path.join(dir, 'entries/b.md'), entryText({ slug: 'b', published: '2026-05-27T09:00:00Z' }));
    const next = await service.waitFor((l) => l.event === 'build' && l['published'] === 2, { from: mark });
    expect(next['reason']).toBe('change');
    const rss = await (await fetch(new URL('rss.xml', service.url))).text();
    expect(rss).toContain('test-story/b</guid>');
    for (const file of ['rss.xml', 'atom.xml', 'feed.json']) {
      const served = await (await fetch(new URL(file, service.url))).text();
      expect([file, await checkOutputFile(file, served, { selfUrl: `https://newsroom.example.org/stories/test/feeds/${file}` })]).toEqual([file, []]);
    }

    const { code, ms } = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    expect(service.logs.at(-1)).toMatchObject({ event: 'stop' });
    const left = await readdir(path.join(dir, 'out'));
    expect(left.filter((n) => n.startsWith('.storyfeed-tmp-'))).toEqual([]);
  });

  it('publishes an embargoed entry within a second of its time, not at the next tick', async () => {
    const due = isoIn(3_000);
    const { service } = await startWith({
      '_story.md': storyText(),
      'a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }),
      'later.md': entryText({ slug: 'later', published: due }),
    });
    const first = await service.waitFor((l) => l.event === 'build');
    expect(first['published']).toBe(1);
    expect(first['next_due']).toBe(due);
    expect(JSON.stringify(first['held_back'])).toContain('later.md');
    const early = await (await fetch(new URL('feed.json', service.url))).json();
    expect(JSON.stringify(early)).not.toContain('later');
    const woke = await service.waitFor((l) => l.event === 'build' && l['reason'] === 'embargo', { timeoutMs: 10_000 });
    const lag = Date.parse(String(service.logs.find((l) => l === woke)?.['time'])) - Date.parse(due);
    expect(woke['published']).toBe(2);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(1_000);
    const json = (await (await fetch(new URL('feed.json', service.url))).json()) as { items: Array<{ id: string }> };
    expect(json.items.map((i: { id: string }) => i.id)).toContain('tag:newsroom.example.org,2026-05-25:test-story/later');
  });

  it('a bad entry never takes the story down: a new one is held back, a published one keeps its last good version', async () => {
    const { dir, service } = await startWith({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', title: 'Good title', published: '2026-05-26T09:00:00Z' }) });
    await service.waitFor((l) => l.event === 'build');
    const mark = service.logs.length;
    await writeFile(path.join(dir, 'entries/new-bad.md'), '---\nid: tag:x.org,2026:new-bad\ntitle: T\npublished: 2026-02-30T10:00:00Z\n---\n');
    await writeFile(path.join(dir, 'entries/a.md'), '---\nid: tag:newsroom.example.org,2026-05-25:test-story/a\ntitle: [broken\n---\n');
    const run = await service.waitFor((l) => l.event === 'build' && (l['rejected'] as unknown[]).length > 0 && (l['kept_last_good'] as unknown[]).length > 0, { from: mark });
    expect(run['ok']).toBe(true);
    expect(JSON.stringify(run['rejected'])).toContain('E_DATE_INVALID');
    expect(JSON.stringify(run['kept_last_good'])).toContain('a.md');
    const atom = await (await fetch(new URL('atom.xml', service.url))).text();
    expect(atom).toContain('<title>Good title</title>');
    expect(atom).not.toContain('new-bad');
  });
});

describe('storyfeed start: configuration', () => {
  it('refuses a bad port with exit 2', async () => {
    const folder = await tempFolder({ 'entries/_story.md': storyText() });
    cleanups.push(folder.cleanup);
    const { runCli } = await import('../helpers/cli.js');
    const r = await runCli(['start', '--port', 'eighty'], { cwd: folder.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('port `eighty` is not a number');
  });

  it('serves on PORT from the environment', async () => {
    const folder = await tempFolder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    cleanups.push(folder.cleanup);
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../helpers/cli.js');
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [CLI, 'start'], { cwd: folder.dir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !out.includes('"event":"build"'); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain(`"url":"http://127.0.0.1:${port}/"`);
    const res = await fetch(`http://127.0.0.1:${port}/rss.xml`);
    expect(res.status).toBe(200);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    await readFile(path.join(folder.dir, 'out', 'rss.xml'));
  });
});

describe('storyfeed start: WebSub', () => {
  it('pings the hub for each changed feed after a run, retrying a failing hub without holding the build', async () => {
    const { startHub } = await import('../helpers/hub.js');
    const hub = await startHub([503, 204]);
    cleanups.push(() => hub.close());
    const { dir, service } = await startWith({ '_story.md': storyText(`hub: ${hub.url}\n`), 'a.md': entryText({ slug: 'a' }) });
    const build = await service.waitFor((l) => l.event === 'build');
    expect(build['ok']).toBe(true);
    const pings = await Promise.all(
      ['rss.xml', 'atom.xml', 'feed.json'].map((f) => service.waitFor((l) => l.event === 'websub' && String(l['feed']).endsWith(f), { timeoutMs: 20_000 })),
    );
    for (const p of pings) expect(p['ok']).toBe(true);
    expect(pings.some((p) => (p['attempts'] as number) > 1)).toBe(true);
    // The build finished long before the retries did.
    expect(Date.parse(String(build['time']))).toBeLessThan(Date.parse(String(pings[0]!['time'])));
    const urls = hub.requests.map((r) => r.params['hub.url']);
    expect(new Set(urls)).toEqual(new Set(['rss.xml', 'atom.xml', 'feed.json'].map((f) => `https://newsroom.example.org/stories/test/feeds/${f}`)));
    const rss = await (await fetch(new URL('rss.xml', service.url))).text();
    expect(rss).toContain(`<atom:link href="${hub.url}" rel="hub"/>`);
    void dir;
  });

  it('a hub that refuses does not affect the build, and an unchanged run pings nobody', async () => {
    const { startHub } = await import('../helpers/hub.js');
    const hub = await startHub([400]);
    cleanups.push(() => hub.close());
    const { dir, service } = await startWith({ '_story.md': storyText(`hub: ${hub.url}\n`), 'a.md': entryText({ slug: 'a' }) });
    await service.waitFor((l) => l.event === 'websub' && l['ok'] === false);
    const before = hub.requests.length;
    expect(before).toBe(3);
    const mark = service.logs.length;
    // An entry saved again as it was: the run it triggers changes nothing, so nobody is pinged.
    await writeFile(path.join(dir, 'entries/a.md'), entryText({ slug: 'a' }));
    const quiet = await service.waitFor((l) => l.event === 'build' && l['reason'] === 'change', { from: mark });
    expect(quiet['changed']).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const { code } = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(service.logs.filter((l) => l.event === 'build').every((l) => l['ok'] === true)).toBe(true);
    expect(hub.requests.length).toBe(before);
  });
});
