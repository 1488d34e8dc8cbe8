// The embedded HTTP server over the output folder: the right media types, strong validators and
// conditional GET (RFC 9110 §13), gzip, HEAD, OPTIONS and CORS for the public feeds, and nothing
// outside the folder — ever. It holds its ground against hostile clients: bounded headers, bounded
// idle time, a connection cap that leaves file descriptors for the builder (connections.ts), and
// only regular files opened, never a FIFO or a device.

import { createHash } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BROWSER_XML_TYPE, isCompressible, isXmlFeedType, mediaTypeOfFile, OUTPUT_FILES, PLAIN_TEXT_TYPE } from '../core/formats.js';
import { capConnections, defaultMaxConnections, DEFAULT_HEADERS_TIMEOUT_MS, serverTimeouts } from './connections.js';
import { absoluteTarget, ALLOW, CORS_HEADERS, isCrossOriginReadable, isPreflight, MAX_HEADERS, ownHosts, PREFLIGHT_HEADERS } from './http-rules.js';
import { isInside } from '../io/paths.js';

export interface ServeOptions {
  readonly outDir: string;
  readonly host?: string;
  readonly port?: number;
  /** Cache-Control max-age in seconds (the build schedule's interval); read on every request. */
  readonly maxAgeSeconds: number;
  /** A file's own max-age, where it has one (a newsroom story's ttl), by its path in the folder (`/`-separated). */
  readonly maxAgeOf?: (relative: string) => number | undefined;
  readonly onRequest?: (info: { method: string; path: string; status: number; bytes: number }) => void;
  /** Most connections held at once (default: {@link defaultMaxConnections}). */
  readonly maxConnections?: number;
  /** How long a connection may take to send a request's headers, idle fresh ones included (default 10 s). */
  readonly headersTimeoutMs?: number;
}

export interface RunningServer {
  /** The connection cap and headers timeout in force (logged at start). */
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_URL_LENGTH = 2048;

/** Dot segments (.., .) and every dotfile or dot-folder (the lock, temp files, the ledger) are out. */
function isPrivate(segments: readonly string[]): boolean {
  return segments.some((s) => s.startsWith('.'));
}

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
  if (isPrivate(segments) || segments.some((s, i) => s === '' && i !== segments.length - 1)) return undefined;
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
  const represent = representations();
  const listenHost = options.host ?? '127.0.0.1';
  let port = options.port ?? 8080;

  const answer = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<number> => {
    const target = checkRequest(req, res, { listenHost, port });
    if (typeof target === 'number') return target;
    const { method, url } = target;
    const file = resolveRequestPath(root, url);
    if (!file) return end(res, 404);
    const found = await openServed(root, file);
    if (found === undefined) return end(res, 404);
    if (found === 'folder') return redirectFolder(res, root, file, url);
    const feedType = mediaTypeOfFile(file);
    const crossOrigin = isCrossOriginReadable(feedType);
    if (method === 'OPTIONS') {
      await found.handle.close();
      res.setHeader('Allow', ALLOW);
      if (crossOrigin && isPreflight(req.headers)) for (const [k, v] of Object.entries(PREFLIGHT_HEADERS)) res.setHeader(k, v);
      return end(res, 204);
    }
    let body: Buffer;
    try {
      // Stat and bytes from one open file: the builder replaces files by rename, so this is one
      // complete version, never a mix of two.
      body = await found.handle.readFile();
    } finally {
      await found.handle.close();
    }
    const maxAgeSeconds = options.maxAgeOf?.(path.relative(root, file).split(path.sep).join('/')) ?? options.maxAgeSeconds;
    return sendFile(req, res, { file, stat: found.stat, body, feedType, crossOrigin, maxAgeSeconds, represent });
  };

  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const { timeout, ...timeouts } = serverTimeouts(headersTimeoutMs);
  // Slow or huge requests cannot hold the server: bounded header size, time and count.
  const server = http.createServer({ ...timeouts, maxHeaderSize: 16_384 }, (req, res) => {
    answer(req, res).then(
      (status) => options.onRequest?.({ method: req.method ?? '', path: req.url ?? '', status, bytes: Number(res.getHeader('Content-Length') ?? 0) }),
      () => {
        if (!res.headersSent) end(res, 500);
        else res.destroy();
        options.onRequest?.({ method: req.method ?? '', path: req.url ?? '', status: 500, bytes: 0 });
      },
    );
  });
  server.timeout = timeout;
  server.maxHeadersCount = 0;
  const maxConnections = options.maxConnections ?? defaultMaxConnections();
  capConnections(server, maxConnections);
  port = await listen(server, port, listenHost);
  const urlHost = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    maxConnections,
    headersTimeoutMs,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Listen, and give the port listened on (the one asked for, or the one given for port 0). */
async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** Each version of a file's bytes, with its validators and gzip form, made once (a bounded memo). */
function representations(): (key: string, body: Buffer, type: string) => Representation {
  const cache = new Map<string, Representation>();
  return (key, body, type) => {
    const cached = cache.get(key);
    if (cached) return cached;
    const etag = `"${etagOf(body)}"`;
    const rep: Representation = {
      key,
      body,
      etag,
      ...(isCompressible(type) && body.length > 256 ? { gzip: { body: gzipSync(body, { level: 6 }), etag: `"${etagOf(body)}-gz"` } } : {}),
    };
    if (cache.size > 256) cache.clear();
    cache.set(key, rep);
    return rep;
  };
}

/**
 * The request line and headers, judged before any file is looked at: the method and the
 * origin-form path to serve, or the status already answered.
 */
function checkRequest(req: http.IncomingMessage, res: http.ServerResponse, listening: { listenHost: string; port: number }): { method: string; url: string } | number {
  const method = req.method ?? 'GET';
  let url = req.url ?? '/';
  if (url.length > MAX_URL_LENGTH) return end(res, 414);
  // Node keeps every field (maxHeadersCount 0; the 16 KiB header size bounds them), so too
  // many are answered, never silently dropped — a dropped Host would even turn into a 400.
  if (req.rawHeaders.length / 2 > MAX_HEADERS) {
    res.setHeader('Connection', 'close');
    return end(res, 431);
  }
  // RFC 9112 §3.2.4: the asterisk-form is only for a server-wide OPTIONS.
  if (url === '*') {
    if (method !== 'OPTIONS') return end(res, 400);
    res.setHeader('Allow', ALLOW);
    return end(res, 204);
  }
  if (!url.startsWith('/')) {
    const target = absoluteTarget(url, { hosts: ownHosts(listening.listenHost, req.socket.localAddress), port: listening.port });
    if (target === 'bad') return end(res, 400);
    if (target === 'misdirected') return end(res, 421);
    url = target.path;
  }
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
    res.setHeader('Allow', ALLOW);
    return end(res, 405);
  }
  try {
    decodeURIComponent(url.split(/[?#]/)[0] ?? '');
  } catch {
    return end(res, 400);
  }
  return { method, url };
}

/**
 * A folder named without its slash: send the reader to the slash form, where its relative links
 * resolve (RFC 9110 §15.4.2). The path is the request's own, already checked.
 */
async function redirectFolder(res: http.ServerResponse, root: string, folder: string, url: string): Promise<number> {
  const q = url.indexOf('?');
  const [pathname, query] = q === -1 ? [url, ''] : [url.slice(0, q), url.slice(q)];
  const index = pathname.endsWith('/') ? undefined : await openServed(root, path.join(folder, OUTPUT_FILES.page));
  if (index === undefined || index === 'folder') return end(res, 404);
  await index.handle.close();
  res.setHeader('Location', `${pathname}/${query}`);
  return end(res, 301);
}

interface Served {
  readonly file: string;
  readonly stat: Stats;
  readonly body: Buffer;
  readonly feedType: string;
  readonly crossOrigin: boolean;
  readonly maxAgeSeconds: number;
  readonly represent: ReturnType<typeof representations>;
}

/** A GET or HEAD of a regular file: validators, conditional GET, gzip. */
function sendFile(req: http.IncomingMessage, res: http.ServerResponse, served: Served): number {
  const { file, stat, feedType } = served;
  // Browsers show application/rss+xml and application/atom+xml as text or a download, so the
  // feed.xsl view never appears. A request that prefers HTML (a person clicking a feed link)
  // gets the same bytes as application/xml, which browsers parse and style; feed readers, which
  // ask for feed types, get the registered types. Vary: Accept keeps caches apart.
  const forBrowser = isXmlFeedType(feedType) && prefersHtml(req.headers.accept);
  const type = forBrowser ? BROWSER_XML_TYPE : feedType;
  const rep = served.represent(`${file}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}`, served.body, type);
  const gzip = rep.gzip && acceptsGzip(req.headers['accept-encoding']) ? rep.gzip : undefined;
  const baseEtag = gzip ? gzip.etag : rep.etag;
  const etag = forBrowser ? baseEtag.replace(/"$/, '-xml"') : baseEtag;
  const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000);

  res.setHeader('Content-Type', type);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', `public, max-age=${Math.max(0, Math.floor(served.maxAgeSeconds))}`);
  res.setHeader('Vary', isXmlFeedType(feedType) ? 'Accept, Accept-Encoding' : 'Accept-Encoding');
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', lastModified.toUTCString());
  if (served.crossOrigin) for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);

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
  if (req.method === 'HEAD') res.end();
  else res.end(payload);
  return 200;
}

function end(res: http.ServerResponse, status: number): number {
  res.statusCode = status;
  if (status >= 400) {
    const body = `${status} ${http.STATUS_CODES[status] ?? ''}\n`;
    res.setHeader('Content-Type', PLAIN_TEXT_TYPE);
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  } else {
    res.end();
  }
  return status;
}

/**
 * Open a file to serve: never following a last-component link (realpath already resolved the
 * allowed ones), never waiting (a FIFO would block the open until a writer came: O_NONBLOCK), and
 * judging what was opened (fstat), not its name. Only a regular file is served; a folder is told
 * apart for the slash redirect; anything else (FIFO, socket, device) is not found.
 */
async function openServed(root: string, file: string): Promise<{ handle: FileHandle; stat: Stats } | 'folder' | undefined> {
  let handle: FileHandle;
  try {
    // Symlinks may only lead to files inside the output folder, and never to a dotfile there (found
    // from outside: a link in out/ to .storyfeed/ served the ledger and the manifest, which names
    // drafts and embargoed files): where a link leads is judged as the request path was.
    const real = await realpath(file);
    if (!isInside(root, real) || isPrivate(path.relative(root, real).split(path.sep))) return undefined;
    handle = await open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const stat = await handle.stat().catch(() => undefined);
  if (stat?.isFile()) return { handle, stat };
  await handle.close();
  return stat?.isDirectory() ? 'folder' : undefined;
}
