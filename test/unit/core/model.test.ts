// What an entry is at one instant (core/model.ts), table-driven: published, scheduled, retracted,
// a stub, visible; the order of entries; the next instant the published set changes; the feed's
// updated time. The clock is an argument, so every case names its own `now`.
import { describe, expect, it } from 'vitest';
import {
  compareEntries,
  isPublished,
  isRetracted,
  isScheduled,
  isStub,
  isVisible,
  newestChange,
  nextChange,
  nextScheduledEntry,
  retractionEnd,
  retractionStub,
  selectVisible,
} from '../../../src/core/model.js';
import type { EntryMeta } from '../../../src/core/types.js';

const at = (iso: string) => new Date(iso);
const PUBLISHED = '2026-05-10T09:00:00Z';
const RETRACTED = '2026-05-12T09:00:00Z';
// A 30-day window: the stub leaves on 2026-06-11T09:00:00Z.
const STUB_ENDS = '2026-06-11T09:00:00Z';

function entry(over: Partial<EntryMeta> & { slug?: string } = {}): EntryMeta {
  const { slug = 'a', ...rest } = over;
  const published = rest.published ?? at(PUBLISHED);
  return {
    path: `${slug}.md`,
    id: `tag:newsroom.example.org,2026-05-25:test-story/${slug}`,
    title: `Title ${slug}`,
    published,
    updated: published,
    summary: 'A summary.',
    authors: [{ name: 'Reporter' }],
    tags: ['talks'],
    image: { url: 'https://newsroom.example.org/i.png', alt: 'An image', type: 'image/png' },
    link: `https://newsroom.example.org/${slug}`,
    correction: { at: at('2026-05-11T09:00:00Z'), note: 'Fixed a name.' },
    draft: false,
    hasContent: true,
    print: `print-${slug}`,
    ...rest,
  };
}

const retracted = (over: Partial<EntryMeta> & { slug?: string } = {}) =>
  entry({ retraction: { at: at(RETRACTED), reason: 'Wrong.', until: retractionEnd(at(RETRACTED), 30) }, ...over });

describe('an entry at one instant', () => {
  it.each([
    // kind, entry, now → published, scheduled, retracted, stub, visible
    ['before its time (embargo)', entry(), '2026-05-10T08:59:59.999Z', [false, true, false, false, false]],
    ['at its time exactly', entry(), PUBLISHED, [true, false, false, false, true]],
    ['after its time', entry(), '2026-05-20T00:00:00Z', [true, false, false, false, true]],
    ['a draft, before its time', entry({ draft: true }), '2026-05-01T00:00:00Z', [false, false, false, false, false]],
    ['a draft, after its time', entry({ draft: true }), '2026-05-20T00:00:00Z', [false, false, false, false, false]],
    ['retracted later, before the retraction', retracted(), '2026-05-11T00:00:00Z', [true, false, false, false, true]],
    ['at its retraction exactly: a stub', retracted(), RETRACTED, [true, false, true, true, false]],
    ['within the window: a stub', retracted(), '2026-06-11T08:59:59.999Z', [true, false, true, true, false]],
    ['at the window’s end: gone', retracted(), STUB_ENDS, [true, false, true, false, false]],
    ['a retracted draft: never a stub', retracted({ draft: true }), '2026-05-20T00:00:00Z', [false, false, true, false, false]],
  ] as const)('%s', (_kind, e, now, [published, scheduled, isRetractedNow, stub, visible]) => {
    const t = at(now);
    expect([isPublished(e, t), isScheduled(e, t), isRetracted(e, t), isStub(e, t), isVisible(e, t)]).toEqual([published, scheduled, isRetractedNow, stub, visible]);
  });
});

describe('retractions', () => {
  it.each([
    ['2026-05-12T09:00:00Z', 30, '2026-06-11T09:00:00.000Z'],
    ['2026-05-12T09:00:00Z', 0, '2026-05-12T09:00:00.000Z'],
    ['2026-12-31T23:30:00Z', 1, '2027-01-01T23:30:00.000Z'],
  ])('a retraction at %s with a %i-day window ends at %s', (when, days, end) => {
    expect(retractionEnd(at(when), days).toISOString()).toBe(end);
  });

  it('a stub keeps the id, title, dates, authors and tags; drops summary, image and correction; its updated is the retraction', () => {
    const e = retracted({ hasContent: false });
    const stub = retractionStub(e);
    expect(stub).toMatchObject({ id: e.id, title: `Retracted: ${e.title}`, published: e.published, updated: at(RETRACTED), authors: e.authors, tags: e.tags, hasContent: true });
    expect([stub.summary, stub.image, stub.correction]).toEqual([undefined, undefined, undefined]);
  });
});

describe('order and selection', () => {
  it.each([
    ['newer first', entry({ slug: 'a', published: at('2026-05-11T00:00:00Z') }), entry({ slug: 'b', published: at('2026-05-10T00:00:00Z') }), -1],
    ['older after', entry({ slug: 'a', published: at('2026-05-09T00:00:00Z') }), entry({ slug: 'b', published: at('2026-05-10T00:00:00Z') }), 1],
    ['same instant: by id', entry({ slug: 'a' }), entry({ slug: 'b' }), -1],
    ['same instant: by id, reversed', entry({ slug: 'b' }), entry({ slug: 'a' }), 1],
    ['the same entry', entry({ slug: 'a' }), entry({ slug: 'a' }), 0],
  ] as const)('%s', (_kind, a, b, sign) => {
    expect(Math.sign(compareEntries(a, b))).toBe(sign);
  });

  it('selectVisible keeps what is out and not retracted, newest first, whatever the input order', () => {
    const now = at('2026-05-20T00:00:00Z');
    const es = [
      entry({ slug: 'old', published: at('2026-05-01T00:00:00Z') }),
      entry({ slug: 'later', published: at('2026-05-25T00:00:00Z') }),
      entry({ slug: 'draft', draft: true }),
      retracted({ slug: 'gone' }),
      entry({ slug: 'new', published: at('2026-05-15T00:00:00Z') }),
      entry({ slug: 'tie-b', published: at('2026-05-05T00:00:00Z') }),
      entry({ slug: 'tie-a', published: at('2026-05-05T00:00:00Z') }),
    ];
    const order = ['new', 'tie-a', 'tie-b', 'old'];
    expect(selectVisible(es, now).map((e) => e.path.replace('.md', ''))).toEqual(order);
    expect(selectVisible([...es].reverse(), now).map((e) => e.path.replace('.md', ''))).toEqual(order);
  });
});

describe('the next scheduled development (what build and check report as next): an embargo, never a retraction', () => {
  const embargoed = entry({ slug: 'e', published: at('2026-05-30T06:00:00Z') });
  it.each([
    ['nothing ahead', [entry()], '2026-05-20T00:00:00Z', undefined],
    ['an embargo', [entry(), embargoed], '2026-05-20T00:00:00Z', '2026-05-30T06:00:00.000Z'],
    ['the nearest of two embargoes', [embargoed, entry({ slug: 'f', published: at('2026-05-25T00:00:00Z') })], '2026-05-20T00:00:00Z', '2026-05-25T00:00:00.000Z'],
    ['not one that is due now (strictly after)', [embargoed], '2026-05-30T06:00:00Z', undefined],
    ['never a draft’s', [entry({ slug: 'd', draft: true, published: at('2026-05-25T00:00:00Z') })], '2026-05-20T00:00:00Z', undefined],
    // Found from outside: `check` said "next at" the end of a retraction's stub, beside "0 scheduled".
    ['not a retraction', [retracted()], '2026-05-11T00:00:00Z', undefined],
    ['not the end of a stub’s window', [retracted()], '2026-05-13T00:00:00Z', undefined],
    ['the entry’s own publication before its retraction', [retracted()], '2026-05-01T00:00:00Z', PUBLISHED.replace('Z', '.000Z')],
    ['an embargo a year ahead, not a stub ending sooner', [retracted(), embargoed], '2026-05-13T00:00:00Z', '2026-05-30T06:00:00.000Z'],
  ] as const)('%s', (_kind, es, now, next) => {
    expect(nextScheduledEntry(es, at(now))?.toISOString()).toBe(next);
  });
});

describe('the next instant any output changes (the service wakes then): the news sitemap’s 48 hours too', () => {
  const embargoed = entry({ slug: 'e', published: at('2026-05-30T06:00:00Z') });
  it.each([
    ['a development leaving the news sitemap 48 hours after its publication', [entry()], '2026-05-10T10:00:00Z', '2026-05-12T09:00:00.000Z'],
    ['an embargo before that', [entry(), entry({ slug: 'f', published: at('2026-05-11T00:00:00Z') })], '2026-05-10T10:00:00Z', '2026-05-11T00:00:00.000Z'],
    ['nothing once every development has left it', [entry()], '2026-05-12T09:00:00Z', undefined],
    ['an embargo after it', [entry(), embargoed], '2026-05-20T00:00:00Z', '2026-05-30T06:00:00.000Z'],
    ['never a draft’s', [entry({ draft: true })], '2026-05-10T10:00:00Z', undefined],
    ['a retraction', [retracted()], '2026-05-11T00:00:00Z', RETRACTED.replace('Z', '.000Z')],
    ['the end of a retraction stub’s window', [retracted()], '2026-05-13T00:00:00Z', STUB_ENDS.replace('Z', '.000Z')],
  ] as const)('%s', (_kind, es, now, next) => {
    expect(nextChange(es, at(now))?.toISOString()).toBe(next);
    // A story's planned coverage_end (ms) counts as well, when it is the nearest ahead.
    expect(nextChange(es, at(now), [at(now).getTime() - 1, at(now).getTime() + 1])?.getTime()).toBe(at(now).getTime() + 1);
  });
});

describe('the feed’s updated time comes from its content', () => {
  it.each([
    ['nothing published: the epoch', [], [], '1970-01-01T00:00:00.000Z'],
    ['the newest update', [entry({ updated: at('2026-05-11T00:00:00Z') }), entry({ slug: 'b', updated: at('2026-05-14T00:00:00Z') })], [], '2026-05-14T00:00:00.000Z'],
    ['a later retraction', [entry({ updated: at('2026-05-11T00:00:00Z') })], [retracted({ slug: 'r' })], RETRACTED.replace('Z', '.000Z')],
    ['an earlier retraction does not win', [entry({ updated: at('2026-05-20T00:00:00Z') })], [retracted({ slug: 'r' })], '2026-05-20T00:00:00.000Z'],
  ] as const)('%s', (_kind, es, gone, when) => {
    expect(newestChange(es, gone).toISOString()).toBe(when);
  });
});
