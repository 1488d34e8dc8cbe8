import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from '../../../src/core/dates.js';

describe('parseRfc3339 accepts RFC 3339 date-times with an explicit offset', () => {
  it.each([
    ['2026-05-26T09:00:00Z', '2026-05-26T09:00:00.000Z'],
    ['2026-05-26t09:00:00z', '2026-05-26T09:00:00.000Z'],
    ['2026-05-26 09:00:00Z', '2026-05-26T09:00:00.000Z'],
    ['2026-05-26T13:30:00+04:30', '2026-05-26T09:00:00.000Z'],
    ['2026-05-26T05:00:00-04:00', '2026-05-26T09:00:00.000Z'],
    ['2026-05-26T09:00:00.5Z', '2026-05-26T09:00:00.500Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59+00:00', '2026-12-31T23:59:59.000Z'],
  ])('%s → %s', (text, iso) => {
    const parsed = parseRfc3339(text);
    expect(parsed.ok && parsed.date.toISOString()).toBe(iso);
  });
});

describe('parseRfc3339 rejects ambiguous and impossible values', () => {
  it.each([
    ['2026-05-26', /no time-zone offset/],
    ['2026-05-26 10:00', /no time-zone offset/],
    ['2026-05-26T10:00:00', /no time-zone offset/],
    ['2026-02-30T10:00:00Z', /does not exist/],
    ['2026-02-29T10:00:00Z', /does not exist/],
    ['2026-13-01T10:00:00Z', /does not exist/],
    ['2026-05-26T24:00:00Z', /time of day/],
    ['2026-05-26T10:60:00Z', /time of day/],
    ['2026-05-26T23:59:60Z', /time of day/],
    ['2026-05-26T10:00:00+25:00', /impossible offset/],
    ['May 26, 2026', /not an RFC 3339/],
    ['Tue, 26 May 2026 10:00:00 GMT', /not an RFC 3339/],
    ['1969-12-31T23:59:59Z', /outside the years/],
    // Found from outside: the year 1 was "a day that does not exist"; the year 10000 in UTC was taken.
    ['0001-01-01T00:00:00Z', /outside the years 1970–9999/],
    ['0099-02-29T00:00:00Z', /outside the years 1970–9999/],
    ['9999-12-31T23:59:59-23:59', /outside the years 1970–9999/],
    ['1970-01-01T00:30:00+01:00', /outside the years 1970–9999/],
    ['', /not an RFC 3339/],
  ])('%s', (text, problem) => {
    const parsed = parseRfc3339(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});

describe('formatRfc3339', () => {
  it.each([
    [new Date('2026-05-26T09:00:00.000Z'), '2026-05-26T09:00:00Z'],
    [new Date('2026-05-26T09:00:00.250Z'), '2026-05-26T09:00:00.250Z'],
  ])('%s → %s', (date, text) => {
    expect(formatRfc3339(date)).toBe(text);
  });
});
