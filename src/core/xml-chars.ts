// XML 1.0 §2.2 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
// Anything else (C0 controls, U+FFFE/U+FFFF, lone surrogates) makes a document not well-formed,
// and strict readers then drop the whole feed. feed@6.0.0 passes them through (defect 2), so
// text is cleaned before it reaches any renderer. Surrogate pairs (emoji) are kept.
//
// The same text also reaches HTML (the story and tag pages; readers that show content as HTML).
// HTML Living Standard §13.2.3.5 "Preprocessing the input stream": C1 controls and DEL
// (U+007F–U+009F) and noncharacters (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF of every plane) are
// "control-character-in-input-stream" / "noncharacter-in-input-stream" parse errors, and the W3C
// validators flag them. XML 1.0 allows them but §2.2 discourages them; no reader shows them.
// They are removed too, except NEL (U+0085), which is a line end (below).
const INVALID_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]|[\uD83F\uD87F\uD8BF\uD8FF\uD93F\uD97F\uD9BF\uD9FF\uDA3F\uDA7F\uDABF\uDAFF\uDB3F\uDB7F\uDBBF\uDBFF][\uDFFE\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are legal XML 1.0 characters, but XML 1.1 and some
// parsers (xmldom among them) read them as line ends (XML 1.1 §2.11), so the same title would come
// back different from RSS, Atom and JSON. They become plain line feeds, everywhere.
const LINE_SEPARATORS = /[\u0085\u2028\u2029]/g;

export function stripInvalidXmlChars(text: string): string {
  return text.replace(INVALID_CHARS, '').replace(LINE_SEPARATORS, '\n');
}

// Unicode bidirectional controls (UAX #9 §2.1–2.2): embeddings and overrides LRE RLE LRO RLO end
// at PDF, isolates LRI RLI FSI at PDI. One left open in a field runs on past it, into whatever a
// page or a reader shows next — a right-to-left override in a title reversed the date after it on
// the front page (found from outside). Each field's text closes what it opens, and a closer with
// nothing to close is dropped; the author's own direction inside the field is kept.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const PDF = '\u202C';
const PDI = '\u2069';

export function hasBidiControls(text: string): boolean {
  return text.search(BIDI_CONTROLS) >= 0;
}

export function balanceBidi(text: string): string {
  if (!hasBidiControls(text)) return text;
  const open: string[] = []; // the closer each open control needs, innermost last
  const out = text.replace(BIDI_CONTROLS, (c) => {
    if (c === PDF) {
      // UAX #9 X7: a PDF closes an embedding or override opened inside the current isolate only.
      if (open.at(-1) !== PDF) return '';
      open.pop();
      return c;
    }
    if (c === PDI) {
      // X6a: a PDI closes its isolate and every embedding opened inside it.
      const at = open.lastIndexOf(PDI);
      if (at < 0) return '';
      open.length = at;
      return c;
    }
    open.push(c >= '\u2066' ? PDI : PDF);
    return c;
  });
  return out + open.reverse().join('');
}
