// What the service needs to know about one build, as plain data that can cross a worker boundary
// (the planned outputs of a CompileResult hold closures and cannot).

import type { BuildOptions, BuildResult, MaxAgeByFolder } from '../build/types.js';
import type { EntryOutcome } from '../core/compile.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { EntryMeta, SourceFile, Story } from '../core/types.js';
import { coverageEndOf } from '../core/model.js';

export interface BuildSummary {
  readonly ok: boolean;
  readonly written: readonly string[];
  /** Files an earlier run published that this one no longer plans, deleted (a news sitemap left empty). */
  readonly removed: readonly string[];
  readonly durationMs: number;
  readonly story?: Story;
  /** Every entry that compiled (drafts and embargoed included). */
  readonly entries: readonly EntryMeta[];
  readonly goodSources: readonly SourceFile[];
  readonly outcomes: readonly EntryOutcome[];
  readonly diagnostics: readonly Diagnostic[];
  /** Entries in the subscription feeds. */
  readonly published: number;
  /**
   * Other instants (ms) an output may change by itself (core/model.ts nextChange): each ended
   * story's `coverage_end` (a planned one still ahead), and each entry held back only for a change
   * dated ahead of the clock (E_DATE_AHEAD: it goes out then).
   */
  readonly alsoDue: readonly number[];
  /** A newsroom's run: the stories whose files it changed (`stories_changed` in the log), by slug. */
  readonly storiesChanged?: readonly string[];
  /** A newsroom's stories whose ttl is their own: seconds by folder, for their files' Cache-Control. */
  readonly maxAgeByFolder?: MaxAgeByFolder;
}

/** Build options that can be sent to a worker (no callbacks, no signal). */
export type PlainBuildOptions = Omit<BuildOptions, 'onProgress' | 'signal' | 'now'> & { readonly now: number };

export function summarize(result: BuildResult): BuildSummary {
  const { compiled, newsroom } = result;
  // A newsroom (build/newsroom.ts): every story's entries, paths `<slug>/file.md`, and the
  // newsroom's own settings as the story (its ttl, schedule, hub and publish target).
  if (newsroom) {
    return {
      ok: result.ok,
      written: result.written,
      removed: result.removed ?? [],
      durationMs: result.durationMs,
      ...(newsroom.story ? { story: newsroom.story } : {}),
      entries: newsroom.entries,
      goodSources: newsroom.goodSources,
      outcomes: newsroom.outcomes,
      diagnostics: result.diagnostics,
      published: newsroom.published,
      storiesChanged: newsroom.stories.filter((s) => s.changed).map((s) => s.slug),
      ...(newsroom.maxAgeByFolder ? { maxAgeByFolder: newsroom.maxAgeByFolder } : {}),
      alsoDue: [...newsroom.stories.flatMap((s) => (s.status === 'ended' && s.coverageEnd !== undefined ? [s.coverageEnd] : [])), ...dueTimes(newsroom.outcomes)],
    };
  }
  // The service builds in service mode, which always compiles (only strict builds patch).
  if (!compiled) throw new Error('a service build compiled nothing');
  const end = compiled.story && coverageEndOf(compiled.story);
  return {
    ok: result.ok,
    written: result.written,
    removed: result.removed ?? [],
    durationMs: result.durationMs,
    ...(compiled.story ? { story: compiled.story } : {}),
    entries: compiled.entries,
    goodSources: compiled.goodSources,
    outcomes: compiled.outcomes,
    diagnostics: compiled.diagnostics,
    published: compiled.feed?.entries.length ?? 0,
    alsoDue: [...(end ? [end.getTime()] : []), ...dueTimes(compiled.outcomes)],
  };
}

function dueTimes(outcomes: readonly EntryOutcome[]): number[] {
  return outcomes.flatMap((o) => (o.dueAt === undefined ? [] : [o.dueAt]));
}
