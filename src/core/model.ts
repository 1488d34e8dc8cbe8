// What an entry is at one instant — published, retracted, a stub, due later — and the order of
// entries. The clock is an argument. (outputs.ts makes the documents from these.)

import { compareStrings } from './diagnostics.js';
import type { EntryMeta, Story } from './types.js';

/** Newest first by publication; ties broken by id so that file order never matters. */
export function compareEntries(a: EntryMeta, b: EntryMeta): number {
  return b.published.getTime() - a.published.getTime() || compareStrings(a.id, b.id);
}

/** Is the entry out (visible) at `now`? Drafts never; embargoed entries not before their time. */
export function isPublished(entry: EntryMeta, now: Date): boolean {
  return !entry.draft && entry.published.getTime() <= now.getTime();
}

/** Is the entry due later: not a draft, and not yet out at `now` (an embargo)? */
export function isScheduled(entry: EntryMeta, now: Date): boolean {
  return !entry.draft && entry.published.getTime() > now.getTime();
}

export function isRetracted(entry: EntryMeta, now: Date): boolean {
  return entry.retraction !== undefined && entry.retraction.at.getTime() <= now.getTime();
}

/**
 * Is the entry retracted and still within its retraction window at `now`? RSS and JSON Feed have
 * no tombstone (RFC 6721 is Atom's), so until `until` they carry a stub in the entry's place, and
 * the pages show the notice (README "Retractions").
 */
export function isStub(entry: EntryMeta, now: Date): boolean {
  return isPublished(entry, now) && isRetracted(entry, now) && now.getTime() < entry.retraction!.until.getTime();
}

const DAY_MS = 86_400_000;

/** When a retraction's stub leaves RSS, JSON Feed and the pages: `windowDays` days after it. */
export function retractionEnd(at: Date, windowDays: number): Date {
  return new Date(at.getTime() + windowDays * DAY_MS);
}

/**
 * What RSS and JSON Feed carry in a retracted entry's place: the same id (so readers replace the
 * item they stored), "Retracted: " before the title, `updated` = the retraction, and nothing of the
 * original but its title, dates, authors and tags — no summary, image or correction. Its body is
 * the retraction notice alone (render/notices.ts renderRetractionNotice), never the original body.
 */
export function retractionStub(entry: EntryMeta): EntryMeta {
  const { summary: _summary, image: _image, correction: _correction, ...rest } = entry;
  return { ...rest, title: `Retracted: ${entry.title}`, updated: entry.retraction!.at, hasContent: true };
}

/** Is the entry in some document at `now` (published, not retracted)? Only those are rendered. */
export function isVisible(entry: EntryMeta, now: Date): boolean {
  return isPublished(entry, now) && !isRetracted(entry, now);
}

/**
 * An ended story whose `coverage_end` is still ahead of `now` (a planned end): its pages say when
 * coverage ends, and at that instant they change to say it ended (the end is one of the build's
 * change times: build/state/manifest.ts publishWindow).
 */
export function coverageEndAhead(story: Pick<Story, 'status' | 'coverageEnd'>, now: Date): boolean {
  const end = coverageEndOf(story);
  return end !== undefined && end.getTime() > now.getTime();
}

/**
 * Whether a story is covered live at `now`: a live one, or an ended one whose planned `coverage_end`
 * is still ahead (found from outside: it was listed under "Ended" years before its end). The front
 * page lists it under "Live now" until then; the manifest's window ends at that instant (publishWindow).
 */
export function isCoverageOn(story: Pick<Story, 'status' | 'coverageEnd'>, now: Date): boolean {
  return story.status === 'live' || coverageEndAhead(story, now);
}

/** When coverage ends: `coverage_end`, once the story says it has ended (a live story's is not shown). */
export function coverageEndOf(story: Pick<Story, 'status' | 'coverageEnd'>): Date | undefined {
  return story.status === 'ended' ? story.coverageEnd : undefined;
}

/** When a story's coverage starts: `coverage_start` as written, else its first visible entry's publication at `now`. */
export function coverageStartOf(written: Date | undefined, entries: readonly EntryMeta[], now: Date): Date | undefined {
  if (written) return written;
  let first: Date | undefined;
  for (const e of entries) if (isVisible(e, now) && (!first || e.published < first)) first = e.published;
  return first;
}

/** Visible, not retracted entries, newest first (the whole history, before any item limit). */
export function selectVisible(entries: readonly EntryMeta[], now: Date): EntryMeta[] {
  return entries.filter((e) => isVisible(e, now)).sort(compareEntries);
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

/**
 * The instants at which the published set changes because of the entry: it comes out, it is
 * retracted, its retraction's stub leaves RSS, JSON Feed and the pages.
 */
export function dueTimes(e: EntryMeta): number[] {
  return e.retraction ? [...comesOrGoes(e), e.retraction.until.getTime()] : comesOrGoes(e);
}

/** The instants at which the entry comes out and, if retracted, goes (what `publish` must never hold back: manifest.ts outdatedAfter). */
export function comesOrGoes(e: EntryMeta): number[] {
  return e.retraction ? [e.published.getTime(), e.retraction.at.getTime()] : [e.published.getTime()];
}

/** Google News: "Only include articles that were published in the last two days" (core/sitemaps.ts). */
export const NEWS_WINDOW_MS = 48 * 60 * 60 * 1000;

/** Is the development in the news sitemap at `now`: published in the 48 hours up to `now` (not at their end)? */
export function isRecentNews(e: EntryMeta, now: Date): boolean {
  const age = now.getTime() - e.published.getTime();
  return age >= 0 && age < NEWS_WINDOW_MS;
}

/**
 * The instants at which some output changes because of the entry: dueTimes, and the moment it
 * leaves the news sitemap. The up-to-date window ends at the next of them (build/state/manifest.ts).
 */
export function changeTimes(e: EntryMeta): number[] {
  return [...dueTimes(e), e.published.getTime() + NEWS_WINDOW_MS];
}

/** When the next scheduled development comes out (an embargo ends), if any: what "next scheduled" reports, never a retraction's times. */
export function nextScheduledEntry(entries: readonly EntryMeta[], now: Date): Date | undefined {
  let next: number | undefined;
  for (const e of entries) if (isScheduled(e, now) && (next === undefined || e.published.getTime() < next)) next = e.published.getTime();
  return next === undefined ? undefined : new Date(next);
}

/**
 * The next instant after `now` at which some output changes by itself (changeTimes: an embargo
 * ends, a retraction or its stub's end, a development leaves the news sitemap; `also`: an ended
 * story's planned `coverage_end`, in ms): the service wakes then, as the build's up-to-date window
 * ends then (build/state/manifest.ts).
 */
export function nextChange(entries: readonly EntryMeta[], now: Date, also: readonly number[] = []): Date | undefined {
  let next: number | undefined;
  const at = (t: number) => {
    if (t > now.getTime() && (next === undefined || t < next)) next = t;
  };
  for (const e of entries) if (!e.draft) for (const t of changeTimes(e)) at(t);
  for (const t of also) at(t);
  return next === undefined ? undefined : new Date(next);
}
