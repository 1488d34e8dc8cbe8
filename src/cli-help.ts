// What the CLI says: its options and help texts, one per command (`storyfeed <command> --help`),
// and the wording of its reports; cli.ts parses argv with OPTIONS and prints. A test holds every
// option to the help of each command taking it.

import path from 'node:path';
import type { BuildResult, StoryResult } from './build/types.js';
import type { Diagnostic } from './core/diagnostics.js';
import { coverageStartOf, isPublished, isRetracted, isScheduled, isVisible, nextScheduledEntry } from './core/model.js';
import type { EntryMeta, Story } from './core/types.js';
import { STATE_FOLDER } from './io/state-folder.js';

export type Command = 'build' | 'check' | 'start' | 'publish' | 'new';

type Option = { readonly type: 'string' | 'boolean'; readonly short?: string; readonly commands: readonly Command[] };
const ALL: readonly Command[] = ['build', 'check', 'start', 'publish', 'new'];

/** Every option, and the commands that take it (node:util parseArgs reads the same table). */
export const OPTIONS = {
  entries: { type: 'string', commands: ['build', 'check', 'start', 'new'] },
  out: { type: 'string', commands: ['build', 'check', 'start', 'publish'] },
  now: { type: 'string', commands: ['build', 'check'] },
  host: { type: 'string', commands: ['start'] },
  port: { type: 'string', commands: ['start'] },
  'max-connections': { type: 'string', commands: ['start'] },
  help: { type: 'boolean', short: 'h', commands: ALL },
  timings: { type: 'boolean', commands: ['build'] },
  force: { type: 'boolean', commands: ['build', 'start', 'publish'] },
  publish: { type: 'string', commands: ['start'] },
  to: { type: 'string', commands: ['publish'] },
  endpoint: { type: 'string', commands: ['start', 'publish'] },
  'max-deletes': { type: 'string', commands: ['publish'] },
  wait: { type: 'string', commands: ['publish'] },
  'cache-control': { type: 'string', commands: ['publish'] },
} as const satisfies Record<string, Option>;

export type PublishFlags = { to?: string; endpoint?: string; 'max-deletes'?: string; wait?: string; 'cache-control'?: string; force?: boolean };
export type Flags = PublishFlags & { entries?: string; out?: string; now?: string; host?: string; port?: string; 'max-connections'?: string; help?: boolean; timings?: boolean; publish?: string };

/** A flag given to a command it does not belong to: the sentence that says so (help follows it). */
export function misplacedFlag(command: Exclude<Command, 'new'>, values: Flags): string | undefined {
  if (command !== 'start' && (values.host !== undefined || values.port !== undefined || values['max-connections'] !== undefined)) {
    return '--host and --port belong to `storyfeed start`, as does --max-connections';
  }
  const publishOnly = (['to', 'max-deletes', 'wait', 'cache-control'] as const).filter((k) => values[k] !== undefined);
  if (command !== 'publish' && publishOnly.length > 0) return `--${publishOnly[0]} belongs to \`storyfeed publish\``;
  if (values.publish !== undefined && command !== 'start') return `--publish belongs to \`storyfeed start\`${command === 'publish' ? '; write --to' : ''}`;
  if (values.endpoint !== undefined && command !== 'start' && command !== 'publish') return '--endpoint belongs to `storyfeed start` and `storyfeed publish`';
  if (command === 'publish' && (values.now !== undefined || values.entries !== undefined || values.timings)) {
    return 'it uploads what the last build wrote; --now, --entries and --timings belong to build';
  }
  if (command === 'check' && values.force) return '--force belongs to build and start; check writes nothing';
  return undefined;
}

export type Io = { out: (line: string) => void; err: (line: string) => void; tty?: boolean; progress?: (text: string) => void };

/**
 * Long builds show progress: a bar redrawn in place on a terminal, a plain line every 10% in logs
 * and CI. Short builds (under 200 outputs) show nothing.
 */
export function progressReporter(io: Io): (done: number, total: number, phase: 'parsing' | 'rendering') => void {
  const lastTenth = { parsing: -1, rendering: -1 };
  return (done, total, phase) => {
    if (total < 200) return;
    const unit = phase === 'parsing' ? 'files parsed' : 'outputs';
    if (io.tty && io.progress) {
      if (done % 25 === 0 || done === total) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        io.progress(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${unit}${done === total ? '\n' : ''}`);
      }
      return;
    }
    const tenth = Math.floor((done / total) * 10);
    if (tenth !== lastTenth[phase]) {
      lastTenth[phase] = tenth;
      io.err(`  ${phase}: ${done}/${total} ${unit}`);
    }
  };
}

/**
 * A diagnostic's path as the terminal that ran the command can open it: relative to the current
 * directory, or absolute where that is shorter. The core's paths are relative to the entries
 * folder, but for the build's own files (the ledger: W_LEDGER_INVALID), which are in the output
 * folder's `.storyfeed/` (an entries folder skips dot files, so no entry is named so).
 */
export function fromHere(entriesDir: string, outDir: string, d: Diagnostic): Diagnostic {
  return { ...d, file: pathFromHere(d.file.startsWith(`${STATE_FOLDER}/`) ? outDir : entriesDir, d.file) };
}

export function pathFromHere(entriesDir: string, file: string): string {
  const absolute = path.resolve(entriesDir, file);
  const relative = path.relative(process.cwd(), absolute) || '.';
  return relative.length <= absolute.length ? relative : absolute;
}

/** `1 file`, `2 files`, `1 entry`, `0 entries`: every count the CLI prints agrees with its noun. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/**
 * `10 published, 1 scheduled, 1 draft, 0 retracted`, for a single story and a newsroom alike (a
 * newsroom's entries are every story's). A patched or unchanged run compiled nothing: its counts
 * are the manifest's, which keeps drafts apart (the rest is retracted).
 */
export function tally(result: BuildResult, now: Date): string {
  const { counts } = result;
  const entries = result.compiled?.entries ?? result.newsroom?.entries;
  const rest = entries
    ? `${entries.filter((e) => e.draft).length} draft, ${entries.filter((e) => isPublished(e, now) && isRetracted(e, now)).length} retracted`
    : `${counts.drafts} draft, ${counts.entries - counts.visible - counts.scheduled - counts.drafts} retracted`;
  return `${counts.visible} published, ${counts.scheduled} scheduled, ${rest}`;
}

/** What `storyfeed check` says of a story: a newsroom's (build/types.ts StoryResult) or the single story's. */
export type StoryLine = Omit<StoryResult, 'changed'>;

/** The single story as `storyfeed check` lists it (`.`, as `storyfeed new entry .` names it). */
export function singleStoryLine(story: Story, entries: readonly EntryMeta[], now: Date): StoryLine {
  const next = nextScheduledEntry(entries, now)?.getTime() ?? null;
  const start = coverageStartOf(story.coverageStart, entries, now);
  return {
    slug: '.',
    title: story.title,
    status: story.status ?? 'live',
    published: entries.filter((e) => isVisible(e, now)).length,
    scheduled: entries.filter((e) => isScheduled(e, now)).length,
    drafts: entries.filter((e) => e.draft).length,
    nextScheduled: next,
    ...(start ? { coverageStart: start.getTime() } : {}),
    ...(story.coverageEnd ? { coverageEnd: story.coverageEnd.getTime() } : {}),
  };
}

/** `talks  ended  2 published, 0 scheduled, 0 draft  coverage 2026-05-26T09:00:00.000Z to 2026-05-30T00:00:00.000Z  Title` */
export function formatStoryLine(s: StoryLine): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const next = s.nextScheduled === null ? '' : `, next at ${iso(s.nextScheduled)}`;
  const coverage = s.coverageStart === undefined ? '' : s.coverageEnd === undefined ? `  coverage since ${iso(s.coverageStart)}` : `  coverage ${iso(s.coverageStart)} to ${iso(s.coverageEnd)}`;
  return `  ${s.slug}  ${s.status}${s.held ? ' (not out: no development published yet)' : ''}  ${s.published} published, ${s.scheduled} scheduled${next}, ${s.drafts} draft${coverage}  ${s.title}`;
}

export const HELP: Record<string, string> = {
  main: `storyfeed — compile a developing story into RSS 2.0, Atom 1.0 and JSON Feed 1.1

Usage:
  storyfeed build [--entries DIR] [--out DIR] [--now RFC3339] [--force] [--timings]   compile once
  storyfeed check [--entries DIR] [--out DIR] [--now RFC3339]   validate, write nothing
  storyfeed start [--entries DIR] [--out DIR] [--host HOST] [--port PORT] [--max-connections N]
                  [--force] [--publish s3://…] [--endpoint URL]   build now and keep the feeds fresh
  storyfeed publish [--out DIR] --to s3://BUCKET[/PREFIX/] [--endpoint URL] [--max-deletes N]
                    [--wait SECONDS] [--cache-control VALUE] [--force]   upload the output folder
  storyfeed new story SLUG [--entries DIR]           a story folder's _story.md (in a newsroom)
  storyfeed new entry SLUG|. "TITLE" [--entries DIR]  an entry skeleton in that story (. = the single story)
  storyfeed <command> --help, -h                     a command's options in full
  storyfeed --version, -V                            the version

Exit codes: 0 ok, 1 invalid entries, 2 usage, configuration, credentials or network error.`,
  build: `storyfeed build [--entries DIR] [--out DIR] [--now RFC3339] [--force] [--timings]

Compile the entries folder (default: entries/) into rss.xml, atom.xml and feed.json in the output
folder (default: out/). Files whose bytes would not change are not rewritten. With any invalid
entry nothing is written and the exit code is 1.

  --entries DIR   the entries folder, with _story.md (default: entries)
  --out DIR       the output folder (default: out); a new or empty folder, or one storyfeed built
  --now RFC3339   the clock deciding what is published, e.g. 2026-05-27T09:00:00Z (default: now);
                  a time later than now needs an --out of its own (a rehearsal)
  --force         build into a non-empty folder storyfeed did not create (files of yours there
                  are never deleted; files with the names storyfeed writes are replaced)
  --timings       also print how long each phase took (list, load cache, read and parse, plan,
                  render and write, save cache)
  -h, --help      this help`,
  check: `storyfeed check [--entries DIR] [--out DIR] [--now RFC3339]

Validate every entry and report every problem as file:line:col CODE message, writing nothing.
Lists entries scheduled for later. Exit 0 when valid, 1 otherwise.

  --entries DIR   the entries folder, with _story.md (default: entries)
  --out DIR       the output folder whose id ledger the entries are checked against (default: out)
  --now RFC3339   the clock deciding what is published (default: now)
  -h, --help      this help`,
  start: `storyfeed start [--entries DIR] [--out DIR] [--host HOST] [--port PORT] [--max-connections N]
                [--force] [--publish s3://BUCKET[/PREFIX/]] [--endpoint URL]

Build the feeds now, keep them fresh and serve the output folder over HTTP:
  - rebuilds on the story's cron schedule (default every 5 minutes, UTC), at the exact instant the
    next embargoed entry is due, and when a file in the entries folder changes;
  - serves the output folder on http://HOST:PORT/ (default 127.0.0.1:8080; env HOST, PORT);
  - logs one JSON line per run on stdout; stops cleanly on SIGINT/SIGTERM.
A bad entry never takes the story down: it is held back (or keeps its last good version) and logged.

  --entries DIR   the entries folder, with _story.md (default: entries)
  --out DIR       the output folder (default: out)
  --host HOST     address to listen on (default: $HOST or 127.0.0.1)
  --port PORT     port to listen on (default: $PORT or 8080)
  --force         serve and build into a non-empty folder storyfeed did not create
  --max-connections N
                  connections held at once; over it the oldest idle one is closed
                  (default: half the open-file limit, at most 4096)
  --publish s3://BUCKET[/PREFIX/]   also publish to object storage after every run that changed
                  something (default: the story's \`publish:\`); failures are logged and retried
  --endpoint URL  S3-compatible endpoint (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, AWS)
Env STORYFEED_HEADERS_TIMEOUT_MS: how long a connection may take to send its request's headers
(default 10000); idle connections are closed after it.
  -h, --help      this help`,
  publish: `storyfeed publish [--out DIR] --to s3://BUCKET[/PREFIX/] [--endpoint URL] [--max-deletes N]
                  [--wait SECONDS] [--cache-control VALUE] [--force]

Upload the built output folder to S3-compatible object storage: only files whose bytes changed,
story pages and tag and archive feeds before the main feeds, deletions (of objects storyfeed uploaded
before, never others) last. Credentials and region come from the standard AWS configuration.

  --out DIR            the output folder (default: out)
  --to s3://…          the bucket and prefix (default: the story's \`publish:\`)
  --endpoint URL       S3-compatible endpoint, path-style (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL)
  --max-deletes N      refuse to delete more than N objects (default 1000)
  --wait SECONDS       wait this long for another publisher's lease (default 0: refuse at once)
  --cache-control V    Cache-Control of every object (default: public, max-age=<ttl>, stale-while-revalidate=<ttl>)
  --force              replace objects storyfeed did not upload at the keys it writes (else refused)
  -h, --help           this help`,
  new: `storyfeed new story SLUG [--entries DIR]
storyfeed new entry SLUG|. "TITLE" [--entries DIR]

Write a skeleton that checks clean, never replacing a file (exit 2 if it exists or its id is taken):
  new story   SLUG/_story.md in a newsroom (an entries folder with _newsroom.md)
  new entry   SLUG/<date>-<title-slug>.md, or in the single story's folder with \`.\`; a fresh tag: id
              from the story's id authority and today's date, published now in the story's time_zone

  --entries DIR   the entries folder (default: entries)
  -h, --help      this help`,
};
