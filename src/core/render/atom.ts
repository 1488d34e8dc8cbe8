// Feed → atom.xml (Atom 1.0, RFC 4287; extensions RFC 5005 and RFC 6721).

import type { Element } from '@xmldom/xmldom';
import { formatRfc3339 } from '../dates.js';
import type { EntryMeta, Feed, Person } from '../types.js';
import { feedUrls, FORMATS } from '../formats.js';
import { createWriter } from './feed-options.js';
import { ENTRIES_MARKER } from './fragments.js';
import { xmlFormat, type XmlExtras } from './xml-format.js';
import { addElement, addStylesheet, appendEntriesMarker, childElements, declareNamespace, firstChild, NS, parseXml, removeElement, serializeXml, setText } from './xml-dom.js';
import { escapeText, localName, readRawElement, writeChild, writeElement } from './xml-tokens.js';

export type AtomExtras = XmlExtras;

/**
 * The DOM pipeline: feed writes the document with `items` (bodies as BODY_TOKEN), the DOM
 * finishes it. Feed-level choices come from `feed`, never from `items`.
 */
function atomDocument(feed: Feed, items: readonly EntryMeta[], extras: AtomExtras): string {
  const urls = feedUrls(feed.story, extras.folder);
  const doc = parseXml(createWriter(feed.story, feed.updated, items, urls).atom1());
  const root = doc.documentElement;
  if (!root) throw new Error('feed produced no <feed> element');

  // RFC 4287 §2: xml:lang applies to the whole document (feed only puts language in RSS, defect 5).
  root.setAttributeNS(NS.xml, 'xml:lang', feed.story.language);
  fixDates(root);
  // The self link gets its media type, so clients can tell the formats apart (RFC 4287 §4.2.7.3).
  for (const link of childElements(root, 'link')) {
    if (link.getAttribute('rel') === 'self') link.setAttribute('type', FORMATS.atom.type);
  }
  // The RELAX NG grammar (RFC 4287 appendix B) puts every feed-level element before the first
  // entry: insert there, not at the end.
  const entries = childElements(root, 'entry');
  const before = entries[0] ?? null;
  // RFC 4287 §4.1.1: a feed has an author unless every entry has one; we always give both.
  for (const person of feed.story.authors) addPerson(root, person, before);
  for (const link of extras.links ?? []) {
    addElement(root, NS.atom, 'link', { attributes: { rel: link.rel, href: link.href, type: link.type }, before });
  }
  if (extras.history) {
    declareNamespace(root, 'fh', NS.fh);
    addElement(root, NS.fh, `fh:${extras.history}`, { before });
  }

  items.forEach((entry, i) => {
    const el = entries[i];
    if (!el) throw new Error('feed dropped an entry');
    finishEntry(el, entry);
  });

  if (feed.retracted.length > 0) {
    // RFC 6721 §2.1: at:deleted-entry beside the entries, `ref` = the entry's atom:id.
    declareNamespace(root, 'at', NS.at);
    for (const entry of feed.retracted) {
      if (!entry.retraction) continue;
      const tomb = addElement(root, NS.at, 'at:deleted-entry', {
        attributes: { ref: entry.id, when: formatRfc3339(entry.retraction.at) },
        before,
      });
      addElement(tomb, NS.at, 'at:comment', { text: entry.retraction.reason });
    }
  }
  // feed writes the entries last: a shell, written without them, has their place at the end.
  if (extras.shell && feed.entries.length > 0) appendEntriesMarker(root, ENTRIES_MARKER.slice(4, -3));
  addStylesheet(doc, extras.stylesheet);
  return serializeXml(doc);
}

const ATOM = xmlFormat({
  format: 'atom',
  raw: (story, items) => createWriter(story, new Date(0), items, feedUrls(story)).atom1(),
  finish: finishAtomEntryText,
  document: atomDocument,
  element: ['<entry>', '</entry>'],
  // feed writes the body as CDATA of type html
  body: ['<content type="html"><![CDATA[', ']]></content>'],
  // the indentation of the feed's children
  separator: '\n    ',
});

/** Each entry's <entry>, split at its body. */
export const renderAtomEntries = ATOM.items;
/** renderAtomEntries through the DOM only: the reference its token path is tested against. */
export const renderAtomEntriesDom = ATOM.itemsDom;
/** The document around its entries: ATOM_SEPARATOR goes between two. */
export const renderAtomShell = ATOM.shell;
export const ATOM_SEPARATOR = ATOM.separator;
/** A whole document, for callers that hold every entry's body (tests, small tools). */
export const renderAtom = ATOM.render;
/** The whole document in one pass of feed and the DOM: the reference renderAtom is tested against. */
export const renderAtomWhole = ATOM.whole;

function finishEntry(el: Element, entry: EntryMeta): void {
  // feed marks plain-text titles as type="html" (defect 12): make them text, escaped by the DOM.
  const title = firstChild(el, 'title');
  title.removeAttribute('type');
  setText(title, entry.title);
  // feed writes the RSS description as the summary: without a summary of its own, an entry has
  // none (the headline stands in for it in RSS only, see feed-options.ts).
  if (!entry.summary) for (const old of childElements(el, 'summary')) removeElement(old);
  for (const old of childElements(el, 'author')) removeElement(old);
  for (const person of entry.authors) addPerson(el, person);
  // RFC 4287 §4.2.2: category needs `term`; `label` keeps the human form (defect 9).
  for (const tag of entry.tags) addElement(el, NS.atom, 'category', { attributes: { term: tag } });
  if (entry.image) {
    // RFC 4287 §4.2.7.2 rel="enclosure" with the entry's own media type: feed would write
    // image/<extension> (defect 6).
    addElement(el, NS.atom, 'link', {
      attributes: { rel: 'enclosure', href: entry.image.url, type: entry.image.type, length: entry.image.length, title: entry.image.alt },
    });
  }
}

function addPerson(parent: Element, person: Person, before: Element | null = null): void {
  const author = addElement(parent, NS.atom, 'author', { before });
  addElement(author, NS.atom, 'name', { text: person.name });
  if (person.email) addElement(author, NS.atom, 'email', { text: person.email });
  if (person.url) addElement(author, NS.atom, 'uri', { text: person.url });
}

/** feed writes `toISOString()` (always `.000Z`); second precision keeps the bytes stable and short. */
function fixDates(root: Element): void {
  const fix = (el: Element) => {
    const value = el.textContent ?? '';
    setText(el, formatRfc3339(new Date(value)));
  };
  for (const el of childElements(root, 'updated')) fix(el);
  for (const entry of childElements(root, 'entry')) {
    for (const name of ['updated', 'published']) for (const el of childElements(entry, name)) fix(el);
  }
}

/** An entry's children and their children, at their depth (feed > entry > child). */
const ENTRY_CHILD = '\n' + '    '.repeat(2);
const PERSON_CHILD = '\n' + '    '.repeat(3);

/**
 * fixDates + finishEntry as token operations on feed's <entry> (xml-tokens.ts): the same nodes,
 * written as serializeXml writes them. `null` where the DOM must decide.
 */
export function finishAtomEntryText(raw: string, entry: EntryMeta): string | null {
  const el = readRawElement(raw, '<entry>', '</entry>');
  if (!el || el.closingSpace === '' || !el.children.some((c) => c.name === 'title')) return null;
  let out = '<entry>';
  let title = true;
  for (const c of el.children) {
    const name = localName(c.name);
    // childElements matches by local name too: leave any prefixed twin to the DOM.
    if (name !== c.name && ['title', 'summary', 'author', 'updated', 'published'].includes(name)) return null;
    if (c.name === 'title' && title) {
      // defect 12: plain text, no type="html"
      out += c.space + writeElement('title', c.attributes.filter(([a]) => a !== 'type'), escapeText(entry.title));
      title = false;
    } else if ((c.name === 'summary' && !entry.summary) || c.name === 'author') {
      continue; // removed with the indentation before it (removeElement)
    } else if (c.name === 'updated' || c.name === 'published') {
      if (c.text === undefined) return null;
      out += c.space + writeElement(c.name, c.attributes, escapeText(formatRfc3339(new Date(c.text))));
    } else out += c.space + writeChild(c, escapeText);
  }
  for (const person of entry.authors) out += ENTRY_CHILD + writePerson(person);
  for (const tag of entry.tags) out += ENTRY_CHILD + writeElement('category', [['term', tag]]);
  if (entry.image) {
    const { url, type, length, alt } = entry.image;
    out += ENTRY_CHILD + writeElement('link', [['rel', 'enclosure'], ['href', url], ['type', type], ['length', length], ['title', alt]]);
  }
  return out + el.closingSpace + '</entry>';
}

/** addPerson's <author> inside an entry, as a string. */
function writePerson(person: Person): string {
  let inner = PERSON_CHILD + writeElement('name', [], escapeText(person.name));
  if (person.email) inner += PERSON_CHILD + writeElement('email', [], escapeText(person.email));
  if (person.url) inner += PERSON_CHILD + writeElement('uri', [], escapeText(person.url));
  return writeElement('author', [], inner + ENTRY_CHILD);
}
