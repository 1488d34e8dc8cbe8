// The server against what real clients and hostile ones send (issue 12, item 10): absolute-form
// request lines, too many header fields, a FIFO in the output folder, folders named without their
// slash, cross-origin readers of the feeds, and floods of idle connections.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/service/serve.js';
import { absoluteTarget } from '../../src/service/http-rules.js';
import { tempFolder } from '../helpers/story.js';

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send `head` exactly as written on a fresh connection (which it asks to close) and read the reply. */
function raw(port: number, head: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [top = '', body = ''] = data.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = top.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  });
}

function get(port: number, p: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Idle {
  socket: net.Socket;
  /** What the server sent before closing, once it closes. */
  closed: Promise<string>;
  isClosed: () => boolean;
}

/** Open `n` connections that never send a byte, in batches so the listen backlog never overflows. */
async function openIdle(port: number, n: number): Promise<Idle[]> {
  const all: Idle[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => {
      const socket = net.connect(port, '127.0.0.1');
      let data = '';
      let done = false;
      socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
      socket.on('error', () => undefined);
      const closed = new Promise<string>((resolve) => socket.on('close', () => ((done = true), resolve(data))));
      const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()).once('close', () => resolve()));
      return { idle: { socket, closed, isClosed: () => done }, connected };
    });
    await Promise.all(batch.map((b) => b.connected));
    all.push(...batch.map((b) => b.idle));
  }
  return all;
}

/** Resolve when `predicate` holds, checking every 50 ms; reject after `ms` with `what`. */
async function until(predicate: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const RSS = '<rss version="2.0"><channel><title>t</title></channel></rss>';
let out: string;
let server: RunningServer;
const cleanups: Array<() => Promise<void>> = [];
const FIFOS = ['fifo.xml', 'tags/iran/feed.json'];

/**
 * Open each FIFO for writing once, without the thread pool: a server that opened one for reading
 * and hangs there (the bug) is let go, so that a regression fails its test instead of hanging
 * the whole run (every fs call after it would wait for the blocked pool threads).
 */
function releaseFifos(): void {
  for (const f of FIFOS) {
    try {
      closeSync(openSync(path.join(out, f), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader is waiting, which is the good case.
    }
  }
}

beforeAll(async () => {
  const folder = await tempFolder({
    'out/rss.xml': RSS,
    'out/atom.xml': '<feed xmlns="http://www.w3.org/2005/Atom"/>',
    'out/feed.json': '{"version":"https://jsonfeed.org/version/1.1"}',
    'out/index.html': '<!doctype html><title>t</title>',
    'out/tags/index.html': '<!doctype html><title>tags</title>',
    'out/tags/iran/index.html': '<!doctype html><title>iran</title>',
    'out/tags/iran/rss.xml': RSS,
    'out/archive/index.json': '[]',
  });
  cleanups.push(folder.cleanup);
  out = path.join(folder.dir, 'out');
  await mkdir(path.join(out, 'no-index'));
  execFileSync('mkfifo', FIFOS.map((f) => path.join(out, f)));
  server = await startServer({ outDir: out, port: 0, maxAgeSeconds: 60 });
});

afterAll(async () => {
  releaseFifos();
  await server.close();
  await Promise.all(cleanups.map((c) => c()));
});

describe('absolute-form request targets (RFC 9112 §3.2.2)', () => {
  it.each([
    ['http://127.0.0.1:PORT/rss.xml', 200],
    ['http://localhost:PORT/rss.xml', 200],
    ['HTTP://LOCALHOST.:PORT/rss.xml?x=1', 200],
    ['http://127.0.0.1:PORT/tags/iran/rss.xml', 200],
    ['http://127.0.0.1:PORT/missing.xml', 404],
    ['http://127.0.0.1:PORT/../etc/passwd', 404],
    ['http://newsroom.example.org/rss.xml', 421],
    ['http://127.0.0.1:1/rss.xml', 421],
    ['https://127.0.0.1:PORT/rss.xml', 421],
    ['http://user@127.0.0.1:PORT/rss.xml', 400],
    ['http:/rss.xml', 400],
  ])('GET %s → %i, whatever the Host header says', async (target, status) => {
    const r = await raw(server.port, `GET ${target.replace('PORT', String(server.port))} HTTP/1.1\r\nHost: elsewhere.example`);
    expect(r.status).toBe(status);
    if (status === 200) expect(r.body).toBe(RSS);
  });

  it.each([
    ['http://127.0.0.1:8080', { path: '/' }],
    ['http://127.0.0.1:8080?q', { path: '/?q' }],
    ['http://[::1]:8080/a', { path: '/a' }],
    ['http://[::ffff:127.0.0.1]:8080/a', { path: '/a' }],
    ['http://127.0.0.1/a', 'misdirected'],
    ['ftp://127.0.0.1:8080/a', 'misdirected'],
    ['http://127.0.0.1:8080#x', 'bad'],
  ])('absoluteTarget(%s)', (target, expected) => {
    expect(absoluteTarget(target, { hosts: new Set(['127.0.0.1', '[::1]']), port: 8080 })).toEqual(expected);
  });
});

describe('header fields', () => {
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-Field-${i}`, 'v']));
  it.each([
    [90, 200],
    [100, 431],
    [150, 431],
    [1500, 431],
  ])('%i fields besides Host and Connection → %i (never silently dropped)', async (n, status) => {
    const r = await get(server.port, '/rss.xml', { headers: many(n) });
    expect(r.status).toBe(status);
  });
});

describe('only regular files are served', () => {
  it('a FIFO (and a FIFO under a feed name) is 404, at once, and never blocks other requests', { timeout: 10_000 }, async () => {
    const fifo = await Promise.all(Array.from({ length: 8 }, (_, i) => get(server.port, i % 2 ? '/fifo.xml' : '/tags/iran/feed.json')));
    expect(fifo.map((r) => r.status)).toEqual(Array(8).fill(404));
    expect((await get(server.port, '/rss.xml')).status).toBe(200);
  });
});

describe('folders without their slash', () => {
  it.each([
    ['/tags', '/tags/'],
    ['/tags/iran', '/tags/iran/'],
    ['/tags/iran?utm=x&y=1?z', '/tags/iran/?utm=x&y=1?z'],
    ['/%74ags', '/%74ags/'],
  ])('%s → 301 %s', async (p, location) => {
    const r = await get(server.port, p);
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe(location);
    expect((await get(server.port, location)).status).toBe(200);
  });

  it('a folder without an index page is not found either way', async () => {
    expect((await get(server.port, '/no-index')).status).toBe(404);
    expect((await get(server.port, '/no-index/')).status).toBe(404);
  });

  it('absolute-form is redirected to the origin-form slash path', async () => {
    const r = await raw(server.port, `GET http://127.0.0.1:${server.port}/tags HTTP/1.1\r\nHost: x`);
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe('/tags/');
  });
});

describe('cross-origin readers (CORS)', () => {
  const ORIGIN = { Origin: 'https://newsroom.example.org' };
  it.each([
    ['/rss.xml', '*'],
    ['/atom.xml', '*'],
    ['/feed.json', '*'],
    ['/tags/iran/rss.xml', '*'],
    ['/archive/index.json', '*'],
    ['/index.html', undefined],
    ['/tags/', undefined],
  ])('GET %s → Access-Control-Allow-Origin %s', async (p, acao) => {
    const r = await get(server.port, p, { headers: ORIGIN });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(acao);
    if (acao) expect(r.headers['access-control-expose-headers']).toBe('ETag');
    const head = await get(server.port, p, { method: 'HEAD', headers: ORIGIN });
    expect(head.headers['access-control-allow-origin']).toBe(acao);
    const again = await get(server.port, p, { headers: { ...ORIGIN, 'If-None-Match': String(r.headers['etag']) } });
    expect(again.status).toBe(304);
    expect(again.headers['access-control-allow-origin']).toBe(acao);
  });

  it('a preflight for a feed is allowed for GET and HEAD with the revalidation headers; credentials are not', async () => {
    const r = await get(server.port, '/feed.json', { method: 'OPTIONS', headers: { ...ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' } });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-methods']).toBe('GET, HEAD');
    expect(r.headers['access-control-allow-headers']).toMatch(/If-None-Match/);
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
    expect(r.headers['allow']).toBe('GET, HEAD, OPTIONS');
    expect(r.body).toBe('');
  });

  it.each([
    ['/index.html', { ...ORIGIN, 'Access-Control-Request-Method': 'GET' }, 204, undefined],
    ['/rss.xml', {}, 204, undefined],
    ['/missing.json', { ...ORIGIN, 'Access-Control-Request-Method': 'GET' }, 404, undefined],
    ['*', {}, 204, undefined],
  ])('OPTIONS %s with %o → %i', async (p, headers, status, acao) => {
    const r = await get(server.port, p, { method: 'OPTIONS', headers });
    expect(r.status).toBe(status);
    expect(r.headers['access-control-allow-origin']).toBe(acao);
    if (status === 204) expect(r.headers['allow']).toBe('GET, HEAD, OPTIONS');
  });
});

describe('idle connections', () => {
  it(
    '1,000 idle connections: a GET is still answered, and the server closes them all after the headers timeout',
    async () => {
      const s = await startServer({ outDir: out, port: 0, maxAgeSeconds: 60, headersTimeoutMs: 1_000 });
      try {
        const idle = await openIdle(s.port, 1_000);
        const answered = await get(s.port, '/rss.xml');
        expect(answered.status).toBe(200);
        expect(answered.body).toBe(RSS);
        // Node's own check runs every 30 s unless told otherwise: a bound well under that, and
        // far over the 1 s timeout, is safe on a loaded machine.
        await until(() => idle.every((c) => c.isClosed()), 15_000, () => `${idle.filter((c) => !c.isClosed()).length} still open`);
        const replies = await Promise.all(idle.map((c) => c.closed));
        expect(replies.every((r) => r === '' || r.startsWith('HTTP/1.1 408'))).toBe(true);
        expect(replies.filter((r) => r.startsWith('HTTP/1.1 408')).length).toBeGreaterThan(900);
      } finally {
        await s.close();
      }
    },
    60_000,
  );

  it(
    'an idle keep-alive connection is closed by the server within the headers timeout',
    async () => {
      const s = await startServer({ outDir: out, port: 0, maxAgeSeconds: 60, headersTimeoutMs: 1_000 });
      try {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        let socket: net.Socket | undefined;
        await new Promise((resolve) =>
          http.get({ host: '127.0.0.1', port: s.port, path: '/rss.xml', agent }, (res) => {
            socket = res.socket;
            res.resume().on('end', resolve);
          }),
        );
        let closed = false;
        socket!.on('close', () => (closed = true));
        // keepAliveTimeout defaults to 5 s; here it follows the 1 s headers timeout.
        await until(() => closed, 4_000, () => 'the keep-alive connection is still open');
        agent.destroy();
      } finally {
        await s.close();
      }
    },
    30_000,
  );

  it(
    'over the connection cap the oldest idle connection makes room: the cap holds and a GET is answered',
    async () => {
      const s = await startServer({ outDir: out, port: 0, maxAgeSeconds: 60, maxConnections: 50, headersTimeoutMs: 60_000 });
      try {
        const idle = await openIdle(s.port, 200);
        // 150 over the cap are closed without waiting for any timeout; 50 are held.
        await until(() => idle.filter((c) => c.isClosed()).length >= 150, 20_000, () => `${idle.filter((c) => c.isClosed()).length} closed`);
        const answered = await get(s.port, '/rss.xml');
        expect(answered.status).toBe(200);
        await until(() => idle.filter((c) => !c.isClosed()).length <= 49, 20_000, () => `${idle.filter((c) => !c.isClosed()).length} open`);
        // The oldest went first: what is still held is from the second batch of 100 (the kernel
        // hands connections over in order, and the second batch started after the first connected).
        expect(idle.flatMap((c, i) => (c.isClosed() ? [] : [i])).every((i) => i >= 100)).toBe(true);
        for (const c of idle) c.socket.destroy();
      } finally {
        await s.close();
      }
    },
    60_000,
  );
});
