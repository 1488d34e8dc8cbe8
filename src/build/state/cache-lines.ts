// The cache index as lines, for a patch run: it reads the index (and its overlay) once, replaces
// the few records it changed, and writes only those to the overlay (cache.ts has the line format).

import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { OutputRecord } from '../../io/output-record.js';
import { OVERLAY_PATH } from '../../io/state-folder.js';
import { entryLine, fromWire, fromWireOutput, headerLine, isString, outputLine, overlayLines, parseHeader, splitLine, type CacheDefaults, type CacheHeader, type CachedParse, type PackInfo } from './cache.js';

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
    /** The index as read (or, read in part, how to read it whole), and where each line starts (the last start is the end). */
    bytes: Buffer | (() => Buffer | undefined),
    private readonly starts: readonly number[],
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
      if (!whole || whole.length !== this.starts[this.starts.length - 1]) throw new Error('the cache index changed while a patch run read it');
      this.loaded = whole;
    }
    return this.loaded;
  }

  // The index stays bytes: a patch run decodes the few lines it needs, not tens of megabytes.
  static parse(bytes: Buffer | undefined, overlayText?: string): CacheLines | undefined {
    if (bytes === undefined) return undefined;
    // A typed array's indexOf: Buffer's is slow until optimized, and this is its one long run.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const starts = [0];
    for (let at = view.indexOf(10); at >= 0; at = view.indexOf(10, at + 1)) starts.push(at + 1);
    if (starts[starts.length - 1] !== bytes.length || starts.length < 2) return undefined;
    const header = parseHeader(bytes.toString('utf8', 0, starts[1]! - 1));
    if (!header) return undefined;
    const kind = (i: number) => (bytes[starts[i]! + 1] === 9 ? bytes[starts[i]!] : undefined);
    const lines = starts.length - 1;
    let i = 1;
    while (i < lines && kind(i) === 0x65) i++;
    for (let j = i; j < lines; j++) if (kind(j) !== 0x6f) return undefined;
    return CacheLines.make(header, overlayText, bytes, starts, i);
  }

  /**
   * The index read a chunk at a time, keeping only the lines whose path `keep` takes (given the
   * line's kind, `e` or `o`, and its bytes from its path as JSON, which a tab ends): a newsroom's patch run needs the
   * edited stories' lines, not the other stories' 14 MB (whose fresh pages cost more to read than
   * the lines do to scan). Any other line asked for later reads the index whole (`readWhole`).
   */
  static readPart(
    chunks: (each: (chunk: Uint8Array) => void) => boolean,
    keep: (kind: number, bytes: Uint8Array, from: number, to: number) => boolean,
    readWhole: () => Buffer | undefined,
    overlayText?: string,
  ): CacheLines | undefined {
    const starts = [0];
    const lines = new Map<number, string>();
    const outputs = new Map<number, string>();
    let headerText: string | undefined;
    let firstOutput = 0;
    let bad = false;
    let carry: Buffer | undefined;
    const line = (b: Uint8Array, from: number, to: number) => {
      const n = starts.length - 1;
      if (n === 0) {
        headerText = Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('utf8');
        return;
      }
      const kind = to - from > 1 && b[from + 1] === 9 ? b[from] : undefined;
      if (firstOutput === 0 && kind !== 0x65) firstOutput = n;
      if (kind !== (firstOutput === 0 ? 0x65 : 0x6f)) bad = true;
      if (bad) return;
      if (!keep(kind!, b, from + 2, to)) return;
      const text = Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('utf8');
      lines.set(n, text);
      if (kind === 0x6f) outputs.set(n - firstOutput, linePath(text) ?? '');
    };
    const found = chunks((chunk) => {
      let pos = 0;
      for (let nl = chunk.indexOf(10); nl >= 0 && !bad; pos = nl + 1, nl = chunk.indexOf(10, pos)) {
        const offset = starts[starts.length - 1]!;
        if (carry) {
          const whole = Buffer.concat([carry, chunk.subarray(0, nl)]);
          carry = undefined;
          line(whole, 0, whole.length);
          starts.push(offset + whole.length + 1);
        } else {
          line(chunk, pos, nl);
          starts.push(offset + nl - pos + 1);
        }
      }
      // The rest of the chunk starts a line the next chunk ends (copied: the chunk's buffer is reused).
      if (pos < chunk.length) carry = Buffer.concat(carry ? [carry, chunk.subarray(pos)] : [chunk.subarray(pos)]);
    });
    if (!found || bad || carry || starts.length < 2 || headerText === undefined) return undefined;
    const header = parseHeader(headerText);
    if (!header) return undefined;
    return CacheLines.make(header, overlayText, readWhole, starts, firstOutput === 0 ? starts.length - 1 : firstOutput, { lines, outputs });
  }

  private static make(header: CacheHeader, overlayText: string | undefined, bytes: Buffer | (() => Buffer | undefined), starts: number[], firstOutput: number, kept?: CacheLines['kept']): CacheLines | undefined {
    try {
      const overlay = overlayLines(overlayText, header);
      const replaced = new Map<string, string>();
      for (const line of overlay?.lines ?? []) {
        const path = linePath(line);
        if (path === undefined || (line[0] !== 'e' && line[0] !== 'o')) return undefined;
        replaced.set(`${line[0]}${path}`, line);
      }
      const index = new CacheLines(header, overlay?.header ?? header, bytes, starts, firstOutput, replaced, kept);
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
    return this.starts.length - 1 - this.firstOutput;
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
    return this.replaced.size > Math.min(OVERLAY_LIMIT, (this.starts.length - 2) / 4);
  }

  /** The overlay, with every record replaced so far, under a new header. */
  *serializeOverlay(pack: PackInfo, generation: string): Generator<string> {
    yield `${headerLine(this.main.key, pack, generation, this.main.generation)}\n`;
    const lines = [...this.replaced.values()];
    for (let i = 0; i < lines.length; i += 1000) yield `${lines.slice(i, i + 1000).join('\n')}\n`;
  }

  /** A whole new index: every line as replaced, under a new header. */
  *serialize(pack: PackInfo, generation: string): Generator<string> {
    yield `${headerLine(this.main.key, pack, generation)}\n`;
    const replacement = (i: number): string | undefined =>
      i < this.firstOutput ? this.replaced.get(`e${this.pathAt(i - 1)}`) : this.replaced.get(`o${this.outputPath(i - this.firstOutput)}`);
    const lines = this.starts.length - 1;
    // Runs of unchanged lines are copied as they were, a chunk at a time.
    let from = 1;
    for (let i = 1; i <= lines; i++) {
      const r = i < lines ? replacement(i) : undefined;
      if (r === undefined && i < lines && i - from < 1000) continue;
      if (i > from) yield this.bytes.toString('utf8', this.starts[from]!, this.starts[i]!);
      if (r !== undefined) yield `${r}\n`;
      from = r !== undefined ? i + 1 : i;
    }
  }
}

function linePath(line: string): string | undefined {
  const path = JSON.parse(line.slice(2, line.indexOf('\t', 2))) as unknown;
  return isString(path) ? path : undefined;
}

/** The overlay is gone once its records are in a new index (which it no longer matches anyway). */
export async function removeOverlay(outDir: string): Promise<void> {
  await rm(path.join(outDir, OVERLAY_PATH), { force: true });
}
