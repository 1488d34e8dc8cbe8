// A real XML tool (@xmldom/xmldom) to finish what feed@6.0.0 cannot express (defects 3, 5, 6, 8,
// 9, 10, 12 in core/known-defects.md): parse its output, add or fix nodes, serialize. Escaping of
// text and attributes is then the DOM serializer's job, never string splicing.

import { XML_PARSE_TYPE } from '../formats.js';
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { FORMATS } from '../formats.js';

export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  dc: 'http://purl.org/dc/elements/1.1/',
  content: 'http://purl.org/rss/1.0/modules/content/',
  media: 'http://search.yahoo.com/mrss/',
  // RFC 5005 §6 (Feed History) and RFC 6721 §2 (tombstones)
  fh: 'http://purl.org/syndication/history/1.0',
  at: 'http://purl.org/atompub/tombstones/1.0',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
} as const;

const INDENT = '    '; // feed's own indentation, so added nodes line up with the rest

export function parseXml(xml: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') errors.push(message);
    },
  }).parseFromString(xml, XML_PARSE_TYPE);
  // feed's output is parsed here before we touch it; a failure is a bug in normalization (an
  // illegal character or `]]>` reached the serializer), not a user error.
  if (errors.length > 0) throw new Error(`feed produced malformed XML: ${errors.join('; ')}`);
  return doc;
}

export interface SerializeOptions {
  /**
   * Write `&`, `<` and `>` in text as the hexadecimal references &#x26; &#x3C; &#x3E;: the RSS
   * Advisory Board profile §3.1 ("Character Data"), which the W3C validator enforces as
   * CharacterData ("Encode & and < in plain text using hexadecimal character references") on every
   * plain-text RSS element whose decoded text holds `<x`, `</` or `&#`. The XML says the same.
   */
  readonly hexTextReferences?: boolean;
}

const HEX_REFERENCES: Readonly<Record<string, string>> = { '&': '&#x26;', '<': '&#x3C;', '>': '&#x3E;' };

export function serializeXml(doc: Document, options: SerializeOptions = {}): string {
  // xmldom writes a string returned by nodeFilter as it is (its typings only admit a Node);
  // CDATA sections (bodies, summaries) are not text nodes and stay as they are.
  const hex = (node: Node): Node | string => (node.nodeType === 3 ? (node.nodeValue ?? '').replace(/[&<>]/g, (c) => HEX_REFERENCES[c]!) : node);
  const nodeFilter = options.hexTextReferences ? (hex as unknown as (node: Node) => Node) : null;
  // One declaration, on its own line; feeds are always UTF-8.
  const body = new XMLSerializer()
    .serializeToString(doc, nodeFilter ? { nodeFilter } : undefined)
    .replace(/^<\?xml[^?]*\?>\s*/, '')
    .replace(/^(<\?xml-stylesheet[^?]*\?>)(?!\n)/, '$1\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n${body}\n`;
}

export function declareNamespace(root: Element, prefix: string, uri: string): void {
  root.setAttributeNS(NS.xmlns, `xmlns:${prefix}`, uri);
}

/** Declare `prefix` again, last among the root's attributes (where feed would have written it). */
export function redeclareNamespaceLast(root: Element, prefix: string, uri: string): void {
  root.removeAttribute(`xmlns:${prefix}`);
  declareNamespace(root, prefix, uri);
}

/** A document's shell: ENTRIES_MARKER as the last child of `parent`, where its entries go. */
export function appendEntriesMarker(parent: Element, marker: string): void {
  appendIndented(parent, ownerOf(parent).createComment(marker));
}

function depthOf(node: Node): number {
  let depth = 0;
  for (let p = node.parentNode; p && p.nodeType === 1; p = p.parentNode) depth += 1;
  return depth;
}

function ownerOf(node: Node): Document {
  const doc = node.ownerDocument;
  if (!doc) throw new Error('node has no owner document');
  return doc;
}

/**
 * Append `child` to `parent` (or insert it before `before`), indented like feed's pretty-printed
 * output.
 */
export function appendIndented<T extends Node>(parent: Element, child: T, before?: Node | null): T {
  const doc = ownerOf(parent);
  const depth = depthOf(parent) + 1;
  if (before) {
    parent.insertBefore(child, before);
    parent.insertBefore(doc.createTextNode('\n' + INDENT.repeat(depth)), before);
    return child;
  }
  const last = parent.lastChild;
  const closingIndent = '\n' + INDENT.repeat(depth - 1);
  if (last && last.nodeType === 3 && /^\s*$/.test(last.nodeValue ?? '')) {
    parent.insertBefore(doc.createTextNode('\n' + INDENT.repeat(depth)), last);
    parent.insertBefore(child, last);
  } else {
    parent.appendChild(doc.createTextNode('\n' + INDENT.repeat(depth)));
    parent.appendChild(child);
    parent.appendChild(doc.createTextNode(closingIndent));
  }
  return child;
}

export interface ElementSpec {
  readonly attributes?: Readonly<Record<string, string | number | undefined>>;
  readonly text?: string;
  /** Insert before this child instead of appending. */
  readonly before?: Node | null;
}

/** Create `qualifiedName` in namespace `ns` and append it (indented) to `parent`. */
export function addElement(parent: Element, ns: string | null, qualifiedName: string, spec: ElementSpec = {}): Element {
  const doc = ownerOf(parent);
  const el = ns === null ? doc.createElement(qualifiedName) : doc.createElementNS(ns, qualifiedName);
  for (const [name, value] of Object.entries(spec.attributes ?? {})) {
    if (value !== undefined) el.setAttribute(name, String(value));
  }
  if (spec.text !== undefined) el.appendChild(doc.createTextNode(spec.text));
  return appendIndented(parent, el, spec.before);
}

/** Remove an element together with the indentation before it. */
export function removeElement(el: Element): void {
  const parent = el.parentNode;
  if (!parent) return;
  const prev = el.previousSibling;
  if (prev && prev.nodeType === 3 && /^\s*$/.test(prev.nodeValue ?? '')) parent.removeChild(prev);
  parent.removeChild(el);
}

/** Replace an element's content with plain text (escaped by the serializer). */
export function setText(el: Element, text: string): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(ownerOf(el).createTextNode(text));
}

export function childElements(parent: Element, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && ((n as Element).localName === localName || (n as Element).nodeName === localName)) out.push(n as Element);
  }
  return out;
}

export function firstChild(parent: Element, localName: string): Element {
  const el = childElements(parent, localName)[0];
  if (!el) throw new Error(`expected <${localName}> in <${parent.nodeName}>`);
  return el;
}

/** An xml-stylesheet processing instruction, href escaped by the DOM (defect 3: feed leaves it raw). */
export function addStylesheet(doc: Document, href: string | undefined): void {
  if (!href) return;
  const data = `type="${FORMATS.xsl.type}" href="${href.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`;
  doc.insertBefore(doc.createProcessingInstruction('xml-stylesheet', data), doc.documentElement);
}
