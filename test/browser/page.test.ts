// The story page in a real browser, served by `storyfeed start`: the news first (status, latest
// update, latest development in the first viewport), timeline order, bylines, captions, autodiscovery,
// correction and retraction display, the copy button, narrow and wide layouts, the styled feed
// views, and axe-core in light and dark schemes.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputFile } from '../helpers/checkers.js';
import { openServedPage, seriousAxeViolations, type ServedPage } from '../helpers/browser.js';
import type { ServiceProcess } from '../helpers/service.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const ARTIFACTS = path.resolve('test-results/screenshots');

let served: ServedPage;
let service: ServiceProcess;
let page: Page;
let cleanup: () => Promise<void>;
let external: string[] = [];
const noChromium = skipWithout('chromium');

beforeAll(async () => {
  if (noChromium) return;
  const folder = await tempFolder({
    // The service runs on the wall clock: a window of ten years keeps the retraction on the page.
    'entries/_story.md': storyText('retraction_window: 3650\ntime_zone: Asia/Tehran\n'),
    'entries/first.md': entryText({
      slug: 'first',
      title: 'First development',
      published: '2026-05-25T09:00:00Z',
      extra: 'tags: [diplomacy]\nimage:\n  url: https://newsroom.example.org/img/a.png\n  alt: Delegates at the table\n  caption: Delegates meet in Muscat.\n  credit: Jane Roe / Newsroom\nauthors:\n  - name: Jane Roe\n    url: https://newsroom.example.org/jane/\n  - name: Sam Poe\n',
      body: 'Body of first.\n\n| Side | Demand |\n| --- | --- |\n| U.S. | Inspections |\n\n> A quoted official.\n\n```\ncode block\n```\n',
    }),
    'entries/second.md': entryText({ slug: 'second', title: 'Second development', published: '2026-05-26T09:00:00Z', extra: 'correction:\n  at: 2026-05-26T12:00:00Z\n  note: An earlier version gave the wrong day.\n' }),
    'entries/third.md': entryText({ slug: 'third', title: 'Third development', published: '2026-05-27T09:00:00Z', extra: 'retracted:\n  at: 2026-05-28T09:00:00Z\n  reason: The account could not be confirmed.\n' }),
    'entries/fourth.md': entryText({ slug: 'fourth', title: 'Fourth development', published: '2026-05-28T09:00:00Z', extra: 'tags: [diplomacy, sanctions]\nsummary: Sanctions & ceasefire\n' }),
    'entries/later.md': entryText({ slug: 'later', title: 'Embargoed development', published: '2099-01-01T00:00:00Z' }),
    'entries/draft.md': entryText({ slug: 'draft', title: 'Draft development', published: '2026-05-28T10:00:00Z', extra: 'draft: true\n' }),
  });
  cleanup = folder.cleanup;
  await mkdir(ARTIFACTS, { recursive: true });
  // No external requests: anything not on 127.0.0.1 is blocked and recorded (served.external).
  served = await openServedPage(folder.dir, (context, url) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url.replace(/\/$/, '') }));
  ({ page, service, external } = served);
  await page.goto(service.url);
}, 60_000);

afterAll(async () => {
  await served?.close();
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

  it('copies a feed URL with one click (behind the one-line follow box)', async () => {
    await page.locator('.follow summary').click();
    const button = page.locator('button[data-copy=feed-atom]');
    expect(await button.isVisible()).toBe(true);
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe('https://newsroom.example.org/stories/test/feeds/atom.xml');
  });

  it('reads without JavaScript', async () => {
    const context = await served.browser.newContext({ javaScriptEnabled: false });
    const plain = await context.newPage();
    await plain.goto(service.url);
    expect(await plain.locator('ol.timeline h3').count()).toBe(4);
    expect(await plain.locator('button[data-copy]:visible').count()).toBe(0);
    expect(await plain.locator('input#feed-rss').inputValue()).toContain('/rss.xml');
    await context.close();
  });

  it.each([
    ['narrow', 390, 844],
    ['wide', 1280, 800],
  ])('leads with the news in a %s first viewport, without horizontal scrolling (screenshot saved)', async (name, width, height) => {
    await page.setViewportSize({ width, height });
    await page.goto(service.url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The status and the latest update come first, then the latest development's headline: all on screen.
    const status = await page.locator('header .status').boundingBox();
    const headline = await page.locator('main ol.timeline h3').first().boundingBox();
    expect(await page.locator('main ol.timeline h3').first().textContent()).toBe('Fourth development');
    expect(await page.locator('header .status').textContent()).toMatch(/^Developing story · Updated /);
    expect(status!.y).toBeLessThan(headline!.y);
    expect(headline!.y + headline!.height).toBeLessThanOrEqual(height);
    // Following is one compact line: its height is a line or two of text, not a box of buttons.
    expect((await page.locator('.follow').boundingBox())!.height).toBeLessThan(width < 500 ? 110 : 70);
    await page.screenshot({ path: path.join(ARTIFACTS, `story-${width}.png`) });
    await page.screenshot({ path: path.join(ARTIFACTS, `page-${name}.png`), fullPage: true });
  });

  it('puts the summary after the latest development, headings in order and sized in order', async () => {
    await page.goto(service.url);
    const outline = await page.locator('h1, h2, h3').evaluateAll((els) => els.map((e) => [e.tagName, e.textContent, parseFloat(getComputedStyle(e).fontSize)] as const));
    expect(outline.map(([tag, text]) => `${tag} ${text}`)).toEqual([
      'H1 Test story',
      'H2 Latest development',
      'H3 Fourth development',
      'H2 The story so far',
      'H2 Earlier developments',
      'H3 Retracted: Third development',
      'H3 Second development',
      'H3 First development',
    ]);
    const size = (tag: string) => outline.find(([t]) => t === tag)![2];
    expect(size('H1')).toBeGreaterThan(size('H2'));
    expect(size('H2')).toBeGreaterThan(size('H3'));
  });

  it('shows bylines, times in the story’s time zone, caption and credit, and styles tables, code and quotes', async () => {
    await page.goto(service.url);
    expect(await page.locator('#first .byline').textContent()).toBe('By Jane Roe and Sam Poe');
    expect(await page.locator('#first .byline a').getAttribute('href')).toBe('https://newsroom.example.org/jane/');
    // 09:00Z is 12:30 in Tehran (UTC+3:30).
    expect(await page.locator('#first .meta time').first().textContent()).toMatch(/12:30/);
    expect(await page.locator('#second .meta time').nth(1).getAttribute('datetime')).toBe('2026-05-26T12:00:00Z');
    expect(await page.locator('#first figcaption').textContent()).toBe('Delegates meet in Muscat. Jane Roe / Newsroom');
    const styled = await page.evaluate(() => {
      const css = (sel: string, prop: string) => getComputedStyle(document.querySelector(sel)!).getPropertyValue(prop);
      return [css('#first td', 'border-top-style'), css('#first blockquote', 'border-left-style'), css('#first pre', 'background-color')];
    });
    expect(styled[0]).toBe('solid');
    expect(styled[1]).toBe('solid');
    expect(styled[2]).not.toBe('rgba(0, 0, 0, 0)');
  });

  it('never shows a draft or an embargoed entry, not even in its structured data', async () => {
    await page.goto(service.url);
    const html = await page.content();
    expect(html).not.toContain('Embargoed development');
    expect(html).not.toContain('Draft development');
    const ld = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!);
    expect(ld['@type']).toBe('LiveBlogPosting');
    expect(ld.liveBlogUpdate.map((u: { headline: string }) => u.headline)).toEqual(['Fourth development', 'Second development', 'First development']);
  });

  it('has an icon, so the browser never asks for /favicon.ico', async () => {
    await page.goto(service.url);
    expect(await page.locator('head link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
    expect(external.filter((u) => u.endsWith('/favicon.ico'))).toEqual([]);
  });

  it('says "Follow this tag" on a tag page', async () => {
    await page.goto(new URL('tags/sanctions/', service.url).href);
    expect(await page.locator('#subscribe-title').textContent()).toBe('Follow this tag in a feed reader:');
    await page.goto(service.url);
    expect(await page.locator('#subscribe-title').textContent()).toBe('Follow this story in a feed reader:');
  });

  it.each([
    [390, 'light'],
    [390, 'dark'],
    [1280, 'light'],
    [1280, 'dark'],
  ] as const)('passes axe-core at %i px in the %s scheme with no serious or critical violations', async (width, scheme) => {
    await page.setViewportSize({ width, height: 800 });
    await page.emulateMedia({ colorScheme: scheme });
    for (const where of ['', 'tags/sanctions/']) {
      await page.goto(new URL(where, service.url).href);
      expect((await seriousAxeViolations(page)).map((v) => `${where || 'story'}: ${v}`)).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

describe.skipIf(noChromium)(`feeds opened in a browser${withoutNote('chromium')}`, () => {
  it.each(['rss.xml', 'atom.xml'])('%s renders through feed.xsl with a "this is a feed" explanation', async (file) => {
    await page.goto(new URL(file, service.url).href);
    const text = await page.locator('body').innerText();
    expect(text).toContain('This is a web feed: copy its address into your reader');
    expect(text).toContain(`https://newsroom.example.org/stories/test/feeds/${file}`);
    expect(text).toContain('Fourth development');
    // The summary is escaped once in the feed (it is HTML there) and shown as the text it is.
    expect(text).toContain('Sanctions & ceasefire');
    expect(text).not.toContain('&amp;');
    // Dates for people, the machine form in <time datetime>.
    expect(text).toMatch(/28 May 2026, 09:00 (GMT|UTC)/);
    // The notice comes first, and stays in view and uncovered (Chromium's own XSLT banner sits in
    // the top layer over the top of the page) wherever the list is scrolled.
    expect(await page.evaluate(() => document.querySelector('body > :not(xslt-warning-banner)')!.className)).toBe('about');
    for (const y of [0, 100_000]) {
      const shown = await page.evaluate((scroll) => {
        window.scrollTo(0, scroll);
        const about = document.querySelector('.about')!;
        const r = about.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + 20, r.top + r.height / 2);
        return r.top >= 0 && r.bottom <= window.innerHeight && hit !== null && about.contains(hit);
      }, y);
      expect(shown).toBe(true);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, `styled-${file.replace('.xml', '')}.png`) });
    await writeFile(path.join(ARTIFACTS, `styled-${file}.txt`), text);
  });
});
