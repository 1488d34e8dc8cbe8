// Entry bodies are most of every document's bytes, and each body appears in up to a dozen
// documents (main feed or archive page, every tag's feed or archive page). Sending them through
// feed's writer (xml-js) and then the DOM round trip (xmldom parse + serialize) cost more than all
// else a cold build does. So feed and the DOM see a short token in their place, and the body goes
// into the CDATA section those tools wrote around the token. The result is byte-identical to
// letting the tools carry the body (test/property/feeds.property.test.ts checks this on
// generated entries, and the golden files pin it), because the body is already CDATA-safe.

import type { Entry } from '../types.js';

/** What feed receives as an item's content: unique per item in a document, plain ASCII. */
export function contentToken(index: number): string {
  return `storyfeed-content-${index}`;
}

/** The text a CDATA section holds for an entry's body (the same the DOM serializer would write). */
export function cdataSafeHtml(html: string): string {
  // `]]>` cannot survive in sanitized HTML text, but an attribute could hold it: `&gt;` is
  // equivalent in both. XML 1.0 §2.11: a parser reads CR and CRLF as LF, so the DOM round trip
  // would have turned them into LF; do the same here.
  return html.replaceAll(']]>', ']]&gt;').replace(/\r\n?/g, '\n');
}

/**
 * Put each entry's body where feed wrote its token: `<open><![CDATA[token]]><close>`. Only that
 * element's own markup can produce this text (every other field is escaped text or escaped HTML,
 * so it holds no raw `<`), and tokens are looked for in document order, each exactly once.
 */
export function spliceContents(xml: string, open: string, close: string, entries: readonly Entry[]): string {
  const parts: string[] = [];
  let pos = 0;
  entries.forEach((entry, i) => {
    if (entry.contentHtml === '') return;
    const needle = `${open}<![CDATA[${contentToken(i)}]]>${close}`;
    const at = xml.indexOf(needle, pos);
    if (at < 0) throw new Error(`rendered document lost the content of item ${i}`);
    parts.push(xml.slice(pos, at), open, '<![CDATA[', cdataSafeHtml(entry.contentHtml), ']]>', close);
    pos = at + needle.length;
  });
  parts.push(xml.slice(pos));
  return parts.join('');
}
