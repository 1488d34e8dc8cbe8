// The news sitemap lists the developments of the last 48 hours (core/model.ts NEWS_WINDOW_MS): one
// leaving it changes news-sitemap.xml with no file touched and no embargo due. The service wakes at
// that instant (core/model.ts nextChange), not at its next cron tick — here a yearly one — for a
// single story and for a newsroom alike.
import { afterAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../helpers/service.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const YEARLY = 'schedule: "0 0 1 1 *"\n';
const HOURS_48 = 48 * 60 * 60 * 1000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function start(files: Record<string, string>): Promise<ServiceProcess> {
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  const service = await startServiceProcess(folder.dir);
  cleanups.push(() => (service.child.exitCode === null && service.child.signalCode === null ? service.stop('SIGKILL') : Promise.resolve()));
  return service;
}

/** The first run plans a wake-up at `leaves`; the run it makes takes the development out of the news sitemap. */
async function expectWakeWhenItLeaves(service: ServiceProcess, leaves: string, title: string, how: 'changed' | 'removed'): Promise<void> {
  const first = await service.waitFor((l) => l.event === 'build');
  expect(first['ok']).toBe(true);
  expect(first['next_due']).toBe(leaves);
  expect(await (await fetch(new URL('news-sitemap.xml', service.url))).text()).toContain(title);
  const woke = await service.waitFor((l) => l.event === 'build' && l['reason'] === 'embargo', { timeoutMs: 30_000 });
  expect(woke['ok']).toBe(true);
  // Rewritten while other developments are recent; deleted (and logged as `removed`) once none is.
  expect(woke[how]).toContain('news-sitemap.xml');
  expect(await (await fetch(new URL('news-sitemap.xml', service.url))).text()).not.toContain(title);
  const { code } = await service.stop('SIGTERM');
  expect(code).toBe(0);
}

describe('storyfeed start wakes when a development leaves the 48-hour news sitemap', () => {
  it('a single story, whose news sitemap is left empty (deleted)', async () => {
    // Whole seconds: the file says when, to the second.
    const published = Math.ceil((Date.now() - HOURS_48 + 4_000) / 1000) * 1000;
    const service = await start({
      'entries/_story.md': storyText(YEARLY),
      'entries/a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }),
      'entries/fresh.md': entryText({ slug: 'fresh', title: 'Fresh development', published: iso(published) }),
    });
    await expectWakeWhenItLeaves(service, iso(published + HOURS_48), 'Fresh development', 'removed');
  });

  it('a newsroom, whose news sitemap keeps another story\'s recent development (rewritten)', async () => {
    const published = Math.ceil((Date.now() - HOURS_48 + 4_000) / 1000) * 1000;
    const service = await start({
      'entries/_newsroom.md': newsroomText(YEARLY),
      'entries/talks/_story.md': newsroomStoryText('talks', '', 'Talks'),
      'entries/talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
      'entries/talks/recent.md': newsroomEntryText('talks', 'recent', iso(published + 60 * 60 * 1000)),
      'entries/storm/_story.md': newsroomStoryText('storm', '', 'Storm'),
      'entries/storm/fresh.md': newsroomEntryText('storm', 'fresh', iso(published)),
    });
    await expectWakeWhenItLeaves(service, iso(published + HOURS_48), 'storm fresh', 'changed');
  });
});
