// What a build takes and what it gives back: shared by the entry (index.ts), the full build and the
// patch, and by the service's build thread, without any of them importing another for its types.

import type { CompileResult } from '../core/compile.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { EntryOutcome } from '../core/compile.js';
import type { MaxAgeByFolder } from '../core/links.js';
import type { EntryMeta, SourceFile, Story } from '../core/types.js';
import type { BuildCounts } from './state/manifest.js';

export type BuildPhase = 'parsing' | 'rendering';

export interface BuildOptions {
  readonly entriesDir: string;
  readonly outDir: string;
  readonly now: Date;
  /** `now` is later than the clock (`build --now` ahead): the manifest marks the folder a rehearsal's. */
  readonly rehearsal?: boolean;
  /** Validate only: nothing is written, no lock is taken. */
  readonly dryRun?: boolean;
  /** How long to wait for another builder's lock before giving up (ms). */
  readonly lockWaitMs?: number;
  /** 'service' holds bad entries back instead of failing the run (see compile.ts). */
  readonly mode?: 'strict' | 'service';
  readonly lastGood?: ReadonlyMap<string, SourceFile>;
  /** Use the build cache in the output folder (default true); it never changes the output. */
  readonly cache?: boolean;
  /**
   * Progress of long builds: files parsed (only when there are many) and outputs rendered
   * (called once per rendered output).
   */
  readonly onProgress?: (done: number, total: number, phase: BuildPhase) => void;
  /** Abandon the build (shutdown): it stops before publishing anything and rejects with BuildAbortedError. */
  readonly signal?: AbortSignal;
  /** Parse workers (default: by size, see parse-pool.ts; 0 = parse on this thread). */
  readonly workers?: number;
  /** Bytes of new entry fragments held in memory before they spill to disk (default 128 MiB). */
  readonly fragmentMemory?: number;
  /** Patch entry bodies in place when that is all that changed (default true; src/patch.ts). */
  readonly patch?: boolean;
  /**
   * First check, with stat calls alone, whether the last build is still what this one would write
   * (src/build/fast-path.ts): if so the run writes nothing and loads no compiler (`upToDate`).
   */
  readonly fastPath?: boolean;
}

export interface BuildResult {
  readonly ok: boolean;
  /** The fast path found nothing changed since the last build: nothing was read or written. */
  readonly upToDate?: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** What the core made of the entries; absent when the run patched the outputs (src/patch.ts) and compiled nothing. */
  readonly compiled?: CompileResult;
  /** What the run published (the summary line's numbers). */
  readonly counts: BuildCounts;
  /** The run changed only entry bodies, in place, without compiling the story (src/patch.ts). */
  readonly patched: boolean;
  /** Why a build with the cache could not patch (`--timings` prints it). */
  readonly notPatched?: string;
  readonly written: readonly string[];
  /** Files an earlier run published that this one no longer plans, deleted. */
  readonly removed?: readonly string[];
  /** Files in the entries folder, files read (the rest were unchanged by stamp), entries parsed, outputs rendered. */
  readonly entriesRead: number;
  readonly filesRead: number;
  readonly entriesParsed: number;
  readonly rendered: number;
  readonly durationMs: number;
  /** Milliseconds spent in each phase, in order (`storyfeed build --timings`). */
  readonly timings: ReadonlyArray<readonly [phase: string, ms: number]>;
  /** A newsroom's run (build/newsroom.ts): `compiled` is then absent, this says what it made. */
  readonly newsroom?: NewsroomResult;
}

export type { MaxAgeByFolder };

/** What a newsroom run made: plain data (it crosses the service's worker boundary). */
export interface NewsroomResult {
  /** The newsroom's own settings (`_newsroom.md`), when they compiled. */
  readonly story?: Story;
  /** Every story that compiled, in folder order (service mode: a story that could not is absent). */
  readonly stories: readonly StoryResult[];
  /** Every story's entries (drafts and embargoed included), paths `<slug>/file.md`. */
  readonly entries: readonly EntryMeta[];
  /** Good sources (service mode's last good versions), paths `<slug>/file.md`. */
  readonly goodSources: readonly SourceFile[];
  /** Stories whose ttl is not the newsroom's: seconds by folder (`<slug>`), for their files' Cache-Control. */
  readonly maxAgeByFolder?: MaxAgeByFolder;
  readonly outcomes: readonly EntryOutcome[];
  /** Entries in the stories' subscription feeds, summed. */
  readonly published: number;
}

/** One story of a newsroom run (`storyfeed check` and the service's log use it). */
export interface StoryResult {
  readonly slug: string;
  readonly title: string;
  readonly status: 'live' | 'ended';
  /** Entries visible now (published, not retracted). */
  readonly published: number;
  /** Entries held for a later time (not drafts). */
  readonly scheduled: number;
  readonly drafts: number;
  /** When its next scheduled entry is due (ms), if any. */
  readonly nextScheduled: number | null;
  /** When its coverage started (ms: `coverage_start`, or its first entry's publication) and ended (`coverage_end`), if known. */
  readonly coverageStart?: number;
  readonly coverageEnd?: number;
  /** No development of it is out yet: it writes no file and is listed nowhere (core/newsroom-compile.ts StoryBuild.held). */
  readonly held?: true;
  /** Did this run write any of its files (`<slug>/…`)? */
  readonly changed: boolean;
}
