// A newsroom's front page (out/index.html, core/render/front-page.ts) in a real browser, served by
// `storyfeed start` on a small newsroom (a live story and an ended one): live stories before ended
// ones, each linking to its story page, the ended story's page saying "Coverage ended", no
// horizontal scrolling, no external request, and axe-core with no serious or critical violation
// at 390 and 1280 px in light and dark schemes (as page.test.ts does for the story page).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { browserNewsroom } from '../helpers/newsroom.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';
import { tempFolder } from '../helpers/story.js';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

let browser: Browser;
let service: ServiceProcess;
let page: Page;
let cleanup: () => Promise<void>;
const external: string[] = [];
const noChromium = skipWithout('chromium');

beforeAll(async () => {
  if (noChromium) return;
  const folder = await tempFolder(browserNewsroom());
  cleanup = folder.cleanup;
  service = await startServiceProcess(folder.dir);
  const built = await service.waitFor((l) => l.event === 'build');
  expect(built['ok']).toBe(true);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('request', (req) => {
    if (!req.url().startsWith('http://127.0.0.1')) external.push(req.url());
    if (new URL(req.url()).pathname === '/favicon.ico') external.push(req.url());
  });
  await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await cleanup?.();
});

describe.skipIf(noChromium)(`a newsroom's front page${withoutNote('chromium')}`, () => {
  it('lists the live story, then the ended one, each linking to its story page', async () => {
    await page.goto(service.url);
    expect(await page.locator('h1').textContent()).toBe('Example Newsroom');
    expect(await page.locator('#live-title + ol h3').allTextContents()).toEqual(['U.S.–Iran talks']);
    expect(await page.locator('#ended-title + ol h3').allTextContents()).toEqual(['The vote']);
    await page.locator('main h3 a', { hasText: 'The vote' }).click();
    await page.waitForURL(/\/vote\/$/);
    // The ended story's own page says so, with the time coverage ended.
    expect(await page.locator('header .status').textContent()).toMatch(/^Coverage ended May 30, 2026 at 00:00 UTC · Updated /);
    expect(await page.locator('header .status time').first().getAttribute('datetime')).toBe('2026-05-30T00:00:00Z');
  });

  it.each([
    [390, 'light'],
    [390, 'dark'],
    [1280, 'light'],
    [1280, 'dark'],
  ] as const)('passes axe-core at %i px in the %s scheme with no serious or critical violations, and does not scroll sideways', async (width, scheme) => {
    await page.setViewportSize({ width, height: 800 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(service.url);
    await page.addScriptTag({ content: await readFile(AXE, 'utf8') });
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe;
      return axe.run(document, { resultTypes: ['violations'] });
    });
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id} (${v.impact})`)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('makes no external request, and never asks for /favicon.ico', () => {
    expect(external).toEqual([]);
  });
});
