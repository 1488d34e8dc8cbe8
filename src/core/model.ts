// Story + EntryMeta[] + now → Feed: what the feeds hold at one instant. The clock is an argument.

import { compareStrings } from './diagnostics.js';
import type { EntryMeta, Feed, Story } from './types.js';

/** Newest first by publication; ties broken by id so that file order never matters. */
export function compareEntries(a: EntryMeta, b: EntryMeta): number {
  return b.published.getTime() - a.published.getTime() || compareStrings(a.id, b.id);
}

/** Is the entry out (visible) at `now`? Drafts never; embargoed entries not before their time. */
export function isPublished(entry: EntryMeta, now: Date): boolean {
  return !entry.draft && entry.published.getTime() <= now.getTime();
}

export function isRetracted(entry: EntryMeta, now: Date): boolean {
  return entry.retraction !== undefined && entry.retraction.at.getTime() <= now.getTime();
}

/** Is the entry in some document at `now` (published, not retracted)? Only those are rendered. */
export function isVisible(entry: EntryMeta, now: Date): boolean {
  return isPublished(entry, now) && !isRetracted(entry, now);
}

/** Visible, not retracted entries, newest first (the whole history, before any item limit). */
export function selectVisible(entries: readonly EntryMeta[], now: Date): EntryMeta[] {
  return entries.filter((e) => isVisible(e, now)).sort(compareEntries);
}

export function buildFeed(story: Story, entries: readonly EntryMeta[], now: Date): Feed {
  const visible = selectVisible(entries, now);
  // A retraction is only announced for an entry that was out; an embargoed draft that is
  // withdrawn before its time leaves no trace (not even a tombstone).
  const retracted = entries
    .filter((e) => isPublished(e, now) && isRetracted(e, now))
    .sort((a, b) => b.retraction!.at.getTime() - a.retraction!.at.getTime() || compareStrings(a.id, b.id));
  const shown = visible.slice(0, story.itemLimit);
  return {
    story,
    entries: shown,
    retracted,
    updated: newestChange(shown, retracted),
    complete: shown.length === visible.length,
  };
}

/**
 * The feed's updated time comes from its content, never from the wall clock (feed@6.0.0
 * defect 11): same entries, same bytes. With nothing published yet it is the Unix epoch.
 */
export function newestChange(entries: readonly EntryMeta[], retracted: readonly EntryMeta[]): Date {
  let newest = 0;
  for (const e of entries) newest = Math.max(newest, e.updated.getTime());
  for (const e of retracted) newest = Math.max(newest, e.retraction?.at.getTime() ?? 0);
  return new Date(newest);
}

/** The next instant after `now` at which an embargoed entry becomes due (for the scheduler). */
export function nextEmbargo(entries: readonly EntryMeta[], now: Date): Date | undefined {
  let next: number | undefined;
  for (const e of entries) {
    if (e.draft) continue;
    for (const t of [e.published.getTime(), e.retraction?.at.getTime()]) {
      if (t !== undefined && t > now.getTime() && (next === undefined || t < next)) next = t;
    }
  }
  return next === undefined ? undefined : new Date(next);
}
