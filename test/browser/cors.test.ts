// A newsroom's page script on another origin reads the feeds in a real browser (CORS, issue 12
// item 10): `feed.json` and `rss.xml` are readable, a revalidation with If-None-Match passes its
// preflight, and the story page stays unreadable to other origins.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { skipWithout } from '../helpers/tools.js';
import { tempFolder } from '../helpers/story.js';
import { startServer, type RunningServer } from '../../src/service/serve.js';

const noChromium = skipWithout('chromium');
let browser: Browser;
let feeds: RunningServer;
let newsroom: RunningServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (noChromium) return;
  const folder = await tempFolder({
    'feeds/feed.json': '{"version":"https://jsonfeed.org/version/1.1","title":"Live"}',
    'feeds/rss.xml': '<rss version="2.0"><channel><title>Live</title></channel></rss>',
    'feeds/index.html': '<!doctype html><title>story</title>',
    'site/index.html': '<!doctype html><title>newsroom</title>',
  });
  cleanups.push(folder.cleanup);
  // Two ports on 127.0.0.1 are two origins.
  feeds = await startServer({ outDir: path.join(folder.dir, 'feeds'), port: 0, maxAgeSeconds: 60 });
  newsroom = await startServer({ outDir: path.join(folder.dir, 'site'), port: 0, maxAgeSeconds: 60 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await feeds?.close();
  await newsroom?.close();
  await Promise.all(cleanups.map((c) => c()));
});

describe.skipIf(noChromium)('feeds read by a script on another origin', () => {
  it('reads feed.json and rss.xml, revalidates with If-None-Match, and cannot read the page', async () => {
    const page = await browser.newPage();
    await page.goto(newsroom.url);
    const result = await page.evaluate(async (base: string) => {
      const json = await fetch(`${base}feed.json`);
      const etag = json.headers.get('ETag');
      const title = ((await json.json()) as { title: string }).title;
      const rss = await (await fetch(`${base}rss.xml`)).text();
      // If-None-Match is no CORS-safelisted request header: this one goes through a preflight.
      const again = await fetch(`${base}feed.json`, { headers: { 'If-None-Match': etag ?? '' }, cache: 'no-store' });
      let pageError = '';
      try {
        await fetch(`${base}index.html`);
      } catch (error) {
        pageError = String(error);
      }
      return { title, etag, rss, againStatus: again.status, pageError };
    }, feeds.url);
    expect(result.title).toBe('Live');
    expect(result.etag).toMatch(/^"/);
    expect(result.rss).toContain('<title>Live</title>');
    expect(result.againStatus).toBe(304);
    expect(result.pageError).toMatch(/TypeError/);
    await page.close();
  });
});
