// The story page in a real browser, served by `storyfeed start`: timeline order, autodiscovery,
// correction and retraction display, the copy button, narrow and wide layouts, the styled feed
// views, and an axe-core accessibility check.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputFile } from '../helpers/checkers.js';
import { launchChromium } from '../helpers/browser.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const ARTIFACTS = path.resolve('test-results/screenshots');

let browser: Browser;
let service: ServiceProcess;
let page: Page;
let cleanup: () => Promise<void>;
const external: string[] = [];
const noChromium = skipWithout('chromium');

beforeAll(async () => {
  if (noChromium) return;
  const folder = await tempFolder({
    // The service runs on the wall clock: a window of ten years keeps the retraction on the page.
    'entries/_story.md': storyText('retraction_window: 3650\n'),
    'entries/first.md': entryText({ slug: 'first', title: 'First development', published: '2026-05-25T09:00:00Z', extra: 'tags: [diplomacy]\nimage:\n  url: https://newsroom.example.org/img/a.png\n  alt: Delegates at the table\n' }),
    'entries/second.md': entryText({ slug: 'second', title: 'Second development', published: '2026-05-26T09:00:00Z', extra: 'correction:\n  at: 2026-05-26T12:00:00Z\n  note: An earlier version gave the wrong day.\n' }),
    'entries/third.md': entryText({ slug: 'third', title: 'Third development', published: '2026-05-27T09:00:00Z', extra: 'retracted:\n  at: 2026-05-28T09:00:00Z\n  reason: The account could not be confirmed.\n' }),
    'entries/fourth.md': entryText({ slug: 'fourth', title: 'Fourth development', published: '2026-05-28T09:00:00Z', extra: 'tags: [diplomacy, sanctions]\n' }),
  });
  cleanup = folder.cleanup;
  await mkdir(ARTIFACTS, { recursive: true });
  service = await startServiceProcess(folder.dir);
  await service.waitFor((l) => l.event === 'build');
  browser = await launchChromium();
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.url.replace(/\/$/, '') });
  page = await context.newPage();
  // No external requests: anything not on 127.0.0.1 is blocked and recorded.
  page.on('request', (req) => {
    if (!req.url().startsWith('http://127.0.0.1')) external.push(req.url());
  });
  await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
  await page.goto(service.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await cleanup?.();
});

describe.skipIf(noChromium)(`the story page${withoutNote('chromium')}`, () => {
  it('shows the developments newest first, retracted ones as retracted', async () => {
    const titles = await page.locator('ol.timeline h3').allTextContents();
    expect(titles).toEqual(['Fourth development', 'Retracted: Third development', 'Second development', 'First development']);
    await expect(page.locator('article.retracted .notice').textContent()).resolves.toContain('The account could not be confirmed.');
    await expect(page.locator('#third').textContent()).resolves.not.toContain('Body of third');
  });

  it('shows a visible correction note at the top of the corrected entry', async () => {
    const first = page.locator('#second p').nth(1);
    await expect(first.textContent()).resolves.toMatch(/^Correction \(.*\): An earlier version gave the wrong day\.$/);
    expect(await first.isVisible()).toBe(true);
  });

  it('makes no external request (fonts, scripts, trackers) — only the entries’ own images', () => {
    expect([...new Set(external)]).toEqual(['https://newsroom.example.org/img/a.png']);
  });

  it('has machine-readable times and the lead image with its alt text', async () => {
    expect(await page.locator('#first time').first().getAttribute('datetime')).toBe('2026-05-25T09:00:00Z');
    expect(await page.locator('#first img').getAttribute('alt')).toBe('Delegates at the table');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
  });

  it('links each tag to its tag page, which lists that tag’s developments', async () => {
    await page.locator('#fourth a[rel=tag]', { hasText: 'sanctions' }).click();
    await page.waitForURL(/\/tags\/sanctions\/$/);
    expect(await page.locator('ol.timeline h3').allTextContents()).toEqual(['Fourth development']);
    await page.goto(service.url);
  });

  it('advertises RSS, Atom and JSON Feed in <head>, each fetching a valid feed', async () => {
    const links = await page.locator('head link[rel=alternate]').evaluateAll((els) => els.map((e) => [e.getAttribute('type'), e.getAttribute('href')]));
    expect(links.map(([t]) => t)).toEqual(['application/rss+xml', 'application/atom+xml', 'application/feed+json']);
    for (const [, href] of links) {
      // The page names the published URLs; the same file is served here under its name.
      const file = new URL(href!).pathname.split('/').pop()!;
      const res = await fetch(new URL(file, service.url));
      expect(res.status).toBe(200);
      expect(await checkOutputFile(file, await res.text(), { selfUrl: href! })).toEqual([]);
    }
  });

  it('copies a feed URL with one click', async () => {
    const button = page.locator('button[data-copy=feed-atom]');
    expect(await button.isVisible()).toBe(true);
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe('https://newsroom.example.org/stories/test/feeds/atom.xml');
  });

  it('reads without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const plain = await context.newPage();
    await plain.goto(service.url);
    expect(await plain.locator('ol.timeline h3').count()).toBe(4);
    expect(await plain.locator('input#feed-rss').inputValue()).toContain('/rss.xml');
    await context.close();
  });

  it.each([
    ['narrow', 375, 800],
    ['wide', 1440, 900],
  ])('fits a %s viewport without horizontal scrolling (screenshot saved)', async (name, width, height) => {
    await page.setViewportSize({ width, height });
    await page.goto(service.url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, `page-${name}.png`), fullPage: true });
  });

  it('passes axe-core with no serious or critical violations', async () => {
    await page.goto(service.url);
    await page.addScriptTag({ content: await readFile(AXE, 'utf8') });
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe;
      return axe.run(document, { resultTypes: ['violations'] });
    });
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} (${v.impact})`)).toEqual([]);
  });
});

describe.skipIf(noChromium)(`feeds opened in a browser${withoutNote('chromium')}`, () => {
  it.each(['rss.xml', 'atom.xml'])('%s renders through feed.xsl with a "this is a feed" explanation', async (file) => {
    await page.goto(new URL(file, service.url).href);
    const text = await page.locator('body').innerText();
    expect(text).toContain('This is a web feed.');
    expect(text).toContain(`https://newsroom.example.org/stories/test/feeds/${file}`);
    expect(text).toContain('Fourth development');
    await page.screenshot({ path: path.join(ARTIFACTS, `styled-${file.replace('.xml', '')}.png`) });
    await writeFile(path.join(ARTIFACTS, `styled-${file}.txt`), text);
  });
});
