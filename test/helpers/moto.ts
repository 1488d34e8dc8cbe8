// A real S3 API for the publish tests: Python moto's `moto_server` on 127.0.0.1 at a free port,
// started by the test file and killed after it; never a real cloud. In front of it, a counting
// proxy logs every request (method, key, conditional headers) and can play a server that stopped.
// Without moto_server, the suites are skipped with a note, or fail under CI (helpers/tools.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { hasTool, missingMessage } from './tools.js';

export const TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_REGION: 'us-east-1',
  // Nothing from the developer's own AWS setup leaks in.
  AWS_PROFILE: '',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  // The CLI sets it too: the SDK's notice about Node 22 is the README's to give, not every run's.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Moto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Start moto_server; with `auth`, it checks credentials (INITIAL_NO_AUTH_ACTION_COUNT=0), so any key is refused. */
export async function startMoto(options: { auth?: boolean } = {}): Promise<Moto> {
  if (!hasTool('moto_server')) throw new Error(missingMessage('moto_server'));
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // moto's own boto3 reads AWS_* too (an empty AWS_PROFILE makes it answer 500): none of ours.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))), ...(options.auth ? { INITIAL_NO_AUTH_ACTION_COUNT: '0' } : {}) },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    const up = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface LoggedRequest {
  readonly method: string;
  /** The key inside the bucket ('' for bucket-level requests), decoded. */
  readonly key: string;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  readonly status: number;
}

export interface CountingProxy {
  readonly endpoint: string;
  readonly log: LoggedRequest[];
  /** Answer nothing more: every new request has its connection cut, as by a stopped server. */
  down: boolean;
  /** Go down by itself after this many object PUTs have been forwarded. */
  downAfterPuts?: number;
  puts(): LoggedRequest[];
  close(): Promise<void>;
}

export async function startCountingProxy(target: string, bucket: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const sockets = new Set<net.Socket>();
  const proxy: CountingProxy = {
    endpoint: '',
    log: [],
    down: false,
    puts: () => proxy.log.filter((r) => r.method === 'PUT' && r.key !== ''),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    if (proxy.down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const prefix = `/${bucket}/`;
    const key = url.pathname.startsWith(prefix) ? decodeURIComponent(url.pathname.slice(prefix.length)) : '';
    const isObjectPut = req.method === 'PUT' && key !== '';
    if (isObjectPut && proxy.downAfterPuts !== undefined && proxy.puts().length >= proxy.downAfterPuts) {
      proxy.down = true;
      req.socket.destroy();
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      proxy.log.push({
        method: req.method ?? '',
        key,
        status: up.statusCode ?? 0,
        ...(req.headers['if-match'] ? { ifMatch: String(req.headers['if-match']) } : {}),
        ...(req.headers['if-none-match'] ? { ifNoneMatch: String(req.headers['if-none-match']) } : {}),
      });
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (proxy as { endpoint: string }).endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}

/** A client straight to moto (not through the proxy), to set up and to inspect the bucket. */
export function motoClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putRaw(client: S3Client, bucket: string, key: string, body: string, contentType = 'text/plain'): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function getObject(client: S3Client, bucket: string, key: string) {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from(await out.Body!.transformToByteArray());
  return { body, contentType: out.ContentType, cacheControl: out.CacheControl, metadata: out.Metadata ?? {}, etag: out.ETag };
}

export async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}
