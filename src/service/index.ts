// `storyfeed start`: build now, keep the feeds fresh (schedule, embargo wake-ups, file changes),
// serve the output folder, ping the WebSub hub. A failed run is logged and the previous feeds keep
// being served; nothing here prints: every event goes to `log` as one structured record.

import { watch, type FSWatcher } from 'node:fs';
import { isUserError } from '../errors.js';
import { BuildRunner } from './build-thread.js';
import { LEDGER_PATH } from '../build/state/layout.js';
import { formatRfc3339 } from '../core/dates.js';
import { nextEmbargo } from '../core/model.js';
import type { SourceFile, Story } from '../core/types.js';
import { Scheduler, type Reason, type Timers } from './schedule.js';
import { startServer, type RunningServer } from './serve.js';
import { changedFeedUrls, formatPingOutcome, pingHub } from './websub.js';
import { lastBuildOutputs } from '../build/published-outputs.js';
import { Publisher, Turns, type PublishSettings } from './publisher.js';

export type { PublishSettings } from './publisher.js';

export type LogRecord = Record<string, unknown> & { event: string };

export interface ServiceOptions {
  readonly entriesDir: string;
  readonly outDir: string;
  readonly host: string;
  readonly port: number;
  readonly log: (record: LogRecord) => void;
  readonly clock?: () => Date;
  readonly timers?: Timers;
  /** Watch the entries folder and rebuild on change (default true). */
  readonly watch?: boolean;
  /** WebSub retry base delay, ms (tests shorten it). */
  readonly hubRetryBaseMs?: number;
  /** Publish to object storage after runs that changed something (--publish, or the story's `publish:`). */
  readonly publishing?: PublishSettings;
}

export interface RunningService {
  readonly url: string;
  readonly scheduler: Scheduler;
  /** Run a build now (as the schedule would) and wait for it. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_MAX_AGE_S = 300;

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const clock = options.clock ?? (() => new Date());
  const lastGood = new Map<string, SourceFile>();
  const hubAbort = new AbortController();
  const runner = new BuildRunner();
  const pings = new Set<Promise<unknown>>();
  let maxAgeSeconds = DEFAULT_MAX_AGE_S;
  const turns = new Turns();
  let firstRun = true;

  const notifyHub = (story: Story, changed: readonly string[]) => {
    if (!story.hub) return;
    const changedFeeds = changedFeedUrls(story, changed);
    if (changedFeeds.length === 0) return;
    // Never block or fail the build on the hub: fire, log the outcome later.
    const ping = pingHub({ hub: story.hub, feedUrls: changedFeeds, signal: hubAbort.signal, ...(options.hubRetryBaseMs ? { baseDelayMs: options.hubRetryBaseMs } : {}) }).then((outcomes) => {
      for (const o of outcomes) options.log({ event: 'websub', ok: o.ok, feed: o.feedUrl, attempts: o.attempts, detail: formatPingOutcome(o) });
    });
    pings.add(ping);
    void ping.finally(() => pings.delete(ping));
  };
  const publisher = options.publishing
    ? new Publisher({
        settings: options.publishing,
        outDir: options.outDir,
        log: options.log,
        exclusive: (read) => turns.run(read),
        builtOutputs: () => lastBuildOutputs(options.outDir),
        // Readers of the CDN fetch what the hub announces: announce once it is uploaded.
        onPublished: (result, story) => notifyHub(story, result.uploaded),
      })
    : undefined;

  const runBuild = async (reason: Reason) => {
    const started = clock();
    try {
      // Builds run on the build thread: the server on this thread keeps answering meanwhile.
      const result = await turns.run(() => runner.run({ entriesDir: options.entriesDir, outDir: options.outDir, now: started.getTime(), mode: 'service', lastGood, lockWaitMs: 5_000 }));
      for (const source of result.goodSources) lastGood.set(source.path, source);
      const story = result.story;
      if (story) maxAgeSeconds = story.ttl * 60;
      const now = started.getTime();
      const next = nextEmbargo(result.entries, started);
      options.log({
        event: 'build',
        reason,
        started: started.toISOString(),
        ok: result.ok,
        changed: result.written,
        published: result.published,
        held_back: result.entries.filter((e) => e.draft || e.published.getTime() > now).map((e) => ({ path: e.path, until: e.draft ? 'draft' : formatRfc3339(e.published) })),
        rejected: result.outcomes.filter((o) => o.status === 'rejected').map((o) => ({ path: o.path, problems: o.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`) })),
        kept_last_good: result.outcomes.filter((o) => o.status === 'kept-last-good').map((o) => ({ path: o.path, problems: o.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`) })),
        problems: result.ok ? [] : result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`),
        duration_ms: Math.round(result.durationMs),
        next_due: next ? formatRfc3339(next) : null,
      });
      const changed = result.written.some((f) => f !== LEDGER_PATH);
      const publishing = story !== undefined && publisher?.targetFor(story) !== undefined;
      // The first run publishes even with nothing changed: the remote may be behind the folder.
      if (story && publishing && (changed || firstRun)) publisher!.request(story);
      else if (story && changed) notifyHub(story, result.written);
      firstRun = false;
      return {
        ...(next ? { nextDue: next } : {}),
        ...(story ? { cron: { expression: story.schedule, timeZone: story.timeZone } } : {}),
      };
    } catch (error) {
      // A failed run never kills the service: the previous feeds stay and the next run retries.
      const expected = isUserError(error, 'lock-busy') || isUserError(error, 'aborted');
      options.log({ event: 'build', reason, ok: false, error: expected ? (error as Error).message : String((error as Error)?.stack ?? error) });
      return {};
    }
  };

  const scheduler = new Scheduler({
    run: runBuild,
    clock,
    ...(options.timers ? { timers: options.timers } : {}),
    onError: (error, reason) => options.log({ event: 'error', reason, error: String(error) }),
  });

  let server: RunningServer;
  try {
    server = await startServer({
      outDir: options.outDir,
      host: options.host,
      port: options.port,
      // Readers may cache until the next planned rebuild, and no longer (RFC 9111 §5.2.2.1).
      get maxAgeSeconds() {
        const next = scheduler.nextRun;
        if (!next) return maxAgeSeconds;
        return Math.max(0, Math.min(maxAgeSeconds, Math.ceil((next.getTime() - clock().getTime()) / 1000)));
      },
    });
  } catch (error) {
    await scheduler.stop();
    throw error;
  }

  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (options.watch !== false) {
    try {
      // Re-plan when reporters drop or edit files: a short debounce gathers an editor's bursts.
      watcher = watch(options.entriesDir, () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => void scheduler.trigger('change'), 200);
      });
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
  }
  // Watch before the first build, so that nothing written meanwhile is missed.
  options.log({ event: 'start', url: server.url, entries: options.entriesDir, out: options.outDir });
  await scheduler.start();

  return {
    url: server.url,
    scheduler,
    runNow: () => scheduler.trigger('manual'),
    async stop() {
      watcher?.close();
      clearTimeout(debounce);
      // Shutdown abandons a running build between documents instead of waiting for a long archive.
      runner.abort();
      await scheduler.stop();
      await publisher?.stop();
      await runner.close();
      hubAbort.abort();
      await Promise.allSettled([...pings]);
      await server.close();
      options.log({ event: 'stop' });
    },
  };
}
