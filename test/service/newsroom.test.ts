// `storyfeed start` on a newsroom (build/newsroom.ts in service mode): the embargo wake-up covers
// every story's entries, the watcher wakes for files in story folders, the log names the stories a
// run changed, and a broken story keeps its last good outputs served while the others publish.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type LogLine, type ServiceProcess } from '../helpers/service.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const at = (l: LogLine) => Date.parse(String(l['time']));
const sorted = (v: unknown) => [...(v as string[])].sort();

/** Two stories, `talks` (live) and `storm` (its `_story.md` extra and entries given), served by `storyfeed start`. */
async function serveTwoStories(stormExtra: string, stormEntries: Record<string, string>, newsroomExtra = '') {
  const folder = await tempFolder({
    'entries/_newsroom.md': newsroomText(newsroomExtra),
    'entries/talks/_story.md': newsroomStoryText('talks', '', 'Talks'),
    'entries/talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
    'entries/storm/_story.md': newsroomStoryText('storm', stormExtra, 'Storm'),
    ...Object.fromEntries(Object.entries(stormEntries).map(([name, text]) => [`entries/storm/${name}`, text])),
  });
  cleanups.push(folder.cleanup);
  const service: ServiceProcess = await startServiceProcess(folder.dir);
  cleanups.push(() => (service.child.exitCode === null && service.child.signalCode === null ? service.stop('SIGKILL') : Promise.resolve()));
  const get = async (p: string) => (await fetch(new URL(p, service.url))).text();
  return { folder, service, get };
}

describe('storyfeed start on a newsroom', () => {
  it('wakes for a story entry\'s embargo, logs stories_changed, and a broken story keeps its last good outputs while the other publishes', async () => {
    const due = isoIn(5_000);
    const { folder, service, get } = await serveTwoStories('', { 'a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'), 'later.md': newsroomEntryText('storm', 'later', due) });

    const first = await service.waitFor((l) => l.event === 'build');
    expect(first['ok']).toBe(true);
    expect(sorted(first['stories_changed'])).toEqual(['storm', 'talks']);
    expect(first['next_due']).toBe(due);
    expect(await get('storm/atom.xml')).not.toContain('storm later');

    // The embargo of an entry inside a story folder wakes the service: only that story changed.
    const mark = service.logs.length;
    const woke = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).length > 0, { from: mark, timeoutMs: 15_000 });
    // It starts within 2 s of the entry's time; how long the run then takes is the machine's.
    expect(Date.parse(String(woke['started'])) - Date.parse(due)).toBeLessThan(2_000);
    expect(at(woke) - Date.parse(due)).toBeLessThan(6_000);
    expect(woke['stories_changed']).toEqual(['storm']);
    expect(await get('storm/atom.xml')).toContain('storm later');
    expect(await get('atom.xml')).toContain('storm later');

    // Storm's settings broken, talks edited: talks publishes, storm's last outputs stay served.
    const mark2 = service.logs.length;
    await writeFile(path.join(folder.dir, 'entries/storm/_story.md'), '---\ntitle: Storm, broken\n---\nno id, no description\n');
    await writeFile(path.join(folder.dir, 'entries/talks/a.md'), newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z').replace('Body of talks a.', 'Body of talks a, corrected.'));
    const run = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).includes('talks'), { from: mark2, timeoutMs: 15_000 });
    expect(run['reason']).toBe('change');
    expect(run['stories_changed']).toEqual(['talks']);
    expect(JSON.stringify(run['problems'])).toContain('storm/_story.md');
    // Found from outside: kept_last_good said nothing of it.
    expect((run['kept_last_good'] as Array<{ path: string }>).map((k) => k.path)).toEqual(['storm/_story.md']);
    expect(await get('talks/atom.xml')).toContain('corrected');
    const storm = await get('storm/atom.xml');
    expect(storm).toContain('storm later');
    expect(storm).toContain('storm a');
    expect(await readFile(path.join(folder.dir, 'out/storm/rss.xml'), 'utf8')).toContain('storm later');
    // Built with its last good _story.md, storm stays in the newsroom's own files.
    expect(await get('atom.xml')).toContain('storm later');
    expect(await get('stories.json')).toContain('"slug": "storm"');
    expect(await get('index.html')).toContain('Storm');
    // …and stays recorded as published, so that a later run may still remove it.
    expect(await readFile(path.join(folder.dir, 'out/.storyfeed/published.json'), 'utf8')).toContain('storm/atom.xml');
    await service.stop();
  });

  it('a broken _newsroom.md is built with its last good version: the stories go on publishing, the problem is logged', async () => {
    const { folder, service, get } = await serveTwoStories('', { 'a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z') });
    expect((await service.waitFor((l) => l.event === 'build'))['ok']).toBe(true);
    const mark = service.logs.length;
    const settings = path.join(folder.dir, 'entries/_newsroom.md');
    await writeFile(settings, (await readFile(settings, 'utf8')).replace(/^feed_base: .*$/m, 'feed_base: not a url'));
    await writeFile(path.join(folder.dir, 'entries/talks/a.md'), newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z').replace('Body of talks a.', 'Body of talks a, corrected.'));
    const run = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).includes('talks'), { from: mark, timeoutMs: 15_000 });
    expect(JSON.stringify(run['problems'])).toContain('_newsroom.md');
    expect((run['kept_last_good'] as Array<{ path: string }>).map((k) => k.path)).toEqual(['_newsroom.md']);
    expect(run['stories_changed']).toEqual(['talks']);
    expect(await get('talks/atom.xml')).toContain('corrected');
    expect(await get('storm/atom.xml')).toContain('storm a');
    expect(await get('stories.json')).toContain('"slug": "storm"');
    await service.stop();
  });

  it("serves a story's files with its own ttl as Cache-Control where it sets one, the rest with the newsroom's", async () => {
    // A yearly schedule and nothing scheduled: no run is due soon to shorten either.
    const { service } = await serveTwoStories('ttl: 1\n', { 'a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z') }, 'ttl: 30\nschedule: "0 0 1 1 *"\n');
    expect((await service.waitFor((l) => l.event === 'build'))['ok']).toBe(true);
    const maxAge = async (p: string) => (await fetch(new URL(p, service.url))).headers.get('cache-control');
    for (const p of ['storm/atom.xml', 'storm/', 'storm/tags/']) expect(await maxAge(p), p).toBe('public, max-age=60');
    for (const p of ['talks/atom.xml', 'atom.xml', 'index.html', 'stories.opml']) expect(await maxAge(p), p).toBe('public, max-age=1800');
    await service.stop();
  });

  it("wakes at a story's planned coverage_end, as at an embargo: its page and the front page then say coverage ended", async () => {
    const end = isoIn(4_000);
    // A yearly schedule: the run after the first is the wake-up (a CI run crossed a */5 minute, and
    // the cron's run came first).
    const { service, get } = await serveTwoStories(`status: ended\ncoverage_end: ${end}\n`, { 'a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z') }, 'schedule: "0 0 1 1 *"\n');
    const first = await service.waitFor((l) => l.event === 'build');
    expect(first['next_due']).toBe(end);
    expect(await get('storm/')).toContain('<strong>Coverage ends</strong>');
    const woke = await service.waitFor((l) => l.event === 'build' && l !== first, { timeoutMs: 15_000 });
    expect(Date.parse(String(woke['started'])) - Date.parse(end)).toBeLessThan(2_000);
    expect(await get('storm/')).toContain('<strong>Coverage ended</strong>');
    expect(await get('index.html')).toMatch(/Coverage ended <time/);
    await service.stop();
  });

  it('holds back a correction dated ahead of the clock (E_DATE_AHEAD) and wakes when it comes due, as at an embargo', async () => {
    const due = isoIn(4_000);
    const { service, get } = await serveTwoStories('', { 'a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'), 'b.md': newsroomEntryText('storm', 'b', '2026-05-28T09:00:00Z', `correction: {at: ${due}, note: Dated ahead.}\n`) }, 'schedule: "0 0 1 1 *"\n');
    const first = await service.waitFor((l) => l.event === 'build');
    expect([first['ok'], first['next_due'], (first['rejected'] as Array<{ path: string }>).map((r) => r.path)]).toEqual([true, due, ['storm/b.md']]);
    expect(await get('storm/atom.xml')).not.toContain('storm b');
    const woke = await service.waitFor((l) => l.event === 'build' && l !== first, { timeoutMs: 15_000 });
    expect(Date.parse(String(woke['started'])) - Date.parse(due)).toBeLessThan(2_000);
    expect([woke['ok'], woke['rejected']]).toEqual([true, []]);
    expect(await get('storm/atom.xml')).toContain('Dated ahead.');
    await service.stop();
  });

  it('an entries folder that becomes a newsroom while the service runs: files added to its story folders wake it', async () => {
    // A yearly schedule: every run below is woken by a file change, never by the clock.
    const yearly = 'schedule: "0 0 1 1 *"\n';
    const folder = await tempFolder({
      'entries/_story.md': storyText(yearly),
      'entries/a.md': entryText({ slug: 'a', title: 'Single-story entry' }),
    });
    cleanups.push(folder.cleanup);
    const service: ServiceProcess = await startServiceProcess(folder.dir);
    cleanups.push(() => (service.child.exitCode === null && service.child.signalCode === null ? service.stop('SIGKILL') : Promise.resolve()));
    const entries = path.join(folder.dir, 'entries');
    const get = async (p: string) => (await fetch(new URL(p, service.url))).text();
    expect((await service.waitFor((l) => l.event === 'build'))['ok']).toBe(true);

    // The folder becomes a newsroom: the single story leaves, a story folder and _newsroom.md come.
    const mark = service.logs.length;
    await rm(path.join(entries, '_story.md'));
    await rm(path.join(entries, 'a.md'));
    await mkdir(path.join(entries, 'talks'));
    await writeFile(path.join(entries, 'talks/_story.md'), newsroomStoryText('talks', '', 'Talks'));
    await writeFile(path.join(entries, 'talks/a.md'), newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'));
    await writeFile(path.join(entries, '_newsroom.md'), newsroomText(yearly));
    const converted = await service.waitFor((l) => l.event === 'build' && l['ok'] === true && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).includes('talks'), { from: mark, timeoutMs: 30_000 });
    expect(converted['reason']).toBe('change');
    expect(await get('talks/atom.xml')).toContain('talks a');

    // A new entry in the story folder wakes it (a watcher of the root alone would never see it).
    const mark2 = service.logs.length;
    await writeFile(path.join(entries, 'talks/b.md'), newsroomEntryText('talks', 'b', '2026-05-27T09:00:00Z'));
    const added = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).includes('talks'), { from: mark2, timeoutMs: 30_000 });
    expect(added['reason']).toBe('change');
    expect(await get('talks/atom.xml')).toContain('talks b');

    // …and so does a story folder made afterwards.
    const mark3 = service.logs.length;
    await mkdir(path.join(entries, 'storm'));
    await writeFile(path.join(entries, 'storm/_story.md'), newsroomStoryText('storm', '', 'Storm'));
    await writeFile(path.join(entries, 'storm/a.md'), newsroomEntryText('storm', 'a', '2026-05-28T09:00:00Z'));
    const storm = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).includes('storm'), { from: mark3, timeoutMs: 30_000 });
    expect(storm['reason']).toBe('change');
    expect(await get('storm/atom.xml')).toContain('storm a');

    // A file saved by replacing it (an editor's rename over it, sed -i), twice: both saves wake it
    // (found from outside: after the first, a recursive watch no longer heard the file).
    for (const body of ['Replaced once.', 'Replaced twice.']) {
      const mark4 = service.logs.length;
      const temp = path.join(entries, 'talks/.a.md.swp');
      await writeFile(temp, newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z').replace('Body of talks a.', body));
      await rename(temp, path.join(entries, 'talks/a.md'));
      const saved = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).includes('talks'), { from: mark4, timeoutMs: 30_000 });
      expect(saved['reason']).toBe('change');
      expect(await get('talks/atom.xml')).toContain(body);
    }

    // A story folder moved out of the entries folder wakes it too (its published entries are then E_ID_VANISHED).
    const mark5 = service.logs.length;
    await rename(path.join(entries, 'storm'), path.join(folder.dir, 'storm-away'));
    const moved = await service.waitFor((l) => l.event === 'build', { from: mark5, timeoutMs: 30_000 });
    expect(moved['reason']).toBe('change');
    expect(JSON.stringify(moved)).toContain('E_ID_VANISHED');
    await service.stop();
  });
});
