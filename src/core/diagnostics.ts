// Problems in the input are diagnostics: collected, never thrown (vfile-message's shape).
// Exceptions are for bugs and are caught once, at the CLI.

import type { Position } from './types.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** What is wrong, naming the field. */
  readonly message: string;
  /** What would be right. */
  readonly hint: string;
  readonly field?: string;
}

/**
 * Every code storyfeed can report, with what it means. The README's diagnostics table is
 * checked against this list by a test, so a new code cannot go undocumented.
 */
export const DIAGNOSTIC_CODES = {
  E_FILE_READ: 'the file could not be read',
  E_FILE_ENCODING: 'the file is not valid UTF-8',
  E_FILE_NAME: 'a file name is not valid UTF-8',
  E_FILE_EMPTY: 'the file is empty',
  E_FILE_TOO_LARGE: 'the file is larger than the limit for one entry',
  E_FILE_SYMLINK_OUTSIDE: 'a symbolic link leads outside the entries folder',
  E_FENCE_MISSING: 'the file does not start with a `---` line',
  E_FENCE_UNCLOSED: 'the front matter has no closing `---` line',
  E_FENCE_LANGUAGE: 'the front matter fence names a language other than YAML (e.g. `---js`)',
  E_YAML_SYNTAX: 'the front matter is not valid YAML',
  E_YAML_TAG: 'the front matter uses a YAML tag (`!!js/function`, `!!binary`, …)',
  E_YAML_ALIAS: 'the front matter uses too many YAML aliases (alias bomb)',
  E_YAML_NESTING: 'the front matter is nested too deeply',
  E_YAML_NOT_MAP: 'the front matter is not a mapping of field names to values',
  E_FIELD_UNKNOWN: 'a field name storyfeed does not know (often a typo)',
  E_FIELD_MISSING: 'a required field is missing',
  E_FIELD_TYPE: 'a field has the wrong type',
  E_FIELD_EMPTY: 'a field that must hold text is empty',
  E_FIELD_TOO_LONG: 'a field is longer than its limit',
  E_TEXT_MARKUP: 'a plain-text field (title, tag, author name) contains an HTML end tag or entity',
  E_DATE_INVALID: 'a date is not an RFC 3339 date-time with an explicit offset, or does not exist',
  E_DATE_ORDER: 'an updated, correction or retraction time is before the published time',
  E_DATE_AHEAD: "a published entry's updated or correction time is after the build's clock",
  E_ID_INVALID: 'an id is not an absolute IRI',
  E_ID_NOT_CANONICAL: 'an id would change when parsed as a URL (case, slashes, encoding)',
  E_ID_DUPLICATE: 'two entries share one id',
  E_URL_INVALID: 'a URL is not an absolute http(s) URL',
  E_EMAIL_INVALID: 'an email address is not valid',
  E_LANGUAGE_INVALID: 'a language is not a valid BCP 47 tag',
  E_MEDIA_TYPE: 'an image media type is missing, unknown or not an image type',
  E_TIMEZONE_INVALID: 'a time zone is not a known IANA zone',
  E_SCHEDULE_INVALID: 'a schedule is not a valid cron expression',
  E_PUBLISH_INVALID: 'a `publish` address is not s3://BUCKET[/PREFIX/]',
  E_NUMBER_RANGE: 'a number is out of its allowed range',
  E_STORY_MISSING: 'the entries folder has no `_story.md`',
  E_STORY_ID_CLASH: 'an entry uses the story id as its own id',
  E_ID_VANISHED: 'an entry that was published is gone without a retraction (the ledger remembers it)',
  E_ID_CHANGED: 'the id of a published entry or story changed',
  E_TAG_SLUG_CLASH: 'two different tags would share one folder under `tags/`',
  E_LAYOUT: 'the entries folder has both `_story.md` and `_newsroom.md`, or a story folder has a folder of entries in it',
  E_NEWSROOM_ROOT_ENTRY: "an entry file stands at a newsroom's root instead of in a story folder",
  E_STORY_SLUG: 'a story folder name is not a slug (lowercase letters, digits, hyphens)',
  E_STORY_FOLDER: 'a story folder has no `_story.md`',
  E_STORY_STATUS: 'a story `status` is not `live` or `ended`',
  E_COVERAGE: 'an ended story has no `coverage_end`, or it is before `coverage_start` or a development',
  W_LEDGER_INVALID: 'warning: the id ledger in the output folder is unreadable and was started afresh',
  W_COVERAGE_LIVE: 'warning: a live story has a `coverage_end`, which is shown only once it has ended',
  W_STORY_MOVED: "warning: a published story's folder was renamed, which moves its feeds' and pages' URLs",
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export const FILE_START: Position = { line: 1, column: 1 };

export function diagnostic(
  file: string,
  at: Position,
  code: DiagnosticCode,
  message: string,
  hint: string,
  field?: string,
): Diagnostic {
  return {
    file,
    line: at.line,
    column: at.column,
    code,
    severity: code.startsWith('W_') ? 'warning' : 'error',
    message,
    hint,
    ...(field === undefined ? {} : { field }),
  };
}

/** `file:line:col CODE message (hint: …)`: the one format every diagnostic is printed in. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${formatShortDiagnostic(d)}\n  hint: ${d.hint}`;
}

/** `line:col CODE message`: a diagnostic listed under its file (the service's log records). */
export function formatShortDiagnostic(d: Diagnostic): string {
  return `${d.line}:${d.column} ${d.code} ${d.message}`;
}

/** Stable order: by file, then line, column and code, so output does not depend on read order. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareStrings(a.code, b.code) ||
      compareStrings(a.message, b.message),
  );
}

/** Code-unit order, independent of the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}
