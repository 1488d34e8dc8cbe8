// Entry anchors: each entry's HTML id on the story page, which is also its slug: the folder of its
// own page (`feed_base<anchor>/`, its default link in every feed). Readers store that link, so an
// anchor must be unique, never name one of the story's own folders (RESERVED_SLUGS), and never
// change once published.
//
// The plain anchor is the id's last segment (links.ts entryAnchor), and ids that end alike
// (`…/a/one`, `…/b/one`, `…/b/ONE`) share it. The first of them to be published keeps it; each
// later one gets the plain form plus a suffix made from its whole id. "First" is decided once: the
// ledger (ledger.ts) records every published id's anchor, so no later run moves an anchor that is
// out, even when a new entry with an earlier `published` time arrives. Among ids first published in
// the same run, the earlier `published` time (then the id) goes first. Deleting the ledger forgets
// the anchors as it forgets the ids: they are then decided again, in that order.

import { createHash } from 'node:crypto';
import { compareStrings } from './diagnostics.js';
import type { Ledger } from './ledger.js';
import { entryAnchor } from './links.js';
import { isPublished } from './model.js';
import { PAGE_IDS } from './render/page.js';
import { ARCHIVE_FOLDER } from './plan.js';
import { TAGS_FOLDER } from './tags.js';
import type { EntryMeta } from './types.js';

/** Anchors that are not the plain form, by id: what parsing needs to know (normalize.ts). */
/**
 * What the plan writes at the story's root besides the entry pages: its folders, and the names a
 * newsroom or a sitemap may add. An entry whose plain anchor is one of them gets the suffixed form
 * (recorded in the ledger like every anchor). Adding a name moves only an anchor equal to it.
 */
export const RESERVED_SLUGS: readonly string[] = [ARCHIVE_FOLDER, TAGS_FOLDER, 'media', 'images', 'assets', 'static', 'sitemap', 'feed', 'feeds'];

export type AnchorOverrides = ReadonlyMap<string, string>;

export interface AnchorPlan {
  /** The anchor of every id that is published now or was before, for the ledger. */
  readonly anchors: ReadonlyMap<string, string>;
  /** The anchors among them that are not the plain form. */
  readonly overrides: AnchorOverrides;
  /**
   * Paths of published entries that were parsed with another anchor than planned (a new id whose
   * plain anchor another new id of the same run took first): parse them again with `overrides`.
   */
  readonly mismatched: readonly string[];
}

/** The anchors a ledger records that are not the plain form: enough to parse entries already published. */
export function ledgerOverrides(ledger: Ledger): Map<string, string> {
  const overrides = new Map<string, string>();
  // for…in, not Object.entries: a ledger holds every id ever published (100,000 and more).
  for (const id in ledger.ids) {
    const anchor = ledger.ids[id]!.anchor;
    if (anchor !== undefined && anchor !== entryAnchor(id)) overrides.set(id, anchor);
  }
  return overrides;
}

/**
 * Every published id's anchor: the ledger's where it has one, otherwise the plain anchor if no
 * other id holds it, else the plain anchor with a suffix of the id's hash. `recorded` is
 * ledgerOverrides(ledger), when the caller has it already (it costs a pass over the ledger).
 */
export function planAnchors(ledger: Ledger, entries: readonly EntryMeta[], now: Date, recorded: AnchorOverrides = ledgerOverrides(ledger)): AnchorPlan {
  // The page's own ids and the story's own folders are taken from the start.
  const taken = new Set<string>([...PAGE_IDS, ...RESERVED_SLUGS]);
  const anchors = new Map<string, string>();
  const overrides = new Map<string, string>();
  const pending = new Map<string, number>();
  // In the ledger's order (written sorted by id): of two records that name one anchor (a ledger
  // edited by hand), the first keeps it.
  for (const id in ledger.ids) {
    const record = ledger.ids[id]!;
    // A record without an anchor comes from a ledger written before anchors were recorded (or
    // edited by hand into a clash): it gets one now, in the order of first publication.
    if (record.anchor !== undefined && record.anchor !== '' && !taken.has(record.anchor)) {
      taken.add(record.anchor);
      anchors.set(id, record.anchor);
      const override = recorded.get(id);
      if (override !== undefined) overrides.set(id, override);
    } else {
      const at = Date.parse(record.published);
      pending.set(id, Number.isNaN(at) ? 0 : at);
    }
  }
  for (const e of entries) {
    if (isPublished(e, now) && !anchors.has(e.id) && !pending.has(e.id)) pending.set(e.id, e.published.getTime());
  }
  const order = [...pending].sort(([a, at], [b, bt]) => at - bt || compareStrings(a, b));
  for (const [id] of order) {
    const plain = entryAnchor(id);
    const anchor = taken.has(plain) ? suffixedAnchor(id, taken) : plain;
    taken.add(anchor);
    anchors.set(id, anchor);
    if (anchor !== plain) overrides.set(id, anchor);
  }
  // An entry was parsed with its override (or none: the plain anchor); it matches when that is the plan's.
  const mismatched: string[] = [];
  for (const e of entries) if (isPublished(e, now) && e.anchor !== overrides.get(e.id)) mismatched.push(e.path);
  return { anchors, overrides, mismatched };
}

/**
 * The plain anchor plus the first 8 hex digits of the id's SHA-256: stable (the id alone decides
 * it) and, with the plain anchor before it, still readable. A clash even so (another id's plain
 * anchor may look like this) takes more digits.
 */
export function suffixedAnchor(id: string, taken: ReadonlySet<string>): string {
  const plain = entryAnchor(id);
  const hash = createHash('sha256').update(id, 'utf8').digest('hex');
  for (let digits = 8; digits <= hash.length; digits += 4) {
    const anchor = `${plain}-${hash.slice(0, digits)}`;
    if (!taken.has(anchor)) return anchor;
  }
  for (let n = 2; ; n++) if (!taken.has(`${plain}-${hash}-${n}`)) return `${plain}-${hash}-${n}`;
}
