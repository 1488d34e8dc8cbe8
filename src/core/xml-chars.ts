// XML 1.0 §2.2 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
// Anything else (C0 controls, U+FFFE/U+FFFF, lone surrogates) makes a document not well-formed,
// and strict readers then drop the whole feed. feed@6.0.0 passes them through (defect 2), so
// text is cleaned before it reaches any renderer. Surrogate pairs (emoji) are kept.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are legal XML 1.0 characters, but XML 1.1 and some
// parsers (xmldom among them) read them as line ends (XML 1.1 §2.11), so the same title would come
// back different from RSS, Atom and JSON. They become plain line feeds, everywhere.
const LINE_SEPARATORS = /[\u0085\u2028\u2029]/g;

export function stripInvalidXmlChars(text: string): string {
  return text.replace(INVALID_XML_CHARS, '').replace(LINE_SEPARATORS, '\n');
}
