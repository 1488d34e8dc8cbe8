// The CLI's help texts, one per command (`storyfeed <command> --help`); cli.ts prints them.

export const HELP: Record<string, string> = {
  main: `storyfeed — compile a developing story into RSS 2.0, Atom 1.0 and JSON Feed 1.1

Usage:
  storyfeed build [--entries DIR] [--out DIR] [--now RFC3339] [--force] [--timings]   compile once
  storyfeed check [--entries DIR] [--out DIR] [--now RFC3339]   validate, write nothing
  storyfeed start [--entries DIR] [--out DIR] [--publish s3://…] [--force]   build now and keep the feeds fresh
  storyfeed publish [--out DIR] --to s3://BUCKET[/PREFIX/]       upload the output folder
  storyfeed <command> --help

Exit codes: 0 ok, 1 invalid entries, 2 usage, configuration, credentials or network error.`,
  build: `storyfeed build [--entries DIR] [--out DIR] [--now RFC3339] [--force]

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
                  render and write, save cache)`,
  check: `storyfeed check [--entries DIR] [--out DIR] [--now RFC3339]

Validate every entry and report every problem as file:line:col CODE message, writing nothing.
Lists entries scheduled for later. Exit 0 when valid, 1 otherwise.

  --entries DIR   the entries folder, with _story.md (default: entries)
  --out DIR       the output folder whose id ledger the entries are checked against (default: out)
  --now RFC3339   the clock deciding what is published (default: now)`,
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
(default 10000); idle connections are closed after it.`,
  publish: `storyfeed publish [--out DIR] --to s3://BUCKET[/PREFIX/] [--endpoint URL] [--max-deletes N]
                  [--wait SECONDS] [--cache-control VALUE]

Upload the built output folder to S3-compatible object storage: only files whose bytes changed,
story pages and tag and archive feeds before the main feeds, deletions (of objects storyfeed uploaded
before, never others) last. Credentials and region come from the standard AWS configuration.

  --out DIR            the output folder (default: out)
  --to s3://…          the bucket and prefix (default: the story's \`publish:\`)
  --endpoint URL       S3-compatible endpoint, path-style (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL)
  --max-deletes N      refuse to delete more than N objects (default 1000)
  --wait SECONDS       wait this long for another publisher's lease (default 0: refuse at once)
  --cache-control V    Cache-Control of every object (default: public, max-age=<ttl>, stale-while-revalidate=<ttl>)`,
};
