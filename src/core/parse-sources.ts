// SourceFile[] → ParsedSource[]: front matter, normalization and, for every entry visible at `now`,
// its fragments in every format. Pure, and independent per file, so a build may run it on several
// threads (src/parse-pool.ts) and get the same result as in one.

import type { Diagnostic } from './diagnostics.js';
import { parseRfc3339 } from './dates.js';
import { parseFrontMatter } from './front-matter.js';
import { isVisible } from './model.js';
import { normalizeEntry, renderEntryBody } from './normalize.js';
import { renderAtomEntries } from './render/atom.js';
import type { EntryFragments } from './render/fragments.js';
import { bodyTextFragment } from './render/json-ld.js';
import { renderJsonItems } from './render/json-feed.js';
import { renderRssItems } from './render/rss.js';
import type { DatesAt, Entry, EntryMeta, Position, SourceFile, Story } from './types.js';

export interface ParsedSource {
  readonly path: string;
  readonly diagnostics: readonly Diagnostic[];
  /** Where the id stands, for cross-file diagnostics (duplicates, identity guard). */
  readonly idAt?: Position;
  /** Where `updated` and `correction` stand, for a change dated ahead of the clock (E_DATE_AHEAD: a time-dependent check, made at compile). */
  readonly datesAt?: DatesAt;
  readonly entry?: EntryMeta;
  /** The entry's fragments, when it is visible (published, not retracted) at the build's `now`. */
  readonly fragments?: EntryFragments;
}

function toMeta(entry: Entry): EntryMeta {
  const { contentHtml: _body, ...meta } = entry;
  return meta;
}

/** Entry fragments of many entries at once: one pass of feed and the DOM per format. */
export function renderEntryFragments(story: Story, entries: readonly Entry[]): EntryFragments[] {
  const rss = renderRssItems(story, entries);
  const atom = renderAtomEntries(story, entries);
  const json = renderJsonItems(entries);
  return entries.map((e, i) => ({ rss: rss[i]!, atom: atom[i]!, json: json[i]!, html: e.contentHtml, text: bodyTextFragment(e.contentHtml) }));
}

/** `anchors`: the entries' anchors that are not the plain form, by id (anchors.ts). */
export function parseSources(sources: readonly SourceFile[], story: Story, now: Date, anchors?: ReadonlyMap<string, string>): ParsedSource[] {
  const results = sources.map((source) => {
    const fm = parseFrontMatter(source);
    if (!fm.entry) return { path: source.path, diagnostics: fm.diagnostics };
    // Only entries that some document shows need their body: the others (drafts, embargoed and
    // retracted entries) are parsed for their metadata and checked, and their Markdown left alone.
    const n = normalizeEntry(fm.entry, story, { body: false, ...(anchors ? { anchors } : {}) });
    const idAt = fm.entry.fields.get('id')?.valueAt;
    const updatedField = fm.entry.fields.get('updated');
    const [updatedAt, correctionAt] = [updatedField?.valueAt, fm.entry.fields.get('correction')?.valueAt];
    // The field's own instant only where E_DATE_AHEAD may need it (the entry's updated is after the
    // clock): no second parse of every entry's date.
    const ahead = n.value !== undefined && n.value.updated.getTime() > now.getTime() && typeof updatedField?.value === 'string' ? parseRfc3339(updatedField.value) : undefined;
    const updatedMs = ahead?.ok ? { updatedMs: ahead.date.getTime() } : {};
    const datesAt: DatesAt | undefined = updatedAt || correctionAt ? { ...(updatedAt ? { updated: updatedAt, ...updatedMs } : {}), ...(correctionAt ? { correction: correctionAt } : {}) } : undefined;
    let entry: Entry | undefined = n.value;
    if (entry && isVisible(entry, now)) {
      const contentHtml = renderEntryBody(fm.entry, entry, story);
      entry = { ...entry, hasContent: contentHtml !== '', contentHtml };
    }
    return { path: source.path, diagnostics: n.diagnostics, ...(idAt ? { idAt } : {}), ...(datesAt ? { datesAt } : {}), ...(entry ? { entry } : {}) };
  });
  const visible = results.flatMap((r) => (r.entry && r.diagnostics.length === 0 && isVisible(r.entry, now) ? [r.entry] : []));
  const fragments = new Map(renderEntryFragments(story, visible).map((f, i) => [visible[i]!.path, f]));
  return results.map((r): ParsedSource => {
    const f = fragments.get(r.path);
    return {
      path: r.path,
      diagnostics: r.diagnostics,
      ...(r.idAt ? { idAt: r.idAt } : {}),
      ...(r.datesAt ? { datesAt: r.datesAt } : {}),
      ...(r.entry ? { entry: toMeta(r.entry) } : {}),
      ...(f ? { fragments: f } : {}),
    };
  });
}
