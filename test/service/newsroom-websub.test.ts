// WebSub in a newsroom (service/hub-targets.ts): after a run, every changed feed — the newsroom's
// root feeds and each story's under `<slug>/` — is announced to the hub it advertises, at the self
// URL it advertises: the newsroom's hub for a story that inherits it, a story's own `hub:` (and own
// `feed_base`) when it has them. Tag feeds are not pinged, as in a single story.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHub, type HubStub } from '../helpers/hub.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service.js';
import { tempFolder } from '../helpers/story.js';
import { NEWSROOM_FEEDS, newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const FEEDS = ['rss.xml', 'atom.xml', 'feed.json'];
const STORM_BASE = 'https://weather.example.org/storm/feeds/';

/** Poll (no timed assertion) until `done`, or give up after a generous while. */
async function until(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

const urlsOf = (hub: HubStub) => hub.requests.map((r) => r.params['hub.url']).sort();

describe('storyfeed start on a newsroom: WebSub', () => {
  it('pings the hub each changed feed advertises: the newsroom\'s for its root and inheriting stories, a story\'s own hub at its own feed_base', async () => {
    const newsroomHub = await startHub([204]);
    const stormHub = await startHub([204]);
    cleanups.push(() => newsroomHub.close(), () => stormHub.close());
    const folder = await tempFolder({
      'entries/_newsroom.md': newsroomText(`hub: ${newsroomHub.url}\n`),
      'entries/talks/_story.md': newsroomStoryText('talks', '', 'Talks'),
      'entries/talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z', 'tags: [diplomacy]\n'),
      'entries/storm/_story.md': newsroomStoryText('storm', `hub: ${stormHub.url}\nfeed_base: ${STORM_BASE}\n`, 'Storm'),
      'entries/storm/a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'),
    });
    cleanups.push(folder.cleanup);
    const service: ServiceProcess = await startServiceProcess(folder.dir);
    cleanups.push(() => (service.child.exitCode === null && service.child.signalCode === null ? service.stop('SIGKILL') : Promise.resolve()));

    const first = await service.waitFor((l) => l.event === 'build');
    expect(first['ok']).toBe(true);
    const root = FEEDS.map((f) => `${NEWSROOM_FEEDS}${f}`);
    const talks = FEEDS.map((f) => `${NEWSROOM_FEEDS}talks/${f}`);
    const storm = FEEDS.map((f) => `${STORM_BASE}${f}`);
    await until(() => newsroomHub.requests.length >= 6 && stormHub.requests.length >= 3);
    expect(urlsOf(newsroomHub)).toEqual([...root, ...talks].sort());
    expect(urlsOf(stormHub)).toEqual([...storm].sort());
    // What was pinged is what the feeds advertise.
    const stormAtom = await (await fetch(new URL('storm/atom.xml', service.url))).text();
    expect(stormAtom).toContain(stormHub.url);
    expect(stormAtom).toContain(`${STORM_BASE}atom.xml`);

    // A run that changes only storm pings storm's hub for storm's feeds (and the newsroom's root feeds, which list its entries).
    const mark = service.logs.length;
    const before = { newsroom: newsroomHub.requests.length, storm: stormHub.requests.length };
    await writeFile(path.join(folder.dir, 'entries/storm/b.md'), newsroomEntryText('storm', 'b', '2026-05-28T09:00:00Z'));
    const run = await service.waitFor((l) => l.event === 'build' && Array.isArray(l['stories_changed']) && (l['stories_changed'] as string[]).includes('storm'), { from: mark, timeoutMs: 15_000 });
    expect(run['stories_changed']).toEqual(['storm']);
    await until(() => stormHub.requests.length >= before.storm + 3 && newsroomHub.requests.length >= before.newsroom + 3);
    expect(stormHub.requests.slice(before.storm).map((r) => r.params['hub.url']).sort()).toEqual([...storm].sort());
    expect(newsroomHub.requests.slice(before.newsroom).map((r) => r.params['hub.url']).sort()).toEqual([...root].sort());
    const { code } = await service.stop('SIGTERM');
    expect(code).toBe(0);
  });
});
