// Bounds on untrusted input, so that no entry can make a build hang or exhaust memory.
// Each limit produces a diagnostic (E_FILE_TOO_LARGE, E_FIELD_TOO_LONG, E_YAML_ALIAS, …).
export const LIMITS = {
  /** One entry file, in UTF-16 code units of its text (≈ bytes for most newsroom text). */
  entryBytes: 1024 * 1024,
  /** YAML aliases in one front matter block (an alias bomb expands exponentially). */
  yamlAliases: 20,
  /** Nesting depth of front matter values (lists in mappings in lists …). */
  yamlDepth: 8,
  titleChars: 300,
  summaryChars: 2000,
  tagChars: 100,
  tags: 50,
  authors: 50,
  noteChars: 2000,
  urlChars: 2048,
  /** Largest item limit a story may set: one feed document must stay far below V8's string limit. */
  itemLimit: 1000,
} as const;
