// WebSub publisher notifications (W3C WebSub §7): after a run that changed a feed, tell the hub
// with `hub.mode=publish&hub.url=<feed URL>`. Never throws, never blocks the build; retries with
// exponential backoff on network errors, 5xx and 429.
import { feedUrls, HUB_PING_TYPE, OUTPUT_FILES } from '../core/formats.js';
import type { Story } from '../core/types.js';

/** The public URLs of the story's own feeds among `changed` (output paths, as written or uploaded). */
export function changedFeedUrls(story: Story, changed: readonly string[]): string[] {
  const urls = feedUrls(story);
  const byFile: Record<string, string> = { [OUTPUT_FILES.rss]: urls.rss, [OUTPUT_FILES.atom]: urls.atom, [OUTPUT_FILES.json]: urls.json };
  return changed.flatMap((f) => (byFile[f] ? [byFile[f]] : []));
}

export interface PingOutcome {
  readonly feedUrl: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

export interface PingOptions {
  readonly hub: string;
  readonly feedUrls: readonly string[];
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly timeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetchImpl?: typeof fetch;
  readonly signal?: AbortSignal;
}

const MAX_DELAY_MS = 30_000;

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Backoff before attempt n+1 (n ≥ 1): base · 2^(n−1), capped; a Retry-After in seconds wins. */
export function backoffMs(attempt: number, baseDelayMs: number, retryAfter?: string | null): number {
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_DELAY_MS);
  return Math.min(baseDelayMs * 2 ** (attempt - 1), MAX_DELAY_MS);
}

async function pingOne(feedUrl: string, options: PingOptions): Promise<PingOutcome> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 1000;
  const doFetch = options.fetchImpl ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => defaultSleep(ms, options.signal));
  const body = new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': feedUrl }).toString();
  let last: PingOutcome = { feedUrl, ok: false, attempts: 0, error: 'not attempted' };
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (options.signal?.aborted) return { ...last, error: 'aborted' };
    let retryAfter: string | null = null;
    try {
      const signals = [AbortSignal.timeout(options.timeoutMs ?? 10_000), ...(options.signal ? [options.signal] : [])];
      const res = await doFetch(options.hub, {
        method: 'POST',
        headers: { 'Content-Type': HUB_PING_TYPE },
        body,
        signal: AbortSignal.any(signals),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { feedUrl, ok: true, attempts: attempt, status: res.status };
      last = { feedUrl, ok: false, attempts: attempt, status: res.status, error: `hub answered ${res.status}` };
      // Other 4xx mean the hub refuses this request as such: retrying would not help.
      if (res.status < 500 && res.status !== 429) return last;
      retryAfter = res.headers.get('retry-after');
    } catch (error) {
      last = { feedUrl, ok: false, attempts: attempt, error: (error as Error).message || String(error) };
    }
    if (attempt < attempts) await sleep(backoffMs(attempt, base, retryAfter));
  }
  return last;
}

export async function pingHub(options: PingOptions): Promise<PingOutcome[]> {
  try {
    return await Promise.all(options.feedUrls.map((url) => pingOne(url, options)));
  } catch (error) {
    return options.feedUrls.map((feedUrl) => ({ feedUrl, ok: false, attempts: 0, error: String(error) }));
  }
}

export function formatPingOutcome(o: PingOutcome): string {
  return o.ok
    ? `hub notified of ${o.feedUrl} (HTTP ${o.status}, attempt ${o.attempts})`
    : `hub not notified of ${o.feedUrl} after ${o.attempts} attempt(s): ${o.error ?? 'unknown error'}`;
}
