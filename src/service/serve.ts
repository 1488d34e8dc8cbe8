// The embedded HTTP server over the output folder: the right media types, strong validators and
// conditional GET (RFC 9110 §13), gzip, HEAD, and nothing outside the folder — ever.

import { createHash } from 'node:crypto';
import { open, realpath } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { mediaTypeOfFile } from '../core/formats.js';
import { isInside } from '../io/paths.js';

export interface ServeOptions {
  readonly outDir: string;
  readonly host?: string;
  readonly port?: number;
  /** Cache-Control max-age in seconds (the build schedule's interval); read on every request. */
  readonly maxAgeSeconds: number;
  readonly onRequest?: (info: { method: string; path: string; status: number; bytes: number }) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_URL_LENGTH = 2048;

export function mediaTypeOf(file: string): string {
  return mediaTypeOfFile(file);
}

const COMPRESSIBLE = /^(text\/|application\/(rss\+xml|atom\+xml|feed\+json|json|xml)|image\/svg\+xml)/;

/**
 * The file a request path maps to, or undefined for 404. Pure: it does not look at the disk
 * (symlinks are checked by the caller with realpath).
 */
export function resolveRequestPath(outDir: string, urlPath: string): string | undefined {
  const pathname = urlPath.split(/[?#]/)[0] ?? '';
  if (!pathname.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').slice(1);
  // Dot segments (.., .) and every dotfile or dot-folder (the lock, temp files, the ledger) are out.
  if (segments.some((s, i) => s.startsWith('.') || (s === '' && i !== segments.length - 1))) return undefined;
  const relative = segments.join('/');
  const withIndex = relative === '' || relative.endsWith('/') ? `${relative}index.html` : relative;
  const root = path.resolve(outDir);
  const full = path.resolve(root, withIndex);
  return isInside(root, full) ? full : undefined;
}

interface Representation {
  readonly key: string;
  readonly body: Buffer;
  readonly etag: string;
  readonly gzip?: { readonly body: Buffer; readonly etag: string };
}

/** Strong ETag: a hash of the bytes, so that it changes exactly when the bytes do. */
function etagOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 27);
}

/** RFC 9110 §8.8.3.2 weak comparison, used for If-None-Match. */
function matchesIfNoneMatch(header: string, etags: readonly string[]): boolean {
  if (header.trim() === '*') return true;
  const listed = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return listed.some((t) => etags.includes(t));
}

/** Accept-Encoding allows gzip (RFC 9110 §12.5.3): an explicit q=0 refuses it, `*` counts. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (name === 'gzip' || name === 'x-gzip') gzip = q;
    if (name === '*') star = q;
  }
  const q = gzip ?? star ?? 0;
  return Number.isFinite(q) && q > 0;
}

/** A browser navigating asks for text/html first; feed readers ask for feed types. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  return /(^|,)\s*text\/html/i.test(accept) && !/application\/(rss|atom)\+xml/i.test(accept);
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const root = await realpath(path.resolve(options.outDir)).catch(() => path.resolve(options.outDir));
  const cache = new Map<string, Representation>();

  const represent = (key: string, body: Buffer, type: string): Representation => {
    const cached = cache.get(key);
    if (cached) return cached;
    const etag = `"${etagOf(body)}"`;
    const rep: Representation = {
      key,
      body,
      etag,
      ...(COMPRESSIBLE.test(type) && body.length > 256 ? { gzip: { body: gzipSync(body, { level: 6 }), etag: `"${etagOf(body)}-gz"` } } : {}),
    };
    if (cache.size > 256) cache.clear();
    cache.set(key, rep);
    return rep;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<number> => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    if (url.length > MAX_URL_LENGTH) return end(res, 414);
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return end(res, 405);
    }
    try {
      decodeURIComponent(url.split(/[?#]/)[0] ?? '');
    } catch {
      return end(res, 400);
    }
    const file = resolveRequestPath(root, url);
    if (!file) return end(res, 404);
    let handle;
    try {
      // Symlinks may only lead to files inside the output folder.
      const real = await realpath(file);
      if (!isInside(root, real)) return end(res, 404);
      handle = await open(real, 'r');
    } catch {
      return end(res, 404);
    }
    let body: Buffer;
    let stat;
    try {
      // Stat and bytes from one open file: the builder replaces files by rename, so this is one
      // complete version, never a mix of two.
      stat = await handle.stat();
      if (!stat.isFile()) return end(res, 404);
      body = await handle.readFile();
    } finally {
      await handle.close();
    }
    // Browsers show application/rss+xml and application/atom+xml as text or a download, so the
    // feed.xsl view never appears. A request that prefers HTML (a person clicking a feed link)
    // gets the same bytes as application/xml, which browsers parse and style; feed readers, which
    // ask for feed types, get the registered types. Vary: Accept keeps caches apart.
    const feedType = mediaTypeOf(file);
    const forBrowser = /^application\/(rss|atom)\+xml/.test(feedType) && prefersHtml(req.headers.accept);
    const type = forBrowser ? 'application/xml; charset=utf-8' : feedType;
    const rep = represent(`${file}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}`, body, type);
    const gzip = rep.gzip && acceptsGzip(req.headers['accept-encoding']) ? rep.gzip : undefined;
    const baseEtag = gzip ? gzip.etag : rep.etag;
    const etag = forBrowser ? baseEtag.replace(/"$/, '-xml"') : baseEtag;
    const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000);

    res.setHeader('Content-Type', type);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', `public, max-age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
    res.setHeader('Vary', /^application\/(rss|atom)\+xml/.test(feedType) ? 'Accept, Accept-Encoding' : 'Accept-Encoding');
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', lastModified.toUTCString());

    // RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it.
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    let notModified = false;
    if (inm !== undefined) notModified = matchesIfNoneMatch(inm, [etag]);
    else if (ims !== undefined) {
      const since = Date.parse(ims);
      notModified = Number.isFinite(since) && lastModified.getTime() <= since;
    }
    if (notModified) return end(res, 304);

    const payload = gzip ? gzip.body : rep.body;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', payload.length);
    res.statusCode = 200;
    if (method === 'HEAD') res.end();
    else res.end(payload);
    return 200;
  };

  const server = http.createServer((req, res) => {
    handle(req, res).then(
      (status) => options.onRequest?.({ method: req.method ?? '', path: req.url ?? '', status, bytes: Number(res.getHeader('Content-Length') ?? 0) }),
      () => {
        if (!res.headersSent) end(res, 500);
        else res.destroy();
        options.onRequest?.({ method: req.method ?? '', path: req.url ?? '', status: 500, bytes: 0 });
      },
    );
  });
  // Slow or huge requests cannot hold the server: bounded header size, time and count.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 50;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  const host = options.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function end(res: http.ServerResponse, status: number): number {
  res.statusCode = status;
  if (status >= 400) {
    const body = `${status} ${http.STATUS_CODES[status] ?? ''}\n`;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  } else {
    res.end();
  }
  return status;
}
