// Debian's Chromium driven by playwright-core (never a downloaded browser), and what the page tests
// share: a page on a folder served by `storyfeed start` that records every request and lets none
// leave 127.0.0.1, and axe-core's serious and critical violations on the page shown.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServiceProcess, type ServiceProcess } from './service.js';

export const CHROMIUM = '/usr/bin/chromium';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export interface ServedPage {
  readonly service: ServiceProcess;
  readonly browser: Browser;
  readonly page: Page;
  /** Requests that left 127.0.0.1 (blocked), and any for `/favicon.ico` (every page names its icon). */
  readonly external: string[];
  close(): Promise<void>;
}

/** `storyfeed start` in `dir`, its first build done (and ok), and a page in Chromium that may not leave 127.0.0.1. */
export async function openServedPage(dir: string, prepare?: (context: BrowserContext, url: string) => Promise<void>): Promise<ServedPage> {
  const service = await startServiceProcess(dir);
  const built = await service.waitFor((l) => l.event === 'build');
  if (built['ok'] !== true) throw new Error(`the first build failed: ${JSON.stringify(built)}`);
  const browser = await launchChromium();
  const context = await browser.newContext();
  await prepare?.(context, service.url);
  const page = await context.newPage();
  const external: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith('http://127.0.0.1') || new URL(req.url()).pathname === '/favicon.ico') external.push(req.url());
  });
  await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
  return { service, browser, page, external, close: async () => { await browser.close(); await service.stop(); } };
}

/** axe-core's serious and critical violations on the page shown, as `id (impact)`. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: await readFile(AXE, 'utf8') });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact})`);
}
