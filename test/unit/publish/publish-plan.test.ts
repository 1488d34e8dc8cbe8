// The publish plan (src/publish/publish-plan.ts): what changed is uploaded, in an order where no
// feed links to an object not yet there, and only storyfeed's own objects are deleted.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { mediaTypeOfFile } from '../../../src/core/formats.js';
import { entryText, sources, storyText, tempFolder } from '../../helpers/story.js';
import { readOutputFolder } from '../../../src/publish/local-files.js';
import { formatPublishTarget, parsePublishTarget } from '../../../src/core/publish-target.js';
import { EMPTY_MANIFEST, parseManifest, renderManifest, type RemoteManifest } from '../../../src/publish/manifest.js';
import { planPublish, type LocalFile } from '../../../src/publish/publish-plan.js';

const sha = (c: string) => c.repeat(64);
const file = (key: string, c = 'a'): LocalFile => ({ key, sha256: sha(c), size: 10, contentType: mediaTypeOfFile(key) });
const manifestOf = (files: LocalFile[], pending: string[] = []): RemoteManifest => ({
  version: 1,
  objects: Object.fromEntries(files.map((f) => [f.key, { sha256: f.sha256, size: f.size, etag: `"etag-${f.key}"` }])),
  pending,
});

const STORY = ['style.css', 'feed.xsl', 'index.html', 'rss.xml', 'atom.xml', 'feed.json', 'tags/index.html', 'tags/iran/index.html', 'tags/iran/rss.xml', 'tags/iran/atom.xml', 'tags/iran/feed.json', 'archive/1/rss.xml', 'archive/1/index.html'].map((k) => file(k));
const keysOf = (plan: ReturnType<typeof planPublish>) => plan.waves.flatMap((w) => w.files.map((f) => f.key));

describe('publish plan', () => {
  it('a first publish uploads everything: assets, every page (deepest first), then every feed (deepest first), main feeds last', () => {
    const plan = planPublish({ local: STORY, manifest: EMPTY_MANIFEST, maxDeletes: 1000 });
    expect(plan.waves.map((w) => [w.name, w.files.map((f) => f.key)])).toEqual([
      ['assets', ['feed.xsl', 'style.css']],
      ['pages at depth 2', ['archive/1/index.html', 'tags/iran/index.html']],
      ['pages at depth 1', ['tags/index.html']],
      ['main pages', ['index.html']],
      ['feeds at depth 2', ['archive/1/rss.xml', 'tags/iran/atom.xml', 'tags/iran/feed.json', 'tags/iran/rss.xml']],
      ['main feeds', ['atom.xml', 'feed.json', 'rss.xml']],
    ]);
    expect(plan.deletes).toEqual([]);
    expect(plan.unchanged).toBe(0);
  });

  it('the sitemaps list pages: they go up last, after every page and feed, and are deleted before any page', () => {
    const local = [...STORY, file('sitemap.xml'), file('news-sitemap.xml'), file('some/data.xml')];
    const plan = planPublish({ local, manifest: EMPTY_MANIFEST, maxDeletes: 1000 });
    expect(plan.waves.map((w) => w.name)).toEqual(['assets', 'pages at depth 2', 'pages at depth 1', 'main pages', 'feeds at depth 2', 'main feeds', 'sitemaps']);
    expect(plan.waves[0]!.files.map((f) => f.key)).toEqual(['feed.xsl', 'some/data.xml', 'style.css']);
    expect(plan.waves.at(-1)!.files.map((f) => f.key)).toEqual(['news-sitemap.xml', 'sitemap.xml']);
    // The news sitemap emptied (no development in the last 48 hours): deleted first, then the page it listed.
    const gone = planPublish({ local: STORY.filter((f) => f.key !== 'tags/iran/index.html'), manifest: manifestOf(local), maxDeletes: 1000 });
    expect(gone.deletes).toEqual(['news-sitemap.xml', 'sitemap.xml', 'tags/iran/index.html', 'some/data.xml']);
  });

  it("a newsroom's stories.opml and stories.json name every story's feeds: they go up last, with the sitemaps (found from outside: they went up first, as assets)", () => {
    const newsroom = [file('style.css'), file('index.html'), file('rss.xml'), file('stories.opml'), file('stories.json'), file('talks/index.html'), file('talks/atom.xml'), file('sitemap.xml')];
    const plan = planPublish({ local: newsroom, manifest: EMPTY_MANIFEST, maxDeletes: 1000 });
    expect(plan.waves.at(-1)).toEqual({ name: 'sitemaps', files: [file('sitemap.xml'), file('stories.json'), file('stories.opml')] });
    expect(plan.waves[0]!.files.map((f) => f.key)).toEqual(['style.css']);
  });

  it('a sitemap cut into parts: the parts go up with the main feeds, its index (sitemap.xml) after them; parts no longer written are deleted after', () => {
    const local = [...STORY, file('sitemap-1.xml'), file('sitemap-2.xml'), file('sitemap.xml')];
    const plan = planPublish({ local, manifest: EMPTY_MANIFEST, maxDeletes: 1000 });
    expect(plan.waves.slice(-2).map((w) => [w.name, w.files.map((f) => f.key)])).toEqual([
      ['main feeds', ['atom.xml', 'feed.json', 'rss.xml', 'sitemap-1.xml', 'sitemap-2.xml']],
      ['sitemaps', ['sitemap.xml']],
    ]);
    // Back to one file: the new sitemap.xml goes up, then the parts it no longer names are deleted.
    const shrunk = planPublish({ local: [...STORY, file('sitemap.xml', 'b')], manifest: manifestOf(local), maxDeletes: 1000 });
    expect(shrunk.waves.map((w) => [w.name, w.files.map((f) => f.key)])).toEqual([['sitemaps', ['sitemap.xml']]]);
    expect(shrunk.deletes).toEqual(['sitemap-1.xml', 'sitemap-2.xml']);
  });

  it('a sitemap counts as an output, not an asset: one the last build did not write is not uploaded', async () => {
    const folder = await tempFolder({ 'out/index.html': 'page', 'out/sitemap.xml': 'stale', 'out/news-sitemap.xml': 'new', 'out/banner.png': 'png' });
    try {
      const snapshot = await readOutputFolder(`${folder.dir}/out`, () => false, new Set(['index.html', 'news-sitemap.xml']));
      expect(snapshot.files.map((f) => f.key)).toEqual(['banner.png', 'index.html', 'news-sitemap.xml']);
    } finally {
      await folder.cleanup();
    }
  });

  it('nothing changed: no wave, no delete', () => {
    const plan = planPublish({ local: STORY, manifest: manifestOf(STORY), maxDeletes: 1000 });
    expect(plan.waves).toEqual([]);
    expect(plan.deletes).toEqual([]);
    expect(plan.unchanged).toBe(STORY.length);
  });

  it.each([
    ['bytes changed', (m: RemoteManifest) => m, [file('rss.xml', 'b')], ['rss.xml']],
    ['recorded as pending (a publish cut off)', (m: RemoteManifest) => ({ ...m, pending: ['tags/iran/rss.xml'] }), [], ['tags/iran/rss.xml']],
  ] as const)('uploads exactly what is not up to date: %s', (_name, edit, replaced, expected) => {
    const local = STORY.map((f) => replaced.find((r) => r.key === f.key) ?? f);
    const plan = planPublish({ local, manifest: edit(manifestOf(STORY)), maxDeletes: 1000 });
    expect(keysOf(plan)).toEqual(expected);
  });

  it('with a listing: an object gone or replaced behind storyfeed’s back is uploaded again', () => {
    const listing = new Map(STORY.map((f) => [f.key, `"etag-${f.key}"`]));
    listing.delete('style.css');
    listing.set('atom.xml', '"someone-else"');
    expect(keysOf(planPublish({ local: STORY, manifest: manifestOf(STORY), listing, maxDeletes: 1000 }))).toEqual(['style.css', 'atom.xml']);
  });

  it('deletes only what it uploaded (or had pending) and the output no longer holds, after every upload, shallow first', () => {
    const without = STORY.filter((f) => !f.key.startsWith('tags/iran/'));
    const manifest = manifestOf(STORY, ['tags/gone/rss.xml']);
    const plan = planPublish({ local: without.map((f) => (f.key === 'tags/index.html' ? file(f.key, 'c') : f)), manifest, maxDeletes: 1000 });
    expect(keysOf(plan)).toEqual(['tags/index.html']);
    expect(plan.deletes).toEqual(['tags/gone/rss.xml', 'tags/iran/atom.xml', 'tags/iran/feed.json', 'tags/iran/rss.xml', 'tags/iran/index.html']);
    expect(plan.tooManyDeletes).toBeUndefined();
  });

  it('refuses more deletes than --max-deletes (a wrong prefix or an empty build)', () => {
    const plan = planPublish({ local: [], manifest: manifestOf(STORY), maxDeletes: 5 });
    expect(plan.tooManyDeletes).toEqual({ count: STORY.length, max: 5 });
  });
});

describe('remote manifest', () => {
  it('round-trips, sorted, stable bytes', () => {
    const m = { ...manifestOf([file('b.xml'), file('a/rss.xml')], ['z.html']), writtenBy: 'me', writtenAt: '2026-05-27T09:00:00Z' };
    const text = renderManifest(m);
    expect(parseManifest(text)).toEqual({ ok: true, manifest: m });
    expect(text.indexOf('a/rss.xml')).toBeLessThan(text.indexOf('b.xml'));
    expect(renderManifest({ ...m, objects: Object.fromEntries(Object.entries(m.objects).reverse()) })).toBe(text);
  });

  it.each([
    ['not json', 'it is not JSON'],
    ['{"version":1,"objects":[]}', '`objects` is not an object'],
    ['{"version":2,"objects":{}}', 'its version 2 is not 1 (written by a newer storyfeed?)'],
    ['{"version":1,"objects":{"x":{"sha256":"zz","size":1,"etag":"e"}}}', 'its record of `x` is not {sha256, size, etag}'],
    ['{"version":1,"objects":{"../x":{"sha256":"' + 'a'.repeat(64) + '","size":1,"etag":"e"}}}', 'its record of `../x` is not {sha256, size, etag}'],
    ['{"version":1,"objects":{},"pending":[".storyfeed/lease"]}', '`pending` is not a list of keys'],
  ])('refuses %s', (text, problem) => {
    const r = parseManifest(text);
    expect(r.ok ? 'ok' : r.problem).toBe(problem);
  });
});

describe('publish target', () => {
  it.each([
    ['s3://bucket', 'bucket', ''],
    ['s3://bucket/', 'bucket', ''],
    ['s3://my.bucket-1/stories/iran', 'my.bucket-1', 'stories/iran/'],
    ['s3://bucket/stories/iran/', 'bucket', 'stories/iran/'],
  ])('%s → bucket %s, prefix %s', (text, bucket, prefix) => {
    const r = parsePublishTarget(text);
    expect(r).toEqual({ ok: true, target: { bucket, prefix } });
    if (r.ok) expect(parsePublishTarget(formatPublishTarget(r.target))).toEqual(r);
  });

  it.each(['https://bucket/x', 's3://', 's3://B', 's3://ab', 's3://bucket/a//b/', 's3://bucket/../x/', 's3://a..b'])('refuses %s', (text) => {
    expect(parsePublishTarget(text).ok).toBe(false);
  });
});

describe('`publish:` in _story.md', () => {
  const compileStory = (value: string) =>
    compile({ sources: sources({ '_story.md': storyText(`publish: ${value}\n`), 'a.md': entryText({ slug: 'a' }) }), now: new Date('2026-06-01T00:00:00Z') });

  it('is read as an s3:// address, the prefix made a folder', () => {
    const r = compileStory('s3://my-bucket/stories/test');
    expect(r.diagnostics).toEqual([]);
    expect(r.story?.publish).toBe('s3://my-bucket/stories/test/');
  });

  it('anything else is E_PUBLISH_INVALID at its line', () => {
    const r = compileStory('https://my-bucket.s3.amazonaws.com/');
    expect(r.diagnostics.map((d) => [d.code, d.file, d.message])).toEqual([['E_PUBLISH_INVALID', '_story.md', '`publish`: `https://my-bucket.s3.amazonaws.com/` is not an s3://BUCKET[/PREFIX/] address']]);
    expect(r.diagnostics[0]!.line).toBe(storyText('publish: x\n').split('\n').findIndex((l) => l.startsWith('publish:')) + 1);
  });
});
