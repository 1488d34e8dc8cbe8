// Strict date-times. gray-matter/js-yaml 3 roll `2026-02-30` into March and read
// `2026-05-26 14:00` as UTC; we keep dates as strings (YAML core schema) and accept only
// RFC 3339 §5.6 `date-time` with an explicit offset, rejecting dates that do not exist.

import { isExists } from 'date-fns/isExists';

// RFC 3339 §5.6: full-date "T" partial-time time-offset; §5.6 NOTE allows "t"/"z" and a space
// is tolerated by many producers — we accept "T"/"t" and a single space, nothing looser.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

export type DateParse = { ok: true; date: Date } | { ok: false; problem: string };

export function parseRfc3339(text: string): DateParse {
  const m = RFC3339.exec(text.trim());
  if (!m) {
    if (LOCAL_DATE_TIME.test(text.trim())) {
      return { ok: false, problem: `\`${text}\` has no time-zone offset, so the instant it names is ambiguous` };
    }
    return { ok: false, problem: `\`${text}\` is not an RFC 3339 date-time` };
  }
  const [, y, mo, d, h, mi, s, frac, zone, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  // RFC 3339 allows second 60 (leap second), but ECMAScript time has none: refuse it rather
  // than silently move the instant.
  const second = Number(s);
  const outside = { ok: false, problem: `\`${text}\` is outside the years 1970–9999` } as const;
  // Before the day check: date-fns's isExists takes years 0–99 for 1900–1999.
  if (year < 1970 || year > 9999) return outside;
  if (!isExists(year, month - 1, day)) {
    return { ok: false, problem: `\`${text}\` names a day that does not exist` };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return { ok: false, problem: `\`${text}\` names a time of day that does not exist` };
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const offH = Number(oh);
    const offM = Number(om);
    if (offH > 23 || offM > 59) return { ok: false, problem: `\`${text}\` has an impossible offset` };
    offsetMinutes = (sign === '-' ? -1 : 1) * (offH * 60 + offM);
  }
  const millis = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  // The instant too, in UTC: 9999-12-31T23:59:59-23:59 is in the year 10000 (RSS and Atom dates have four digits).
  if (utc < Date.UTC(1970, 0, 1) || utc >= Date.UTC(10000, 0, 1)) return outside;
  return { ok: true, date: new Date(utc) };
}

/** RFC 3339 in UTC with second precision (milliseconds only when present): stable text for feeds. */
export function formatRfc3339(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

// Intl formatters are costly to create and immutable: one per (language, zone), reused.
const formatters = new Map<string, { dateTime: Intl.DateTimeFormat; zone: Intl.DateTimeFormat }>();

function formattersFor(language: string, timeZone: string) {
  const key = `${language}\u0000${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = {
      dateTime: new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone, hourCycle: 'h23' }),
      zone: new Intl.DateTimeFormat(language, { timeZone, timeZoneName: 'short' }),
    };
    formatters.set(key, f);
  }
  return f;
}

// An entry's dates are shown on the story page, each of its tags' pages and its own: each text is
// made once per build, not once per page (issue 17). Bounded: a build's dates, not a service's life.
const humanDates = new Map<string, string>();

/** Human-readable date and time in the story's zone and language, for notes and the page. */
export function formatHumanDate(date: Date, language: string, timeZone: string): string {
  const key = `${date.getTime()}\u0000${language}\u0000${timeZone}`;
  const known = humanDates.get(key);
  if (known !== undefined) return known;
  const f = formattersFor(language, timeZone);
  const zone = f.zone.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  const text = `${f.dateTime.format(date)} ${zone}`;
  if (humanDates.size >= 65536) humanDates.clear();
  humanDates.set(key, text);
  return text;
}
