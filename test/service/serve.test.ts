// The embedded server on a real socket: media types, validators, conditional GET, gzip, HEAD,
// traversal attempts, and readers never seeing a half-written file.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip, prefersHtml, resolveRequestPath, startServer, type RunningServer } from '../../src/service/serve.js';
import { tempFolder } from '../helpers/story.js';
import { MEDIA_TYPES } from '../../src/core/formats.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request: the path goes out exactly as written (fetch would normalize `..`). */
function request(server: RunningServer, rawPath: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const RSS = `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>${'x'.repeat(600)}</title></channel></rss>\n`;
let out: string;
let server: RunningServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const folder = await tempFolder({
    'out/rss.xml': RSS,
    'out/atom.xml': '<feed xmlns="http://www.w3.org/2005/Atom"/>',
    'out/feed.json': '{"version":"https://jsonfeed.org/version/1.1"}',
    'out/index.html': '<!doctype html><title>t</title>',
    'out/feed.xsl': '<xsl:stylesheet/>',
    'out/sitemap.xml': '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
    'out/news-sitemap.xml': '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
    'out/tags/x/rss.xml': RSS,
    'out/archive/1/feed.json': '{}',
    'out/.storyfeed.lock/pid': '1',
    'out/.storyfeed/ledger.json': '{}',
    'out/.storyfeed-tmp-123': 'partial',
    'secret.txt': 'outside',
  });
  cleanups.push(folder.cleanup);
  out = path.join(folder.dir, 'out');
  await symlink(path.join(folder.dir, 'secret.txt'), path.join(out, 'link-out.xml'));
  await symlink(path.join(out, 'rss.xml'), path.join(out, 'link-in.xml'));
  // Links inside the folder to its private files (found from outside: they served the ledger).
  await symlink('.storyfeed/ledger.json', path.join(out, 'ledger.json'));
  await symlink('.storyfeed', path.join(out, 'bookkeeping'));
  await symlink('../../.storyfeed/ledger.json', path.join(out, 'tags/x/ledger.json'));
  await symlink('.storyfeed-tmp-123', path.join(out, 'partial.xml'));
  await mkdir(path.join(out, 'empty-dir'));
  server = await startServer({ outDir: out, port: 0, maxAgeSeconds: 300 });
});

afterAll(async () => {
  await server.close();
  await Promise.all(cleanups.map((c) => c()));
});

describe('media types', () => {
  it.each([
    ['/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['/feed.json', 'application/feed+json; charset=utf-8'],
    ['/', 'text/html; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/feed.xsl', 'text/xsl; charset=utf-8'],
    ['/tags/x/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/archive/1/feed.json', 'application/feed+json; charset=utf-8'],
    // The sitemaps, with the type the registry writes them with (core/formats.ts).
    ['/sitemap.xml', MEDIA_TYPES.sitemap],
    ['/news-sitemap.xml', MEDIA_TYPES.newsSitemap],
  ])('%s → %s', async (p, type) => {
    const r = await request(server, p);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('public, max-age=300');
  });

  it('HEAD gives the same headers as GET and no body', async () => {
    const [get, head] = await Promise.all([request(server, '/rss.xml'), request(server, '/rss.xml', { method: 'HEAD' })]);
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const h of ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control', 'vary']) expect(head.headers[h]).toBe(get.headers[h]);
  });

  it('other methods get 405 with Allow', async () => {
    const r = await request(server, '/rss.xml', { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers['allow']).toBe('GET, HEAD, OPTIONS');
  });
});

describe('conditional GET (RFC 9110 §13)', () => {
  it('200 with a strong ETag (the hash of the bytes) and Last-Modified, then 304 for each validator', async () => {
    const first = await request(server, '/rss.xml');
    expect(first.status).toBe(200);
    const etag = first.headers['etag']!;
    expect(etag).toBe(`"${createHash('sha256').update(first.body).digest('base64url').slice(0, 27)}"`);
    expect(etag.startsWith('W/')).toBe(false);
    const byTag = await request(server, '/rss.xml', { headers: { 'If-None-Match': etag } });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    expect(byTag.headers['etag']).toBe(etag);
    const byDate = await request(server, '/rss.xml', { headers: { 'If-Modified-Since': first.headers['last-modified']! } });
    expect(byDate.status).toBe(304);
    expect((await request(server, '/rss.xml', { headers: { 'If-None-Match': `"other", ${etag}` } })).status).toBe(304);
    expect((await request(server, '/rss.xml', { headers: { 'If-None-Match': '*' } })).status).toBe(304);
  });

  it('If-None-Match takes precedence over If-Modified-Since', async () => {
    const first = await request(server, '/rss.xml');
    const r = await request(server, '/rss.xml', { headers: { 'If-None-Match': '"stale"', 'If-Modified-Since': first.headers['last-modified']! } });
    expect(r.status).toBe(200);
  });

  it('an invalid If-Modified-Since is ignored', async () => {
    expect((await request(server, '/rss.xml', { headers: { 'If-Modified-Since': 'yesterday' } })).status).toBe(200);
  });

  it('after the file is replaced: 200 again with a new ETag', async () => {
    const before = await request(server, '/atom.xml');
    const temp = path.join(out, '.storyfeed-tmp-replace');
    await writeFile(temp, '<feed xmlns="http://www.w3.org/2005/Atom"><title>new</title></feed>');
    await rename(temp, path.join(out, 'atom.xml'));
    const after = await request(server, '/atom.xml', { headers: { 'If-None-Match': before.headers['etag']! } });
    expect(after.status).toBe(200);
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
    expect(after.body.toString()).toContain('<title>new</title>');
  });
});

describe('gzip', () => {
  it('compresses when asked, with its own strong ETag and Vary', async () => {
    const plain = await request(server, '/rss.xml');
    const gz = await request(server, '/rss.xml', { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['vary']).toBe('Accept, Accept-Encoding');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.headers['etag']).not.toBe(plain.headers['etag']);
    expect((await request(server, '/rss.xml', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers['etag']! } })).status).toBe(304);
  });

  it.each([
    ['gzip', true],
    ['gzip;q=0', false],
    ['br, gzip;q=0.5', true],
    ['*', true],
    ['*;q=0', false],
    ['identity', false],
    [undefined, false],
  ])('Accept-Encoding %s → gzip %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('gzip;q=0 gets identity', async () => {
    const r = await request(server, '/rss.xml', { headers: { 'Accept-Encoding': 'gzip;q=0' } });
    expect(r.headers['content-encoding']).toBeUndefined();
  });
});

describe('feeds opened in a browser', () => {
  const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  const READER = 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8';
  it.each([
    [BROWSER, true],
    [READER, false],
    ['*/*', false],
    [undefined, false],
    ['text/html, application/atom+xml', false],
  ])('Accept %s → browser view %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });

  it('a browser gets the feed as application/xml (so feed.xsl applies), a reader gets its registered type', async () => {
    const browser = await request(server, '/rss.xml', { headers: { Accept: BROWSER } });
    const reader = await request(server, '/rss.xml', { headers: { Accept: READER } });
    expect(browser.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(reader.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(browser.body.equals(reader.body)).toBe(true);
    expect(browser.headers['etag']).not.toBe(reader.headers['etag']);
    expect(reader.headers['vary']).toBe('Accept, Accept-Encoding');
    expect((await request(server, '/rss.xml', { headers: { Accept: READER, 'If-None-Match': reader.headers['etag']! } })).status).toBe(304);
  });
});

describe('nothing outside the output folder, nothing private inside it', () => {
  it.each([
    ['/../secret.txt', 404],
    ['/../../etc/passwd', 404],
    ['/%2e%2e/%2e%2e/etc/passwd', 404],
    ['/..%2fsecret.txt', 404],
    ['/%2e%2e%5csecret.txt', 404],
    ['//etc/passwd', 404],
    ['/tags/../../secret.txt', 404],
    ['/rss.xml%00.html', 404],
    ['/.storyfeed.lock/pid', 404],
    ['/.storyfeed/ledger.json', 404],
    ['/.storyfeed-tmp-123', 404],
    ['/link-out.xml', 404],
    ['/link-in.xml', 200],
    ['/ledger.json', 404],
    ['/bookkeeping/ledger.json', 404],
    ['/tags/x/ledger.json', 404],
    ['/partial.xml', 404],
    ['/empty-dir', 404],
    ['/empty-dir/', 404],
    ['/missing.xml', 404],
    ['/%E0%A4%A', 400],
    [`/${'a'.repeat(3000)}`, 414],
  ])('%s → %i', async (p, status) => {
    const r = await request(server, p);
    expect(r.status).toBe(status);
    expect(r.body.toString()).not.toContain('outside');
  });

  it.each([
    ['/', 'index.html'],
    ['/rss.xml?x=1', 'rss.xml'],
    ['/tags/x/', 'tags/x/index.html'],
    ['/a/../b', undefined],
    ['/.hidden', undefined],
    ['relative', undefined],
  ])('resolveRequestPath(%s)', (p, expected) => {
    const r = resolveRequestPath('/srv/out', p);
    expect(r).toBe(expected === undefined ? undefined : path.join('/srv/out', expected));
  });
});

describe('a reader never sees a half-written file', () => {
  it('every body is exactly version A or B while the file is replaced again and again', async () => {
    const a = `<rss version="2.0"><channel><title>${'a'.repeat(50_000)}</title></channel></rss>`;
    const b = `<rss version="2.0"><channel><title>${'b'.repeat(60_000)}</title></channel></rss>`;
    const target = path.join(out, 'tags/x/rss.xml');
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing && i < 2000; i += 1) {
        const temp = path.join(out, 'tags/x', `.storyfeed-tmp-${i}`);
        await writeFile(temp, i % 2 ? b : a);
        await rename(temp, target);
      }
    })();
    const seen = new Set<string>();
    for (let i = 0; i < 300; i += 1) {
      const r = await request(server, '/tags/x/rss.xml');
      const body = r.body.toString();
      expect([a, b, RSS]).toContain(body);
      expect(r.headers['etag']).toBe(`"${createHash('sha256').update(r.body).digest('base64url').slice(0, 27)}"`);
      seen.add(body.slice(40, 41));
    }
    writing = false;
    await writer;
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe('listening', () => {
  it('reports its URL and closes cleanly, idle keep-alive connections included', async () => {
    const s = await startServer({ outDir: out, host: '127.0.0.1', port: 0, maxAgeSeconds: 60 });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/`);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise((resolve) => http.get({ host: '127.0.0.1', port: s.port, path: '/rss.xml', agent }, (res) => res.resume().on('end', resolve)));
    const t0 = performance.now();
    await s.close();
    expect(performance.now() - t0).toBeLessThan(2000);
    agent.destroy();
  });
});
