// What RSS and Atom share once each has its DOM pipeline (rss.ts, atom.ts): one batch document cut
// into entry fragments, a document's shell, and whole documents assembled from both.

import type { Entry, EntryMeta, Feed, Story } from '../types.js';
import { probeItems } from './feed-options.js';
import { assembleFormat, cutElements, fillBodies, splitAtBody, splitShell, type Fragment } from './fragments.js';

export interface XmlExtras {
  /** Folder of this document under the output folder ('' for the main feeds, 'tags/x/' …). */
  readonly folder?: string;
  /** Extra feed-level links (RFC 5005 archive links). */
  readonly links?: ReadonlyArray<{ rel: string; href: string; type?: string }>;
  /** Adds the RFC 5005 fh:complete / fh:archive marker. */
  readonly history?: 'complete' | 'archive';
  readonly stylesheet?: string;
  /** Render the document's shell: the (one) probe entry becomes ENTRIES_MARKER. */
  readonly shell?: boolean;
}

export interface XmlFormat {
  readonly format: 'rss' | 'atom';
  /** What feed writes for a batch of entries, unfinished (the fast path's input). */
  readonly raw: (story: Story, items: readonly EntryMeta[]) => string;
  /**
   * One element of `raw` finished by token operations into the bytes `document` gives it
   * (xml-tokens.ts), or `null` where the DOM must decide.
   */
  readonly finish: (element: string, entry: EntryMeta) => string | null;
  /** The format's DOM pipeline: feed writes the document with `items`, the DOM finishes it. */
  readonly document: (feed: Feed, items: readonly EntryMeta[], extras: XmlExtras) => string;
  /** An entry's element as feed writes it, and the text around its body inside. */
  readonly element: readonly [open: string, close: string];
  readonly body: readonly [before: string, after: string];
  /** Between two entries: the indentation of their parent's children. */
  readonly separator: string;
}

export function xmlFormat(f: XmlFormat) {
  /** Each entry's element, split at its body. */
  const finished = (story: Story, entries: readonly EntryMeta[]): string[] | null => {
    const raw = cutElements(f.raw(story, entries), f.element[0], f.element[1]);
    if (raw.length !== entries.length) return null;
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 1) {
      const el = f.finish(raw[i]!, entries[i]!);
      if (el === null) return null;
      out.push(el);
    }
    return out;
  };
  const items = (story: Story, entries: readonly EntryMeta[], dom = false): Fragment[] => {
    if (entries.length === 0) return [];
    const feed: Feed = { story, entries, retracted: [], updated: new Date(0), complete: true };
    // The token path where it is provably the DOM's equal; the whole batch through the DOM otherwise.
    const elements = (dom ? null : finished(story, entries)) ?? cutElements(f.document(feed, entries, {}), f.element[0], f.element[1]);
    if (elements.length !== entries.length) throw new Error(`feed dropped an ${f.element[0]}`);
    return elements.map((el) => splitAtBody(el, f.body[0], f.body[1]));
  };
  /** The document around its entries (`separator` goes between two). */
  const shell = (feed: Feed, extras: XmlExtras = {}): readonly string[] => splitShell(f.document(feed, probeItems(feed), { ...extras, shell: true }));
  return {
    items: (story: Story, entries: readonly EntryMeta[]): Fragment[] => items(story, entries),
    /** `items` through the DOM only: what the token path is tested against. */
    itemsDom: (story: Story, entries: readonly EntryMeta[]): Fragment[] => items(story, entries, true),
    shell,
    separator: f.separator,
    /** A whole document, for callers that hold every entry's body (tests, small tools). */
    render: (feed: Feed<Entry>, extras: XmlExtras = {}): string =>
      assembleFormat(shell(feed, extras), feed.entries, items(feed.story, feed.entries), f.format, f.separator),
    /**
     * The whole document in one pass of feed and the DOM (how documents were written before entry
     * fragments): the reference test/property/feeds.property.test.ts holds `render` to.
     */
    whole: (feed: Feed<Entry>, extras: XmlExtras = {}): string => fillBodies(f.document(feed, feed.entries, extras), f.body[0], f.body[1], feed.entries),
  };
}
