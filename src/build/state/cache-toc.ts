// The cache index's table of contents: its last line, `t<TAB>{"runs":[...]}`, says where each
// story folder's lines lie (each run: kind, the path's first folder or '' at the root, first line,
// how many lines, and their bytes). A newsroom's patch run reads the edited stories' lines and the
// root's through it — ~100 KB — instead of scanning the whole index (14 MB at 200 stories × 50
// entries: ~27 ms of a ~330 ms run on the build's thread, the run's critical path). An index
// without one (or with one that does not add up) is read as before, a chunk at a time.

export interface TocRun {
  readonly kind: 'e' | 'o';
  /** The first folder of the run's paths (a newsroom's story slug), '' for paths at the root. */
  readonly group: string;
  /** Its first line's number (the header is line 0) and how many lines it has. */
  readonly first: number;
  readonly lines: number;
  /** Its bytes in the file, newlines included. */
  readonly from: number;
  readonly to: number;
}

/** The first folder of a path, '' at the root. */
export const groupOf = (path: string): string => {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
};

/** The runs of an index as it is written, line by line after the header. */
export class TocBuilder {
  private readonly runs: [TocRun['kind'], string, number, number, number, number][] = [];
  private line = 1;
  private at: number;

  constructor(headerBytes: number) {
    this.at = headerBytes;
  }

  /** The next line: its kind, its path, its length in bytes with its newline. */
  add(kind: TocRun['kind'], path: string, bytes: number): void {
    const group = groupOf(path);
    const last = this.runs[this.runs.length - 1];
    if (last && last[0] === kind && last[1] === group) {
      last[3] += 1;
      last[5] += bytes;
    } else this.runs.push([kind, group, this.line, 1, this.at, this.at + bytes]);
    this.line += 1;
    this.at += bytes;
  }

  /** The table's line, newline included: the index's last. */
  render(): string {
    return `t\t${JSON.stringify({ runs: this.runs })}\n`;
  }
}

/** The bytes of a line as the file holds them (UTF-8), with its newline. */
export const lineBytes = (line: string): number => Buffer.byteLength(line) + 1;

/**
 * The table from its line (without the `t<TAB>`), checked to add up: runs one after the other from
 * the header's end to the table's start, entries before outputs. Undefined otherwise.
 */
export function parseToc(json: string, headerEnd: number, tocStart: number): TocRun[] | undefined {
  try {
    const raw = (JSON.parse(json) as { runs?: unknown }).runs;
    if (!Array.isArray(raw)) return undefined;
    const runs: TocRun[] = [];
    let line = 1;
    let at = headerEnd;
    let outputs = false;
    for (const r of raw as unknown[]) {
      if (!Array.isArray(r) || r.length !== 6) return undefined;
      const [kind, group, first, lines, from, to] = r as unknown[];
      if ((kind !== 'e' && kind !== 'o') || typeof group !== 'string' || first !== line || from !== at) return undefined;
      if (!Number.isInteger(lines) || (lines as number) < 1 || !Number.isInteger(to) || (to as number) <= at) return undefined;
      if (kind === 'e' && outputs) return undefined;
      outputs = kind === 'o';
      runs.push({ kind, group, first: line, lines: lines as number, from: at, to: to as number });
      line += lines as number;
      at = to as number;
    }
    return at === tocStart ? runs : undefined;
  } catch {
    return undefined;
  }
}

const TOC_MARK = Buffer.from('\nt\t');

/**
 * The table of an index file of `size` bytes read through `read`: its last line when that is one.
 * Read from the end, in growing windows (a table is ~40 bytes a run: a few kilobytes a story's).
 */
export function readToc(size: number, headerEnd: number, read: (from: number, to: number) => Buffer): { readonly runs: TocRun[]; readonly start: number } | undefined {
  for (let window = 4096; ; window *= 4) {
    const from = Math.max(headerEnd - 1, size - window);
    const tail = read(from, size);
    const mark = tail.lastIndexOf(TOC_MARK);
    if (mark >= 0) {
      if (tail[tail.length - 1] !== 10) return undefined;
      const start = from + mark + 1;
      const runs = parseToc(tail.toString('utf8', mark + TOC_MARK.length, tail.length - 1), headerEnd, start);
      return runs && { runs, start };
    }
    if (from <= headerEnd - 1) return undefined;
  }
}
