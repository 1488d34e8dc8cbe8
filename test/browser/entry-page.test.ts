// A development's own page (issue 15 "A page per development") in a real browser, served by
// `storyfeed start`: reached from the story page's entry heading, its headline in the first
// viewport at 390×844 and 1280×800, no horizontal scrolling, no external request, and axe-core
// with no serious or critical violation in light and dark schemes (as page.test.ts does for the story page).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

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
  service = await startServiceProcess(folder.dir);
  await service.waitFor((l) => l.event === 'build');
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('request', (req) => {
    if (!req.url().startsWith('http://127.0.0.1')) external.push(req.url());
  });
  await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await cleanup?.();
});

describe.skipIf(noChromium)(`a development's page${withoutNote('chromium')}`, () => {
  it('is reached from its heading on the story page, and links back to the story', async () => {
    await page.goto(service.url);
    await page.locator('main h3 a', { hasText: 'Second development' }).click();
    await page.waitForURL(/\/second\/$/);
    expect(await page.locator('h1').textContent()).toBe('Second development');
    await expect(page.locator('main').textContent()).resolves.toContain('An earlier version gave the wrong day.');
    await page.locator('header .crumbs a').click();
    await page.waitForURL((url) => url.pathname === new URL(service.url).pathname);
  });

  it.each([
    [390, 844],
    [1280, 800],
  ])('shows its headline, byline and time in the first viewport at %i×%i, without horizontal scrolling', async (width, height) => {
    await page.setViewportSize({ width, height });
    await page.goto(new URL('first/', service.url).href);
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
    await page.goto(new URL('first/', service.url).href);
    await page.addScriptTag({ content: await readFile(AXE, 'utf8') });
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe;
      return axe.run(document, { resultTypes: ['violations'] });
    });
    expect(result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact})`)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('makes no external request', () => {
    // The image is external by design (the entry's URL): it is blocked and is the only one.
    expect(external.filter((u) => !u.startsWith('https://newsroom.example.org/img/'))).toEqual([]);
  });
});
