// Lighthouse 12.2.3 (mobile preset: its default config) on Debian's Chromium through chrome-launcher,
// never a downloaded browser, against pages served by `storyfeed start`: the story page, a tag
// page, a development's page, and a newsroom's front page (a second service, on a newsroom of a
// live and an ended story) must score 100 in Performance, Accessibility, Best Practices and SEO.
// The scores are printed; a score below 100 fails with the audits that cost points named.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../helpers/browser.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';
import { browserNewsroom } from '../helpers/newsroom.js';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
const ARTIFACTS = path.resolve('test-results/lighthouse');
const noChromium = skipWithout('chromium');

let service: ServiceProcess;
let newsroom: ServiceProcess;
let chrome: chromeLauncher.LaunchedChrome;
let cleanup: () => Promise<void>;
let cleanupNewsroom: () => Promise<void>;

beforeAll(async () => {
  if (noChromium) return;
  const body = 'Officials met for a **second** round.\n\n| Side | Demand |\n| --- | --- |\n| U.S. | Inspections |\n\n> A quoted official.\n\n```\ncode\n```\n';
  const folder = await tempFolder({
    'entries/_story.md': storyText('retraction_window: 3650\n'),
    'entries/first.md': entryText({ slug: 'first', title: 'Talks begin in Muscat', published: '2026-05-25T09:00:00Z', extra: 'tags: [diplomacy]\nauthors:\n  - name: Jane Roe\n    url: https://newsroom.example.org/jane/\n', body }),
    'entries/second.md': entryText({ slug: 'second', title: 'A second round', published: '2026-05-26T09:00:00Z', extra: 'tags: [diplomacy, sanctions]\nsummary: Sanctions & ceasefire\ncorrection:\n  at: 2026-05-26T12:00:00Z\n  note: An earlier version gave the wrong day.\n', body }),
    'entries/third.md': entryText({ slug: 'third', title: 'An account withdrawn', published: '2026-05-27T09:00:00Z', extra: 'retracted:\n  at: 2026-05-28T09:00:00Z\n  reason: The account could not be confirmed.\n' }),
  });
  cleanup = folder.cleanup;
  await mkdir(ARTIFACTS, { recursive: true });
  service = await startServiceProcess(folder.dir);
  await service.waitFor((l) => l.event === 'build');
  const room = await tempFolder(browserNewsroom());
  cleanupNewsroom = room.cleanup;
  newsroom = await startServiceProcess(room.dir);
  await newsroom.waitFor((l) => l.event === 'build');
  chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 60_000);

afterAll(async () => {
  chrome?.kill();
  await service?.stop();
  await newsroom?.stop();
  await cleanup?.();
  await cleanupNewsroom?.();
});

describe.skipIf(noChromium)(`Lighthouse, mobile preset${withoutNote('chromium')}`, () => {
  it.each([
    ['the story page', '', 'story'],
    ['a tag page', 'tags/diplomacy/', 'tag'],
    ['a development page', 'second/', 'development'],
    ['a newsroom’s front page', '', 'front'],
  ])('scores 100 in all four categories on %s', async (name, where, artifact) => {
    const url = new URL(where, (artifact === 'front' ? newsroom : service).url).href;
    // Lighthouse's lab timings vary with the machine's load (its "variability" guide says to run it
    // more than once): a run that falls short only on the timing metrics (TBT, LCP, …) is tried again,
    // up to three runs; anything else fails at once. Every run's scores are printed.
    let failing: string[] = [];
    let scores: Record<string, number> = {};
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] });
      const lhr = result!.lhr;
      await writeFile(path.join(ARTIFACTS, `${artifact}-${attempt}.json`), JSON.stringify(lhr));
      scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]!.score ?? 0) * 100)]));
      console.log(`Lighthouse ${lhr.lighthouseVersion} on ${name}, run ${attempt} (${lhr.environment.hostUserAgent.match(/Chrome\/[\d.]+/)?.[0]}): ${CATEGORIES.map((c) => `${c} ${scores[c]}`).join(', ')}`);
      // Every audit that counts and did not pass, by category, with its title.
      const short = CATEGORIES.flatMap((c) =>
        lhr.categories[c]!.auditRefs
          .filter((ref) => ref.weight > 0 && lhr.audits[ref.id]!.score !== null && lhr.audits[ref.id]!.score! < 1)
          .map((ref) => ({ c, metric: ref.group === 'metrics', text: `${c}: ${ref.id} (${lhr.audits[ref.id]!.title}) ${lhr.audits[ref.id]!.displayValue ?? ''}`.trim() })),
      );
      failing = short.map((f) => f.text);
      if (short.length === 0 || !short.every((f) => f.c === 'performance' && f.metric)) break;
    }
    expect(failing).toEqual([]);
    expect(scores).toEqual({ performance: 100, accessibility: 100, 'best-practices': 100, seo: 100 });
  }, 300_000);
});
