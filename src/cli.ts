#!/usr/bin/env node
// The command line: parse argv, call the library, print, set the exit code. The only module that
// does any of those. Exit codes: 0 ok, 1 invalid entries, 2 usage or configuration error.

import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { parseRfc3339 } from './core/dates.js';
import { formatDiagnostic } from './core/diagnostics.js';
import type { BuildResult } from './build/types.js';
import { isScheduled } from './core/model.js';
import { isUserError, UserError } from './errors.js';
import type { RunningService } from './service/index.js';
import type { PublishSettings } from './service/publisher.js';
import { MANIFEST_PATH } from './io/state-folder.js';
import { checkOutputFolder } from './io/output-folder.js';
import { counted, formatStoryLine, fromHere, HELP, misplacedFlag, singleStoryLine, OPTIONS, pathFromHere, progressReporter, tally, type Command, type Flags, type Io, type PublishFlags } from './cli-help.js';

/** package.json's version: esbuild.config.mjs defines it in the bundle; unbundled runs read the file. */
declare const STORYFEED_VERSION: string | undefined;
const VERSION = typeof STORYFEED_VERSION === 'string' ? STORYFEED_VERSION : (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export const EXIT = { ok: 0, invalid: 1, usage: 2, bug: 70 } as const;

/** File-system errors that mean "the output folder cannot be written", a configuration problem. */
const OUTPUT_FAULTS = new Set(['EACCES', 'EROFS', 'ENOSPC', 'EPERM', 'EEXIST', 'ENOTDIR', 'EISDIR', 'EDQUOT', 'EIO']);

/** A whole number from `min` to `max` written in decimal digits, or undefined. */
function wholeNumber(text: string, min: number, max: number): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && n >= min && n <= max ? n : undefined;
}

interface ServerLimits {
  readonly maxConnections?: string | undefined;
  readonly headersTimeoutMs?: string | undefined;
}

async function runService(entriesDir: string, outDir: string, host: string, portText: string, limits: ServerLimits, io: Io, publishing: PublishSettings): Promise<number> {
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    io.err(`storyfeed start: port \`${portText}\` is not a number from 0 to 65535`);
    return EXIT.usage;
  }
  const maxConnections = limits.maxConnections === undefined ? undefined : wholeNumber(limits.maxConnections, 1, 1_000_000);
  if (limits.maxConnections !== undefined && maxConnections === undefined) {
    io.err(`storyfeed start: --max-connections \`${limits.maxConnections}\` is not a number from 1 to 1000000`);
    return EXIT.usage;
  }
  const headersTimeoutMs = limits.headersTimeoutMs === undefined || limits.headersTimeoutMs === '' ? undefined : wholeNumber(limits.headersTimeoutMs, 1, 3_600_000);
  if (limits.headersTimeoutMs && headersTimeoutMs === undefined) {
    io.err(`storyfeed start: STORYFEED_HEADERS_TIMEOUT_MS \`${limits.headersTimeoutMs}\` is not a number of milliseconds from 1 to 3600000`);
    return EXIT.usage;
  }
  // The handlers are in place before the first build starts: a stop during it abandons it cleanly
  // (no temp files, the lock released) instead of killing the process mid-write.
  let stopRequested = false;
  let service: RunningService | undefined;
  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    stopRequested = true;
    if (service) void service.stop().then(stopped, stopped);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const { startService } = await import('./service/index.js');
    service = await startService({
      entriesDir,
      outDir,
      host,
      port,
      publishing,
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(headersTimeoutMs !== undefined ? { headersTimeoutMs } : {}),
      log: (record) => io.out(JSON.stringify({ time: new Date().toISOString(), ...record })),
    });
  } catch (error) {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    io.err(`storyfeed start: cannot start: ${(error as Error).message}`);
    return EXIT.usage;
  }
  // Graceful stop: stop planning, abandon or finish a running build, close the server, exit 0.
  if (stopRequested) void service.stop().then(stopped, stopped);
  await done;
  return EXIT.ok;
}

const SECONDS = /^\d{1,9}$/;

async function runPublish(outDir: string, values: PublishFlags, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  for (const [flag, value] of [['--max-deletes', values['max-deletes']], ['--wait', values.wait]] as const) {
    if (value !== undefined && !SECONDS.test(value)) {
      io.err(`storyfeed publish: ${flag} \`${value}\` is not a whole number from 0 to 999999999`);
      return EXIT.usage;
    }
  }
  const { lastBuild, maxAgesOf } = await import('./build/published-outputs.js');
  const built = lastBuild(outDir);
  const to = values.to ?? built?.story?.publish;
  if (to === undefined) {
    io.err(`storyfeed publish: say where with --to s3://BUCKET[/PREFIX/] (or \`publish:\` in _story.md)\n\n${HELP.publish}`);
    return EXIT.usage;
  }
  if (!built) {
    io.err(`storyfeed publish: ${outDir} holds no build (no ${outDir}/${MANIFEST_PATH}); run storyfeed build first`);
    return EXIT.usage;
  }
  // The SDK's notice that its next versions need Node 22 is the README's to give, not every run's.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { publish } = await import('./publish/index.js');
  // Ctrl-C (or SIGTERM) stops the uploads and lets the lease go; a second one ends the process at once.
  const stop = new AbortController();
  const abort = () => stop.abort();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, abort);
  try {
    const result = await publish({
      signal: stop.signal,
      outDir,
      to,
      env,
      // The folder is read under the builders' lock, so that a build running meanwhile never mixes
      // its files with the last build's: a feed would link to a page not uploaded.
      readLocal: async (read) => (await import('./io/output-lock.js')).withOutputLock(outDir, 10_000, read),
      builtOutputs: () => lastBuild(outDir)?.outputs,
      ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
      ...(values['max-deletes'] !== undefined ? { maxDeletes: Number(values['max-deletes']) } : {}),
      ...(values.wait !== undefined ? { waitSeconds: Number(values.wait) } : {}),
      ...(values['cache-control'] !== undefined ? { cacheControl: values['cache-control'] } : {}),
      ...(values.force ? { force: true } : {}),
      ...maxAgesOf(built),
    });
    io.out(
      `storyfeed publish: ${result.uploaded.length === 0 && result.deleted.length === 0 ? 'nothing to do' : `uploaded ${counted(result.uploaded.length, 'file')} (${counted(result.bytesUploaded, 'byte')}), deleted ${result.deleted.length}`}; ${result.unchanged} unchanged; ${result.where}`,
    );
    const story = built.story;
    if (story) {
      // Each changed feed to the hub it advertises (a newsroom story's too: service/hub-targets.ts).
      const [{ formatPingOutcome, pingHub }, { readHubTargets }] = await Promise.all([import('./service/websub.js'), import('./service/hub-targets.js')]);
      for (const t of await readHubTargets(outDir, story, result.uploaded)) for (const o of await pingHub(t)) io.out(`  websub: ${formatPingOutcome(o)}`);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UserError) {
      io.err(`storyfeed publish: ${error.message}`);
      return EXIT.usage;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
      io.err(`storyfeed publish: cannot read the output folder ${outDir} (${code}); run storyfeed build first`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, abort);
  }
}

export async function main(argv: readonly string[], io: Io, clock: () => Date = () => new Date(), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseCommand(argv, io);
  if (typeof parsed === 'number') return parsed;
  const { command, values } = parsed;
  if (command === 'new') return runNew(parsed.positionals, values, clock(), io);
  if (command === 'start' && values.now !== undefined) { // first (found from outside: a guard's hint offered start --now)
    io.err('storyfeed start: --now is for build and check; the service follows the real clock');
    return EXIT.usage;
  }
  const now = readNow(command, values, clock, io);
  if (typeof now === 'number') return now;
  const outDir = values.out ?? 'out';
  const misplaced = misplacedFlag(command, values);
  if (misplaced) {
    io.err(`storyfeed ${command}: ${misplaced}\n\n${HELP[command]}`);
    return EXIT.usage;
  }
  const { rehearsalProblem } = await import('./build/state/rehearsal.js');
  const clockAt = clock();
  const rehearsal = rehearsalProblem({ command, outDir, now, clock: clockAt, nowFlag: values.now, outFlag: values.out });
  if (rehearsal) {
    io.err(`storyfeed ${command}: ${rehearsal.message}\n  hint: ${rehearsal.hint}`);
    return EXIT.usage;
  }
  if (command === 'publish') {
    try {
      return await runPublish(outDir, values, env, io);
    } catch (error) {
      io.err(`storyfeed publish: internal error — please report it:\n${(error as Error).stack ?? String(error)}`);
      return EXIT.bug;
    }
  }
  const entriesDir = values.entries ?? 'entries';
  try {
    // check writes nothing, so files it did not write are no matter; an --out the build refuses is
    // (the default is only where it looks for the ledger: `check --entries .` stays fine).
    if (command !== 'check' || values.out !== undefined) checkOutputFolder(entriesDir, outDir, { force: command === 'check' || values.force === true, entriesRequired: command === 'start' });
  } catch (error) {
    if (!isUserError(error, 'output-folder')) throw error;
    io.err(`storyfeed ${command}: ${error.message}\n  hint: ${error.hint}`);
    return EXIT.usage;
  }
  if (command === 'start') return runStart(entriesDir, outDir, values, env, io);
  return runBuild(command, { entriesDir, outDir, now, ahead: now.getTime() > clockAt.getTime(), timings: values.timings === true }, io);
}

/** The command and its flags, or the exit code when there is nothing more to do (help, a bad flag). */
function parseCommand(argv: readonly string[], io: Io): { command: Command; values: Flags; positionals: string[] } | number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP.main!);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-V') {
    io.out(`storyfeed ${VERSION}`);
    return EXIT.ok;
  }
  if (!['build', 'check', 'start', 'publish', 'new'].includes(command)) {
    io.err(`storyfeed: unknown command \`${command}\`\n\n${HELP.main}`);
    return EXIT.usage;
  }
  let values: Flags;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options: FLAGS, strict: true, allowPositionals: command === 'new' }));
  } catch (error) {
    io.err(`storyfeed ${command}: ${(error as Error).message}\n\n${HELP[command]}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.out(HELP[command]!);
    return EXIT.ok;
  }
  return { command: command as Command, values, positionals };
}

/** `storyfeed new story SLUG` or `storyfeed new entry SLUG|. "TITLE"`: a skeleton that checks clean. */
async function runNew(args: readonly string[], values: Flags, now: Date, io: Io): Promise<number> {
  const [kind, slug, title, ...extra] = args;
  const stray = Object.keys(values).find((k) => k !== 'entries' && values[k as keyof Flags] !== undefined);
  const shape = kind === 'story' ? title === undefined : kind === 'entry' && title !== undefined && extra.length === 0;
  if (stray || !shape || slug === undefined) {
    io.err(`storyfeed new: ${stray ? `--${stray} does not belong to \`storyfeed new\`` : 'write `new story SLUG` or `new entry SLUG|. "TITLE"`'}\n\n${HELP.new}`);
    return EXIT.usage;
  }
  const { planSkeleton, skeletonSettings } = await import('./core/skeleton.js');
  const { listSources, readListed, readSettingsFiles } = await import('./io/read-sources.js');
  const { entriesFolderProblem, writeSkeleton } = await import('./io/write-skeleton.js');
  const entriesDir = values.entries ?? 'entries';
  const request = kind === 'story' ? { kind, slug } as const : { kind: 'entry', story: slug, title: title! } as const;
  const missing = entriesFolderProblem(entriesDir);
  // Its id must be fresh: every file of the folder (a newsroom's every story) is read for the ids in use.
  const listing = missing ? undefined : await listSources(entriesDir);
  const entries = listing ? (await readListed(listing.root, listing.stamps)).sources : [];
  const plan = missing ? { ok: false as const, problem: missing } : planSkeleton(request, readSettingsFiles(entriesDir, skeletonSettings(request)), now, entries);
  const written = plan.ok ? writeSkeleton(entriesDir, plan.path, plan.text) : plan;
  if (!written.ok) {
    io.err(`storyfeed new: ${written.problem}`);
    return EXIT.usage;
  }
  io.out(`storyfeed new: wrote ${written.file}${plan.ok && plan.draft ? ' (a draft: delete its `draft: true` line to publish it)' : ''}`);
  return EXIT.ok;
}

const FLAGS = Object.fromEntries(Object.entries(OPTIONS).map(([name, { type, ...o }]) => [name, 'short' in o ? { type, short: o.short } : { type }])) as {
  [K in keyof typeof OPTIONS]: { type: (typeof OPTIONS)[K]['type']; short?: string };
};

/** The clock, or the moment `--now` names; an exit code when it names none. */
function readNow(command: Command, values: Flags, clock: () => Date, io: Io): Date | number {
  if (values.now === undefined) return clock();
  const parsed = parseRfc3339(values.now);
  if (parsed.ok) return parsed.date;
  io.err(`storyfeed ${command}: --now ${parsed.problem}; write e.g. --now 2026-05-27T09:00:00Z`);
  return EXIT.usage;
}

async function runStart(entriesDir: string, outDir: string, values: Flags, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  if (values.publish !== undefined) {
    const { parsePublishTarget } = await import('./core/publish-target.js');
    const parsed = parsePublishTarget(values.publish);
    if (!parsed.ok) {
      io.err(`storyfeed start: --publish ${parsed.problem}; write e.g. --publish s3://my-bucket/stories/us-iran-talks/`);
      return EXIT.usage;
    }
  }
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const publishing = { env, ...(values.publish !== undefined ? { to: values.publish } : {}), ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}) };
  const limits = { maxConnections: values['max-connections'], headersTimeoutMs: env['STORYFEED_HEADERS_TIMEOUT_MS'] };
  return runService(entriesDir, outDir, values.host ?? env.HOST ?? '127.0.0.1', values.port ?? env.PORT ?? '8080', limits, io, publishing);
}

interface BuildRequest {
  readonly entriesDir: string;
  readonly outDir: string;
  readonly now: Date;
  /** `--now` later than the clock: a rehearsal (its manifest says so). */
  readonly ahead: boolean;
  readonly timings: boolean;
}

async function runBuild(command: 'build' | 'check', request: BuildRequest, io: Io): Promise<number> {
  const { entriesDir, outDir, now, ahead } = request;
  // Loaded here: build() itself loads the compiler only when the fast path finds work to do.
  const { build } = await import('./build/index.js');
  try {
    const result = await build({ entriesDir, outDir, now, ...(ahead ? { rehearsal: true } : {}), dryRun: command === 'check', fastPath: command === 'build', onProgress: progressReporter(io) });
    if (result.upToDate) {
      io.out(`storyfeed build: no change since the last build (${counted(result.entriesRead, 'file')} unchanged); wrote nothing in ${outDir} (${Math.round(result.durationMs)} ms)`);
      return EXIT.ok;
    }
    for (const d of result.diagnostics) io.err(formatDiagnostic(fromHere(entriesDir, outDir, d)));
    if (!result.ok) {
      const count = result.diagnostics.filter((d) => d.severity === 'error').length;
      io.err(`storyfeed ${command}: ${counted(count, 'problem')} in ${entriesDir}; ${command === 'check' ? 'fix them before publishing' : 'nothing was written, the published feeds are unchanged'}`);
      return EXIT.invalid;
    }
    if (command === 'check') reportCheck(result, entriesDir, now, io);
    else reportBuild(result, request, io);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(command, outDir, error, io);
  }
}

function reportCheck(result: BuildResult, entriesDir: string, now: Date, io: Io): void {
  io.out(`storyfeed check: ${counted(result.counts.entries, 'entry', 'entries')} valid at ${now.toISOString()}: ${tally(result, now)}`);
  // One line per story (issue 14: each of a newsroom's, or the single story, as `.`), then every scheduled entry.
  const story = result.compiled?.story;
  const stories = result.newsroom?.stories ?? (story ? [singleStoryLine(story, result.compiled!.entries, now)] : []);
  for (const s of stories) io.out(formatStoryLine(s));
  const held = (result.compiled?.entries ?? result.newsroom?.entries ?? []).filter((e) => isScheduled(e, now));
  for (const e of [...held].sort((a, b) => a.published.getTime() - b.published.getTime())) {
    io.out(`  scheduled ${e.published.toISOString()}  ${pathFromHere(entriesDir, e.path)}  ${e.title}`);
  }
}

function reportBuild(result: BuildResult, request: BuildRequest, io: Io): void {
  const { counts } = result;
  const next = counts.nextScheduled === null ? undefined : new Date(counts.nextScheduled);
  const written = result.written.length === 0 ? 'nothing (no change)' : result.written.length <= 8 ? result.written.join(', ') : counted(result.written.length, 'file');
  io.out(
    `storyfeed build: built ${counted(counts.entries, 'entry', 'entries')}: ${tally(result, request.now)}; ` +
      `wrote ${written} in ${request.outDir} ` +
      (result.removed && result.removed.length > 0 ? `and removed ${result.removed.length <= 8 ? result.removed.join(', ') : counted(result.removed.length, 'file')} it no longer publishes ` : '') +
      `(${Math.round(result.durationMs)} ms)${next ? `; next scheduled entry at ${next.toISOString()}` : ''}`,
  );
  io.out(
    `  ${counted(result.entriesRead, 'file')}: read ${result.filesRead}, parsed ${result.entriesParsed} (the rest unchanged); ` +
      (result.patched ? `patched ${result.rendered} of ${counted(counts.outputs, 'output')} in place` : `rendered ${result.rendered} of ${counted(counts.outputs, 'output')}`),
  );
  if (request.timings) io.out(`  timings: ${result.timings.map(([p, ms]) => `${p} ${ms} ms`).join(', ')}${result.notPatched ? ` (full build: ${result.notPatched})` : ''}`);
}

/** A user error or an unwritable output folder is a usage error; anything else is a bug (exit 70). */
function reportFailure(command: string, outDir: string, error: unknown, io: Io): number {
  if (error instanceof UserError) {
    io.err(`storyfeed ${command}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
    return EXIT.usage;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code && OUTPUT_FAULTS.has(code)) {
    // Node's own messages begin with the code ("EACCES: permission denied, mkdir …"): name it once.
    const message = (error as Error).message;
    io.err(`storyfeed ${command}: cannot write to the output folder ${outDir} (${message.startsWith(`${code}:`) ? message : `${code}: ${message}`}); the published feeds are unchanged`);
    return EXIT.usage;
  }
  // A bug, not a user error: say so once, with the stack, and fail.
  io.err(`storyfeed ${command}: internal error — please report it:\n${(error as Error).stack ?? String(error)}`);
  return EXIT.bug;
}

/** Run as the program: the process's argv, streams and exit code (bin/storyfeed.ts loads this module and calls it). */
export function runAsProgram(): void {
  // A reader that goes away (`storyfeed build | head -1`, a log pipe closed) costs its lines only:
  // Node reports the closed pipe as an error event, which would end the process mid-run.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', ignoreClosedPipe);
  main(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    tty: process.stderr.isTTY === true,
    progress: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`storyfeed: internal error — please report it:\n${String((error as Error)?.stack ?? error)}\n`);
      process.exitCode = EXIT.bug;
    },
  );
}

function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
}

// `node dist/cli.js …` runs it too (with libuv's own thread pool); imported by tests, it does not run.
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli.js')) runAsProgram();
