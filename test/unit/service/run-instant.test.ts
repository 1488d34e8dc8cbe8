// A service run never builds for an instant earlier than the last run's (src/service/run-instant.ts):
// a clock gone back would otherwise take back what went out since.
import { describe, expect, it } from 'vitest';
import { runInstant } from '../../../src/service/run-instant.js';
import { compile } from '../../../src/core/compile.js';
import { LEDGER_PATH } from '../../../src/io/state-folder.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

const at = (iso: string) => new Date(iso);

describe('the instant a service run builds for', () => {
  it.each([
    ['the first run: the clock', '2026-06-01T10:00:00Z', undefined, '2026-06-01T10:00:00Z', undefined],
    ['the clock moved on', '2026-06-01T10:05:00Z', '2026-06-01T10:00:00Z', '2026-06-01T10:05:00Z', undefined],
    ['the same instant', '2026-06-01T10:00:00Z', '2026-06-01T10:00:00Z', '2026-06-01T10:00:00Z', undefined],
    ['the clock went back an hour: the last run\'s instant', '2026-06-01T09:00:00Z', '2026-06-01T10:00:00Z', '2026-06-01T10:00:00Z', 3_600_000],
  ])('%s', (_, clock, last, expected, behindMs) => {
    const r = runInstant(at(clock), last === undefined ? undefined : at(last));
    expect(r.at.toISOString()).toBe(at(expected).toISOString());
    expect(r.behindMs).toBe(behindMs);
  });

  it('keeps out what went out before the clock went back (built at the clock, it would be scheduled again)', () => {
    const files = { '_story.md': storyText(), 'a.md': entryText({ slug: 'a', published: '2026-06-01T09:30:00Z' }) };
    const published = (now: Date) => compile({ sources: sources(files), now, mode: 'service', ledgerPath: LEDGER_PATH }).feed?.entries.map((e) => e.id) ?? [];
    const lastRun = at('2026-06-01T10:00:00Z');
    const clockBack = at('2026-06-01T09:00:00Z');
    expect(published(lastRun)).toHaveLength(1);
    expect(published(clockBack)).toHaveLength(0); // what a run at the clock would publish
    expect(published(runInstant(clockBack, lastRun).at)).toEqual(published(lastRun));
  });
});
