// Two builders, two machines, one prefix: the lease `PREFIX.storyfeed/lease` says who publishes.
// It is created only if absent (`If-None-Match: *`), renewed only if still ours (`If-Match` on
// its ETag), and an expired one is taken over with the same compare-and-swap on the ETag we read,
// never by a blind delete: of two builders that find it expired, one wins the swap and the other
// sees a conflict and waits. Expiry times come from the holder's clock, so clocks are assumed to
// agree within the lease's length (60 s by default; NTP keeps them to milliseconds).
import { JSON_TYPE } from '../core/formats.js';
import { UserError } from '../errors.js';
import { LEASE_KEY } from './manifest.js';
import type { ObjectStore } from './s3-store.js';

export interface LeaseRecord {
  readonly holder: string;
  readonly expires: string;
}

export interface LeaseOptions {
  readonly store: ObjectStore;
  readonly holder: string;
  readonly ttlMs: number;
  /** How long to wait for another holder to let go (--wait). */
  readonly waitMs: number;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface HeldLease {
  /** Throws when the lease was lost (another publisher took it over after it expired). */
  check(): void;
  release(): Promise<void>;
}

const LEASE_TYPE = JSON_TYPE;

function parseLease(text: string): LeaseRecord | undefined {
  try {
    const d = JSON.parse(text) as Record<string, unknown>;
    if (typeof d['holder'] === 'string' && typeof d['expires'] === 'string' && !Number.isNaN(Date.parse(d['expires']))) return { holder: d['holder'], expires: d['expires'] };
  } catch {
    // Not ours: said below.
  }
  return undefined;
}

export async function acquireLease(o: LeaseOptions): Promise<HeldLease> {
  const body = () => `${JSON.stringify({ holder: o.holder, expires: new Date(o.clock().getTime() + o.ttlMs).toISOString() })}\n`;
  const giveUpAt = o.clock().getTime() + o.waitMs;
  let etag: string | undefined;
  for (;;) {
    const created = await o.store.put(LEASE_KEY, body(), { contentType: LEASE_TYPE, ifAbsent: true });
    if (created.ok) {
      etag = created.etag;
      break;
    }
    const current = await o.store.get(LEASE_KEY);
    if (current === undefined) continue; // let go between our two requests: try to create it again
    const record = parseLease(current.body);
    if (!record) throw new UserError('publish', `${o.store.url(LEASE_KEY)} is not a storyfeed lease; remove it if no storyfeed publishes there`);
    const now = o.clock().getTime();
    // Expired, or ours from an attempt this process gave up on (the network failed before it
    // could let go): take it over, only if it is still the version we read.
    if (Date.parse(record.expires) <= now || record.holder === o.holder) {
      const taken = await o.store.put(LEASE_KEY, body(), { contentType: LEASE_TYPE, ifMatch: current.etag });
      if (taken.ok) {
        etag = taken.etag;
        break;
      }
      continue;
    }
    if (now >= giveUpAt) {
      throw new UserError('publish', `another publisher holds the lease on ${o.store.where}: ${record.holder}, until ${record.expires}; try again later or pass --wait SECONDS`);
    }
    await o.sleep(Math.min(1_000, giveUpAt - now, Math.max(50, Date.parse(record.expires) - now)));
  }

  let lost = false;
  let chain: Promise<unknown> = Promise.resolve();
  const renew = async () => {
    if (lost || etag === undefined) return;
    const renewed = await o.store.put(LEASE_KEY, body(), { contentType: LEASE_TYPE, ifMatch: etag }).catch(() => undefined);
    if (renewed?.ok) etag = renewed.etag;
    else if (renewed) lost = true;
    // A network failure leaves the lease as it was; the next renewal or the manifest's CAS decides.
  };
  const timer = setInterval(() => {
    chain = chain.then(renew);
  }, Math.max(1_000, Math.floor(o.ttlMs / 3)));
  timer.unref();
  return {
    check() {
      if (lost) throw new UserError('publish', `the lease on ${o.store.where} was taken over by another publisher while this one was slow; stopped before writing more`);
    },
    async release() {
      clearInterval(timer);
      await chain;
      // Only our own version: a lease taken over meanwhile is the new holder's.
      if (!lost && etag !== undefined) await o.store.delete(LEASE_KEY, etag).catch(() => undefined);
    },
  };
}
