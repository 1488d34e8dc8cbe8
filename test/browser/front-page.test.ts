// A newsroom's front page (out/index.html, core/render/front-page.ts) in a real browser, served by
// `storyfeed start` on a small newsroom (a live story and an ended one): live stories before ended
// ones, each linking to its story page, the ended story's page saying "Coverage ended", no
// horizontal scrolling, no external request, and axe-core with no serious or critical violation
// at 390 and 1280 px in light and dark schemes (as page.test.ts does for the story page).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServedPage, seriousAxeViolations, type ServedPage } from '../helpers/browser.js';
import { browserNewsroom } from '../helpers/newsroom.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';
import { tempFolder } from '../helpers/story.js';

let served: ServedPage;
let page: Page;
let cleanup: () => Promise<void>;
const noChromium = skipWithout('chromium');

beforeAll(async () => {
  if (noChromium) return;
  const folder = await tempFolder(browserNewsroom());
  cleanup = folder.cleanup;
  served = await openServedPage(folder.dir);
  page = served.page;
}, 60_000);

afterAll(async () => {
  await served?.close();
  await cleanup?.();
});

describe.skipIf(noChromium)(`a newsroom's front page${withoutNote('chromium')}`, () => {
  it('lists the live story, then the ended one, each linking to its story page', async () => {
    await page.goto(served.service.url);
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
    await page.goto(served.service.url);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('makes no external request, and never asks for /favicon.ico', () => {
    expect(served.external).toEqual([]);
  });
});
