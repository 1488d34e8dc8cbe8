// WebSub publish pings against a hub stub on 127.0.0.1: the request's form, retries with backoff,
// give-up rules, abort, and that the function never rejects.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, formatPingOutcome, pingHub } from '../../src/service/websub.js';
import { startHub, type HubStub } from '../helpers/hub.js';

const FEEDS = ['https://newsroom.example.org/feeds/rss.xml', 'https://newsroom.example.org/feeds/atom.xml?x=1&y=2'];
let hub: HubStub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('pingHub', () => {
  it('POSTs hub.mode=publish and hub.url, form-encoded, once per changed feed', async () => {
    hub = await startHub([204]);
    const outcomes = await pingHub({ hub: hub.url, feedUrls: FEEDS });
    expect(outcomes.map((o) => [o.ok, o.attempts, o.status])).toEqual([[true, 1, 204], [true, 1, 204]]);
    expect(hub.requests).toHaveLength(2);
    for (const r of hub.requests) {
      expect(r.method).toBe('POST');
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
      expect(r.params['hub.mode']).toBe('publish');
    }
    expect(hub.requests.map((r) => r.params['hub.url']).sort()).toEqual([...FEEDS].sort());
    expect(hub.requests.map((r) => r.body)).toContain(`hub.mode=publish&hub.url=${encodeURIComponent(FEEDS[1]!)}`);
  });

  it('retries a failing hub with exponential backoff, then succeeds', async () => {
    hub = await startHub([503, 503, 204]);
    const { delays, sleep } = recordingSleep();
    const [o] = await pingHub({ hub: hub.url, feedUrls: [FEEDS[0]!], baseDelayMs: 100, sleep });
    expect(o).toMatchObject({ ok: true, attempts: 3, status: 204 });
    expect(delays).toEqual([100, 200]);
  });

  it('gives up after the last attempt on a hub that always fails, without rejecting', async () => {
    hub = await startHub([500]);
    const { delays, sleep } = recordingSleep();
    const [o] = await pingHub({ hub: hub.url, feedUrls: [FEEDS[0]!], attempts: 4, baseDelayMs: 50, sleep });
    expect(o).toMatchObject({ ok: false, attempts: 4, status: 500 });
    expect(delays).toEqual([50, 100, 200]);
    expect(formatPingOutcome(o!)).toMatch(/not notified .* after 4 attempt\(s\): hub answered 500/);
  });

  it('does not retry a 4xx refusal', async () => {
    hub = await startHub([400]);
    const [o] = await pingHub({ hub: hub.url, feedUrls: [FEEDS[0]!], sleep: async () => undefined });
    expect(o).toMatchObject({ ok: false, attempts: 1, status: 400 });
  });

  it('honours Retry-After on 429', async () => {
    hub = await startHub([{ status: 429, headers: { 'Retry-After': '2' } }, 204]);
    const { delays, sleep } = recordingSleep();
    const [o] = await pingHub({ hub: hub.url, feedUrls: [FEEDS[0]!], sleep });
    expect(o).toMatchObject({ ok: true, attempts: 2 });
    expect(delays).toEqual([2000]);
  });

  it('times out a hub that never answers', async () => {
    hub = await startHub(['hang']);
    const [o] = await pingHub({ hub: hub.url, feedUrls: [FEEDS[0]!], attempts: 2, timeoutMs: 200, sleep: async () => undefined });
    expect(o).toMatchObject({ ok: false, attempts: 2 });
  });

  it('reports a refused connection', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const [o] = await pingHub({ hub: `http://127.0.0.1:${port}/`, feedUrls: [FEEDS[0]!], attempts: 2, sleep: async () => undefined });
    expect(o).toMatchObject({ ok: false, attempts: 2 });
    expect(o!.error).toBeTruthy();
  });

  it('stops retrying once aborted', async () => {
    hub = await startHub([503]);
    const controller = new AbortController();
    const [o] = await pingHub({
      hub: hub.url,
      feedUrls: [FEEDS[0]!],
      attempts: 10,
      signal: controller.signal,
      sleep: async () => controller.abort(),
    });
    expect(o!.ok).toBe(false);
    expect(hub.requests).toHaveLength(1);
  });

  it.each([
    [1, 1000, null, 1000],
    [2, 1000, null, 2000],
    [3, 1000, null, 4000],
    [10, 1000, null, 30000],
    [1, 1000, '5', 5000],
    [1, 1000, '999', 30000],
    [1, 1000, 'Wed, 21 Oct 2015 07:28:00 GMT', 1000],
  ])('backoffMs(%i, %i, %s) = %i', (attempt, base, retryAfter, expected) => {
    expect(backoffMs(attempt, base, retryAfter)).toBe(expected);
  });
});

describe('hub targets (service/hub-targets.ts)', () => {
  it('finds a newsroom story\'s subscription feeds one folder deep, never tag feeds or archive pages', async () => {
    const { changedStoryFeeds } = await import('../../src/service/hub-targets.js');
    const found = changedStoryFeeds(['rss.xml', 'storm/atom.xml', 'storm/index.html', 'storm/feed.json', 'storm/tags/x/rss.xml', 'archive/1/rss.xml', 'talks/rss.xml']);
    expect([...found]).toEqual([['storm', ['atom.xml', 'feed.json']], ['talks', ['rss.xml']]]);
  });

  it('reads the self URL and WebSub hub a JSON Feed advertises', async () => {
    const { parseAdvertised } = await import('../../src/service/hub-targets.js');
    expect(parseAdvertised(JSON.stringify({ feed_url: 'https://x.example/s/feed.json', hubs: [{ type: 'WebSub', url: 'https://hub.example/' }] }))).toEqual({ feedUrl: 'https://x.example/s/feed.json', hub: 'https://hub.example/' });
    expect(parseAdvertised(JSON.stringify({ feed_url: 'https://x.example/s/feed.json' }))).toBeUndefined();
    expect(parseAdvertised('{not json')).toBeUndefined();
  });
});
