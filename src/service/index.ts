// `storyfeed start`: build now, keep the feeds fresh (schedule, embargo wake-ups, file changes),
// serve the output folder, ping the WebSub hub. A failed run is logged in a plain sentence, the
// previous feeds keep being served, and the run is retried; the schedule and the embargo wake-ups
// are planned from the entries whatever a run's outcome. Nothing here prints: every event goes to
// `log` as one structured record.

import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { isUserError } from '../errors.js';
import { BuildRunner } from './build-thread.js';
import type { BuildSummary } from './build-summary.js';
import type { MaxAgeByFolder } from '../build/types.js';
import { LEDGER_PATH } from '../io/state-folder.js';
import { formatRfc3339 } from '../core/dates.js';
import { formatDiagnostic, formatShortDiagnostic } from '../core/diagnostics.js';
import { isScheduled, nextChange } from '../core/model.js';
import type { SourceFile, Story } from '../core/types.js';
import { folderNamesSync, isFolderSync, isNewsroomSync, isSourceName } from '../io/read-sources.js';
import { NEWSROOM_FILE, ownMaxAge } from '../core/links.js';
import { explainFileError } from '../io/file-errors.js';
import { isInside } from '../io/paths.js';
import { Scheduler, type Reason, type RunResult, type Timers } from './schedule.js';
import { startServer, type RunningServer } from './serve.js';
import { formatPingOutcome, pingHub } from './websub.js';
import { readHubTargets } from './hub-targets.js';
import { lastBuildOutputs } from '../build/published-outputs.js';
import { Publisher, Turns, type PublishSettings } from './publisher.js';
import { runInstant } from './run-instant.js';
import { readBuiltAs } from '../build/state/rehearsal.js';

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
  /** How long a run waits for another builder's lock (ms, default 5 s). */
  readonly lockWaitMs?: number;
  /** The server's connection cap (default: half the open-file limit, at most 4,096). */
  readonly maxConnections?: number;
  /** How long a connection may take to send a request's headers (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** Publish to object storage after runs that changed something (--publish, or the story's `publish:`). */
  readonly publishing?: PublishSettings;
}

export interface RunningService {
  readonly url: string;
  readonly scheduler: Scheduler;
  /** The first build (started, not awaited, by startService: a stop may come during it). */
  readonly firstRun: Promise<void>;
  /** Run a build now (as the schedule would) and wait for it. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_MAX_AGE_S = 300;
/** The watcher gathers an editor's burst of writes for this long after the last one… */
const DEBOUNCE_MS = 200;
/** …but never waits longer than this after the first (a file rewritten every 100 ms cannot starve it). */
const DEBOUNCE_MAX_MS = 2_000;

/** Why a run failed, in one plain sentence for the log (the raw error is for bugs only). */
export function explainFailure(error: unknown, outDir: string): { sentence: string; bug: boolean } {
  if (isUserError(error, 'aborted')) return { sentence: 'the run was stopped (shutdown) before it published anything', bug: false };
  if (isUserError(error)) return { sentence: error.message, bug: false };
  const e = error as NodeJS.ErrnoException;
  // A rename names the path in the way in `dest` (the build thread passes it on as `path`).
  const target = (e as { dest?: unknown })?.dest ?? e?.path;
  const where = typeof target === 'string' ? path.relative(outDir, target) || '.' : undefined;
  const inside = typeof target === 'string' && (where === '.' || isInside(path.resolve(outDir), path.resolve(target)));
  const file = inside ? `\`${where}\` in the output folder` : where ? `\`${String(target)}\`` : 'a file in the output folder';
  const sentence = explainFileError(e?.code, file, outDir);
  if (sentence) return { sentence, bug: false };
  return { sentence: `an internal error stopped the run (please report it): ${e?.message ?? String(error)}`, bug: true };
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const clock = options.clock ?? (() => new Date());
  const runner = new BuildRunner();
  const turns = new Turns();
  const hub = hubNotifier(options);
  const publisher = options.publishing
    ? new Publisher({
        settings: options.publishing,
        outDir: options.outDir,
        log: options.log,
        exclusive: (read) => turns.run(read),
        builtOutputs: () => lastBuildOutputs(options.outDir),
        maxAgeByFolder: () => state.maxAgeByFolder,
        // Readers of the CDN fetch what the hub announces: announce once it is uploaded.
        onPublished: (result, story) => hub.notify(story, result.uploaded),
      })
    : undefined;
  // A folder whose last change is later than the clock (it went back before the service started):
  // the first run builds for that instant too (run-instant.ts), never taking back what went out.
  const built = readBuiltAs(options.outDir, clock());
  const state: RunState = { lastGood: new Map(), maxAgeSeconds: DEFAULT_MAX_AGE_S, maxAgeByFolder: {}, firstPublish: true, ...(built.kind === 'skewed' ? { lastInstant: built.asOf } : {}) };
  const scheduler = new Scheduler({
    run: (reason) => runBuild({ options, clock, runner, turns, hub, publisher, state }, reason),
    clock,
    ...(options.timers ? { timers: options.timers } : {}),
    onError: (error, reason) => options.log({ event: 'error', reason, error: String(error) }),
  });

  let server: RunningServer;
  try {
    server = await openServer(options, () => scheduler.nextRun, state, clock);
  } catch (error) {
    await scheduler.stop();
    throw error;
  }

  // Watch before the first build, so that nothing written meanwhile is missed.
  const watcher = options.watch !== false ? watchEntries(options.entriesDir, () => void scheduler.trigger('change')) : undefined;
  options.log({ event: 'start', url: server.url, entries: options.entriesDir, out: options.outDir, max_connections: server.maxConnections, headers_timeout_ms: server.headersTimeoutMs });
  // Not awaited: the caller can stop the service during a long first build.
  const firstRun = scheduler.start();

  return {
    url: server.url,
    scheduler,
    firstRun,
    runNow: () => scheduler.trigger('manual'),
    async stop() {
      watcher?.close();
      // Shutdown abandons a running build between documents instead of waiting for a long archive.
      runner.abort();
      await scheduler.stop();
      await publisher?.stop();
      await runner.close();
      await hub.close();
      await server.close();
      options.log({ event: 'stop' });
    },
  };
}

function openServer(options: ServiceOptions, nextRun: () => Date | undefined, state: RunState, clock: () => Date): Promise<RunningServer> {
  const untilNextRun = (seconds: number) => {
    const next = nextRun();
    return next ? Math.max(0, Math.min(seconds, Math.ceil((next.getTime() - clock().getTime()) / 1000))) : seconds;
  };
  return startServer({
    outDir: options.outDir,
    host: options.host,
    port: options.port,
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
    ...(options.headersTimeoutMs !== undefined ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
    // Readers may cache until the next planned rebuild, and no longer (RFC 9111 §5.2.2.1); a
    // newsroom story's files for its own ttl where it sets one.
    get maxAgeSeconds() {
      return untilNextRun(state.maxAgeSeconds);
    },
    maxAgeOf: (relative) => {
      const own = ownMaxAge(state.maxAgeByFolder, relative);
      return own === undefined ? undefined : untilNextRun(own);
    },
  });
}

/** What the service's runs carry from one to the next. */
interface RunState {
  /** The last good version of each entry file (service mode keeps it when a new one is broken). */
  readonly lastGood: Map<string, SourceFile>;
  /** The story's ttl, in seconds: the longest readers may cache. */
  maxAgeSeconds: number;
  /** A newsroom's stories whose ttl is their own, in seconds by folder. */
  maxAgeByFolder: MaxAgeByFolder;
  /** The first run publishes even with nothing changed: the remote may be behind the folder. */
  firstPublish: boolean;
  /** The instant the last run built for: the next never builds for an earlier one (run-instant.ts). */
  lastInstant?: Date;
}

interface HubNotifier {
  notify(story: Story, changed: readonly string[]): void;
  /** Abandon pings still retrying and wait for them to settle. */
  close(): Promise<void>;
}

function hubNotifier(options: ServiceOptions): HubNotifier {
  const hubAbort = new AbortController();
  const pings = new Set<Promise<unknown>>();
  return {
    notify(story, changed) {
      // Never block or fail the build on the hub: fire, log the outcome later. Each feed goes to
      // the hub it advertises (a newsroom story's own, or the newsroom's: hub-targets.ts).
      const ping = readHubTargets(options.outDir, story, changed)
        .then((targets) => Promise.all(targets.map((t) => pingHub({ hub: t.hub, feedUrls: t.feedUrls, signal: hubAbort.signal, ...(options.hubRetryBaseMs ? { baseDelayMs: options.hubRetryBaseMs } : {}) }))))
        .then((outcomes) => {
          for (const o of outcomes.flat()) options.log({ event: 'websub', ok: o.ok, feed: o.feedUrl, attempts: o.attempts, detail: formatPingOutcome(o) });
        })
        .catch((error: unknown) => options.log({ event: 'websub', ok: false, detail: `hub not notified: ${String(error)}` }));
      pings.add(ping);
      void ping.finally(() => pings.delete(ping));
    },
    async close() {
      hubAbort.abort();
      await Promise.allSettled([...pings]);
    },
  };
}

interface RunContext {
  readonly options: ServiceOptions;
  readonly clock: () => Date;
  readonly runner: BuildRunner;
  readonly turns: Turns;
  readonly hub: HubNotifier;
  readonly publisher: Publisher | undefined;
  readonly state: RunState;
}

/**
 * What the entries ask for, whatever became of the run: the cron, and a wake-up at the next
 * instant an output changes by itself — an embargo ends, a retraction, a development leaves the
 * 48-hour news sitemap, a change held back as dated ahead comes due (core/model.ts nextChange) —
 * in a newsroom across every story's entries.
 */
function planOf(result: BuildSummary, started: Date): RunResult {
  const next = nextChange(result.entries, started, result.alsoDue);
  const story = result.story;
  return { ...(next ? { nextDue: next } : {}), ...(story ? { cron: { expression: story.schedule, timeZone: story.timeZone } } : {}) };
}

async function runBuild(ctx: RunContext, reason: Reason): Promise<RunResult> {
  const { options, runner, state } = ctx;
  const { at: started, behindMs } = runInstant(ctx.clock(), state.lastInstant);
  state.lastInstant = started;
  const behind = behindMs === undefined ? {} : { clock_behind_ms: behindMs };
  const request = { entriesDir: options.entriesDir, outDir: options.outDir, now: started.getTime(), mode: 'service' as const, lastGood: state.lastGood };
  try {
    // Builds run on the build thread: the server on this thread keeps answering meanwhile.
    const result = await ctx.turns.run(() => runner.run({ ...request, lockWaitMs: options.lockWaitMs ?? 5_000 }));
    for (const source of result.goodSources) state.lastGood.set(source.path, source);
    const story = result.story;
    if (story) state.maxAgeSeconds = story.ttl * 60;
    if (story) state.maxAgeByFolder = result.maxAgeByFolder ?? {};
    options.log({ ...buildRecord(result, reason, started), ...behind });
    // A run may only delete (the news sitemap emptied when its last development aged out): still a change to publish.
    const changed = result.written.some((f) => f !== LEDGER_PATH) || result.removed.length > 0;
    const publishing = story !== undefined && ctx.publisher?.targetFor(story) !== undefined;
    // The first run publishes even with nothing changed: the remote may be behind the folder.
    if (story && publishing && (changed || state.firstPublish)) ctx.publisher!.request(story);
    else if (story && changed) ctx.hub.notify(story, result.written);
    state.firstPublish = false;
    return planOf(result, started);
  } catch (error) {
    // A failed run never kills the service: the previous feeds stay, the run is retried with
    // backoff, and the schedule goes on from what the entries ask for (read without writing).
    const { sentence, bug } = explainFailure(error, options.outDir);
    options.log({
      event: 'build',
      reason,
      started: started.toISOString(),
      ok: false,
      error: `The run failed: ${sentence}; it will be retried.`,
      ...behind,
      ...(bug ? { detail: String((error as Error)?.stack ?? error) } : {}),
    });
    if (isUserError(error, 'aborted')) return {};
    const plan = await runner.run({ ...request, dryRun: true }).then(
      (dry) => planOf(dry, started),
      () => ({}),
    );
    return { ...plan, failed: true };
  }
}

/**
 * Paths a log list names at most; the rest are counted (`<name>_total`). A cold 10,000-entry
 * newsroom's `changed` was one 535 KB line, which journald (48 KB) and Docker (16 KB) cut in pieces
 * that no longer parse as JSON.
 */
export const LOG_LIST_MAX = 100;

/** `{ name: list }`, or its first LOG_LIST_MAX and `name_total` when it is longer. */
function listed<T>(name: string, list: readonly T[]): Record<string, readonly T[] | number> {
  return list.length <= LOG_LIST_MAX ? { [name]: list } : { [name]: list.slice(0, LOG_LIST_MAX), [`${name}_total`]: list.length };
}

/** The log record of a run that finished (its entries may still have been held back or rejected). */
function buildRecord(result: BuildSummary, reason: Reason, started: Date): LogRecord {
  const next = nextChange(result.entries, started, result.alsoDue);
  const problems = (o: BuildSummary['outcomes'][number]) => ({ path: o.path, problems: o.diagnostics.map(formatShortDiagnostic) });
  const heldBack = result.entries.filter((e) => e.draft || isScheduled(e, started)).map((e) => ({ path: e.path, until: e.draft ? 'draft' : formatRfc3339(e.published) }));
  return {
    event: 'build',
    reason,
    started: started.toISOString(),
    ok: result.ok,
    ...listed('changed', result.written),
    ...(result.removed.length > 0 ? listed('removed', result.removed) : {}),
    published: result.published,
    ...listed('held_back', heldBack),
    rejected: result.outcomes.filter((o) => o.status === 'rejected').map(problems),
    kept_last_good: result.outcomes.filter((o) => o.status === 'kept-last-good').map(problems),
    // Every diagnostic, warnings too, with its hint, on every run until its cause is gone.
    problems: result.diagnostics.map(formatDiagnostic),
    duration_ms: Math.round(result.durationMs),
    next_due: next ? formatRfc3339(next) : null,
    ...(result.storiesChanged ? listed('stories_changed', result.storiesChanged) : {}),
  };
}

/**
 * Re-plan when reporters drop or edit entry files (not a sync tool's status file, not notes): a
 * short debounce gathers an editor's bursts, capped so that steady writes cannot starve it.
 */
function watchEntries(entriesDir: string, onChange: () => void): { close(): void } | undefined {
  let debounce: NodeJS.Timeout | undefined;
  let firstChange: number | undefined;
  let watcher: FSWatcher | undefined;
  let newsroom = false;
  const changed = () => {
    const now = Date.now();
    firstChange ??= now;
    clearTimeout(debounce);
    debounce = setTimeout(
      () => {
        firstChange = undefined;
        onChange();
      },
      Math.max(0, Math.min(DEBOUNCE_MS, firstChange + DEBOUNCE_MAX_MS - now)),
    );
  };
  // A newsroom's entries are in its story folders (one level down): each is watched too. A single
  // story's folder is watched alone (it may hold other folders, images or a repository, that are
  // not entries). Each folder has a watch of its own, never a recursive one: Node 20's recursive
  // watch on Linux follows each file, and a file saved by replacing it (sed -i, an editor's rename
  // over it) was a new file it no longer heard (found from outside); a folder's watch hears every
  // name in it. The folder can become a newsroom, or stop being one, while the service runs: when
  // `_newsroom.md` comes or goes, the story folders' watches follow (before the run that the same
  // event triggers, which reads whatever the story folders hold by then).
  const folders = new Map<string, FSWatcher>();
  const watchFolder = (name: string): void => {
    try {
      const w = watch(path.join(entriesDir, name), (_event, file) => {
        if (file !== null && !isSourceName(path.basename(String(file)))) return;
        changed();
      });
      w.on('error', () => {
        w.close();
        folders.delete(name);
      });
      folders.set(name, w);
    } catch {
      // gone already, or not a folder: the root's watch said so, and the run that follows reads it
    }
  };
  /** The story folders' watches, one per folder of the entries folder while it is a newsroom. */
  const followFolders = (): void => {
    newsroom = isNewsroomSync(entriesDir);
    const names = newsroom ? folderNamesSync(entriesDir) : [];
    for (const [name, w] of folders) {
      if (names.includes(name)) continue;
      w.close();
      folders.delete(name);
    }
    for (const name of names) if (!folders.has(name)) watchFolder(name);
  };
  const startWatching = (): boolean => {
    try {
      watcher = watch(entriesDir, (_event, name) => {
        const file = name === null ? null : String(name);
        // A story folder that comes, goes or is renamed changes the newsroom: a run, and its watch follows.
        const folder = file !== null && (folders.has(file) || (newsroom && !file.startsWith('.') && isFolderSync(entriesDir, file)));
        if (file === null || file === NEWSROOM_FILE || folder) followFolders();
        if (file !== null && !folder && !isSourceName(path.basename(file))) return;
        changed();
      });
      watcher.on('error', () => undefined);
      followFolders();
      return true;
    } catch {
      return false;
    }
  };
  if (!startWatching()) return undefined;
  return {
    close() {
      watcher?.close();
      for (const w of folders.values()) w.close();
      folders.clear();
      clearTimeout(debounce);
    },
  };
}
