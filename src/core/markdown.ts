// Markdown (untrusted) → sanitized HTML with only absolute URLs, the same for every output.
// markdown-it with raw HTML off (it is shown as text), then sanitize-html with an allowlist:
// a reader renders this HTML, so nothing that runs, styles or tracks may pass.

import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { stripInvalidXmlChars } from './xml-chars.js';

export interface MarkdownOptions {
  /** Absolute http(s) URL that relative links and images are resolved against. */
  readonly baseUrl: string;
}

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_SCHEMES = new Set(['http:', 'https:']);

/**
 * Resolve a URL against the base (WHATWG URL), keeping only allowed schemes. The W3C feed
 * validator warns on relative references in content (ContainsRelRef), and many readers ignore
 * xml:base, so every href and src leaves absolute.
 */
function absolute(value: string, base: string, schemes: ReadonlySet<string>): string | undefined {
  try {
    const url = new URL(value.trim(), base);
    return schemes.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function sanitizeOptions(baseUrl: string): sanitizeHtml.IOptions {
  return {
    allowedTags: ['p', 'br', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'strong', 'em', 'b', 'i', 'code', 'pre', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'del', 's', 'sup', 'sub'],
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      ol: ['start'],
      code: ['class'],
    },
    allowedClasses: { code: ['language-*'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    // Void elements closed XML-style, so the fragment is also well-formed XML (it travels in CDATA
    // and some readers parse it as XHTML).
    selfClosing: ['img', 'br', 'hr'],
    parser: { lowerCaseTags: true, lowerCaseAttributeNames: true },
    transformTags: {
      // The entry title is the page's heading: body headings start one level below.
      h1: 'h2',
      a: (tagName, attribs) => {
        const href = attribs['href'] === undefined ? undefined : absolute(attribs['href'], baseUrl, LINK_SCHEMES);
        const { href: _dropped, ...rest } = attribs;
        return { tagName, attribs: href ? { ...rest, href } : rest };
      },
      img: (tagName, attribs) => {
        const src = attribs['src'] === undefined ? undefined : absolute(attribs['src'], baseUrl, IMAGE_SCHEMES);
        // An image without a usable source is dropped below (exclusiveFilter).
        const { src: _dropped, ...rest } = attribs;
        return { tagName, attribs: src ? { ...rest, src } : rest };
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs['src'],
  };
}

// sanitize-html prepares its options on every call: one options object per base URL (a story has one).
const optionsByBase = new Map<string, sanitizeHtml.IOptions>();

/** Markdown → sanitized HTML fragment with absolute URLs. Deterministic. */
export function renderMarkdown(markdown: string, options: MarkdownOptions): string {
  let sanitize = optionsByBase.get(options.baseUrl);
  if (!sanitize) {
    if (optionsByBase.size > 64) optionsByBase.clear();
    sanitize = sanitizeOptions(options.baseUrl);
    optionsByBase.set(options.baseUrl, sanitize);
  }
  const html = sanitizeHtml(md.render(stripInvalidXmlChars(markdown)), sanitize);
  // `]]>` would end a CDATA section early (feed@6.0.0 defect 2). In text sanitize-html already
  // escapes `>`; in an attribute value `&gt;` means the same.
  return toXmlEntities(html).replaceAll(']]>', ']]&gt;');
}

/**
 * sanitize-html re-encodes text with HTML entities; XML knows only five named ones, so anything
 * else (e.g. &nbsp;) becomes a numeric reference, valid in both.
 */
function toXmlEntities(html: string): string {
  return html.replace(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)([a-z][a-z0-9]*);/gi, (match, name: string) => {
    const decoded = sanitizeHtml(match, { allowedTags: [], parser: { decodeEntities: true } });
    const cp = decoded.length > 0 && decoded !== match ? decoded.codePointAt(0) : undefined;
    return cp === undefined ? `&amp;${name};` : `&#${cp};`;
  });
}

const HTML_SPECIALS = /[&<>"']/g;
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML and XML text and attribute contexts. */
export function escapeHtml(text: string): string {
  // One pass, and none for text with nothing to escape (most titles and URLs): pages call this
  // thousands of times per build (issue 17).
  HTML_SPECIALS.lastIndex = 0;
  return HTML_SPECIALS.test(text) ? text.replace(HTML_SPECIALS, (c) => HTML_ESCAPES[c]!) : text;
}
