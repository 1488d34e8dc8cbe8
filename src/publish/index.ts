// `storyfeed publish`: the output folder to S3-compatible object storage, as safely as the build
// writes its own folder. Reads the remote manifest, uploads only what changed, in an order where no
// feed links to an object not yet uploaded (publish-plan.ts), deletes what storyfeed uploaded
// before and the output no longer holds, and records the new manifest with a compare-and-swap.
// Under a lease (lease.ts) whenever it writes anything; a publish with nothing to do writes nothing.
//
// A publish cut off half-way (network, crash, kill) leaves the remote consistent: every upload
// replaces one object atomically, the main feeds go last, deletes come after them; new keys are
// recorded as `pending` in the manifest before they are uploaded, so the next publish knows they
// are its own and completes the work.
import { JSON_TYPE } from '../core/formats.js';
import { ownMaxAge, type MaxAgeByFolder } from '../core/links.js';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';
import { parsePublishTarget, type PublishTarget } from '../core/publish-target.js';
import { acquireLease, type HeldLease } from './lease.js';
import { readOutputFolder, type LocalSnapshot } from './local-files.js';
import { EMPTY_MANIFEST, MANIFEST_KEY, parseManifest, renderManifest, validKey, type ManifestObject, type RelativeKey, type RemoteManifest } from './manifest.js';
import { isUpToDate, planPublish, type PublishPlan } from './publish-plan.js';
import { openS3Store, type ObjectStore } from './s3-store.js';

export interface PublishOptions {
  readonly outDir: string;
  /** `s3://BUCKET[/PREFIX/]`. */
  readonly to: string | PublishTarget;
  readonly endpoint?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Refuse to delete more than this many objects (default 1000). */
  readonly maxDeletes?: number;
  /** Wait this long for another publisher's lease (default 0: refuse at once). */
  readonly waitSeconds?: number;
  /** The Cache-Control of every object; default `public, max-age=<maxAge>, stale-while-revalidate=<maxAge>`. */
  readonly cacheControl?: string;
  /** Seconds, for the default Cache-Control (default 300, the story's default ttl). */
  readonly maxAgeSeconds?: number;
  /** A newsroom's stories with a ttl of their own: seconds by story folder (`<slug>`), for the objects under it. */
  readonly maxAgeByFolder?: MaxAgeByFolder;
  /** Uploads at once (default 8). */
  readonly concurrency?: number;
  readonly leaseTtlMs?: number;
  readonly holder?: string;
  readonly clock?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * What the last build wrote (its manifest's outputs): feeds and pages on disk but not here are
   * stale. A function is asked inside `readLocal`, so that it names the build whose files are read.
   */
  readonly builtOutputs?: () => ReadonlySet<string> | undefined;
  /** The service runs the read of the output folder between builds through this. */
  readonly readLocal?: <T>(read: () => Promise<T>) => Promise<T>;
  /** Replace objects at the keys it writes that it did not upload (else refused). */
  readonly force?: boolean;
  /** Stops the uploads (Ctrl-C): the lease is let go, and what is pending is finished by the next publish. */
  readonly signal?: AbortSignal;
  /** Tests hand in a store; otherwise one is opened from `to`, `endpoint` and `env`. */
  readonly store?: ObjectStore;
}

export interface PublishResult {
  readonly where: string;
  readonly uploaded: readonly string[];
  readonly deleted: readonly string[];
  readonly unchanged: number;
  readonly bytesUploaded: number;
}

export const DEFAULT_MAX_DELETES = 1000;
/** This process's name on the lease: one publish at a time per process (the service queues them). */
const PROCESS_HOLDER = `${os.hostname()} pid ${process.pid} ${randomBytes(4).toString('hex')}`;
const MANIFEST_TYPE = JSON_TYPE;

/** Each object's Cache-Control: `--cache-control` for all, or its story's ttl (a newsroom story may set its own). */
function cacheControlOf(options: PublishOptions): (key: RelativeKey) => string {
  const fixed = options.cacheControl ?? defaultCacheControl(options.maxAgeSeconds ?? 300);
  const byFolder = options.cacheControl === undefined ? options.maxAgeByFolder : undefined;
  if (!byFolder) return () => fixed;
  return (key) => {
    const own = ownMaxAge(byFolder, key);
    return own === undefined ? fixed : defaultCacheControl(own);
  };
}

export function defaultCacheControl(maxAgeSeconds: number): string {
  // RFC 9111 §5.2.2.1 max-age; RFC 5861 §3 stale-while-revalidate: a CDN keeps answering from its
  // copy while it fetches the next one.
  return `public, max-age=${maxAgeSeconds}, stale-while-revalidate=${maxAgeSeconds}`;
}

export function resolveTarget(to: string | PublishTarget): PublishTarget {
  if (typeof to !== 'string') return to;
  const parsed = parsePublishTarget(to);
  if (!parsed.ok) throw new UserError('publish', `--to ${parsed.problem}; write e.g. s3://my-bucket/stories/us-iran-talks/`);
  return parsed.target;
}

async function readManifest(store: ObjectStore): Promise<{ manifest: RemoteManifest; etag?: string }> {
  const found = await store.get(MANIFEST_KEY);
  if (!found) return { manifest: EMPTY_MANIFEST };
  const parsed = parseManifest(found.body);
  if (!parsed.ok) throw new UserError('publish', `${store.url(MANIFEST_KEY)} is not a storyfeed manifest (${parsed.problem}); is --to the right prefix?`);
  return { manifest: parsed.manifest, etag: found.etag };
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

interface Remote {
  readonly manifest: RemoteManifest;
  readonly etag?: string;
  readonly listing: Map<string, string>;
}

async function readRemote(store: ObjectStore): Promise<Remote> {
  const [{ manifest, etag }, listed] = await Promise.all([readManifest(store), store.list()]);
  const listing = new Map([...listed].filter(([k]) => validKey(k)));
  return { manifest, listing, ...(etag ? { etag } : {}) };
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const target = resolveTarget(options.to);
  const store = options.store ?? openS3Store({ target, env: options.env ?? {}, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  const clock = options.clock ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const holder = options.holder ?? PROCESS_HOLDER;
  const isEmpty = (plan: PublishPlan) => plan.waves.length === 0 && plan.deletes.length === 0;
  try {
    let remote = await readRemote(store);
    let surveyed = await survey(options, store, remote);
    if (isEmpty(surveyed.plan) && remote.manifest.pending.length === 0) return { where: store.where, uploaded: [], deleted: [], unchanged: surveyed.plan.unchanged, bytesUploaded: 0 };

    const lease = await acquireLease({ store, holder, ttlMs: options.leaseTtlMs ?? 60_000, waitMs: (options.waitSeconds ?? 0) * 1000, clock, sleep });
    try {
      // Under the lease, the remote may have moved on (another builder published while we waited).
      const again = await readRemote(store);
      if (again.etag !== remote.etag) {
        remote = again;
        surveyed = await survey(options, store, remote);
      }
      return await applyPlan({ options, store, lease, holder, clock }, remote, surveyed);
    } finally {
      await lease.release();
    }
  } finally {
    if (!options.store) store.close();
  }
}

interface Surveyed {
  readonly snapshot: LocalSnapshot;
  readonly plan: PublishPlan;
}

/** The local files that differ from the remote, and the plan to bring the remote in line. */
async function survey(options: PublishOptions, store: ObjectStore, remote: Remote): Promise<Surveyed> {
  const readLocal = options.readLocal ?? (<T>(read: () => Promise<T>) => read());
  const pending = new Set(remote.manifest.pending);
  const input = { manifest: remote.manifest, listing: remote.listing, maxDeletes: options.maxDeletes ?? DEFAULT_MAX_DELETES, cacheControl: cacheControlOf(options) };
  const snapshot = await readLocal(() => readOutputFolder(options.outDir, (f) => !isUpToDate(f, { ...input, local: [] }, pending), options.builtOutputs?.()));
  const plan = planPublish({ ...input, local: snapshot.files });
  // An object at a key it would write that it never uploaded is someone's own (a landing page):
  // replaced only when asked, after which it is storyfeed's.
  const foreign = options.force ? [] : plan.waves.flatMap((w) => w.files.map((f) => f.key)).filter((k) => !(k in remote.manifest.objects) && !pending.has(k) && remote.listing.has(k));
  if (foreign.length > 0) {
    const shown = foreign.sort().slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
    throw new UserError('publish', `${foreign.length} object${foreign.length === 1 ? '' : 's'} under ${store.where} that storyfeed did not upload would be replaced (${shown}); nothing was changed (publish to another prefix, or add --force once to replace them)`);
  }
  if (plan.tooManyDeletes) {
    throw new UserError('publish', `${plan.tooManyDeletes.count} objects would be deleted from ${store.where}, more than --max-deletes ${plan.tooManyDeletes.max}; nothing was changed (wrong --out or --to? raise --max-deletes if it is meant)`);
  }
  return { snapshot, plan };
}

interface Publishing {
  readonly options: PublishOptions;
  readonly store: ObjectStore;
  readonly lease: HeldLease;
  readonly holder: string;
  readonly clock: () => Date;
}

/** Under the lease: record new keys as pending, upload wave by wave, delete last, record the result. */
async function applyPlan(p: Publishing, remote: Remote, { snapshot, plan }: Surveyed): Promise<PublishResult> {
  const { options, store, lease } = p;
  const cacheControl = cacheControlOf(options);
  const objects: Record<string, ManifestObject> = { ...remote.manifest.objects };
  const pending = new Set(remote.manifest.pending);
  let etag = remote.etag;
  const writeManifest = async () => {
    lease.check();
    const body = renderManifest({ version: 1, objects, pending: [...pending], writtenBy: p.holder, writtenAt: p.clock().toISOString() });
    const put = await store.put(MANIFEST_KEY, body, { contentType: MANIFEST_TYPE, cacheControl: 'no-store', ...(etag ? { ifMatch: etag } : { ifAbsent: true }) });
    if (!put.ok) throw new UserError('publish', `${store.url(MANIFEST_KEY)} was changed by another publisher during this publish; stopped (run publish again)`);
    etag = put.etag;
  };

  // New keys become ours before they exist: recorded as pending first.
  const uploads = plan.waves.flatMap((w) => w.files);
  const fresh = uploads.filter((f) => !(f.key in objects) && !pending.has(f.key));
  if (fresh.length > 0) {
    for (const f of fresh) pending.add(f.key);
    await writeManifest();
  }

  const uploaded: string[] = [];
  let bytesUploaded = 0;
  for (const wave of plan.waves) {
    lease.check();
    await pool(wave.files, options.concurrency ?? 8, async (file) => {
      if (options.signal?.aborted) throw new UserError('publish', `stopped before it finished; the lease on ${store.where} is let go, and the next publish uploads the rest`);
      const bytes = snapshot.bytes.get(file.key);
      if (!bytes) throw new Error(`publish: no bytes kept for ${file.key}`);
      const control = cacheControl(file.key);
      const put = await store.put(file.key, bytes, { contentType: file.contentType, cacheControl: control, metadata: { sha256: file.sha256 } });
      if (!put.ok) throw new Error(`publish: unconditional upload of ${file.key} reported a conflict`);
      objects[file.key] = { sha256: file.sha256, size: file.size, etag: put.etag, cacheControl: control };
      pending.delete(file.key);
      uploaded.push(file.key);
      bytesUploaded += bytes.length;
    });
  }

  // Deletes last, once no uploaded feed links to them. Only the version we uploaded (If-Match):
  // an object someone replaced since is theirs now.
  const deleted: string[] = [];
  lease.check();
  await pool(plan.deletes, options.concurrency ?? 8, async (key) => {
    const recorded = objects[key];
    if (await store.delete(key, recorded?.etag)) deleted.push(key);
    delete objects[key];
    pending.delete(key);
  });
  await writeManifest();
  return { where: store.where, uploaded, deleted, unchanged: plan.unchanged, bytesUploaded };
}
