// The build's half of the sitemaps (src/build/sitemaps.ts): the `sitemap` package serializes what
// the core planned, declaring only the namespaces used; a bad item is an error the build sees (a
// rejected promise), never one thrown from a later tick; and the writer serializes a sitemap only
// when its key or file says it must.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSitemap, withSitemaps } from '../../../src/build/sitemaps.js';
import { planSitemaps } from '../../../src/core/sitemaps.js';
import { writePlanned, type WritableFile } from '../../../src/io/write-outputs.js';
import { tempFolder } from '../../helpers/story.js';

const BASE = 'https://newsroom.example.org/stories/test/feeds/';
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const news = { name: 'Desk', language: 'en', published: '2026-05-31T12:00:00Z', title: 'A & B' };
const sitemaps = planSitemaps([{ loc: BASE, lastmod: '2026-05-31T12:00:00Z' }, { loc: `${BASE}a/` }], [{ loc: `${BASE}a/`, news }], BASE);
const noSlots = () => {
  throw new Error('a sitemap has no entry slots');
};

describe('renderSitemap', () => {
  it('writes the urlset with only the namespaces it uses', async () => {
    const [pages, recent] = await Promise.all(sitemaps.map(renderSitemap));
    expect(pages).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${BASE}</loc><lastmod>2026-05-31T12:00:00.000Z</lastmod></url><url><loc>${BASE}a/</loc></url></urlset>`,
    );
    expect(recent).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9" xmlns:news="http:\/\/www.google.com\/schemas\/sitemap-news\/0.9"><url>/);
    expect(recent).toContain('<news:title>A &amp; B</news:title>');
  });

  it('an item the package refuses rejects the promise (a bug in the plan), instead of throwing later', async () => {
    // The bad item second: the stream takes it on a later tick.
    const bad = planSitemaps([], [{ loc: `${BASE}a/`, news }, { loc: `${BASE}b/`, news: { ...news, published: '2026-05-30T12:00:00Z', language: 'en-GB' } }], BASE)[0]!;
    expect(bad.urls.map((u) => u.news!.language)).toEqual(['en', 'en-GB']);
    await expect(renderSitemap(bad)).rejects.toThrow(/language/);
  });
});

describe('the writer and the sitemaps', () => {
  it('serializes a sitemap only when its key or its file says so; unchanged bytes stay as they are', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    let serialized = 0;
    const files = (): WritableFile[] =>
      withSitemaps([], sitemaps).map((f) => ({
        ...f,
        render: () => {
          serialized += 1;
          return f.render();
        },
      }));
    const first = await writePlanned(folder.dir, files(), new Map(), noSlots, { durable: false });
    expect([first.written.sort(), serialized]).toEqual([['news-sitemap.xml', 'sitemap.xml'], 2]);
    expect(await readFile(path.join(folder.dir, 'sitemap.xml'), 'utf8')).toBe(await renderSitemap(sitemaps[0]!));
    // Keys and files as recorded: not serialized at all.
    const second = await writePlanned(folder.dir, files(), first.records, noSlots, { durable: false });
    expect([second.written, second.rendered, serialized]).toEqual([[], 0, 2]);
    // Without records: serialized, compared, not rewritten.
    const third = await writePlanned(folder.dir, files(), new Map(), noSlots, { durable: false });
    expect([third.written, third.rendered, serialized]).toEqual([[], 2, 4]);
    // A file changed by hand: serialized again and put back.
    await writeFile(path.join(folder.dir, 'news-sitemap.xml'), 'tampered');
    const fourth = await writePlanned(folder.dir, files(), second.records, noSlots, { durable: false });
    expect([fourth.written, serialized]).toEqual([['news-sitemap.xml'], 5]);
    expect(await readFile(path.join(folder.dir, 'news-sitemap.xml'), 'utf8')).toBe(await renderSitemap(sitemaps[1]!));
  });
});
