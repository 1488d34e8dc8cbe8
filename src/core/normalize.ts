// RawEntry → Entry and RawEntry → Story: types, dates, ids, URLs, text cleaning, Markdown.
// Everything the renderers need is decided here, so that no library sees unnormalized data.

import { IMAGE_TYPES } from './formats.js';
import { validate as validateCron } from 'node-cron';
import { compareStrings, diagnostic, type Diagnostic } from './diagnostics.js';
import { FieldReader } from './field-reader.js';
import { defaultLink, entryAnchor } from './links.js';
import { LIMITS } from './limits.js';
import { fingerprint } from './fingerprint.js';
import { retractionEnd } from './model.js';
import { renderMarkdown } from './markdown.js';
import { cdataSafeHtml } from './render/fragments.js';
import { formatRfc3339 } from './dates.js';
import { renderCorrectionNote } from './render/notices.js';
import type { Correction, DatesAt, Entry, EntryMeta, Image, Position, RawEntry, Retraction, Story } from './types.js';
import { stripInvalidXmlChars } from './xml-chars.js';
import { formatPublishTarget, parsePublishTarget } from './publish-target.js';

export const ENTRY_FIELDS = [
  'id', 'title', 'published', 'updated', 'summary', 'authors', 'tags', 'image', 'link', 'draft', 'correction', 'retracted',
] as const;

export const STORY_FIELDS = [
  'id', 'title', 'description', 'home_page', 'feed_base', 'language', 'authors', 'item_limit', 'ttl',
  'icon', 'favicon', 'copyright', 'time_zone', 'schedule', 'hub', 'retraction_window', 'publish',
] as const;

export const STORY_DEFAULTS = {
  language: 'en',
  itemLimit: 50,
  /** Days a retracted entry stays in RSS and JSON Feed as a stub (they have no tombstone). */
  retractionWindow: 30,
  ttl: 5,
  timeZone: 'Etc/UTC',
  schedule: '*/5 * * * *',
} as const;

// Image types come from core/formats.ts (IMAGE_TYPES); any other extension needs an explicit `type`.

export interface Normalized<T> {
  readonly value?: T;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * `elsewhere`: fields of the same file read by another reader (FieldReader), e.g. a `_story.md`'s
 * lifecycle. `known`: the fields the file may hold (a newsroom story's lack the newsroom's own).
 */
export function normalizeStory(raw: RawEntry, elsewhere: readonly string[] = [], known: readonly string[] = STORY_FIELDS): Normalized<Story> {
  const r = new FieldReader(raw, known, elsewhere);
  const id = r.id('id', true);
  const title = r.text('title', { required: true, max: LIMITS.titleChars, plain: true });
  const description = r.text('description', { required: true, max: LIMITS.summaryChars });
  const explicitHome = r.url('home_page', false);
  let feedBase = r.url('feed_base', true);
  // A folder's URL: a query or fragment would be dropped when the feeds' URLs are resolved against it (RFC 3986 §5.2), so self links would name other files.
  if (feedBase !== undefined && /[?#]/.test(feedBase)) {
    // The hint names the folder with its `/` (found from outside: it gave one without, refused in turn).
    const folder = feedBase.replace(/[?#].*$/s, '');
    r.report(r.at('feed_base'), 'E_URL_INVALID', '`feed_base` must be a folder\'s URL, without a `?` query or `#` fragment (the feeds\' URLs are resolved against it)', `write \`${folder.endsWith('/') ? folder : `${folder}/`}\``, 'feed_base');
    feedBase = undefined;
  } else if (feedBase !== undefined && !feedBase.endsWith('/')) {
    r.report(r.at('feed_base'), 'E_URL_INVALID', '`feed_base` must end with `/` (it is the folder the feeds are published in)', `write \`${feedBase}/\``, 'feed_base');
    feedBase = undefined;
  }
  const language = r.language('language', STORY_DEFAULTS.language);
  const authors = r.people('authors', true);
  const itemLimit = r.integer('item_limit', STORY_DEFAULTS.itemLimit, 1, LIMITS.itemLimit);
  const ttl = r.integer('ttl', STORY_DEFAULTS.ttl, 1, 7 * 24 * 60);
  const retractionWindow = r.integer('retraction_window', STORY_DEFAULTS.retractionWindow, 0, MAX_RETRACTION_WINDOW);
  const icon = r.url('icon', false);
  const favicon = r.url('favicon', false);
  const copyright = r.text('copyright', { required: false, max: LIMITS.summaryChars });
  const timeZone = r.timeZone('time_zone', STORY_DEFAULTS.timeZone);
  const hub = r.url('hub', false);
  let publish: string | undefined;
  const publishField = r.rawField('publish', false, 'an s3://BUCKET/PREFIX/ address');
  if (publishField) {
    const parsed = typeof publishField.value === 'string' ? parsePublishTarget(publishField.value) : undefined;
    if (parsed?.ok) publish = formatPublishTarget(parsed.target);
    else r.report(publishField.valueAt, 'E_PUBLISH_INVALID', `\`publish\`: ${parsed ? parsed.problem : 'must be an s3:// address'}`, 'write e.g. publish: s3://my-bucket/stories/us-iran-talks/', 'publish');
  }
  let schedule: string = STORY_DEFAULTS.schedule;
  const scheduleField = r.rawField('schedule', false, 'a cron expression');
  if (scheduleField) {
    if (typeof scheduleField.value === 'string' && validateCron(scheduleField.value)) schedule = scheduleField.value;
    else r.report(scheduleField.valueAt, 'E_SCHEDULE_INVALID', `\`schedule\` \`${String(scheduleField.value)}\` is not a valid cron expression`, 'write five cron fields, e.g. "*/5 * * * *" (quoted), for every five minutes', 'schedule');
  }
  if (r.diagnostics.length > 0 || !id || !title || !description || !feedBase || !authors) {
    return { diagnostics: r.diagnostics };
  }
  // The pages storyfeed writes live at feed_base; a newsroom with its own story page sets home_page.
  const homePage = explicitHome ?? feedBase;
  const story: Story = {
    path: raw.path,
    id,
    title,
    description,
    homePage,
    feedBase,
    language,
    authors,
    itemLimit,
    retractionWindow,
    ttl,
    timeZone,
    schedule,
    summaryHtml: renderMarkdown(stripInvalidXmlChars(raw.body), { baseUrl: homePage }),
    ...(icon ? { icon } : {}),
    ...(favicon ? { favicon } : {}),
    ...(copyright ? { copyright } : {}),
    ...(hub ? { hub } : {}),
    ...(publish ? { publish } : {}),
  };
  return { value: story, diagnostics: [] };
}

export interface NormalizeOptions {
  /**
   * Render the Markdown body (default true). An entry that is in no document (a draft, an embargoed
   * or retracted entry) needs only its metadata: its body is then empty, and `hasContent` false.
   */
  readonly body?: boolean;
  /**
   * Anchors that are not the plain form, by id (anchors.ts): an id that ends like an earlier one
   * links to, and stands on the story page under, an anchor with a suffix.
   */
  readonly anchors?: ReadonlyMap<string, string>;
}

export function normalizeEntry(raw: RawEntry, story: Story, options: NormalizeOptions = {}): Normalized<Entry> {
  const r = new FieldReader(raw, ENTRY_FIELDS);
  const id = r.id('id', true);
  const title = r.text('title', { required: true, max: LIMITS.titleChars, plain: true });
  const published = r.date('published', true);
  const explicitUpdated = r.date('updated', false);
  const summary = r.text('summary', { required: false, max: LIMITS.summaryChars });
  const authors = r.people('authors', false) ?? story.authors;
  const tags = r.tags('tags');
  const link = r.url('link', false);
  const draft = r.boolean('draft', false);
  const image = readImage(r);
  const correction = readCorrection(r);
  const retraction = readRetraction(r, story);

  if (id !== undefined && id === story.id) {
    r.report(r.at('id'), 'E_STORY_ID_CLASH', 'the entry uses the story id as its own id', 'give each development its own id, e.g. the story id plus `/` and a short slug', 'id');
  }
  if (published) {
    // RFC 4287 §4.2.15 / §4.2.9: an entry cannot be updated before it was first published.
    const checkOrder = (date: Date | undefined, field: string) => {
      if (date && date.getTime() < published.getTime()) {
        r.report(r.at(field), 'E_DATE_ORDER', `\`${field}\` is before \`published\``, `a change can only come after the first publication: set \`${field}\` at or after \`published\``, field);
      }
    };
    checkOrder(explicitUpdated, 'updated');
    checkOrder(correction?.at, 'correction');
    checkOrder(retraction?.at, 'retracted');
  }
  if (r.diagnostics.length > 0 || !id || !title || !published) return { diagnostics: r.diagnostics };

  // A correction that matters bumps `updated` (core/standards.md "Updates"); a silent edit does not.
  const updated = latest([published, explicitUpdated, correction?.at]);
  const override = options.anchors?.get(id);
  const anchor = override !== undefined && override !== entryAnchor(id) ? override : undefined;
  const fields = {
    path: raw.path,
    id,
    title,
    published,
    updated,
    authors,
    tags,
    link: link ?? defaultLink(story.feedBase, id, anchor),
    ...(anchor === undefined ? {} : { anchor }),
    draft,
    ...(summary ? { summary } : {}),
    ...(image ? { image } : {}),
    ...(correction ? { correction } : {}),
    ...(retraction ? { retraction } : {}),
  };
  const meta = { ...fields, hasContent: false, print: fingerprint({ ...fields, body: raw.body }) };
  const contentHtml = options.body === false ? '' : renderEntryBody(raw, meta, story);
  // The print comes from the Markdown source, not the HTML, so that it is the same whether the
  // body was rendered or not; the HTML is a function of that source, the story and the renderer
  // version, and the last two are in every output's key.
  return { value: { ...meta, hasContent: contentHtml !== '', contentHtml }, diagnostics: [] };
}

/**
 * The entry's body as HTML, one text for every format: CDATA-safe (renderMarkdown already is; the
 * correction note is escaped text).
 */
export function renderEntryBody(raw: RawEntry, entry: EntryMeta, story: Story): string {
  const body = renderMarkdown(stripInvalidXmlChars(raw.body), { baseUrl: story.homePage });
  return cdataSafeHtml(entry.correction ? renderCorrectionNote(entry.correction, story) + body : body);
}

function readImage(r: FieldReader): Image | undefined {
  const rec = r.record('image', ['url', 'alt', 'type', 'length', 'caption', 'credit'], 'a mapping {url, alt, type, length, caption, credit}');
  if (!rec) return undefined;
  const url = r.nestedUrl('image', 'url', rec['url']);
  const alt = r.nestedText('image', 'alt', rec['alt'], LIMITS.summaryChars);
  if (!url || alt === undefined) return undefined;
  let type: string | undefined;
  if (rec['type'] !== undefined && rec['type'] !== null) {
    const t = rec['type'];
    if (typeof t === 'string' && /^image\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i.test(t)) type = t.toLowerCase();
  } else {
    const ext = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
    type = ext ? IMAGE_TYPES[ext] : undefined;
  }
  if (!type) {
    r.report(r.at('image'), 'E_MEDIA_TYPE', '`image.type` is missing or not an image media type', 'add `type: image/jpeg` (or image/png, image/webp, …) under `image:`', 'image');
    return undefined;
  }
  let length: number | undefined;
  if (rec['length'] !== undefined && rec['length'] !== null) {
    const n = rec['length'];
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      r.report(r.at('image'), 'E_NUMBER_RANGE', '`image.length` must be the file size in bytes, a positive whole number', 'write the size in bytes, or leave `length` out', 'image');
      return undefined;
    }
    length = n;
  }
  // Optional, shown under the image on the pages (a caption says what it shows, a credit who made it).
  const optional = (sub: string, max: number) => (rec[sub] === undefined || rec[sub] === null ? undefined : r.nestedText('image', sub, rec[sub], max));
  const caption = optional('caption', LIMITS.summaryChars);
  const credit = optional('credit', LIMITS.titleChars);
  if ((rec['caption'] != null && caption === undefined) || (rec['credit'] != null && credit === undefined)) return undefined;
  return { url, alt, type, ...(length ? { length } : {}), ...(caption ? { caption } : {}), ...(credit ? { credit } : {}) };
}

function readCorrection(r: FieldReader): Correction | undefined {
  const rec = r.record('correction', ['at', 'note'], 'a mapping {at, note}');
  if (!rec) return undefined;
  const at = r.nestedDate('correction', 'at', rec['at']);
  const note = r.nestedText('correction', 'note', rec['note'], LIMITS.noteChars);
  return at && note ? { at, note } : undefined;
}

function readRetraction(r: FieldReader, story: Story): Retraction | undefined {
  const rec = r.record('retracted', ['at', 'reason'], 'a mapping {at, reason}');
  if (!rec) return undefined;
  const at = r.nestedDate('retracted', 'at', rec['at']);
  const reason = r.nestedText('retracted', 'reason', rec['reason'], LIMITS.noteChars);
  return at && reason ? { at, reason, until: retractionEnd(at, story.retractionWindow) } : undefined;
}

/** Longest `retraction_window`, in days (ten years): past that a stub is no longer news. */
export const MAX_RETRACTION_WINDOW = 3650;

function latest(dates: ReadonlyArray<Date | undefined>): Date {
  let max: Date | undefined;
  for (const d of dates) if (d && (!max || d.getTime() > max.getTime())) max = d;
  if (!max) throw new Error('latest() needs at least one date');
  return max;
}

/**
 * Cross-entry checks: ids are unique (readers collapse items that share one). `order` says which of
 * two files with one id keeps it (ledger.ts publishedFirst: the published one); by path without it.
 */
export function validateEntries(entries: readonly EntryMeta[], idAt: ReadonlyMap<string, Position>, order: (a: EntryMeta, b: EntryMeta) => number = (a, b) => compareStrings(a.path, b.path)): Diagnostic[] {
  const seen = new Map<string, EntryMeta>();
  const diagnostics: Diagnostic[] = [];
  const sorted = [...entries].sort(order);
  for (const entry of sorted) {
    const first = seen.get(entry.id);
    if (first) {
      const at = idAt.get(entry.path) ?? { line: 1, column: 1 };
      diagnostics.push(diagnostic(entry.path, at, 'E_ID_DUPLICATE', `id \`${entry.id}\` is already used by ${first.path}`, 'every development needs its own id: a new development is a new entry with a new id', 'id'));
    } else {
      seen.set(entry.id, entry);
    }
  }
  return diagnostics;
}

/**
 * A published entry's change dated after the build's clock (E_DATE_AHEAD): its feeds would say it
 * changed at a time that has not come (an `updated` aggregators sort by, a correction note dated
 * next week). A change is dated when it is made; a development is scheduled by its `published`.
 * Made at compile, as it depends on the clock: `datesAt` comes from this run's parse of the file
 * (an entry dated ahead is not cached, so it is parsed again while it is).
 */
export function validateDatesAhead(parsed: ReadonlyArray<{ readonly path: string; readonly entry?: EntryMeta; readonly datesAt?: DatesAt }>, now: Date): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const { path, entry: e, datesAt } of parsed) {
    if (!e || e.draft || e.published.getTime() > now.getTime() || e.updated.getTime() <= now.getTime()) continue;
    const ahead = (field: 'updated' | 'correction', date: Date, what: string) =>
      diagnostic(path, datesAt?.[field] ?? { line: 1, column: 1 }, 'E_DATE_AHEAD', `${what} (${formatRfc3339(date)}) is after the build's clock (${formatRfc3339(now)})`, 'date a change when it is made: set it at or before now, or build after it (a development is scheduled by its `published` time)', field);
    const correction = e.correction && e.correction.at.getTime() > now.getTime() ? e.correction.at : undefined;
    if (correction) diagnostics.push(ahead('correction', correction, '`correction.at`'));
    // The entry's updated is the latest of published, updated and correction.at: the `updated`
    // field's own instant says whether it is ahead too (without it, the entry's updated is the field's
    // unless it is the correction's).
    const field = datesAt?.updatedMs;
    if (field !== undefined ? field > now.getTime() : e.updated.getTime() !== correction?.getTime()) diagnostics.push(ahead('updated', field !== undefined ? new Date(field) : e.updated, '`updated`'));
  }
  return diagnostics;
}
