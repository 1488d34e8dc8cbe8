// The sitemaps through the real program (`storyfeed build`): written at the root of the output
// folder with the other outputs, not rewritten when nothing changed, the news sitemap emptied (and
// deleted) when its last development ages past 48 hours — which the start-up fast path must not
// answer "no change" to — and, for a newsroom, one pair at its root.
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastBuild } from '../../src/build/published-outputs.js';
import { CACHE_PATH, MANIFEST_PATH } from '../../src/io/state-folder.js';
import { runCli } from '../helpers/cli.js';
import { newsroomEntryText, newsroomStoryText, newsroomText, NEWSROOM_FEEDS } from '../helpers/newsroom.js';
import { checkSitemap } from '../helpers/checkers.js';
import { entryText, FEED_BASE, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const FAST = /no change since the last build/;

async function workspace(files: Record<string, string>) {
  const folder = await tempFolder(Object.fromEntries(Object.entries(files).map(([k, v]) => [`entries/${k}`, v])));
  cleanups.push(folder.cleanup);
  const build = (now: string) => runCli(['build', '--entries', 'entries', '--out', 'out', '--now', now], { cwd: folder.dir });
  const out = (p: string) => path.join(folder.dir, 'out', p);
  return { dir: folder.dir, build, out };
}

describe('storyfeed build writes the sitemaps', () => {
  const story = {
    '_story.md': storyText(),
    'a.md': entryText({ slug: 'a', title: 'Talks open', published: '2026-05-26T09:00:00Z', extra: 'tags: [diplomacy]\n' }),
    'b.md': entryText({ slug: 'b', title: 'Deal & <details>', published: '2026-05-31T09:00:00Z' }),
    'later.md': entryText({ slug: 'later', title: 'Embargoed', published: '2026-06-05T09:00:00Z' }),
  };

  it('at the root, valid, listed as outputs (publish uploads them); unchanged bytes are not rewritten', async () => {
    const ws = await workspace(story);
    const first = await ws.build('2026-06-01T00:00:00Z');
    expect(first.code).toBe(0);
    const sitemap = await readFile(ws.out('sitemap.xml'), 'utf8');
    const news = await readFile(ws.out('news-sitemap.xml'), 'utf8');
    expect(await checkSitemap(sitemap)).toEqual([]);
    expect(await checkSitemap(news)).toEqual([]);
    expect(sitemap).toContain(`<loc>${FEED_BASE}a/</loc><lastmod>2026-05-26T09:00:00.000Z</lastmod>`);
    expect(sitemap).toContain(`<loc>${FEED_BASE}tags/diplomacy/</loc>`);
    expect(news).toContain(`<loc>${FEED_BASE}b/</loc>`);
    expect(news).toContain('<news:title>Deal &amp; &lt;details&gt;</news:title>');
    expect(news).not.toContain(`${FEED_BASE}a/`);
    for (const text of [sitemap, news]) expect(text).not.toContain('later');
    expect([...lastBuild(ws.out(''))!.outputs].filter((p) => p.endsWith('sitemap.xml')).sort()).toEqual(['news-sitemap.xml', 'sitemap.xml']);
    expect(first.stdout).toMatch(/wrote \d+ files/);

    // A full build a few hours later, without the manifest or the build cache (so every output is
    // rendered and compared with the file on disk), nothing changed: the same bytes, neither file touched.
    const mtimes = await Promise.all(['sitemap.xml', 'news-sitemap.xml'].map(async (p) => (await stat(ws.out(p))).mtimeMs));
    for (const f of [MANIFEST_PATH, CACHE_PATH]) await rm(ws.out(f));
    const again = await ws.build('2026-06-01T05:00:00Z');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/rendered (\d+) of \1 outputs/);
    expect(await Promise.all(['sitemap.xml', 'news-sitemap.xml'].map(async (p) => (await stat(ws.out(p))).mtimeMs))).toEqual(mtimes);
    expect(await readFile(ws.out('sitemap.xml'), 'utf8')).toBe(sitemap);
  });

  it('48 hours after the last recent development the news sitemap goes: the fast path does not answer "no change"', async () => {
    const ws = await workspace(story);
    expect((await ws.build('2026-06-01T00:00:00Z')).code).toBe(0);
    const sitemap = await readFile(ws.out('sitemap.xml'), 'utf8');
    // Within the window nothing changes, and the fast path says so.
    expect((await ws.build('2026-06-02T08:59:59Z')).stdout).toMatch(FAST);
    expect(existsSync(ws.out('news-sitemap.xml'))).toBe(true);
    // At b's 48th hour it leaves: the news sitemap has nothing left and is deleted.
    const aged = await ws.build('2026-06-02T09:00:00Z');
    expect(aged.code).toBe(0);
    expect(aged.stdout).not.toMatch(FAST);
    expect(existsSync(ws.out('news-sitemap.xml'))).toBe(false);
    expect(await readFile(ws.out('sitemap.xml'), 'utf8')).toBe(sitemap);
    expect([...lastBuild(ws.out(''))!.outputs]).not.toContain('news-sitemap.xml');
    // The embargoed entry comes out: in both again.
    expect((await ws.build('2026-06-05T09:00:00Z')).code).toBe(0);
    expect(await readFile(ws.out('news-sitemap.xml'), 'utf8')).toContain(`<loc>${FEED_BASE}later/</loc>`);
    expect(await readFile(ws.out('sitemap.xml'), 'utf8')).toContain(`<loc>${FEED_BASE}later/</loc>`);
  });
});

describe('a folder built before the sitemaps', () => {
  it('gets them on the next build: its manifest (which lists none) cannot answer "no change"', async () => {
    const ws = await workspace({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', published: '2026-05-31T09:00:00Z' }) });
    expect((await ws.build('2026-06-01T00:00:00Z')).code).toBe(0);
    // The folder as the version before wrote it: no sitemaps, a manifest of its version without them.
    const manifestFile = ws.out(MANIFEST_PATH);
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { version: string; outputs: Record<string, unknown> };
    for (const f of ['sitemap.xml', 'news-sitemap.xml']) {
      await rm(ws.out(f));
      delete manifest.outputs[f];
    }
    // manifestVersion() of the release before the sitemaps (MANIFEST_VERSION.CACHE_VERSION.RENDER_VERSION).
    manifest.version = '2.7.5';
    await writeFile(manifestFile, `${JSON.stringify(manifest)}\n`);
    const next = await ws.build('2026-06-01T00:00:00Z');
    expect(next.stdout).not.toMatch(FAST);
    expect(next.stdout).toMatch(/rendered 2 of \d+ outputs/);
    expect(existsSync(ws.out('sitemap.xml')) && existsSync(ws.out('news-sitemap.xml'))).toBe(true);
  });
});

describe('storyfeed build of a newsroom writes one pair of sitemaps, at its root', () => {
  it('the front page and every story’s pages; the news of every story; none in the story folders', async () => {
    const ws = await workspace({
      '_newsroom.md': newsroomText().replace(/home_page: .*\n/, ''),
      'talks/_story.md': newsroomStoryText('talks', '', 'Talks'),
      'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-31T09:00:00Z'),
      'storm/_story.md': newsroomStoryText('storm', '', 'Storm'),
      'storm/a.md': newsroomEntryText('storm', 'a', '2026-05-20T09:00:00Z'),
    });
    expect((await ws.build('2026-06-01T00:00:00Z')).code).toBe(0);
    const sitemap = await readFile(ws.out('sitemap.xml'), 'utf8');
    const news = await readFile(ws.out('news-sitemap.xml'), 'utf8');
    expect(await checkSitemap(sitemap)).toEqual([]);
    expect(await checkSitemap(news)).toEqual([]);
    for (const p of ['', 'storm/', 'storm/a/', 'talks/', 'talks/a/']) expect(sitemap).toContain(`<loc>${NEWSROOM_FEEDS}${p}</loc>`);
    expect(news).toContain(`<loc>${NEWSROOM_FEEDS}talks/a/</loc>`);
    expect(news).not.toContain('storm');
    expect(news).toContain('<news:name>Live Desk</news:name>');
    for (const slug of ['talks', 'storm']) for (const f of ['sitemap.xml', 'news-sitemap.xml']) expect(existsSync(ws.out(`${slug}/${f}`))).toBe(false);
    expect([...lastBuild(ws.out(''))!.outputs].filter((p) => p.endsWith('sitemap.xml')).sort()).toEqual(['news-sitemap.xml', 'sitemap.xml']);
  });
});
