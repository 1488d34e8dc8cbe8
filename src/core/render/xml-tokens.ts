// The fast path of an entry's fragment: feed's serialized <item>/<entry> finished by token
// operations that give the bytes the DOM round trip gives (xml-dom.ts: parse with xmldom, fix,
// serialize), without building a DOM.
//
// Why: parsing feed's output and serializing it again was most of the CPU of an entry's RSS and
// Atom fragments (src/build/README.md, "CPU budget"). It is only taken where its equivalence is
// simple to see: feed's element is read with a strict grammar (children that are one element
// each, holding text, one CDATA section or nothing, separated by whitespace; the five predefined
// entities only; no CR or TAB anywhere, so the parser's line-end and attribute-value
// normalization (XML 1.0 §2.11, §3.3.3) have nothing to do). Anything else gives `null`, and the
// caller takes the DOM path for the batch. test/property/feeds.property.test.ts holds the result
// to the whole-document DOM pipeline; test/unit/core/render/xml-tokens.test.ts compares the two
// paths entry by entry.

/** A child element of feed's entry, as it was written, its text and attribute values decoded. */
export interface RawChild {
  /** The whitespace before it (a text node in the DOM). */
  readonly space: string;
  readonly name: string;
  readonly attributes: ReadonlyArray<readonly [name: string, value: string]>;
  /** Decoded text, or the CDATA section's data, or undefined for an empty element. */
  readonly text?: string;
  readonly cdata?: boolean;
}

export interface RawElement {
  readonly children: RawChild[];
  /** The whitespace before the closing tag. */
  readonly closingSpace: string;
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode the predefined entities; `null` if any other reference (or a bare `&`) occurs. */
function decode(text: string): string | null {
  if (!text.includes('&')) return text;
  let ok = true;
  const out = text.replace(/&([a-z]*);?/g, (all, name: string) => {
    const c = all.endsWith(';') ? PREDEFINED[name] : undefined;
    if (c === undefined) ok = false;
    return c ?? '';
  });
  return ok ? out : null;
}

/**
 * What the parser would change or refuse: CR, TAB, and the line ends xmldom normalizes to LF
 * (NEL, LS, PS: its normalizeLineEndings follows XML 1.1 §2.11), characters XML 1.0 §2.2 does not
 * allow, and lone surrogates. With any of them the DOM decides (and fails loudly where it should).
 */
const UNSAFE = /[\0-\x08\t\x0B\x0C\r\x0E-\x1F\u0085\u2028\u2029\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const CHILD = /([ \n]*)<([A-Za-z][\w:.-]*)((?: [\w:.-]+="[^"<]*")*)(\/>|>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/([\w:.-]+)>)/y;
const ATTRIBUTE = / ([\w:.-]+)="([^"<]*)"/g;

/**
 * Read feed's `<open>…</close>` element. `null` when it is outside the grammar above (the caller
 * then uses the DOM).
 */
export function readRawElement(xml: string, open: string, close: string): RawElement | null {
  if (!xml.startsWith(open) || !xml.endsWith(close) || UNSAFE.test(xml)) return null;
  const end = xml.length - close.length;
  const children: RawChild[] = [];
  CHILD.lastIndex = open.length;
  for (;;) {
    const at = CHILD.lastIndex;
    const m = CHILD.exec(xml);
    if (!m || m.index !== at || CHILD.lastIndex > end) {
      const rest = xml.slice(at, end);
      if (!/^[ \n]*$/.test(rest)) return null;
      return { children, closingSpace: rest };
    }
    const [, space, name, attrText, , cdata, text, closing] = m;
    if (closing !== undefined && closing !== name) return null;
    const attributes: [string, string][] = [];
    for (const a of attrText!.matchAll(ATTRIBUTE)) {
      const value = decode(a[2]!);
      if (value === null || a[2]!.includes('\n')) return null;
      attributes.push([a[1]!, value]);
    }
    let decoded: string | undefined;
    if (cdata !== undefined) {
      if (cdata.includes(']]>')) return null;
      decoded = cdata;
    } else if (text?.includes(']]>')) return null;
    if (cdata !== undefined) decoded = cdata;
    else if (text !== undefined && text !== '') {
      const d = decode(text);
      if (d === null) return null;
      decoded = d;
    }
    children.push({ space: space!, name: name!, attributes, ...(decoded !== undefined ? { text: decoded } : {}), ...(cdata !== undefined ? { cdata: true } : {}) });
  }
}

const NAMED: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' };
const HEX: Readonly<Record<string, string>> = { '&': '&#x26;', '<': '&#x3C;', '>': '&#x3E;' };

/** A text node as xmldom serializes it. */
export function escapeText(text: string): string {
  return text.replace(/[<&>]/g, (c) => NAMED[c]!);
}

/** A text node as serializeXml({ hexTextReferences: true }) writes it (xml-dom.ts). */
export function escapeTextHex(text: string): string {
  return text.replace(/[&<>]/g, (c) => HEX[c]!);
}

/** An attribute value as xmldom serializes it (whitespace other than space as references). */
export function escapeAttribute(value: string): string {
  return value.replace(/[<>&"\t\n\r]/g, (c) => NAMED[c] ?? `&#${c.charCodeAt(0)};`);
}

/** An element as xmldom serializes it: `<name a="v"/>` without content, else `<name a="v">content</name>`. */
export function writeElement(name: string, attributes: ReadonlyArray<readonly [string, string | number | undefined]>, content?: string): string {
  let attrs = '';
  for (const [k, v] of attributes) if (v !== undefined) attrs += ` ${k}="${escapeAttribute(String(v))}"`;
  return content === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

/** A child read by readRawElement, serialized again (text with `escape`). */
export function writeChild(child: RawChild, escape: (text: string) => string): string {
  const content = child.text === undefined ? undefined : child.cdata ? `<![CDATA[${child.text}]]>` : escape(child.text);
  return writeElement(child.name, child.attributes, content);
}

/** An element name without its prefix: xml-dom.ts childElements matches either. */
export function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}
