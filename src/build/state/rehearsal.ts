// A rehearsal — `--now` later than the clock — publishes embargoed entries. Its output folder must
// never be, or become, the live one, nor be published: the folder's last build says which it is.
// Its manifest says so (`"rehearsal":true`, manifest.ts); the start of its window is the last
// instant its published set changed (manifest.ts publishWindow), later than the clock in a
// rehearsal, or in a live folder when the clock has gone back.

import { LEDGER_PATH, MANIFEST_PATH } from '../../io/state-folder.js';
import { readBookkeeping, readBookkeepingHead } from './read-bookkeeping.js';

/** Enough of the manifest to hold its window (it follows the counts and the story's settings). */
const HEAD_BYTES = 256 * 1024;
// `"window":[` can only be the manifest's key: inside a JSON string its quotes would be escaped.
// `outdated` follows it (manifest.ts renderManifestHead); a manifest without it is of a version
// that marked no rehearsal, whose folder is taken for one when its window starts ahead.
const WINDOW = /"window":\[(null|\d+),(?:null|\d+)\](,"outdated":(null|\d+))?/;
// Written after the version, before any text: a key, never inside a string (its quotes unescaped).
const REHEARSAL = /^\{"version":"[^"]*"(?:,"clean":false)?,"rehearsal":true[,}]/;

/**
 * `asOf`: the last instant the folder's published set changed (none when nothing is out);
 * `outdated`: when a development came out or was retracted after the instant it was built for.
 * `rehearsal`: built ahead of the clock (`ahead`: its window still starts later than the clock).
 * `skewed`: a live build whose window starts later than the clock: the clock has gone back.
 */
export type Built =
  | { readonly kind: 'none' }
  | { readonly kind: 'live'; readonly asOf?: Date; readonly outdated?: Date }
  | { readonly kind: 'rehearsal'; readonly asOf?: Date; readonly ahead: boolean }
  | { readonly kind: 'skewed'; readonly asOf: Date };

/** What the last build of `outDir` was, against the clock. */
export function readBuiltAs(outDir: string, clock: Date): Built {
  const head = readBookkeepingHead(outDir, MANIFEST_PATH, HEAD_BYTES);
  // No manifest, but a ledger of published ids (found from outside: deleting the manifest turned
  // every guard off): something went out from here; live, as of an unknown instant.
  if (head === undefined) return readBookkeepingHead(outDir, LEDGER_PATH, 1) === undefined ? { kind: 'none' } : { kind: 'live' };
  // A long story summary comes before the window (found from outside: past 256 KiB the folder
  // looked never built, and every --now guard was off): then the whole manifest is read.
  const found = WINDOW.exec(head) ?? (head.length >= HEAD_BYTES ? WINDOW.exec(readBookkeeping(outDir, MANIFEST_PATH) ?? '') : null);
  if (!found) return { kind: 'none' };
  const [, start, marked, outdatedAt] = found;
  const at = start === 'null' ? undefined : new Date(Number(start));
  const ahead = at !== undefined && at.getTime() > clock.getTime();
  if (REHEARSAL.test(head) || (ahead && marked === undefined)) return { kind: 'rehearsal', ahead, ...(at ? { asOf: at } : {}) };
  if (ahead) return { kind: 'skewed', asOf: at };
  return { kind: 'live', ...(at ? { asOf: at } : {}), ...(outdatedAt === undefined || outdatedAt === 'null' ? {} : { outdated: new Date(Number(outdatedAt)) }) };
}

export interface RehearsalRequest {
  readonly command: 'build' | 'check' | 'start' | 'publish';
  readonly outDir: string;
  readonly now: Date;
  readonly clock: Date;
  /** `--now` and `--out` as given. */
  readonly nowFlag?: string | undefined;
  readonly outFlag?: string | undefined;
}

/** Why the command must not run on this folder at this instant, if it must not. */
export function rehearsalProblem(r: RehearsalRequest): { readonly message: string; readonly hint: string } | undefined {
  const ahead = r.now.getTime() > r.clock.getTime();
  const nowFlag = r.nowFlag ?? r.now.toISOString();
  const hint = `rehearse into a folder of its own, e.g. storyfeed build --now ${nowFlag} --out /tmp/rehearsal`;
  if (r.command === 'check') return undefined; // it writes nothing
  if (r.command === 'build' && ahead && r.outFlag === undefined) {
    return { message: `--now ${r.nowFlag} is later than the clock, and would publish embargoed entries into the live ${r.outDir}/`, hint };
  }
  const built = readBuiltAs(r.outDir, r.clock);
  if (ahead && (built.kind === 'live' || built.kind === 'skewed')) {
    return { message: `--now ${r.nowFlag} is later than the clock, and ${r.outDir} holds a live build: embargoed entries would go out there`, hint };
  }
  // A live folder whose last change is later than the clock: the clock has gone back (or the folder
  // was built on a machine whose clock ran ahead). Not a rehearsal: never to be deleted as one.
  // `start` runs: a service restarted then must go on serving, and it builds for the folder's
  // instant until the clock catches up (service/run-instant.ts), so nothing is taken back.
  if (built.kind === 'skewed' && r.command !== 'publish' && r.command !== 'start') {
    return {
      message: `${r.outDir}/ holds a live build whose last change is later than this machine's clock (${built.asOf.toISOString()} > ${r.clock.toISOString()}): has the clock gone back? A build now would take back what went out since`,
      hint: `set the clock right (e.g. timedatectl), or wait until ${built.asOf.toISOString()}; keep ${r.outDir}/ as it is`,
    };
  }
  // The other way round (found from outside): --now earlier than the folder's last change would
  // take back what went out since — developments as "scheduled" again, whole stories gone, and
  // `publish` then deleting them from the bucket. A build of the past goes to a folder of its own.
  // (`start` takes no --now: the CLI refuses it first.)
  if (!ahead && built.kind === 'live' && built.asOf && r.now.getTime() < built.asOf.getTime() && r.command === 'build') {
    return {
      message: `--now ${nowFlag} is earlier than the last change published in ${r.outDir}/ (as of ${built.asOf.toISOString()}): a build then would take back what went out since`,
      hint: `build the past into a folder of its own, e.g. storyfeed build --now ${nowFlag} --out /tmp/past`,
    };
  }
  // A folder built for an earlier instant (`build --now PAST --out past`, or a build left standing
  // while an embargo lifted): publishing it would hold back or take back developments that are out
  // (found from outside: the bucket lost them). The service publishes only what it just built.
  if (r.command === 'publish' && built.kind === 'live' && built.outdated && built.outdated.getTime() <= r.clock.getTime()) {
    return {
      message: `${r.outDir}/ is out of date: it was built for an earlier instant, and a development has come out or been retracted since (at ${built.outdated.toISOString()}); publishing it would hold that back or take it back`,
      hint: `build it at the clock first: storyfeed build --out ${r.outDir}, then storyfeed publish --out ${r.outDir}`,
    };
  }
  // A rehearsal's folder is never published, even once the clock has caught up with it (its files
  // are what was out then, not what the entries say now); built at the clock, it is live again.
  if (built.kind === 'rehearsal' && !ahead && (built.ahead || r.command === 'publish')) {
    const asOf = built.asOf ? ` (entries out as of ${built.asOf.toISOString()})` : '';
    const what = r.command !== 'publish' ? 'a build at the clock would take back what it published' : built.ahead ? 'publishing it would put entries out before their time' : 'publishing it would put out what it held then, not what the entries say now';
    return {
      message: `${r.outDir} holds a rehearsal built ahead of the clock${asOf}: ${what}`,
      hint: r.command === 'publish' ? `publish a folder built at the clock: storyfeed build --out ANOTHER, then storyfeed publish --out ANOTHER` : `build into another folder with --out, or delete ${r.outDir} (it is a rehearsal's)`,
    };
  }
  return undefined;
}
