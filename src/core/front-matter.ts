// SourceFile → RawEntry: split the fences, parse the YAML, keep every key's position.
// No code ever runs: see the gray-matter defects in core/known-defects.md.

import matter from 'gray-matter';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { diagnostic, FILE_START, type Diagnostic } from './diagnostics.js';
import { LIMITS } from './limits.js';
import { readPlainFields } from './plain-front-matter.js';
import type { Position, RawEntry, RawField, SourceFile } from './types.js';

export interface FrontMatterResult {
  readonly entry?: RawEntry;
  readonly diagnostics: readonly Diagnostic[];
}

/** Raised by the engines that must never run; caught below and turned into a diagnostic. */
class RefusedEngine extends Error {}

function refuse(): never {
  throw new RefusedEngine('front matter in a language that can run code is refused');
}

/**
 * gray-matter's YAML engine replaced by eemeli/yaml with the core schema (YAML 1.2: dates stay
 * strings, `012345` stays a string-like int decision of 1.2, no js-yaml 3 quirks), keeping the
 * parsed Document so that keys keep their positions.
 */
class ParsedYaml {
  constructor(
    readonly text: string,
    readonly document: Document.Parsed,
    readonly lineCounter: LineCounter,
  ) {}
}

// gray-matter defect 1 / CVE-2022-25863: `---js` and `---javascript` are eval'ed unless every
// engine that can run code is replaced. Passing an options object also avoids defect 2 (a
// content-keyed cache that returns stale empty data after a parse error).
const MATTER_OPTIONS = {
  language: 'yaml',
  engines: {
    yaml: (text: string) => parseYaml(text),
    js: refuse,
    javascript: refuse,
    coffee: refuse,
    coffeescript: refuse,
    cson: refuse,
    json: refuse,
    toml: refuse,
  },
} as unknown as Parameters<typeof matter>[1];

function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    schema: 'core',
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  return new ParsedYaml(text, document, lineCounter);
}

const FENCE = '---';
// The only fences accepted: `---` (YAML by default) or `---yaml`.
const YAML_FENCES = new Set(['---', '---yaml', '---yml']);

/** `plain: false` reads every file with gray-matter and `yaml` (the differential test compares the two ways). */
export function parseFrontMatter(file: SourceFile, options: { readonly plain?: boolean } = {}): FrontMatterResult {
  const at = (line: number, column = 1): Position => ({ line, column });
  const fail = (d: Diagnostic): FrontMatterResult => ({ diagnostics: [d] });

  if (file.text.length > LIMITS.entryBytes) {
    return fail(
      diagnostic(file.path, FILE_START, 'E_FILE_TOO_LARGE', `the file is larger than ${LIMITS.entryBytes} bytes`, 'split the development into several entries, or move media out of the text'),
    );
  }
  // One line-ending convention for everything below; a BOM is not part of the fence.
  const text = file.text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (text.trim() === '') {
    return fail(diagnostic(file.path, FILE_START, 'E_FILE_EMPTY', 'the file is empty', 'start the file with a `---` line, the front matter fields, and a closing `---` line'));
  }
  const lines = text.split('\n');
  const first = (lines[0] ?? '').trimEnd();
  if (!first.startsWith(FENCE)) {
    return fail(diagnostic(file.path, FILE_START, 'E_FENCE_MISSING', 'the file does not start with a `---` line', 'put the front matter between two lines that hold only `---`, at the very top of the file'));
  }
  if (!YAML_FENCES.has(first)) {
    return fail(
      diagnostic(file.path, at(1, 4), 'E_FENCE_LANGUAGE', `the front matter fence \`${truncate(first, 40)}\` names a language other than YAML`, 'front matter is YAML only: write the first line as just `---` (code in front matter is never run)'),
    );
  }
  const closing = lines.findIndex((line, i) => i > 0 && line.trimEnd() === FENCE);
  if (closing === -1) {
    return fail(diagnostic(file.path, FILE_START, 'E_FENCE_UNCLOSED', 'the front matter has no closing `---` line', 'end the front matter with a line that holds only `---`, before the Markdown body'));
  }

  const bodyLine = closing + 2;
  const body = lines.slice(closing + 1).join('\n');
  // Most entries' front matter: read directly, the same fields and positions (issue 17).
  const plain = options.plain === false ? undefined : readPlainFields(lines, closing);
  if (plain) return { entry: { path: file.path, fields: plain, body, bodyLine }, diagnostics: [] };

  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(text, MATTER_OPTIONS);
  } catch (error) {
    if (error instanceof RefusedEngine) {
      return fail(diagnostic(file.path, at(1, 4), 'E_FENCE_LANGUAGE', 'the front matter fence names a language that could run code', 'front matter is YAML only: write the first line as just `---`'));
    }
    throw error;
  }

  const data: unknown = parsed.data;
  if (!(data instanceof ParsedYaml)) {
    // gray-matter skips the engine for a block of only blanks and comments.
    return { entry: { path: file.path, fields: new Map(), body, bodyLine }, diagnostics: [] };
  }
  return readFields(file.path, data, body, bodyLine);
}

function readFields(path: string, parsed: ParsedYaml, body: string, bodyLine: number): FrontMatterResult {
  const { document, lineCounter } = parsed;
  // gray-matter hands the engine the text after the opening `---`, starting with the newline
  // that ends it, so line n of the YAML text is line n of the file.
  const position = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const syntax = syntaxProblems(path, document, position);
  if (syntax.length > 0) return { diagnostics: syntax };
  const shape = shapeProblems(path, parsed, position);
  if (shape.length > 0) return { diagnostics: shape };

  const contents = document.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    return { entry: { path, fields: new Map(), body, bodyLine }, diagnostics: [] };
  }
  if (!isMap(contents)) {
    const offset = isNode(contents) && contents.range ? contents.range[0] : 0;
    return { diagnostics: [diagnostic(path, position(offset), 'E_YAML_NOT_MAP', 'the front matter is not a list of `field: value` lines', 'write one `field: value` per line, e.g. `title: Talks resume`')] };
  }
  const diagnostics: Diagnostic[] = [];
  const fields = new Map<string, RawField>();
  for (const pair of contents.items) {
    const key = pair.key;
    const keyOffset = isNode(key) && key.range ? key.range[0] : 0;
    const keyName = isScalar(key) ? String(key.value) : null;
    if (keyName === null) {
      diagnostics.push(diagnostic(path, position(keyOffset), 'E_YAML_NOT_MAP', 'a front matter key is not plain text', 'write field names as plain words, e.g. `title:`'));
      continue;
    }
    const valueNode = pair.value;
    const valueOffset = isNode(valueNode) && valueNode.range ? valueNode.range[0] : keyOffset;
    let value: unknown;
    try {
      value = isNode(valueNode) ? valueNode.toJS(document, { maxAliasCount: LIMITS.yamlAliases }) : null;
    } catch {
      diagnostics.push(diagnostic(path, position(valueOffset), 'E_YAML_ALIAS', `the value of \`${keyName}\` expands too many YAML aliases`, 'write the value out instead of using anchors and aliases'));
      continue;
    }
    fields.set(keyName, { value, keyAt: position(keyOffset), valueAt: position(valueOffset) });
  }
  if (diagnostics.length > 0) return { diagnostics };
  return { entry: { path, fields, body, bodyLine }, diagnostics: [] };
}

type Locate = (offset: number) => Position;

const tooDeepAt = (path: string, at: Position) =>
  diagnostic(path, at, 'E_YAML_NESTING', `the front matter is nested more than ${LIMITS.yamlDepth} levels deep`, 'front matter fields are flat values, lists or small mappings');

/** What the YAML parser itself refused. */
function syntaxProblems(path: string, document: ParsedYaml['document'], position: Locate): Diagnostic[] {
  return document.errors.map((error) =>
    /call stack/i.test(error.message)
      ? tooDeepAt(path, position(error.pos[0]))
      : diagnostic(path, position(error.pos[0]), 'E_YAML_SYNTAX', `the front matter is not valid YAML: ${firstLine(error.message)}`, 'check indentation, colons and quotes; quote values that contain `: ` or start with a special character'),
  );
}

/**
 * Valid YAML that no entry needs and that attacks the parser or us: explicit tags (they construct
 * objects: `!!js/function`, `!!binary`, custom ones), deep nesting, many aliases.
 */
function shapeProblems(path: string, parsed: ParsedYaml, position: Locate): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let aliases = 0;
  let tooDeep: number | undefined;
  visit(parsed.document, {
    Node(_key, node, ancestry) {
      const depth = ancestry.filter((a) => isMap(a) || isSeq(a)).length;
      if (depth > LIMITS.yamlDepth && tooDeep === undefined && isNode(node) && node.range) tooDeep = node.range[0];
      if (isAlias(node)) aliases += 1;
      if (isNode(node) && node.tag !== undefined && node.range) {
        // The node's range starts after its tag: report where the tag itself is written.
        let bang = parsed.text.lastIndexOf('!', node.range[0]);
        while (bang > 0 && parsed.text[bang - 1] === '!') bang -= 1;
        const at = bang >= 0 && !parsed.text.slice(bang, node.range[0]).includes('\n') ? bang : node.range[0];
        diagnostics.push(diagnostic(path, position(at), 'E_YAML_TAG', `the YAML tag \`${truncate(node.tag, 60)}\` is not allowed`, 'remove the tag: front matter holds plain strings, numbers, booleans, lists and mappings'));
      }
    },
  });
  if (tooDeep !== undefined) return [tooDeepAt(path, position(tooDeep))];
  if (aliases > LIMITS.yamlAliases) {
    return [diagnostic(path, FILE_START, 'E_YAML_ALIAS', `the front matter uses ${aliases} YAML aliases (at most ${LIMITS.yamlAliases} allowed)`, 'write the values out instead of using anchors and aliases')];
  }
  return diagnostics;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
