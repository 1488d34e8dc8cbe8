// What RSS and Atom share once each has its DOM pipeline (rss.ts, atom.ts): one batch document cut
// into entry fragments, a document's shell, and whole documents assembled from both.

import type { Entry, EntryMeta, Feed, Story, XmlExtras } from '../types.js';

export type { XmlExtras } from '../types.js';
import { assembleFormat, cutElements, fillBodies, splitAtBody, splitShell, type Fragment } from './fragments.js';


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

/**
 * All a shell reads of its feed (rss.ts, atom.ts: the story, `updated`, the tombstones, whether it
 * has entries, whether any has a body or an image), without the other entries: what crosses to a
 * worker thread (build/parse/shells.ts) is at most two entries, not an archive's every one, and
 * entries the worker has been sent already cross as numbers (parse/shell-wire.ts). The shell is
 * the same from either (the property tests compare documents assembled from shells with the
 * one-pass renderer).
 */
export function shellFeed(feed: Feed): Feed {
  const first = feed.entries.find((e) => e.hasContent) ?? feed.entries[0];
  if (!first) return { ...feed, entries: [] };
  // An entry with an image keeps rss.ts's media namespace.
  const image = first.image ? undefined : feed.entries.find((e) => e.image);
  return { ...feed, entries: image ? [first, image] : [first] };
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
  /** The document around its entries (`separator` goes between two); the same from `feed` or its shellFeed. */
  const shell = (feed: Feed, extras: XmlExtras = {}): readonly string[] => {
    const reduced = shellFeed(feed);
    // Written without entries: feed and the DOM would only write the probe item to throw it away.
    return splitShell(f.document(reduced, [], { ...extras, shell: true }));
  };
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
