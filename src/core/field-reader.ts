// Typed access to front-matter fields that turns every problem into a diagnostic naming the
// file, the line of the field, the field and what was expected. Used for entries and the story.

import { DecodingMode, decodeHTML } from 'entities';
import { closest } from 'fastest-levenshtein';
import { parseRfc3339 } from './dates.js';
import { diagnostic, FILE_START, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { canonicalHttpUrl } from './links.js';
import { LIMITS } from './limits.js';
import type { Person, Position, RawEntry, RawField } from './types.js';
import { balanceBidi, stripInvalidXmlChars } from './xml-chars.js';

// A pragmatic address check (HTML's "valid e-mail address" production), not RFC 5322 in full:
// what matters is that RSS <author> and Atom <email> carry something mail software accepts.
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

export class FieldReader {
  readonly diagnostics: Diagnostic[] = [];

  /**
   * `elsewhere`: fields the same file may hold that another reader reads (a `_story.md`'s lifecycle,
   * core/newsroom.ts). They are never reported here, but a typo of one is guessed as one.
   */
  constructor(
    private readonly raw: RawEntry,
    known: readonly string[],
    elsewhere: readonly string[] = [],
  ) {
    const all = [...known, ...elsewhere];
    for (const [name, field] of raw.fields) {
      if (!all.includes(name)) {
        const guess = closest(name, all);
        this.report(field.keyAt, 'E_FIELD_UNKNOWN', `unknown field \`${name}\``, `did you mean \`${guess}\`? Known fields: ${all.join(', ')}`, name);
      }
    }
  }

  report(at: Position, code: DiagnosticCode, message: string, hint: string, field?: string): void {
    this.diagnostics.push(diagnostic(this.raw.path, at, code, message, hint, field));
  }

  has(name: string): boolean {
    const f = this.raw.fields.get(name);
    return f !== undefined && f.value !== null;
  }

  private field(name: string, required: boolean, expected: string): RawField | undefined {
    const f = this.raw.fields.get(name);
    if (f === undefined || f.value === null) {
      if (required) this.report(f?.keyAt ?? FILE_START, 'E_FIELD_MISSING', `required field \`${name}\` is missing`, `add \`${name}:\` with ${expected}`, name);
      return undefined;
    }
    return f;
  }

  /** `item`: one of a list's values (a tag), named in the message and described itself, not the list. */
  private typeError(f: RawField, name: string, expected: string, item?: { readonly label: string; readonly value: unknown }): undefined {
    if (item) this.report(f.valueAt, 'E_FIELD_TYPE', `${item.label} must be ${expected}, not ${describe(item.value)}`, `write each value of \`${name}:\` as ${expected}, in quotes where YAML would read something else (\`"2026"\`, \`"true"\`)`, name);
    else this.report(f.valueAt, 'E_FIELD_TYPE', `\`${name}\` must be ${expected}, not ${describe(f.value)}`, `write \`${name}:\` as ${expected}`, name);
    return undefined;
  }

  /** What is wrong with a plain-text field (text() with `plain`), as `message (hint)`, or undefined. */
  textProblem(name: string, max: number): string | undefined {
    const before = this.diagnostics.length;
    this.text(name, { required: true, max, plain: true });
    const d = this.diagnostics[before];
    return d ? `${d.message} (${d.hint})` : undefined;
  }

  /**
   * Plain text: trimmed, XML-illegal characters removed, non-empty, bounded. With `plain`, text that
   * readers would take for HTML is refused (see looksLikeMarkup).
   */
  text(name: string, opts: { required: boolean; max: number; plain?: boolean }): string | undefined {
    const f = this.field(name, opts.required, 'plain text');
    if (!f) return undefined;
    return this.checkText(f, name, f.value, opts.max, opts.plain);
  }

  /** `item`: the label of one value of a list field (`tags` item 3), said in place of the field's name. */
  private checkText(f: RawField, name: string, value: unknown, max: number, plain = false, item?: string): string | undefined {
    const what = item ?? `\`${name}\``;
    // Numbers and booleans are almost always a value that lost its quotes (`title: 2026`).
    if (typeof value !== 'string') return item ? this.typeError(f, name, 'text', { label: item, value }) : this.typeError({ ...f, value }, name, 'text');
    // Measured as written (found from outside: a 300-character title with an override was "301").
    const written = plain ? normalizeLine(value, false) : normalizeText(value, false);
    const text = balanceBidi(written);
    if (text === '') {
      this.report(f.valueAt, 'E_FIELD_EMPTY', `${what} is empty`, item ? `remove the empty one from \`${name}:\`, or write it` : `write some text after \`${name}:\``, name);
      return undefined;
    }
    if (written.length > max) {
      this.report(f.valueAt, 'E_FIELD_TOO_LONG', `${what} is ${written.length} characters long (at most ${max})`, `shorten ${what}`, name);
      return undefined;
    }
    const markup = plain ? looksLikeMarkup(text) : undefined;
    if (markup) {
      this.report(f.valueAt, 'E_TEXT_MARKUP', `${what} contains \`${markup}\`, which feed readers would take for HTML`, `${what} is plain text: write it without tags or entities (e.g. \`&\` instead of \`&amp;\`)`, name);
      return undefined;
    }
    return text;
  }

  boolean(name: string, fallback: boolean): boolean {
    const f = this.field(name, false, 'true or false');
    if (!f) return fallback;
    if (typeof f.value !== 'boolean') return this.typeError(f, name, '`true` or `false`') ?? fallback;
    return f.value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const f = this.field(name, false, 'a whole number');
    if (!f) return fallback;
    if (typeof f.value !== 'number' || !Number.isInteger(f.value)) return this.typeError(f, name, 'a whole number') ?? fallback;
    if (f.value < min || f.value > max) {
      this.report(f.valueAt, 'E_NUMBER_RANGE', `\`${name}\` is ${f.value}, outside ${min}–${max}`, `use a whole number from ${min} to ${max}`, name);
      return fallback;
    }
    return f.value;
  }

  date(name: string, required: boolean): Date | undefined {
    const f = this.field(name, required, 'an RFC 3339 date-time with offset, e.g. 2026-05-26T09:00:00Z');
    if (!f) return undefined;
    return this.checkDate(f, name, f.value);
  }

  private checkDate(f: RawField, name: string, value: unknown): Date | undefined {
    if (typeof value !== 'string') return this.typeError(f, name, 'an RFC 3339 date-time such as 2026-05-26T09:00:00Z');
    const parsed = parseRfc3339(value);
    if (!parsed.ok) {
      this.report(f.valueAt, 'E_DATE_INVALID', `\`${name}\`: ${parsed.problem}`, 'write an RFC 3339 date-time with an explicit offset, e.g. 2026-05-26T09:00:00Z or 2026-05-26T13:30:00+04:30', name);
      return undefined;
    }
    return parsed.date;
  }

  /** Absolute http(s) URL, returned in WHATWG-canonical form (what `feed` would make of it anyway). */
  url(name: string, required: boolean): string | undefined {
    const f = this.field(name, required, 'an absolute https:// URL');
    if (!f) return undefined;
    return this.checkUrl(f, name, f.value);
  }

  private checkUrl(f: RawField, name: string, value: unknown): string | undefined {
    if (typeof value !== 'string') return this.typeError(f, name, 'an absolute https:// URL');
    const url = canonicalHttpUrl(value);
    if (url === undefined || value.length > LIMITS.urlChars) {
      this.report(f.valueAt, 'E_URL_INVALID', `\`${name}\` is not an absolute http(s) URL: \`${truncate(value)}\``, 'write the full address, starting with https://', name);
      return undefined;
    }
    return url;
  }

  /** An id: an absolute IRI that `new URL` leaves byte-identical (feed 6.0.0 defect 1). */
  id(name: string, required: boolean): string | undefined {
    const f = this.field(name, required, 'a tag: URI such as tag:example.org,2026-05-25:story/slug');
    if (!f) return undefined;
    if (typeof f.value !== 'string') return this.typeError(f, name, 'a tag: URI (text)');
    const id = f.value;
    const hint = 'use a tag: URI (RFC 4151), e.g. tag:newsroom.example.org,2026-05-25:story/development — and never change it once published';
    let parsed: URL;
    try {
      parsed = new URL(id);
    } catch {
      this.report(f.valueAt, 'E_ID_INVALID', `\`${name}\` is not an absolute IRI: \`${truncate(id)}\``, hint, name);
      return undefined;
    }
    // RFC 4287 §4.2.6: ids are compared character by character, so the text we publish must be
    // exactly what the newsroom wrote. feed@6.0.0 passes Atom ids through `new URL()`, which
    // lower-cases hosts, adds slashes and percent-encodes: such an id would drift.
    if (parsed.href !== id || /\s/.test(id)) {
      this.report(f.valueAt, 'E_ID_NOT_CANONICAL', `\`${name}\` \`${truncate(id)}\` would be rewritten to \`${truncate(parsed.href)}\` by URL parsing`, `write it exactly as \`${truncate(parsed.href)}\` (or use a lower-case ASCII tag: URI)`, name);
      return undefined;
    }
    if (id.length > LIMITS.urlChars) {
      this.report(f.valueAt, 'E_FIELD_TOO_LONG', `\`${name}\` is longer than ${LIMITS.urlChars} characters`, hint, name);
      return undefined;
    }
    return id;
  }

  language(name: string, fallback: string): string {
    const f = this.field(name, false, 'a BCP 47 language tag such as en or en-GB');
    if (!f) return fallback;
    if (typeof f.value !== 'string') return this.typeError(f, name, 'a BCP 47 language tag such as `en`') ?? fallback;
    try {
      const [canonical] = Intl.getCanonicalLocales(f.value);
      if (canonical) return canonical;
    } catch {
      // fall through to the diagnostic
    }
    this.report(f.valueAt, 'E_LANGUAGE_INVALID', `\`${name}\` \`${truncate(f.value)}\` is not a BCP 47 language tag`, 'write a language tag such as `en`, `en-GB` or `fa`', name);
    return fallback;
  }

  timeZone(name: string, fallback: string): string {
    const f = this.field(name, false, 'an IANA time zone such as Etc/UTC');
    if (!f) return fallback;
    if (typeof f.value !== 'string') return this.typeError(f, name, 'an IANA time zone such as `Etc/UTC`') ?? fallback;
    try {
      new Intl.DateTimeFormat('en', { timeZone: f.value });
      return f.value;
    } catch {
      this.report(f.valueAt, 'E_TIMEZONE_INVALID', `\`${name}\` \`${truncate(f.value)}\` is not a known IANA time zone`, 'write a zone such as `Etc/UTC`, `Europe/London` or `Asia/Tehran`', name);
      return fallback;
    }
  }

  /** A raw value for fields with their own shape (lists, mappings); undefined when absent. */
  rawField(name: string, required: boolean, expected: string): RawField | undefined {
    return this.field(name, required, expected);
  }

  tags(name: string): string[] {
    const f = this.field(name, false, 'a list of tags');
    if (!f) return [];
    const list = typeof f.value === 'string' ? [f.value] : f.value;
    if (!Array.isArray(list)) return this.typeError(f, name, 'a list of tags, e.g. [diplomacy, iran]') ?? [];
    if (list.length > LIMITS.tags) {
      this.report(f.valueAt, 'E_FIELD_TOO_LONG', `\`${name}\` has ${list.length} tags (at most ${LIMITS.tags})`, 'keep the tags that matter most', name);
      return [];
    }
    const tags: string[] = [];
    for (const [i, item] of list.entries()) {
      // A list of one (`tags: iran`) is the field itself; else each value is named by its place.
      const tag = this.checkText(f, name, item, LIMITS.tagChars, true, list.length > 1 || Array.isArray(f.value) ? `\`${name}\` item ${i + 1}` : undefined);
      if (tag !== undefined && !tags.includes(tag)) tags.push(tag);
    }
    return tags;
  }

  /** `authors`: a list of names, or of mappings {name, email, url}. */
  people(name: string, required: boolean): Person[] | undefined {
    const expected = 'a list of authors, each a name or {name, email, url}';
    const f = this.field(name, required, expected);
    if (!f) return undefined;
    const list = Array.isArray(f.value) ? f.value : [f.value];
    if (list.length === 0 || list.length > LIMITS.authors) {
      this.report(f.valueAt, 'E_FIELD_EMPTY', `\`${name}\` must list 1 to ${LIMITS.authors} authors`, `write ${expected}`, name);
      return undefined;
    }
    const people: Person[] = [];
    for (const item of list) {
      const person = this.person(f, name, item);
      if (person) people.push(person);
    }
    return people.length === list.length ? people : undefined;
  }

  private person(f: RawField, name: string, item: unknown): Person | undefined {
    if (typeof item === 'string') {
      const personName = this.checkText(f, `${name}[].name`, item, LIMITS.titleChars, true);
      return personName === undefined ? undefined : { name: personName };
    }
    if (!isRecord(item)) return this.typeError(f, name, 'a name or a mapping {name, email, url}');
    for (const key of Object.keys(item)) {
      if (!['name', 'email', 'url'].includes(key)) {
        this.report(f.valueAt, 'E_FIELD_UNKNOWN', `unknown author field \`${key}\``, 'an author has `name`, and optionally `email` and `url`', name);
        return undefined;
      }
    }
    const personName = this.checkText(f, `${name}[].name`, item['name'], LIMITS.titleChars, true);
    if (personName === undefined) return undefined;
    const person: { name: string; email?: string; url?: string } = { name: personName };
    if (item['email'] !== undefined && item['email'] !== null) {
      const email = item['email'];
      if (typeof email !== 'string' || !EMAIL.test(email)) {
        this.report(f.valueAt, 'E_EMAIL_INVALID', `\`${name}\`: \`${truncate(String(email))}\` is not an email address`, 'write an address such as desk@newsroom.example.org, or leave `email` out', name);
        return undefined;
      }
      person.email = email;
    }
    if (item['url'] !== undefined && item['url'] !== null) {
      const url = this.checkUrl(f, `${name}[].url`, item['url']);
      if (url === undefined) return undefined;
      person.url = url;
    }
    return person;
  }

  /** A mapping with known keys, for `image`, `correction`, `retracted`. */
  record(name: string, keys: readonly string[], expected: string): Record<string, unknown> | undefined {
    const f = this.field(name, false, expected);
    if (!f) return undefined;
    if (!isRecord(f.value)) return this.typeError(f, name, expected);
    for (const key of Object.keys(f.value)) {
      if (!keys.includes(key)) {
        this.report(f.valueAt, 'E_FIELD_UNKNOWN', `unknown field \`${name}.${key}\``, `\`${name}\` has ${keys.map((k) => `\`${k}\``).join(', ')}`, name);
        return undefined;
      }
    }
    return f.value;
  }

  /** A required value inside the mapping `name` (reported at `name`'s line), checked by `check`. */
  private nested<T>(name: string, sub: string, value: unknown, expected: string, check: (f: RawField, label: string, v: unknown) => T | undefined): T | undefined {
    const f = this.raw.fields.get(name);
    if (!f) return undefined;
    if (value === undefined || value === null) {
      this.report(f.valueAt, 'E_FIELD_MISSING', `\`${name}.${sub}\` is missing`, `add \`${sub}:\` under \`${name}:\` as ${expected}`, name);
      return undefined;
    }
    return check(f, `${name}.${sub}`, value);
  }

  nestedText(name: string, sub: string, value: unknown, max: number): string | undefined {
    return this.nested(name, sub, value, 'plain text', (f, label, v) => this.checkText(f, label, v, max));
  }

  nestedDate(name: string, sub: string, value: unknown): Date | undefined {
    return this.nested(name, sub, value, 'an RFC 3339 date-time with offset', (f, label, v) => this.checkDate(f, label, v));
  }

  nestedUrl(name: string, sub: string, value: unknown): string | undefined {
    return this.nested(name, sub, value, 'an absolute https:// URL', (f, label, v) => this.checkUrl(f, label, v));
  }

  at(name: string): Position {
    const f = this.raw.fields.get(name);
    return f?.valueAt ?? FILE_START;
  }
}

// The W3C Feed Validation Service warns (ContainsHTML) when a plain-text element holds an HTML end
// tag or an entity reference after XML decoding (feedvalidator validators.py, class nonhtml): many
// readers render such titles as HTML. Plain-text fields may therefore not contain them.
const HTML_TAGS = new Set(
  ('a abbr acronym address applet area article aside audio b base basefont bdi bdo big blink blockquote body br button canvas caption center cite code col colgroup ' +
    'data datalist dd del details dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html i iframe img input ins ' +
    'kbd label legend li link main map mark marquee menu meta meter nav noframes noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp script ' +
    'section select small source span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr ' +
    // Current elements the list lacked, and the obsolete ones HTML §16 still parses (found from outside: `</nobr>` passed).
    'hgroup math search slot image isindex keygen listing menuitem multicol nextid nobr plaintext rb rtc spacer xmp').split(' '),
);

// A reference as the W3C validator finds one: `&(#?\w+);` (Python's Unicode \w: letters, digits, `_`).
const W3C_REFERENCE = /&(#?[\p{L}\p{N}_]+);/gu;
const LETTERS = /^\p{L}+$/u;
// What follows an `&` up to where a character reference could end (HTML §13.2.5.72–80: a named
// reference is letters and digits, a numeric one `#` and digits or `#x` and hex digits).
const REFERENCE_AT = /&#?[a-zA-Z0-9]*;?/y;
// An end tag as the HTML tokenizer reads one (§13.2.5.7 "end tag open", §13.2.5.8 "tag name"): the
// name ends at white space, `/` or `>`, and whatever follows up to `>` is still the tag (`</b >`,
// `</script x>`: found from outside; `</b>` alone was matched before).
const END_TAG = /<\/(\w+)(?:[\t\n\f\r /][^>]*)?>/g;

/**
 * The first HTML end tag or character reference in plain text, or undefined. A character reference
 * is what an HTML parser decodes (HTML §13.5 named character references, the full list via the
 * `entities` package, the legacy ones without `;` included; numeric references `&#38;`, `&#x26;`):
 * a reader that takes the title for HTML would show something else. `R&D; cuts` or `US&Iran;`
 * hold none and pass. Also refused: `&…;` with a digit or `_` in the name (`&D2;`), which the W3C
 * validator reports as HTML (validators.py nonhtml: a name "not value.isalpha()") although HTML
 * does not decode it — the feeds must pass that validator.
 */
export function looksLikeMarkup(text: string): string | undefined {
  for (const m of text.matchAll(END_TAG)) if (HTML_TAGS.has(m[1]!.toLowerCase())) return m[0];
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) {
    REFERENCE_AT.lastIndex = at;
    const candidate = REFERENCE_AT.exec(text)![0];
    // Decoded alone (the next `&` is not part of it), as HTML text content is decoded.
    if (candidate.length > 1 && decodeHTML(candidate, DecodingMode.Legacy) !== candidate) return candidate;
  }
  for (const m of text.matchAll(W3C_REFERENCE)) if (!LETTERS.test(m[1]!)) return m[0];
  return undefined;
}

/**
 * A plain-text field (a title, tag or author name) is one line in every format (RSS/Atom titles,
 * the page's <h1>, the JSON-LD headline): a line break from YAML (`"a\nb"`, a `|` block, U+2028,
 * U+0085) is a space, as in a folded scalar.
 */
export function normalizeLine(value: string, balance = true): string {
  return normalizeText(value, balance).replace(/\s*[\n\v\f\u0085\u2028\u2029]\s*/g, ' ');
}

/** Plain text as every format should carry it: no XML-illegal characters, spacing trimmed, each bidi control closed (unless `balance` is false: to measure). */
export function normalizeText(value: string, balance = true): string {
  const text = stripInvalidXmlChars(value).replace(/\r\n?/g, '\n').trim();
  return balance ? balanceBidi(text) : text;
}


function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text \`${truncate(value)}\``;
  return `the ${typeof value} \`${String(value)}\``;
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
