// `storyfeed start` when things go wrong: a failed run never stops the schedule, a stop during the
// first build is clean, a vanished entry is loud, and the watcher wakes only for entry files.
import { existsSync } from 'node:fs';
import { readdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { startServiceProcess, type LogLine, type ServiceProcess } from '../helpers/service.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function folderWith(files: Record<string, string>): Promise<string> {
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  return folder.dir;
}

async function start(dir: string): Promise<ServiceProcess> {
  const service = await startServiceProcess(dir);
  cleanups.push(() => (service.child.exitCode === null && service.child.signalCode === null ? service.stop('SIGKILL') : Promise.resolve()));
  return service;
}

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const builds = (s: ServiceProcess, from = 0) => s.logs.slice(from).filter((l) => l.event === 'build');
const at = (l: LogLine) => Date.parse(String(l['time']));
const startedAt = (l: LogLine) => Date.parse(String(l['started']));

describe('storyfeed start: a failed run never stops the schedule', () => {
  it('a first build blocked by a folder at out/index.html is explained plainly and retried, and an entry due meanwhile is served within 2 s of its time once the folder is gone', async () => {
    const due = isoIn(4_000);
    const dir = await folderWith({
      'entries/_story.md': storyText(),
      'entries/a.md': entryText({ slug: 'a' }),
      'entries/later.md': entryText({ slug: 'later', published: due }),
      'out/index.html/keep': 'a folder where a file belongs',
      // A folder storyfeed built before (an earlier run's record), so the ownership check lets it in.
      'out/.storyfeed/published.json': '{"version":1,"files":[]}\n',
    });
    const service = await start(dir);
    const failed = await service.waitFor((l) => l.event === 'build' && l['ok'] === false);
    expect(failed['reason']).toBe('start');
    expect(failed['error']).toMatch(/index\.html\W.*(a directory is in the way|is a folder where storyfeed writes a file)/);
    expect(failed['error']).not.toMatch(/Error:|EISDIR/);
    // Retried (1 s, then 2 s …), each failure explained the same way.
    const retried = await service.waitFor((l) => l.event === 'build' && l['reason'] === 'retry');
    expect(retried['ok']).toBe(false);
    expect(at(retried) - at(failed)).toBeGreaterThanOrEqual(900);
    // The cause goes away just before the entry is due.
    await sleep(Date.parse(due) - Date.now() - 500);
    await rm(path.join(dir, 'out/index.html'), { recursive: true });
    const served = await service.waitFor((l) => l.event === 'build' && l['ok'] === true && l['published'] === 2, { timeoutMs: 10_000 });
    // The run starts within 2 s of the entry's time; how long it then takes is the machine's (a loaded CI box).
    expect(startedAt(served) - Date.parse(due)).toBeLessThan(2_000);
    expect(at(served) - Date.parse(due)).toBeLessThan(6_000);
    const json = await (await fetch(new URL('feed.json', service.url))).text();
    expect(json).toContain('test-story/later');
    expect((await fetch(new URL('index.html', service.url))).status).toBe(200);
  });

  it('a first build refused because another live builder holds the lock: once it lets go, the run is retried and succeeds', async () => {
    const dir = await folderWith({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    const { acquireOutputLock } = await import('../../src/io/output-lock.js');
    // This test process is the other builder: alive, on this host, beating.
    const { lock } = await acquireOutputLock(path.join(dir, 'out'), { waitMs: 0 });
    const service = await start(dir);
    const refused = await service.waitFor((l) => l.event === 'build' && l['ok'] === false, { timeoutMs: 20_000 });
    expect(refused['error']).toMatch(new RegExp(`another storyfeed build is writing out \\(pid ${process.pid} on `));
    expect(refused['error']).toMatch(/it will be retried/);
    await lock.release();
    const released = Date.now();
    const ok = await service.waitFor((l) => l.event === 'build' && l['ok'] === true, { timeoutMs: 20_000 });
    expect(ok['published']).toBe(1);
    // The next retry is at most the backoff step after the last failure (1 s, 2 s or 4 s), plus a run waiting its 5 s for the lock.
    expect(at(ok) - released).toBeLessThan(10_000);
    // The lock is let go once the run is over. Another run (a cron tick) may hold it for a moment
    // right after, so look until it is gone rather than at one instant.
    const deadline = Date.now() + 5_000;
    while ((await readdir(path.join(dir, 'out'))).includes('.storyfeed.lock') && Date.now() < deadline) await sleep(100);
    expect(await readdir(path.join(dir, 'out'))).not.toContain('.storyfeed.lock');
  });

  it('SIGTERM during the first build stops it gracefully: exit 0, no temp files, the lock released', async () => {
    const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 1000\n') };
    const body = 'A paragraph of the story, long enough to take time to render. '.repeat(150);
    for (let i = 0; i < 800; i += 1) files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(10 + (i % 18)).padStart(2, '0')}T09:00:00Z`, body });
    const dir = await folderWith(files);
    const service = await start(dir);
    // The build has begun once it holds the lock.
    for (let i = 0; i < 2_000 && !existsSync(path.join(dir, 'out/.storyfeed.lock')); i += 1) await sleep(5);
    expect(existsSync(path.join(dir, 'out/.storyfeed.lock'))).toBe(true);
    const { code } = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(service.stderr()).toBe('');
    const first = builds(service)[0];
    expect(first).toMatchObject({ reason: 'start', ok: false });
    expect(first?.['error']).toMatch(/stopped \(shutdown\) before it published anything/);
    expect(service.logs.at(-1)).toMatchObject({ event: 'stop' });
    const left = existsSync(path.join(dir, 'out')) ? await listFiles(path.join(dir, 'out')) : [];
    expect(left.filter((f) => path.basename(f).startsWith('.storyfeed-tmp') || path.basename(f).startsWith('.storyfeed.lock'))).toEqual([]);
    expect(left).not.toContain('rss.xml');
  });
});

describe('storyfeed start: a log reader that goes away', () => {
  it('its stdout closed (`storyfeed start | head -1`): it goes on building and serving, and stops cleanly', async () => {
    const dir = await folderWith({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    const service = await start(dir);
    await service.waitFor((l) => l.event === 'build');
    service.child.stdout!.destroy();
    await writeFile(path.join(dir, 'entries/b.md'), entryText({ slug: 'b', title: 'After the pipe closed' }));
    let feed = '';
    for (let i = 0; i < 100 && !feed.includes('After the pipe closed'); i += 1) {
      await sleep(100);
      feed = await fetch(`${service.url}feed.json`).then((r) => r.text());
    }
    expect(feed).toContain('After the pipe closed');
    expect(service.child.exitCode).toBeNull();
    expect(await service.stop('SIGTERM')).toMatchObject({ code: 0 });
    expect(service.stderr()).toBe('');
  });
});

describe('storyfeed start: the identity guard is loud', () => {
  it('a published entry whose file is deleted keeps its last good version and is logged as E_ID_VANISHED, with its hint, on every run until restored', async () => {
    const dir = await folderWith({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }), 'entries/b.md': entryText({ slug: 'b', title: 'Bee' }) });
    const service = await start(dir);
    await service.waitFor((l) => l.event === 'build' && l['published'] === 2);
    let mark = service.logs.length;
    await unlink(path.join(dir, 'entries/b.md'));
    const gone = await service.waitFor((l) => l.event === 'build', { from: mark });
    expect(gone).toMatchObject({ ok: true, published: 2 });
    expect(JSON.stringify(gone['kept_last_good'])).toContain('b.md');
    const vanished = (gone['problems'] as string[]).filter((p) => p.includes('E_ID_VANISHED'));
    expect(vanished).toEqual([expect.stringMatching(/^b\.md:1:1 E_ID_VANISHED the entry `tag:newsroom\.example\.org,2026-05-25:test-story\/b`.*\n {2}hint: restore the file; to withdraw a published entry keep it and add `retracted/s)]);
    expect(await (await fetch(new URL('atom.xml', service.url))).text()).toContain('<title>Bee</title>');
    // Every run says it again.
    mark = service.logs.length;
    await writeFile(path.join(dir, 'entries/a.md'), entryText({ slug: 'a', title: 'A again' }));
    const again = await service.waitFor((l) => l.event === 'build', { from: mark });
    expect(again['problems']).toEqual(vanished);
    expect(again['published']).toBe(2);
    // Restored: quiet again.
    mark = service.logs.length;
    await writeFile(path.join(dir, 'entries/b.md'), entryText({ slug: 'b', title: 'Bee' }));
    const restored = await service.waitFor((l) => l.event === 'build', { from: mark });
    expect(restored).toMatchObject({ ok: true, published: 2, problems: [], kept_last_good: [] });
  });

  it('warnings are logged, with their hints, even when the run is ok', async () => {
    const dir = await folderWith({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }), 'out/.storyfeed/ledger.json': '{ not json' });
    const service = await start(dir);
    const run = await service.waitFor((l) => l.event === 'build');
    expect(run['ok']).toBe(true);
    expect(run['problems']).toEqual([expect.stringMatching(/^\.storyfeed\/ledger\.json:1:1 W_LEDGER_INVALID .*\n {2}hint: the ledger is rebuilt from this run/s)]);
  });
});

describe('storyfeed start: the watcher wakes for entry files only', () => {
  it('ignores a sync status file rewritten every 100 ms and `_notes.md`, and still publishes a real entry change within 2 s while the noise goes on', async () => {
    // A yearly schedule: the default's tick every five minutes, falling in the quiet window, was a build no noise caused.
    const dir = await folderWith({ 'entries/_story.md': storyText('schedule: "0 0 1 1 *"\n'), 'entries/a.md': entryText({ slug: 'a' }) });
    const service = await start(dir);
    await service.waitFor((l) => l.event === 'build');
    const mark = service.logs.length;
    let n = 0;
    const noise = setInterval(() => void writeFile(path.join(dir, 'entries/.sync-status'), `synced ${(n += 1)}`), 100);
    cleanups.push(async () => clearInterval(noise));
    await writeFile(path.join(dir, 'entries/_notes.md'), 'desk notes, not an entry');
    await sleep(1_500);
    expect(builds(service, mark)).toEqual([]);
    const wrote = Date.now();
    await writeFile(path.join(dir, 'entries/b.md'), entryText({ slug: 'b' }));
    const run = await service.waitFor((l) => l.event === 'build' && l['published'] === 2, { from: mark, timeoutMs: 10_000 });
    expect(run['reason']).toBe('change');
    expect(startedAt(run) - wrote).toBeLessThan(2_000);
    expect(at(run) - wrote).toBeLessThan(6_000);
    clearInterval(noise);
  });

  it('an entry file itself rewritten every 100 ms does not starve the debounce: a run comes within about 2 s', async () => {
    const dir = await folderWith({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    const service = await start(dir);
    await service.waitFor((l) => l.event === 'build');
    const mark = service.logs.length;
    let n = 0;
    const began = Date.now();
    const autosave = setInterval(() => void writeFile(path.join(dir, 'entries/b.md'), entryText({ slug: 'b', title: `Draft ${(n += 1)}` })), 100);
    cleanups.push(async () => clearInterval(autosave));
    const run = await service.waitFor((l) => l.event === 'build', { from: mark, timeoutMs: 10_000 });
    clearInterval(autosave);
    expect(run['reason']).toBe('change');
    expect(at(run) - began).toBeLessThan(3_000);
  });
});

