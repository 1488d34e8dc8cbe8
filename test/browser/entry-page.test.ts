// A development's own page (issue 15 "A page per development") in a real browser, served by
// `storyfeed start`: reached from the story page's entry heading, its headline in the first
// viewport at 390×844 and 1280×800, no horizontal scrolling, no external request, and axe-core
// with no serious or critical violation in light and dark schemes (as page.test.ts does for the story page).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServedPage, seriousAxeViolations, type ServedPage } from '../helpers/browser.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

let served: ServedPage;
let page: Page;
let cleanup: () => Promise<void>;
const noChromium = skipWithout('chromium');

beforeAll(async () => {
  if (noChromium) return;
  const folder = await tempFolder({
    'entries/_story.md': storyText('time_zone: Asia/Tehran\n'),
    'entries/first.md': entryText({
      slug: 'first',
      title: 'First development: delegates meet in Muscat for a second round of talks',
      published: '2026-05-25T09:00:00Z',
      extra: 'tags: [diplomacy]\nimage:\n  url: https://newsroom.example.org/img/a.png\n  alt: Delegates at the table\n  caption: Delegates meet in Muscat.\n  credit: Jane Roe / Newsroom\nauthors:\n  - name: Jane Roe\n    url: https://newsroom.example.org/jane/\n',
      body: 'Body of first.\n\n| Side | Demand |\n| --- | --- |\n| U.S. | Inspections |\n\n> A quoted official.\n',
    }),
    'entries/second.md': entryText({ slug: 'second', title: 'Second development', published: '2026-05-26T09:00:00Z', extra: 'correction:\n  at: 2026-05-26T12:00:00Z\n  note: An earlier version gave the wrong day.\n' }),
  });
  cleanup = folder.cleanup;
  served = await openServedPage(folder.dir);
  page = served.page;
}, 60_000);

afterAll(async () => {
  await served?.close();
  await cleanup?.();
});

describe.skipIf(noChromium)(`a development's page${withoutNote('chromium')}`, () => {
  it('is reached from its heading on the story page, and links back to the story', async () => {
    await page.goto(served.service.url);
    await page.locator('main h3 a', { hasText: 'Second development' }).click();
    await page.waitForURL(/\/second\/$/);
    expect(await page.locator('h1').textContent()).toBe('Second development');
    await expect(page.locator('main').textContent()).resolves.toContain('An earlier version gave the wrong day.');
    await page.locator('header .crumbs a').click();
    await page.waitForURL((url) => url.pathname === new URL(served.service.url).pathname);
  });

  it.each([
    [390, 844],
    [1280, 800],
  ])('shows its headline, byline and time in the first viewport at %i×%i, without horizontal scrolling', async (width, height) => {
    await page.setViewportSize({ width, height });
    await page.goto(new URL('first/', served.service.url).href);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const selector of ['h1', 'main .meta']) {
      const box = await page.locator(selector).boundingBox();
      expect(box!.y + box!.height, selector).toBeLessThanOrEqual(height);
    }
    await expect(page.locator('main .meta').textContent()).resolves.toContain('By Jane Roe');
    await expect(page.locator('figcaption').textContent()).resolves.toContain('Jane Roe / Newsroom');
  });

  it.each([
    [390, 'light'],
    [390, 'dark'],
    [1280, 'light'],
    [1280, 'dark'],
  ] as const)('passes axe-core at %i px in the %s scheme with no serious or critical violations', async (width, scheme) => {
    await page.setViewportSize({ width, height: 800 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(new URL('first/', served.service.url).href);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('makes no external request, and never asks for /favicon.ico', () => {
    // The image is external by design (the entry's URL): it is blocked and is the only one.
    expect(served.external.filter((u) => !u.startsWith('https://newsroom.example.org/img/'))).toEqual([]);
  });
});
