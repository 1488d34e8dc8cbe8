// The one module that talks to S3 (@aws-sdk/client-s3): get, conditional put and delete, list,
// under one bucket and prefix. Every failure a user can fix (configuration, credentials, network,
// a missing bucket) becomes one plain sentence in a UserError; a lost compare-and-swap is an
// answer (`conflict`), not an error.
//
// Credentials and region come from the SDK's default chain (environment, shared config and
// credentials files, profiles). A custom endpoint (--endpoint, AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL) means an S3-compatible server: path-style addressing, and checksums only when
// the operation requires them — many such servers reject the SDK's default CRC32 headers.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { UserError } from '../errors.js';
import type { PublishTarget } from '../core/publish-target.js';
import { formatPublishTarget } from '../core/publish-target.js';

export interface StoreOptions {
  readonly target: PublishTarget;
  /** --endpoint; else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL. */
  readonly endpoint?: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface PutOptions {
  readonly contentType: string;
  readonly cacheControl?: string;
  readonly metadata?: Record<string, string>;
  /** Replace only this version (its ETag). */
  readonly ifMatch?: string;
  /** Create only: `If-None-Match: *`. */
  readonly ifAbsent?: boolean;
}

export type PutResult = { readonly ok: true; readonly etag: string } | { readonly ok: false; readonly conflict: true };

/** What publish and the lease need from object storage; keys are relative to the prefix. */
export interface ObjectStore {
  /** `s3://bucket/prefix/` (and the endpoint, when custom), for messages. */
  readonly where: string;
  /** `s3://bucket/prefix/key`, for messages. */
  url(key: string): string;
  get(key: string): Promise<{ readonly body: string; readonly etag: string } | undefined>;
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<PutResult>;
  /** Delete; with `ifMatch`, only that version (false when it is not). Deleting a missing key is no error. */
  delete(key: string, ifMatch?: string): Promise<boolean>;
  /** Every object under the prefix, relative key → ETag. */
  list(): Promise<Map<string, string>>;
  close(): void;
}

export function endpointFrom(options: Pick<StoreOptions, 'endpoint' | 'env'>): string | undefined {
  const value = options.endpoint ?? options.env['AWS_ENDPOINT_URL_S3'] ?? options.env['AWS_ENDPOINT_URL'];
  return value === undefined || value === '' ? undefined : value;
}

export function openS3Store(options: StoreOptions): ObjectStore {
  const endpoint = endpointFrom(options);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new UserError('publish', `the endpoint \`${endpoint}\` is not an http(s) URL`);
  }
  const { bucket, prefix } = options.target;
  const where = `${formatPublishTarget(options.target)}${endpoint ? ` at ${endpoint}` : ''}`;
  const client = new S3Client(clientConfig(endpoint, options.env));
  const fail = (error: unknown, doing: string): never => {
    throw new UserError('publish', describeS3Error(error, { where, bucket, doing }));
  };

  return {
    where,
    url: (key) => `${formatPublishTarget(options.target)}${key}`,
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        return { body: (await out.Body?.transformToString('utf-8')) ?? '', etag: out.ETag ?? '' };
      } catch (error) {
        if (nameOf(error) === 'NoSuchKey' || statusOf(error) === 404 && nameOf(error) !== 'NoSuchBucket') return undefined;
        return fail(error, `read ${key}`);
      }
    },
    async put(key, body, o) {
      try {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: prefix + key,
            Body: body,
            ContentType: o.contentType,
            ...(o.cacheControl ? { CacheControl: o.cacheControl } : {}),
            ...(o.metadata ? { Metadata: o.metadata } : {}),
            ...(o.ifMatch ? { IfMatch: o.ifMatch } : {}),
            ...(o.ifAbsent ? { IfNoneMatch: '*' } : {}),
          }),
        );
        return { ok: true, etag: out.ETag ?? '' };
      } catch (error) {
        // RFC 9110 §13.1: 412 when the condition failed; S3 answers 409 to a racing conditional write.
        if (isConflict(error) || ((o.ifMatch || o.ifAbsent) && nameOf(error) === 'NoSuchKey')) return { ok: false, conflict: true };
        return fail(error, `upload ${key}`);
      }
    },
    async delete(key, ifMatch) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + key, ...(ifMatch ? { IfMatch: ifMatch } : {}) }));
        return true;
      } catch (error) {
        if (isConflict(error) || (ifMatch && (nameOf(error) === 'NoSuchKey' || statusOf(error) === 404))) return false;
        return fail(error, `delete ${key}`);
      }
    },
    async list() {
      try {
        return await listKeys(client, bucket, prefix);
      } catch (error) {
        return fail(error, 'list the prefix');
      }
    },
    close() {
      client.destroy();
    },
  };
}

function clientConfig(endpoint: string | undefined, env: StoreOptions['env']): S3ClientConfig {
  return {
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    ...(endpoint
      ? {
          endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          // S3-compatible servers mostly ignore the region, but the signature needs one.
          ...(env['AWS_REGION'] ? {} : { region: 'us-east-1' }),
        }
      : {}),
  };
}

/** Every key under the prefix (relative to it), with its ETag, page by page. */
async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) if (o.Key) found.set(o.Key.slice(prefix.length), o.ETag ?? '');
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

const nameOf = (error: unknown) => (error as { name?: string } | undefined)?.name ?? '';
const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
const isConflict = (error: unknown) => statusOf(error) === 412 || statusOf(error) === 409 || nameOf(error) === 'PreconditionFailed' || nameOf(error) === 'ConditionalRequestConflict';

const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'AuthorizationHeaderMalformed']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/** One plain sentence: configuration, credentials or network, and which. */
export function describeS3Error(error: unknown, context: { where: string; bucket: string; doing: string }): string {
  const name = nameOf(error);
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const message = ((error as Error | undefined)?.message ?? String(error)).split('\n')[0]!.trim();
  const at = context.where;
  if (name === 'NoSuchBucket') return `the bucket \`${context.bucket}\` does not exist (${at}); create it or fix --to`;
  if (CREDENTIAL_ERRORS.has(name)) return `the credentials were refused by ${at} (${name}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the AWS profile`;
  if (name === 'AccessDenied' || statusOf(error) === 403) return `access denied by ${at} while trying to ${context.doing}; the credentials lack permission (s3:GetObject, s3:PutObject, s3:DeleteObject, s3:ListBucket)`;
  if (name === 'CredentialsProviderError' || /credential/i.test(message) && statusOf(error) === undefined) return `no AWS credentials found (environment, shared credentials file or profile): ${message}`;
  if (/region is missing/i.test(message)) return 'no AWS region configured: set AWS_REGION or a region in the AWS profile';
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name) || name === 'TimeoutError' || name === 'RequestTimeout' || /socket hang up|ECONNREFUSED|getaddrinfo/.test(message)) {
    return `cannot reach ${at} (${code || name || message}) while trying to ${context.doing}; check the endpoint and the network`;
  }
  const status = statusOf(error);
  return `${at} answered ${status ? `HTTP ${status} ` : ''}${name ? `${name}: ` : ''}${message} while trying to ${context.doing}`;
}
