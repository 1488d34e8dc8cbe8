// Markdown (untrusted) → sanitized HTML with only absolute URLs, the same for every output.
// markdown-it with raw HTML off (it is shown as text), then sanitize-html with an allowlist:
// a reader renders this HTML, so nothing that runs, styles or tracks may pass. markdown-it's own
// output is sanitized by markdown-html.ts (same allowlist, same bytes, a fraction of the cost);
// whatever it does not recognize goes through sanitize-html.

import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { absolute, ALLOWED_ATTRIBUTES, ALLOWED_TAGS, IMAGE_SCHEMES, LINK_SCHEMES, sanitizeMarkdownHtml } from './markdown-html.js';
import { stripInvalidXmlChars } from './xml-chars.js';

export interface MarkdownOptions {
  /** Absolute http(s) URL that relative links and images are resolved against. */
  readonly baseUrl: string;
}

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

function sanitizeOptions(baseUrl: string): sanitizeHtml.IOptions {
  return {
    allowedTags: [...ALLOWED_TAGS],
    allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRIBUTES).map(([tag, names]) => [tag, [...names]])),
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
export function renderMarkdown(markdown: string, options: MarkdownOptions, via: { readonly sanitizeHtml?: boolean } = {}): string {
  const rendered = md.render(stripInvalidXmlChars(markdown));
  // markdown-it's own language is sanitized directly (markdown-html.ts), the same bytes as
  // sanitize-html writes; anything else (and `via.sanitizeHtml`, for the tests) goes through it.
  const html = (via.sanitizeHtml ? undefined : sanitizeMarkdownHtml(rendered, options.baseUrl)) ?? sanitizeWithLibrary(rendered, options.baseUrl);
  // `]]>` would end a CDATA section early (feed@6.0.0 defect 2). In text sanitize-html already
  // escapes `>`; in an attribute value `&gt;` means the same.
  return toXmlEntities(html).replaceAll(']]>', ']]&gt;');
}

function sanitizeWithLibrary(html: string, baseUrl: string): string {
  let sanitize = optionsByBase.get(baseUrl);
  if (!sanitize) {
    if (optionsByBase.size > 64) optionsByBase.clear();
    sanitize = sanitizeOptions(baseUrl);
    optionsByBase.set(baseUrl, sanitize);
  }
  return sanitizeHtml(html, sanitize);
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
