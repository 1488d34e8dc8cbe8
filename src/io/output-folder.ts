// The output folder belongs to storyfeed, and within it only what storyfeed wrote. This module
// decides whether a folder may be built into (ours, new or empty; a foreign one only with
// --force), refuses an output folder inside the entries folder or the reverse (the service would
// wake for its own writes forever), and keeps the record of what a run published
// (`.storyfeed/published.json`), from which the next run learns which files it may delete. It
// reads only; the writes go through io/write-outputs.ts.

import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { OUTPUT_FILES } from '../core/formats.js';
import { compareStrings } from '../core/diagnostics.js';
import { UserError } from '../errors.js';
import { isInside } from './paths.js';
import { entriesFolderProblem } from './read-sources.js';
import { FOLDER_README_PATH, LEDGER_PATH, MANIFEST_PATH, PUBLISHED_PATH, STATE_FOLDER } from './state-folder.js';


export const FOLDER_README = `This folder is storyfeed's output folder: storyfeed writes the feeds and pages here, and
keeps its bookkeeping in .storyfeed/ (never served). published.json lists every file the last
run published; a later run deletes only files listed there that it no longer publishes.
Files of your own in this folder are never deleted.
`;

const PUBLISHED_VERSION = 1;

/** A run's folder (io/write-outputs.ts): `.storyfeed/run-<token>`, there while the run is. */
export const RUN_FOLDER = /^run-[0-9a-f]{16}$/;

/** Does an earlier run's folder say that it did not finish (killed, or its undo failed)? Its leftovers are then swept. */
export function unfinishedRun(outDir: string): boolean {
  try {
    return readdirSync(path.join(outDir, STATE_FOLDER)).some((n) => RUN_FOLDER.test(n));
  } catch {
    return false;
  }
}

export function renderPublished(paths: Iterable<string>): string {
  const files = [...new Set(paths)].sort(compareStrings);
  return `${JSON.stringify({ version: PUBLISHED_VERSION, files }, null, 0)}\n`;
}

export function parsePublished(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as { version?: unknown; files?: unknown };
    if (r.version !== PUBLISHED_VERSION || !Array.isArray(r.files) || !r.files.every((f) => typeof f === 'string')) return undefined;
    return r.files as string[];
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** What earlier runs published: the files a run may delete. */
export interface PreviousPublished {
  readonly files: ReadonlySet<string>;
  /** Read from the record (false: reconstructed for a folder an older version built). */
  readonly recorded: boolean;
}

/**
 * What earlier runs published, as far as this folder knows: the record, or for a folder built by a
 * version that kept none, the outputs its last manifest (any version) and cache index name
 * (`fallback`). Files an older version left behind and named nowhere are not known, so not deleted.
 */
export function previousPublished(outDir: string, fallback: Iterable<string> = []): { files: Set<string>; recorded: boolean } {
  const recorded = parsePublished(readText(path.join(outDir, PUBLISHED_PATH)));
  if (recorded) return { files: new Set(recorded), recorded: true };
  const files = new Set(fallback);
  try {
    const manifest = JSON.parse(readText(path.join(outDir, MANIFEST_PATH)) ?? 'null') as { outputs?: unknown } | null;
    if (manifest && typeof manifest.outputs === 'object' && manifest.outputs !== null) for (const p of Object.keys(manifest.outputs)) files.add(p);
  } catch {
    // no manifest, or a torn one: only the cache index's outputs are known
  }
  return { files, recorded: false };
}

/** The real path of `p`, for a path that may not exist yet: its nearest existing ancestor's real path plus the rest. */
function realish(p: string): string {
  let at = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(at), ...rest.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return path.join(at, ...rest.reverse());
      rest.push(path.basename(at));
      at = parent;
    }
  }
}

const within = (inner: string, outer: string) => path.relative(outer, inner) === '' || isInside(outer, inner);

/** Names a build may find in a folder it has not published to yet: another builder's lock, temps of a killed run. */
const TRANSIENT = /^(?:\.storyfeed\.lock|\.storyfeed-tmp-)/;

/** Is this folder storyfeed's own (it holds storyfeed's bookkeeping)? */
export function isOwnFolder(outDir: string): boolean {
  return [FOLDER_README_PATH, PUBLISHED_PATH, LEDGER_PATH, MANIFEST_PATH].some((p) => existsSync(path.join(outDir, p)));
}

/**
 * May a build write into `outDir`? Refuses (a UserError of kind 'output-folder') an output folder inside the entries
 * folder or the reverse, and a non-empty folder storyfeed did not create unless `force`. Reads only:
 * the folder is marked as storyfeed's by the first run that publishes into it.
 */
export function checkOutputFolder(entriesDir: string, outDir: string, options: { force?: boolean; entriesRequired?: boolean } = {}): void {
  // The service would only retry a folder that is not there (found from outside: a mistyped
  // --entries logged a failed run every few seconds); build and check say so when they list it.
  const unreadable = options.entriesRequired ? entriesFolderProblem(entriesDir) : undefined;
  if (unreadable) throw new UserError('output-folder', `cannot read the entries folder ${entriesDir}: ${unreadable}`, 'give --entries the folder that holds _story.md or _newsroom.md (default: entries)');
  const entries = realish(entriesDir);
  const out = realish(outDir);
  if (within(out, entries)) {
    throw new UserError('output-folder', 
      `the output folder ${outDir} is ${out === entries ? 'the entries folder' : `inside the entries folder ${entriesDir}`}`,
      'choose an output folder outside the entries folder, e.g. --out out beside entries/: the service would otherwise wake for its own writes',
    );
  }
  if (within(entries, out)) {
    throw new UserError('output-folder', `the entries folder ${entriesDir} is inside the output folder ${outDir}`, 'keep the entries outside the output folder: the output folder is served, and the builds would wake for their own writes');
  }
  let info;
  try {
    info = statSync(outDir);
  } catch {
    return; // a new folder: storyfeed makes it
  }
  if (!info.isDirectory()) throw new UserError('output-folder', `the output folder ${outDir} is not a folder`, 'give --out a folder (new, empty, or one storyfeed built)');
  if (options.force || isOwnFolder(outDir)) return;
  let names: string[];
  try {
    names = readdirSync(outDir).filter((n) => !TRANSIENT.test(n));
  } catch {
    return; // unreadable: the build reports why it cannot write there
  }
  if (names.length === 0) return;
  const shown = names.sort().slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
  throw new UserError('output-folder', 
    `the output folder ${outDir} holds files storyfeed did not write (${shown})`,
    'choose a new or empty folder with --out, or use --force to build into this one anyway: storyfeed then replaces files with the names it publishes (index.html, rss.xml, …) and never deletes a file it did not write',
  );
}



/**
 * The order renames go in: what others link to first, so that a reader who follows a link from a
 * new document finds the document it names. Archive pages, then a tag's feeds and page, then the
 * other secondary files (tag index, stylesheets), then the main feeds and story page, then the ledger.
 */
/** The story's own feeds and page: renamed last, after everything they link to. */
const MAIN_FILES: ReadonlySet<string> = new Set(Object.values(OUTPUT_FILES));

export function publishRank(relative: string): number {
  if (relative.startsWith(`${STATE_FOLDER}/`)) return 4;
  if (/(^|\/)archive\/\d+\//.test(relative)) return 0;
  const depth = relative.split('/').length;
  if (relative.startsWith('tags/') && depth > 2) return 1;
  if (depth === 1 && MAIN_FILES.has(relative)) return 3;
  return 2;
}
