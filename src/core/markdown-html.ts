// markdown-it's own HTML (raw HTML off), sanitized without re-parsing it as arbitrary HTML (issue
// 17: sanitize-html cost ~250 µs an entry, most of it htmlparser2 and entity decoding). With raw
// HTML off, markdown-it writes a small regular language: known tags, double-quoted attributes, and
// text in which only & < > " are escaped. This reads exactly that language and writes what
// sanitize-html 2.17 writes for it with markdown.ts's options — the same allowlist (the tags and
// attributes below are the ones sanitize-html is given), the same URL resolution and scheme
// checks, the same escaping, void elements closed XML-style. Anything outside the language (a tag
// or attribute markdown-it does not write, an entity it does not use, nesting that htmlparser2
// would repair, an empty attribute) returns undefined, and markdown.ts hands the HTML to
// sanitize-html instead. test/unit/core/markdown-html.test.ts compares the two on generated and
// hostile Markdown.

/** The tags a body may hold (sanitize-html's `allowedTags`, and what this reader passes). */
export const ALLOWED_TAGS: readonly string[] = ['p', 'br', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'strong', 'em', 'b', 'i', 'code', 'pre', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'del', 's', 'sup', 'sub'];

/** The attributes each tag may keep (sanitize-html's `allowedAttributes`). */
export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  ol: ['start'],
  code: ['class'],
};

export const LINK_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);
export const IMAGE_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:']);

/**
 * Resolve a URL against the base (WHATWG URL), keeping only allowed schemes. The W3C feed
 * validator warns on relative references in content (ContainsRelRef), and many readers ignore
 * xml:base, so every href and src leaves absolute.
 */
export function absolute(value: string, base: string, schemes: ReadonlySet<string>): string | undefined {
  try {
    const url = new URL(value.trim(), base);
    return schemes.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const ALLOWED = new Set(ALLOWED_TAGS);
// Closed XML-style (sanitize-html `selfClosing`); htmlparser2 knows them as void elements.
const VOID = new Set(['img', 'br', 'hr']);
// htmlparser2 closes these open elements when the tag opens (Parser.ts openImpliesClose, for the
// tags above): markdown-it never nests so, and a body that did goes to sanitize-html.
const P = ['p'];
const IMPLIES_CLOSE: Readonly<Record<string, readonly string[]>> = {
  tr: ['tr', 'th', 'td'], th: ['th'], td: ['thead', 'th', 'td'], li: ['li'], tbody: ['thead', 'tbody'],
  p: P, h1: P, h2: P, h3: P, h4: P, h5: P, h6: P, blockquote: P, hr: P, ol: P, pre: P, table: P, ul: P,
};
// sanitize-html's `allowedClasses: { code: ['language-*'] }`, as it builds the glob.
const CODE_CLASS = /^(language-.*)$/;

const ATTRIBUTE = / ([a-z]+)="([^"<>]*)"/g;
// In markdown-it's text and attribute values every & starts one of these four.
const STRAY_AMPERSAND = /&(?!(?:amp|lt|gt|quot);)/;
const ENTITY = /&(amp|lt|gt|quot);/g;
const DECODED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"' };

const decode = (text: string): string => (text.includes('&') ? text.replace(ENTITY, (_, name: string) => DECODED[name]!) : text);
// sanitize-html escapeHtml(text, quote) with decodeEntities (its second pass changes nothing then).
const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (text: string): string => escapeText(text).replace(/"/g, '&quot;');

/** One open tag as sanitize-html writes it (undefined: outside the language). */
function openTag(tag: string, attributes: string, baseUrl: string): string | undefined {
  let name = tag;
  // transformTags: the entry title is the page's heading, so body headings start one level below.
  if (name === 'h1') name = 'h2';
  if (!ALLOWED.has(name)) return undefined;
  const attribs: Array<[string, string]> = [];
  for (const m of attributes.matchAll(ATTRIBUTE)) {
    const [, key, raw] = m as unknown as [string, string, string];
    if (STRAY_AMPERSAND.test(raw) || attribs.some(([k]) => k === key)) return undefined;
    attribs.push([key, decode(raw)]);
  }
  // transformTags a / img: the URL made absolute (or dropped), and moved last, as markdown.ts's transforms do.
  const urlKey = name === 'a' ? 'href' : name === 'img' ? 'src' : undefined;
  if (urlKey) {
    const at = attribs.findIndex(([k]) => k === urlKey);
    if (at !== -1) {
      const [[, value]] = attribs.splice(at, 1) as [[string, string]];
      const url = absolute(value, baseUrl, name === 'a' ? LINK_SCHEMES : IMAGE_SCHEMES);
      if (url) attribs.push([urlKey, url]);
    }
  }
  const allowed = ALLOWED_ATTRIBUTES[name];
  let out = `<${name}`;
  let hasSrc = false;
  if (allowed) {
    for (const [key, value] of attribs) {
      if (!allowed.includes(key)) continue;
      if (value === '') {
        if (key !== 'alt') return undefined;
        out += ' alt=""';
        continue;
      }
      let kept = value;
      if (key === 'class') {
        kept = value.split(/\s+/).filter((c) => CODE_CLASS.test(c)).join(' ');
        if (kept === '') continue;
      }
      if (key === 'src') hasSrc = true;
      out += ` ${key}="${escapeAttribute(kept)}"`;
    }
  }
  // exclusiveFilter: an image without a usable source is dropped.
  if (name === 'img' && !hasSrc) return '';
  return VOID.has(name) ? `${out} />` : `${out}>`;
}

// One pass: a tag; `&quot;` in text; or what markdown-it never leaves in text (`<`, `>`, an `&`
// that starts none of its four references), which sends the body to sanitize-html.
const TOKEN = /<(\/?)([a-z][a-z0-9]*)((?: [a-z]+="[^"<>]*")*)>|&quot;|[<>]|&(?!(?:amp|lt|gt|quot);)/g;

/** markdown-it's HTML sanitized as sanitize-html would, or undefined when it is not markdown-it's language. */
export function sanitizeMarkdownHtml(html: string, baseUrl: string): string | undefined {
  const stack: string[] = [];
  let ok = true;
  const fail = (): string => {
    ok = false;
    return '';
  };
  const out = html.replace(TOKEN, (whole: string, slash: string | undefined, tag: string | undefined, attributes: string | undefined) => {
    if (!ok) return '';
    // Decoded and escaped again without `"` (sanitize-html escapes quotes in attributes only).
    if (whole === '&quot;') return '"';
    if (tag === undefined) return fail();
    if (slash) {
      if (attributes || stack.pop() !== tag || VOID.has(tag)) return fail();
      return tag === 'h1' ? '</h2>' : whole;
    }
    const top = stack[stack.length - 1];
    if (top !== undefined && IMPLIES_CLOSE[tag]?.includes(top)) return fail();
    const open = attributes === '' && tag !== 'img' ? PLAIN_OPEN.get(tag) : openTag(tag, attributes!, baseUrl);
    if (open === undefined) return fail();
    if (!VOID.has(tag)) stack.push(tag);
    return open;
  });
  return ok && stack.length === 0 ? out : undefined;
}

// An allowed tag without attributes, as written.
const PLAIN_OPEN = new Map([...ALLOWED_TAGS, 'h1'].map((tag) => [tag, tag === 'h1' ? '<h2>' : VOID.has(tag) ? `<${tag} />` : `<${tag}>`]));
