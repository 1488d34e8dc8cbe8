// Publishing to a real S3 API (moto_server on 127.0.0.1, helpers/moto.ts), through a counting proxy
// that logs every request: issue 16's cases, one test each.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lastBuildOutputs } from '../../src/build/published-outputs.js';
import { mediaTypeOfFile } from '../../src/core/formats.js';
import { isUserError } from '../../src/errors.js';
import { publish, type PublishOptions } from '../../src/publish/index.js';
import { openS3Store, type ObjectStore } from '../../src/publish/s3-store.js';
import { storyFolder } from '../helpers/builds.js';
import { listFiles } from '../helpers/files.js';
import { createBucket, exists, getObject, listKeys, motoClient, putRaw, startCountingProxy, startMoto, TEST_CREDENTIALS, type CountingProxy, type Moto } from '../helpers/moto.js';
import { entryText, FEED_BASE, storyText } from '../helpers/story.js';
import { skipWithout, withoutNote } from '../helpers/tools.js';

const BUCKET = 'newsroom-feeds';
const NOW = new Date('2026-05-27T00:00:00Z');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function storyFiles(): Record<string, string> {
  return {
    'entries/_story.md': storyText('retraction_window: 0\nttl: 7\n'),
    ...Object.fromEntries(['a', 'b', 'c'].map((s, i) => [`entries/${s}.md`, entryText({ slug: s, published: `2026-05-26T0${i + 1}:00:00Z`, extra: `tags: [common, only-${s}]\n` })])),
  };
}

/** The files publish reads from `out`: every file but hidden bookkeeping, by relative path. */
async function localFiles(out: string): Promise<Map<string, Buffer>> {
  const built = lastBuildOutputs(out);
  const keys = (await listFiles(out)).filter((k) => !k.split('/').some((s) => s.startsWith('.')) && (!built || built.has(k) || !/\.(xml|json|html)$/.test(k)));
  return new Map(await Promise.all(keys.map(async (k) => [k, await readFile(path.join(out, k))] as const)));
}

/**
 * Every link from a published feed into the feed folder names an object that exists: the
 * invariant a reader of the CDN relies on at every moment (issue 16). Pages are not held to it:
 * a page and its folder's feeds link each other, and a tag page links up to the story page that
 * links down to it, so on a first publish one of each pair goes first.
 */
async function brokenLinks(client: S3Client, prefix: string): Promise<string[]> {
  const keys = new Set((await listKeys(client, BUCKET, prefix)).map((k) => k.slice(prefix.length)));
  const broken: string[] = [];
  for (const key of keys) {
    if (!/\.(xml|json)$/.test(key) || key.startsWith('.storyfeed/')) continue;
    const text = (await getObject(client, BUCKET, prefix + key)).body.toString('utf8');
    const base = new URL(key, FEED_BASE);
    // Attributes and JSON strings, and a sitemap's <loc>.
    const links = [...text.matchAll(/(?:href|src)="([^"]+)"|"(https?:\/\/[^"]+)"|<loc>([^<]+)<\/loc>/g)].map((m) => (m[1] ?? m[2] ?? m[3])!.replace(/&amp;/g, '&'));
    for (const link of links) {
      const url = new URL(link, base);
      url.hash = '';
      if (!url.href.startsWith(FEED_BASE)) continue;
      let target = decodeURIComponent(url.href.slice(FEED_BASE.length));
      if (target === '' || target.endsWith('/')) target += 'index.html';
      if (!keys.has(target)) broken.push(`${key} → ${target}`);
    }
  }
  return broken;
}

describe.skipIf(skipWithout('moto_server'))(`publish to S3-compatible storage (moto_server)${withoutNote('moto_server')}`, () => {
  let moto: Moto;
  let proxy: CountingProxy;
  let client: S3Client;
  const cleanups: Array<() => Promise<void>> = [];
  let unavailable: Error | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    // The SDK's default chain reads the environment: the test credentials, nothing of the developer's.
    try {
      Object.assign(process.env, TEST_CREDENTIALS);
      moto = await startMoto();
      client = motoClient(moto.endpoint);
      await createBucket(client, BUCKET);
      proxy = await startCountingProxy(moto.endpoint, BUCKET);
    } catch (error) {
      // Under CI=true a missing moto_server fails every test here, by name, with the reason.
      unavailable = error as Error;
    }
  });
  beforeEach(() => {
    if (unavailable) throw unavailable;
  });
  afterAll(async () => {
    await proxy?.close();
    client?.destroy();
    await moto?.stop();
    await Promise.all(cleanups.map((c) => c()));
    for (const k of Object.keys(TEST_CREDENTIALS)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  });

  const run = (out: string, prefix: string, extra: Partial<PublishOptions> = {}) =>
    publish({ outDir: out, to: `s3://${BUCKET}/${prefix}`, endpoint: proxy.endpoint, env: process.env, builtOutputs: () => lastBuildOutputs(out), sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))), ...extra });
  const since = (mark: number) => proxy.log.slice(mark);
  const objectWrites = (log: typeof proxy.log) => log.filter((r) => (r.method === 'PUT' || r.method === 'DELETE') && !r.key.includes('.storyfeed/'));

  describe('one story, publish after publish', () => {
    const prefix = 'stories/test/';
    let story: Awaited<ReturnType<typeof storyFolder>>;

    beforeAll(async () => {
      if (unavailable) return;
      story = await storyFolder(storyFiles(), cleanups, NOW);
      expect((await story.run()).ok).toBe(true);
      // Objects the newsroom keeps beside the feeds: storyfeed never uploaded them, so never touches them.
      await putRaw(client, BUCKET, `${prefix}banner.png`, 'the newsroom’s banner', 'image/png');
      await putRaw(client, BUCKET, `${prefix}tags/notes.txt`, 'desk notes');
    });

    it('a first publish uploads every file with its bytes, Content-Type, Cache-Control and sha256', async () => {
      const mark = proxy.log.length;
      const result = await run(story.out, prefix);
      const local = await localFiles(story.out);
      // The sitemaps among them, after every page they list.
      expect([...local.keys()]).toEqual(expect.arrayContaining(['sitemap.xml', 'news-sitemap.xml']));
      const puts = objectWrites(since(mark)).filter((r) => r.method === 'PUT').map((r) => r.key.slice(prefix.length));
      const lastPage = Math.max(...puts.flatMap((k, i) => (k.endsWith('.html') ? [i] : [])));
      expect(puts.indexOf('sitemap.xml')).toBeGreaterThan(lastPage);
      expect(puts.indexOf('news-sitemap.xml')).toBeGreaterThan(lastPage);
      expect([...result.uploaded].sort()).toEqual([...local.keys()].sort());
      for (const [key, bytes] of local) {
        const o = await getObject(client, BUCKET, prefix + key);
        expect(o.body.equals(bytes), key).toBe(true);
        expect(o.contentType, key).toBe(mediaTypeOfFile(key));
        expect(o.cacheControl, key).toBe('public, max-age=300, stale-while-revalidate=300');
        expect(o.metadata['sha256'], key).toBe(sha256(bytes));
      }
      expect(mediaTypeOfFile('rss.xml')).toBe('application/rss+xml; charset=utf-8');
      expect(await exists(client, BUCKET, `${prefix}.storyfeed/publish.json`)).toBe(true);
      expect(await exists(client, BUCKET, `${prefix}.storyfeed/lease`)).toBe(false);
      expect(await brokenLinks(client, prefix)).toEqual([]);
    });

    it('a publish with nothing changed makes 0 PUTs (and deletes nothing)', async () => {
      const mark = proxy.log.length;
      const result = await run(story.out, prefix);
      expect(result.uploaded).toEqual([]);
      expect(since(mark).filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);
    });

    it('a new Cache-Control (a ttl or --cache-control changed) goes on every object, not only the changed ones (found from outside); then nothing to do', async () => {
      const local = await localFiles(story.out);
      for (const cacheControl of ['no-cache', undefined]) {
        const mark = proxy.log.length;
        const result = await run(story.out, prefix, cacheControl ? { cacheControl } : {});
        expect(result.uploaded.length).toBe(local.size);
        for (const key of ['rss.xml', 'index.html', 'style.css']) expect((await getObject(client, BUCKET, prefix + key)).cacheControl, key).toBe(cacheControl ?? 'public, max-age=300, stale-while-revalidate=300');
        expect(objectWrites(since(mark)).filter((r) => r.method === 'DELETE')).toEqual([]);
        expect((await run(story.out, prefix, cacheControl ? { cacheControl } : {})).uploaded).toEqual([]);
      }
    });

    it('one entry changed: exactly the files whose bytes changed are uploaded', async () => {
      const before = await localFiles(story.out);
      await writeFile(path.join(story.entriesDir, 'b.md'), entryText({ slug: 'b', published: '2026-05-26T02:00:00Z', extra: 'tags: [common, only-b]\n', body: 'A new paragraph for b.' }));
      expect((await story.run()).ok).toBe(true);
      const after = await localFiles(story.out);
      const changed = [...after.keys()].filter((k) => !before.get(k)?.equals(after.get(k)!)).sort();
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.length).toBeLessThan(after.size);
      const mark = proxy.log.length;
      await run(story.out, prefix);
      expect(objectWrites(since(mark)).map((r) => r.key.slice(prefix.length)).sort()).toEqual(changed);
      expect(objectWrites(since(mark)).filter((r) => r.method === 'DELETE')).toEqual([]);
    });

    it('a retracted and untagged entry: its tag feed’s objects are deleted, after the feeds that dropped it', async () => {
      await writeFile(path.join(story.entriesDir, 'c.md'), entryText({ slug: 'c', published: '2026-05-26T03:00:00Z', extra: 'tags: [common]\nretracted: {at: 2026-05-26T12:00:00Z, reason: Wrong figures.}\n' }));
      expect((await story.run()).ok).toBe(true);
      const mark = proxy.log.length;
      const result = await run(story.out, prefix);
      const log = since(mark);
      const deletes = objectWrites(log).filter((r) => r.method === 'DELETE').map((r) => r.key.slice(prefix.length)).sort();
      // Its own page goes too (past its retraction window at this clock, like its stubs).
      expect(deletes).toEqual(['c/index.html', 'tags/only-c/atom.xml', 'tags/only-c/feed.json', 'tags/only-c/index.html', 'tags/only-c/rss.xml']);
      expect([...result.deleted].sort()).toEqual(deletes);
      // The documents that linked to the tag (the tag index, the story's feeds and page) were uploaded first.
      const lastPut = Math.max(...log.map((r, i) => (r.method === 'PUT' && !r.key.includes('.storyfeed/') ? i : -1)));
      const firstDelete = log.findIndex((r) => r.method === 'DELETE' && !r.key.includes('.storyfeed/'));
      expect(objectWrites(log).map((r) => r.key.slice(prefix.length))).toEqual(expect.arrayContaining(['tags/index.html', 'rss.xml', 'atom.xml', 'feed.json', 'index.html']));
      expect(firstDelete).toBeGreaterThan(lastPut);
      for (const key of deletes) expect(await exists(client, BUCKET, prefix + key)).toBe(false);
      expect(await brokenLinks(client, prefix)).toEqual([]);
    });

    it('objects the newsroom put there itself survive every publish', async () => {
      expect((await getObject(client, BUCKET, `${prefix}banner.png`)).body.toString()).toBe('the newsroom’s banner');
      expect((await getObject(client, BUCKET, `${prefix}tags/notes.txt`)).body.toString()).toBe('desk notes');
      expect(proxy.log.filter((r) => r.method === 'DELETE' && /banner|notes/.test(r.key))).toEqual([]);
    });

    it('--max-deletes: more deletes than allowed stops before changing anything', async () => {
      const empty = await storyFolder({ 'out/only.css': 'p{}' }, cleanups, NOW);
      const mark = proxy.log.length;
      const error = await run(empty.out, prefix, { maxDeletes: 3 }).catch((e: unknown) => e);
      expect(isUserError(error, 'publish')).toBe(true);
      expect((error as Error).message).toMatch(/^\d+ objects would be deleted from s3:\/\/newsroom-feeds\/stories\/test\/ .*, more than --max-deletes 3; nothing was changed/);
      expect(since(mark).filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);
    });
  });

  describe('two publishers', () => {
    it('a lease held by another builder: refuse at once naming holder and expiry, or wait for it', async () => {
      const prefix = 'lease/held/';
      const story = await storyFolder(storyFiles(), cleanups, NOW);
      await story.run();
      const expires = new Date(Date.now() + 3_600_000).toISOString();
      await putRaw(client, BUCKET, `${prefix}.storyfeed/lease`, JSON.stringify({ holder: 'builder-b on host2', expires }));
      const error = await run(story.out, prefix).catch((e: unknown) => e);
      expect(isUserError(error, 'publish')).toBe(true);
      expect((error as Error).message).toBe(`another publisher holds the lease on s3://${BUCKET}/${prefix} at ${proxy.endpoint}: builder-b on host2, until ${expires}; try again later or pass --wait SECONDS`);
      expect(await exists(client, BUCKET, `${prefix}rss.xml`)).toBe(false);

      // With --wait, the holder letting go lets this one through.
      setTimeout(() => void import('@aws-sdk/client-s3').then(({ DeleteObjectCommand }) => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}.storyfeed/lease` }))), 400);
      const result = await run(story.out, prefix, { waitSeconds: 10, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 100))) });
      expect(result.uploaded.length).toBeGreaterThan(0);
    });

    it('a stale lease is taken over with a compare-and-swap (If-Match), never a blind delete', async () => {
      const prefix = 'lease/stale/';
      const story = await storyFolder(storyFiles(), cleanups, NOW);
      await story.run();
      await putRaw(client, BUCKET, `${prefix}.storyfeed/lease`, JSON.stringify({ holder: 'crashed builder', expires: '2026-01-01T00:00:00.000Z' }));
      const mark = proxy.log.length;
      const result = await run(story.out, prefix);
      expect(result.uploaded.length).toBeGreaterThan(0);
      const leaseWrites = since(mark).filter((r) => r.key === `${prefix}.storyfeed/lease` && r.method !== 'GET');
      expect(leaseWrites[0]).toMatchObject({ method: 'PUT', ifNoneMatch: '*', status: 412 });
      expect(leaseWrites[1]).toMatchObject({ method: 'PUT', status: 200 });
      expect(leaseWrites[1]!.ifMatch).toBeDefined();
      // The only DELETE of the lease is this publisher releasing its own version.
      expect(leaseWrites.filter((r) => r.method === 'DELETE').every((r) => r.ifMatch !== undefined)).toBe(true);
    });

    it('a manifest storyfeed did not write stops the publish before any write (is --to the right prefix?)', async () => {
      const prefix = 'foreign/';
      const story = await storyFolder(storyFiles(), cleanups, NOW);
      await story.run();
      await putRaw(client, BUCKET, `${prefix}.storyfeed/publish.json`, '{"files": []}');
      const mark = proxy.log.length;
      const error = await run(story.out, prefix).catch((e: unknown) => e);
      expect((error as Error).message).toBe(`s3://${BUCKET}/${prefix}.storyfeed/publish.json is not a storyfeed manifest (it has no \`version\`); is --to the right prefix?`);
      expect(since(mark).filter((r) => r.method === 'PUT' || r.method === 'DELETE')).toEqual([]);
    });

    it('the manifest is written with If-Match: if someone else wrote it meanwhile, stop with a clear message', async () => {
      const prefix = 'lease/manifest-cas/';
      const story = await storyFolder(storyFiles(), cleanups, NOW);
      await story.run();
      await run(story.out, prefix);
      await writeFile(path.join(story.entriesDir, 'a.md'), entryText({ slug: 'a', published: '2026-05-26T01:00:00Z', extra: 'tags: [common, only-a]\n', body: 'Changed.' }));
      await story.run();
      // A writer that ignores the lease (a stalled holder, a store without conditional writes)
      // rewrites the manifest while this publish uploads.
      const real = openS3Store({ target: { bucket: BUCKET, prefix }, endpoint: proxy.endpoint, env: process.env });
      let interfered = false;
      const store: ObjectStore = {
        ...real,
        where: real.where,
        url: real.url,
        async put(key, body, options) {
          if (!interfered && !key.startsWith('.storyfeed/')) {
            interfered = true;
            await putRaw(client, BUCKET, `${prefix}.storyfeed/publish.json`, JSON.stringify({ version: 1, objects: {}, pending: [] }));
          }
          return real.put(key, body, options);
        },
      };
      const error = await run(story.out, prefix, { store }).catch((e: unknown) => e);
      real.close();
      expect(isUserError(error, 'publish')).toBe(true);
      expect((error as Error).message).toBe(`s3://${BUCKET}/${prefix}.storyfeed/publish.json was changed by another publisher during this publish; stopped (run publish again)`);
      expect(await exists(client, BUCKET, `${prefix}.storyfeed/lease`)).toBe(false);
    });

    it('two publishers at once: one holds the lease, the other refuses or finds the work done; nothing is uploaded twice', async () => {
      const prefix = 'lease/race/';
      const story = await storyFolder(storyFiles(), cleanups, NOW);
      await story.run();
      const mark = proxy.log.length;
      const outcomes = await Promise.allSettled([run(story.out, prefix, { holder: 'one' }), run(story.out, prefix, { holder: 'two' })]);
      expect(outcomes.some((o) => o.status === 'fulfilled' && o.value.uploaded.length > 0)).toBe(true);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect(String((o.reason as Error).message)).toMatch(/^another publisher holds the lease on .*: (one|two), until \d{4}-/);
        else if (o.value.uploaded.length === 0) expect(o.value.unchanged).toBe((await localFiles(story.out)).size);
      }
      const puts = objectWrites(since(mark)).filter((r) => r.method === 'PUT').map((r) => r.key);
      expect(puts.length).toBe(new Set(puts).size);
      expect(puts.length).toBe((await localFiles(story.out)).size);
    });
  });

  describe('a server that stops mid-publish', () => {
    it.each([
      ['on the first publish', 0],
      ['on a later publish with a new tag', 1],
    ])('%s: no feed ever links to a missing object, and the next publish completes it', async (_name, earlier) => {
      const prefix = `cut/${earlier}/`;
      const story = await storyFolder(storyFiles(), cleanups, NOW);
      await story.run();
      if (earlier) {
        await run(story.out, prefix);
        await writeFile(path.join(story.entriesDir, 'd.md'), entryText({ slug: 'd', published: '2026-05-26T05:00:00Z', extra: 'tags: [common, fresh-tag]\n' }));
        await story.run();
      }
      proxy.downAfterPuts = proxy.puts().length + 6;
      const error = await run(story.out, prefix).catch((e: unknown) => e);
      proxy.downAfterPuts = undefined;
      proxy.down = false;
      expect(isUserError(error, 'publish')).toBe(true);
      expect((error as Error).message).toMatch(/^cannot reach s3:\/\/newsroom-feeds\/cut\/\d\/ at http:\/\/127\.0\.0\.1:\d+ \(.+\) while trying to upload .+; check the endpoint and the network$/);
      expect(await brokenLinks(client, prefix)).toEqual([]);
      if (!earlier) expect(await exists(client, BUCKET, `${prefix}rss.xml`)).toBe(false);

      const result = await run(story.out, prefix);
      expect(result.uploaded.length).toBeGreaterThan(0);
      const local = await localFiles(story.out);
      const remote = (await listKeys(client, BUCKET, prefix)).map((k) => k.slice(prefix.length)).filter((k) => !k.startsWith('.storyfeed/'));
      expect(remote).toEqual([...local.keys()].sort());
      for (const [key, bytes] of local) expect((await getObject(client, BUCKET, prefix + key)).body.equals(bytes), key).toBe(true);
      expect(await brokenLinks(client, prefix)).toEqual([]);
      // And then it is done: nothing more to upload.
      expect((await run(story.out, prefix)).uploaded).toEqual([]);
    });
  });
});
