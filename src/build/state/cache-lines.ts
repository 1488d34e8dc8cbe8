// The cache index as lines, for a patch run: it reads the index (and its overlay) once, replaces
// the few records it changed, and writes only those to the overlay (cache.ts has the line format).

import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { OutputRecord } from '../../io/output-record.js';
import { OVERLAY_PATH } from '../../io/state-folder.js';
import { entryLine, fromWire, fromWireOutput, headerLine, isString, outputLine, overlayLines, parseHeader, splitLine, type CacheDefaults, type CacheHeader, type CachedParse, type PackInfo } from './cache.js';
import { groupOf, lineBytes, readToc, TocBuilder, type TocRun } from './cache-toc.js';

/** Of a line: its kind (`e`, `o`), its bytes, where its path starts (as JSON) and where the line ends. */
export type LineFilter = (kind: number, bytes: Uint8Array, from: number, to: number) => boolean;

/** Past this many replaced records (or a quarter of the index), a patch run folds its overlay into a new index. */
export const OVERLAY_LIMIT = 512;
/** More lookups than this at once: CacheLines.learnOrdinals, one pass, beats a search each. */
export const MANY = 64;

/**
 * The index as lines, each record decoded only when asked for (src/patch.ts): a run that changes a
 * few records reads those and writes them to the overlay (or, once the overlay is large, a new
 * index with every line replaced), leaving the other hundred thousand as they were.
 */
export class CacheLines {
  private outputPaths: string[] | undefined;
  private loaded: Buffer | undefined;

  private constructor(
    private readonly main: CacheHeader,
    /** The overlay's header when there is one: its generation and pack are the index's now. */
    readonly header: CacheHeader,
    /** The index as read (or, read in part, how to read it whole), and its size in bytes. */
    bytes: Buffer | (() => Buffer | undefined),
    private readonly size: number,
    /** Where each line starts (the last start is where the lines end: the table of contents, cache-toc.ts, or the file's end); read through the table, found when first asked for. */
    private knownStarts: readonly number[] | undefined,
    /** Lines, the header's included and the table's not. */
    private readonly lineCount: number,
    /** Entry lines are 1 to firstOutput - 1: an entry's ordinal is its line number less one. */
    private readonly firstOutput: number,
    /** Replaced lines by kind and path (the overlay's, then this run's). */
    private readonly replaced: Map<string, string>,
    /** Read in part (readPart): the lines kept, by line number, and the kept outputs' paths by output number. */
    private readonly kept?: { readonly lines: ReadonlyMap<number, string>; readonly outputs: ReadonlyMap<number, string> },
  ) {
    if (typeof bytes === 'function') this.readWhole = bytes;
    else this.loaded = bytes;
  }

  private readonly readWhole: (() => Buffer | undefined) | undefined;

  /** The whole index's bytes (read in part, it is read whole the first time a line that was not kept is asked for). */
  private get bytes(): Buffer {
    if (this.loaded === undefined) {
      const whole = this.readWhole?.();
      if (!whole || whole.length !== this.size) throw new Error('the cache index changed while a patch run read it');
      this.loaded = whole;
    }
    return this.loaded;
  }

  private get starts(): readonly number[] {
    if (this.knownStarts === undefined) {
      const starts = lineStarts(this.bytes);
      if (starts.length - 1 !== this.lineCount) throw new Error('the cache index changed while a patch run read it');
      this.knownStarts = starts;
    }
    return this.knownStarts;
  }

  // The index stays bytes: a patch run decodes the few lines it needs, not tens of megabytes.
  static parse(bytes: Buffer | undefined, overlayText?: string): CacheLines | undefined {
    if (bytes === undefined) return undefined;
    const starts = lineStarts(bytes);
    if (starts.length < 2) return undefined;
    const header = parseHeader(bytes.toString('utf8', 0, starts[1]! - 1));
    if (!header) return undefined;
    const kind = (i: number) => (bytes[starts[i]! + 1] === 9 ? bytes[starts[i]!] : undefined);
    const lines = starts.length - 1;
    let i = 1;
    while (i < lines && kind(i) === 0x65) i++;
    for (let j = i; j < lines; j++) if (kind(j) !== 0x6f) return undefined;
    return CacheLines.make(header, overlayText, bytes, bytes.length, starts, lines, i);
  }

  /**
   * The index read in part, through its table of contents (cache-toc.ts): only the runs `wants`
   * takes are read, and of their lines those whose path `keep` takes (given the line's kind, `e` or
   * `o`, and its bytes from its path as JSON, which a tab ends). A newsroom's patch run needs the
   * edited stories' lines and the root's, not the other stories' 14 MB. Any other line asked for
   * later reads the index whole (`readWhole`). Undefined when the index has no table that adds up,
   * or a line read is not where the table says.
   */
  static readPart(size: number, read: (from: number, to: number) => Buffer, wants: (run: TocRun) => boolean, keep: LineFilter, readWhole: () => Buffer | undefined, overlayText?: string): CacheLines | undefined {
    const head = read(0, Math.min(size, HEADER_MAX));
    const headerEnd = head.indexOf(10) + 1;
    const header = headerEnd > 0 ? parseHeader(head.toString('utf8', 0, headerEnd - 1)) : undefined;
    const toc = header && readToc(size, headerEnd, read);
    if (!header || !toc) return undefined;
    const lineCount = 1 + toc.runs.reduce((n, r) => n + r.lines, 0);
    const firstOutput = toc.runs.find((r) => r.kind === 'o')?.first ?? lineCount;
    const lines = new Map<number, string>();
    const outputs = new Map<number, string>();
    const last = toc.runs[toc.runs.length - 1];
    for (const run of toc.runs) {
      if (!wants(run)) {
        // Its first line is in the folder it says: a run of the edited story's lines under another
        // name (one damaged letter) would go unread, and its documents unpatched. Each run's count
        // of lines is checked by where the next one starts; the last's, here (read whole).
        const whole = run === last ? read(run.from, run.to) : undefined;
        if (firstPathOf(run, whole ? (n) => whole.subarray(0, n) : (n) => read(run.from, run.from + n)) === undefined) return undefined;
        if (whole && countLines(whole) !== run.lines) return undefined;
        continue;
      }
      const bytes = read(run.from, run.to);
      const kind = run.kind.charCodeAt(0);
      let n = run.first;
      for (let from = 0; from < bytes.length; n++) {
        const nl = bytes.indexOf(10, from);
        if (nl < 0 || bytes[from] !== kind || bytes[from + 1] !== 9) return undefined;
        // Every line is in the folder the table says (a run of a hundred lines or so).
        const text = bytes.toString('utf8', from, nl);
        const path = linePath(text);
        if (path === undefined || groupOf(path) !== run.group) return undefined;
        if (keep(kind, bytes, from + 2, nl)) {
          lines.set(n, text);
          if (run.kind === 'o') outputs.set(n - firstOutput, path);
        }
        from = nl + 1;
      }
      if (n !== run.first + run.lines) return undefined;
    }
    return CacheLines.make(header, overlayText, readWhole, size, undefined, lineCount, firstOutput, { lines, outputs });
  }

  private static make(header: CacheHeader, overlayText: string | undefined, bytes: Buffer | (() => Buffer | undefined), size: number, starts: number[] | undefined, lineCount: number, firstOutput: number, kept?: CacheLines['kept']): CacheLines | undefined {
    try {
      const overlay = overlayLines(overlayText, header);
      const replaced = new Map<string, string>();
      for (const line of overlay?.lines ?? []) {
        const path = linePath(line);
        if (path === undefined || (line[0] !== 'e' && line[0] !== 'o')) return undefined;
        replaced.set(`${line[0]}${path}`, line);
      }
      const index = new CacheLines(header, overlay?.header ?? header, bytes, size, starts, lineCount, firstOutput, replaced, kept);
      if (kept) for (const [n, text] of kept.lines) if (n < firstOutput) index.known.set(linePath(text)!, n - 1);
      return index;
    } catch {
      return undefined;
    }
  }

  /** The path a line names (decoded from the bytes between its two tabs). */
  private pathOfLine(i: number): string | undefined {
    const kept = this.kept?.lines.get(i);
    if (kept !== undefined) return linePath(kept);
    const start = this.starts[i]!;
    const path = JSON.parse(this.bytes.toString('utf8', start + 2, this.bytes.indexOf(9, start + 2))) as unknown;
    return isString(path) ? path : undefined;
  }

  /** Ordinals of the entry paths decoded so far. */
  private readonly known = new Map<string, number>();

  /** The path of the entry with this ordinal. */
  readonly pathAt = (ordinal: number): string | undefined => {
    if (!(ordinal >= 0 && 1 + ordinal < this.firstOutput)) return undefined;
    const path = this.pathOfLine(1 + ordinal);
    if (path !== undefined) this.known.set(path, ordinal);
    return path;
  };

  /** Line `i` of the index as written (without its newline). */
  private line(i: number): string {
    return this.kept?.lines.get(i) ?? this.bytes.toString('utf8', this.starts[i]!, this.starts[i + 1]! - 1);
  }

  /** An entry's ordinal: its line found by its bytes (`e`, tab, path as JSON, tab), no decoding. */
  ordinal(path: string): number | undefined {
    const seen = this.known.get(path);
    if (seen !== undefined) return seen;
    const needle = Buffer.from(`\ne\t${JSON.stringify(path)}\t`, 'utf8');
    const at = this.bytes.indexOf(needle);
    if (at < 0) return undefined;
    // The line starting at at + 1: binary search of the starts.
    let lo = 1;
    let hi = this.firstOutput - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const start = this.starts[mid]!;
      if (start === at + 1) {
        this.known.set(path, mid - 1);
        return mid - 1;
      }
      if (start < at + 1) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  entry(ordinal: number, defaults: CacheDefaults): CachedParse | undefined {
    const path = this.pathAt(ordinal);
    const line = path === undefined ? undefined : (this.replaced.get(`e${path}`) ?? this.line(1 + ordinal));
    const parts = line === undefined ? undefined : splitLine(line);
    return parts ? fromWire(parts.path, parts.record, defaults) : undefined;
  }

  get entryCount(): number {
    return this.firstOutput - 1;
  }

  /** The index's key (what every parse in it depends on) and generation, as written. */
  get written(): { readonly key: string; readonly generation: string } {
    return this.main;
  }

  get outputCount(): number {
    return this.lineCount - this.firstOutput;
  }

  /** The path of the i-th output (every output's path is decoded at the first call). */
  outputPath(i: number): string {
    const kept = this.kept?.outputs.get(i);
    if (kept !== undefined) return kept;
    this.outputPaths ??= Array.from({ length: this.outputCount }, (_, j) => this.pathOfLine(this.firstOutput + j) ?? '');
    return this.outputPaths[i]!;
  }

  /** The outputs whose path `holds` takes, in order (read in part: among the lines kept, which hold all of them). */
  *outputsWhere(holds: (path: string) => boolean): Generator<number> {
    const kept = this.kept?.outputs;
    if (kept) {
      for (const [i, p] of kept) if (holds(p)) yield i;
      return;
    }
    for (let i = 0; i < this.outputCount; i++) if (holds(this.outputPath(i))) yield i;
  }

  /** An output's line as written (a patch run skims them for the entries it edits). */
  outputText(i: number): string {
    return this.replaced.get(`o${this.outputPath(i)}`) ?? this.line(this.firstOutput + i);
  }

  output(i: number): { path: string; record: OutputRecord | undefined } | undefined {
    const parts = splitLine(this.outputText(i));
    return parts && { path: parts.path, record: fromWireOutput(parts.record, this.pathAt) };
  }

  setEntry(ordinal: number, record: CachedParse, defaults: CacheDefaults): void {
    const path = this.pathAt(ordinal)!;
    this.replaced.set(`e${path}`, entryLine(path, record, defaults));
  }

  /** Replace an output's record (as read by output(), which learnt its entries' ordinals). */
  setOutput(path: string, record: OutputRecord): void {
    // A record not read through output() (a newsroom's full build writes new ones) has its entries' ordinals learnt here.
    const unknown = [...(record.deps ?? []), ...(record.slots?.entries ?? [])].filter((p) => !this.known.has(p));
    if (unknown.length > MANY) this.learnOrdinals();
    else for (const p of unknown) this.ordinal(p);
    this.replaced.set(`o${path}`, outputLine(path, record, this.known));
  }

  /**
   * Every entry's ordinal, in one pass over the entry lines: for a caller about to look up more
   * than a few dozen (a newsroom's 200 `_story.md` records, its sitemap's thousands of entries),
   * where a search of the whole index for each took 0.17 s of a title change's 2 s.
   */
  learnOrdinals(): void {
    if (this.known.size >= this.firstOutput - 1) return;
    for (let o = 0; 1 + o < this.firstOutput; o++) this.pathAt(o);
  }

  /** Has the overlay grown enough to be folded into a new index (past the limit, or a quarter of the index)? */
  get foldDue(): boolean {
    return this.replaced.size > Math.min(OVERLAY_LIMIT, (this.lineCount - 1) / 4);
  }

  /** The overlay, with every record replaced so far, under a new header. */
  *serializeOverlay(pack: PackInfo, generation: string): Generator<string> {
    yield `${headerLine(this.main.key, pack, generation, this.main.generation)}\n`;
    const lines = [...this.replaced.values()];
    for (let i = 0; i < lines.length; i += 1000) yield `${lines.slice(i, i + 1000).join('\n')}\n`;
  }

  /** A whole new index: every line as replaced, under a new header. */
  *serialize(pack: PackInfo, generation: string): Generator<string> {
    const header = headerLine(this.main.key, pack, generation);
    yield `${header}\n`;
    const toc = new TocBuilder(lineBytes(header));
    const lines = this.starts.length - 1;
    // Runs of unchanged lines are copied as they were, a chunk at a time.
    let from = 1;
    for (let i = 1; i <= lines; i++) {
      let r: string | undefined;
      if (i < lines) {
        const entry = i < this.firstOutput;
        const path = entry ? this.pathAt(i - 1)! : this.outputPath(i - this.firstOutput);
        r = this.replaced.get(`${entry ? 'e' : 'o'}${path}`);
        toc.add(entry ? 'e' : 'o', path, r === undefined ? this.starts[i + 1]! - this.starts[i]! : lineBytes(r));
      }
      if (r === undefined && i < lines && i - from < 1000) continue;
      if (i > from) yield this.bytes.toString('utf8', this.starts[from]!, this.starts[i]!);
      if (r !== undefined) yield `${r}\n`;
      from = r !== undefined ? i + 1 : i;
    }
    yield toc.render();
  }

}

/** Where each line of an index starts and, last, where its lines end: before its table of contents when it has one (none: it does not end in a newline). */
function lineStarts(bytes: Buffer): number[] {
  // A typed array's indexOf: Buffer's is slow until optimized, and this is its one long run.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts = [0];
  for (let at = view.indexOf(10); at >= 0; at = view.indexOf(10, at + 1)) starts.push(at + 1);
  if (starts[starts.length - 1] !== bytes.length) return [];
  const last = starts[starts.length - 2]!;
  if (starts.length > 2 && bytes[last] === 0x74 && bytes[last + 1] === 9) starts.pop();
  return starts;
}

/** The path of a run's first line when it is in the run's folder (`head(n)`: the run's first n bytes, read as far as the tab after the path). */
function firstPathOf(run: TocRun, head: (bytes: number) => Buffer): string | undefined {
  const size = run.to - run.from;
  for (let want = 256; ; want *= 4) {
    const bytes = head(Math.min(size, want));
    const tab = bytes.indexOf(9, 2);
    if (tab > 0) {
      const path = bytes[0] === run.kind.charCodeAt(0) && bytes[1] === 9 ? (JSON.parse(bytes.toString('utf8', 2, tab)) as unknown) : undefined;
      return isString(path) && groupOf(path) === run.group ? path : undefined;
    }
    if (want >= size) return undefined;
  }
}

function countLines(bytes: Buffer): number {
  let n = 0;
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) n += 1;
  return n;
}

/** A header longer than this is not one (it holds a key, two generations and the pack's identity). */
const HEADER_MAX = 4096;

function linePath(line: string): string | undefined {
  const path = JSON.parse(line.slice(2, line.indexOf('\t', 2))) as unknown;
  return isString(path) ? path : undefined;
}

/** The overlay is gone once its records are in a new index (which it no longer matches anyway). */
export async function removeOverlay(outDir: string): Promise<void> {
  await rm(path.join(outDir, OVERLAY_PATH), { force: true });
}
