// `storyfeed start` under a clock that goes back (an NTP step, a virtual machine restored from a
// snapshot), with the process's clock moved by libfaketime (Debian's libfaketime, installed by
// .ci/run): a run builds for the last run's instant, or the folder's (src/service/run-instant.ts),
// and says so, and what went out stays out.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { startServiceProcess } from '../helpers/service.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';
import { LIBFAKETIME, skipWithout, withoutNote } from '../helpers/tools.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/**
 * A story with one development out at 09:30, and the clock its processes run on (`env`): `setClock`
 * moves it; libfaketime reads the file again at every call and runs on from the instant it names.
 */
async function clockedStory(): Promise<{ dir: string; env: NodeJS.ProcessEnv; setClock: (instant: string) => Promise<void> }> {
  const folder = await tempFolder({
    'entries/_story.md': storyText(),
    'entries/a.md': entryText({ slug: 'a', published: '2026-06-01T09:30:00Z' }),
  });
  cleanups.push(folder.cleanup);
  const clockFile = path.join(folder.dir, 'clock');
  const setClock = (instant: string) => writeFile(clockFile, `@${instant}\n`);
  await setClock('2026-06-01 10:00:00');
  return { dir: folder.dir, env: { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1', TZ: 'UTC' }, setClock };
}

describe.skipIf(skipWithout('libfaketime'))(`storyfeed start, when the clock goes back${withoutNote('libfaketime')}`, () => {
  it('builds for the last run\'s instant, logs by how much the clock is behind, and takes nothing back', async () => {
    const { dir, env, setClock } = await clockedStory();
    const service = await startServiceProcess(dir, [], env);
    cleanups.push(() => (service.child.exitCode === null ? service.stop('SIGKILL') : Promise.resolve()));
    const first = await service.waitFor((l) => l.event === 'build');
    expect(first).toMatchObject({ ok: true, published: 1 });
    expect(String(first['started'])).toMatch(/^2026-06-01T10:00/);
    expect(first['clock_behind_ms']).toBeUndefined();

    // An hour back; a new development (out at 08:00) sets off a run.
    await setClock('2026-06-01 09:00:00');
    const mark = service.logs.length;
    await writeFile(path.join(dir, 'entries/b.md'), entryText({ slug: 'b', published: '2026-06-01T08:00:00Z' }));
    const next = await service.waitFor((l) => l.event === 'build', { from: mark });
    // Built at the clock (09:00), `a` (09:30) would be scheduled again and leave the feeds.
    expect(next).toMatchObject({ ok: true, published: 2 });
    expect(String(next['started'])).toMatch(/^2026-06-01T10:00/);
    expect(Number(next['clock_behind_ms'])).toBeGreaterThan(3_500_000);
    const rss = await readFile(path.join(dir, 'out/rss.xml'), 'utf8');
    expect(rss).toContain('test-story/a</guid>');
    expect(rss).toContain('test-story/b</guid>');
    expect((await service.stop('SIGTERM')).code).toBe(0);
  });

  it('starts on a folder whose last change is later than the clock, and builds for that instant until the clock catches up', async () => {
    const { dir, env, setClock } = await clockedStory();
    const buildByHand = () => spawnSync(process.execPath, [CLI, 'build', '--entries', 'entries', '--out', 'out'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    const built = buildByHand();
    expect([built.status, built.stderr]).toEqual([0, '']);
    // The machine restarts an hour behind: a build by hand is refused, the service starts.
    await setClock('2026-06-01 09:00:00');
    const byHand = buildByHand();
    expect([byHand.status, byHand.stderr]).toEqual([2, expect.stringContaining('has the clock gone back?')]);
    const service = await startServiceProcess(dir, [], env);
    cleanups.push(() => (service.child.exitCode === null ? service.stop('SIGKILL') : Promise.resolve()));
    const first = await service.waitFor((l) => l.event === 'build');
    expect(first).toMatchObject({ ok: true, published: 1 });
    // The folder's instant is its last change: `a` out at 09:30, half an hour ahead of the clock.
    expect(String(first['started'])).toMatch(/^2026-06-01T09:30:00/);
    expect(Number(first['clock_behind_ms'])).toBeGreaterThan(1_700_000);
    expect(await readFile(path.join(dir, 'out/rss.xml'), 'utf8')).toContain('test-story/a</guid>');
    expect((await service.stop('SIGTERM')).code).toBe(0);
  });
});
