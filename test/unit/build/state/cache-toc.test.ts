// The cache index's table of contents (src/build/state/cache-toc.ts): the runs it records are
// where the lines are, it is found from the end of the file however long it is, and a table that
// does not add up is no table (the index is then read whole: cache.test.ts).
import { describe, expect, it } from 'vitest';
import { groupOf, lineBytes, parseToc, readToc, TocBuilder } from '../../../../src/build/state/cache-toc.js';

/** An index-shaped text: a header, lines of [kind, path], and the table TocBuilder makes of them. */
function indexOf(lines: readonly (readonly ['e' | 'o', string])[]) {
  const header = '{"version":13}';
  const toc = new TocBuilder(lineBytes(header));
  const body = lines.map(([kind, path]) => {
    const line = `${kind}\t${JSON.stringify(path)}\t{"x":"é"}`;
    toc.add(kind, path, lineBytes(line));
    return `${line}\n`;
  });
  const text = `${header}\n${body.join('')}${toc.render()}`;
  return { text, bytes: Buffer.from(text), headerEnd: lineBytes(header) };
}

const at = (bytes: Buffer) => (from: number, to: number) => bytes.subarray(from, to);

describe('the index\'s table of contents', () => {
  it('groupOf: a path\'s first folder, or the root', () => {
    expect(['a.md', 'story-1/a.md', 'story-1/tags/x/rss.xml', 'b"é/a.md'].map(groupOf)).toEqual(['', 'story-1', 'story-1', 'b"é']);
  });

  it('records each run of lines of one kind and folder where the lines are, root lines between folders included', () => {
    const lines = [['e', '_newsroom.md'], ['e', 'a/1.md'], ['e', 'a/2.md'], ['e', 'b"é/1.md'], ['o', 'atom.xml'], ['o', 'a/rss.xml'], ['o', 'a/tags/x.xml'], ['o', 'index.html'], ['o', 'b"é/rss.xml']] as const;
    const { text, bytes, headerEnd } = indexOf(lines);
    const found = readToc(bytes.length, headerEnd, at(bytes))!;
    expect(found.runs.map((r) => [r.kind, r.group, r.first, r.lines])).toEqual([
      ['e', '', 1, 1],
      ['e', 'a', 2, 2],
      ['e', 'b"é', 4, 1],
      ['o', '', 5, 1],
      ['o', 'a', 6, 2],
      ['o', '', 8, 1],
      ['o', 'b"é', 9, 1],
    ]);
    // Each run's bytes are its lines, whole (UTF-8 counted as bytes, not characters).
    const all = text.split('\n').slice(1, -2);
    for (const r of found.runs) expect(bytes.subarray(r.from, r.to).toString()).toBe(`${all.slice(r.first - 1, r.first - 1 + r.lines).join('\n')}\n`);
    expect(found.start).toBe(bytes.lastIndexOf('\nt\t') + 1);
  });

  it('is found from the end whatever its length, in windows that grow', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => ['e', `story-${i}/a.md`] as const);
    const { bytes, headerEnd } = indexOf(lines);
    const reads: number[] = [];
    const found = readToc(bytes.length, headerEnd, (from, to) => (reads.push(to - from), bytes.subarray(from, to)))!;
    expect(found.runs).toHaveLength(3000);
    expect(bytes.length - found.start).toBeGreaterThan(4096);
    expect(reads.length).toBeGreaterThan(1);
    // An empty index has an empty table.
    const empty = indexOf([]);
    expect(readToc(empty.bytes.length, empty.headerEnd, at(empty.bytes))!.runs).toEqual([]);
  });

  it.each([
    ['no table', (t: string) => t.replace(/t\t.*\n$/, '')],
    ['a line after it', (t: string) => `${t}o\t"x"\t{}\n`],
    ['no newline after it', (t: string) => t.slice(0, -1)],
    ['a run that starts elsewhere', (t: string) => t.replace('["e","a",2,', '["e","a",3,')],
    ['a run one byte short', (t: string) => t.replace(/(\["o","",5,1,\d+,)(\d+)/, (_, a: string, b: string) => `${a}${Number(b) - 1}`)],
    ['an entry run after the outputs', (t: string) => t.replace('["o","b",6,', '["e","b",6,')],
    ['a kind that is no kind', (t: string) => t.replace('["e","",1,', '["x","",1,')],
    ['a run of no lines', (t: string) => t.replace('["e","",1,1,', '["e","",1,0,')],
    ['not JSON', (t: string) => t.replace(/\{"runs":/, '{runs:')],
  ])('is no table with %s', (_, damage) => {
    const { text, headerEnd } = indexOf([['e', '_newsroom.md'], ['e', 'a/1.md'], ['e', 'a/2.md'], ['e', 'b/1.md'], ['o', 'atom.xml'], ['o', 'b/x.xml']]);
    expect(damage(text)).not.toBe(text);
    const bytes = Buffer.from(damage(text));
    expect(readToc(bytes.length, headerEnd, at(bytes))).toBeUndefined();
  });

  it('parseToc checks that the runs cover the lines from the header to the table', () => {
    expect(parseToc('{"runs":[["e","",1,2,10,30]]}', 10, 30)).toHaveLength(1);
    expect(parseToc('{"runs":[["e","",1,2,10,30]]}', 10, 31)).toBeUndefined();
    expect(parseToc('{"runs":[["e","",1,2,11,30]]}', 10, 30)).toBeUndefined();
    expect(parseToc('{"runs":[]}', 10, 10)).toEqual([]);
    expect(parseToc('{"runs":{}}', 10, 10)).toBeUndefined();
  });
});
