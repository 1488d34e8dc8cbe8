// The build cache: unchanged entries are not parsed again, unchanged outputs are neither rendered
// nor rewritten, a corrupt or stale cache is rebuilt — and the cache never changes the output.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/index.js';
import { CACHE_VERSION } from '../../src/core/versions.js';
import { CACHE_PATH, MANIFEST_PATH, PACK_PATH } from '../../src/io/state-folder.js';
import { checkOutputFile } from '../helpers/checkers.js';
import { listFiles, publishedFiles } from '../helpers/files.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const NOW = new Date('2026-06-01T00:00:00Z');


// The cache (index, overlay and fragment pack) and the manifest are bookkeeping about a build, not part of what it publishes.
const snapshot = publishedFiles;

async function setup(count = 30) {
  const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 10\n') };
  for (let i = 0; i < count; i += 1) {
    files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:00:00Z`, extra: `tags: [t${i % 3}]\n` });
  }
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  const entriesDir = path.join(folder.dir, 'entries');
  const run = (out: string, cache = true) => build({ entriesDir, outDir: path.join(folder.dir, out), now: NOW, cache });
  return { dir: folder.dir, entriesDir, run };
}

describe('incremental builds', () => {
  it('a second run parses nothing, renders nothing and writes nothing', async () => {
    const { run } = await setup();
    const first = await run('out');
    expect(first.entriesParsed).toBe(30);
    expect(first.rendered).toBe(first.counts.outputs);
    const second = await run('out');
    expect([second.entriesRead, second.entriesParsed, second.rendered, second.written]).toEqual([31, 0, 0, []]);
  });

  it('one changed entry: one parse, only the documents that hold it rendered, the output equal to a build without cache', async () => {
    const { dir, entriesDir, run } = await setup();
    await run('out');
    await writeFile(path.join(entriesDir, 'e29.md'), entryText({ slug: 'e29', title: 'Changed title', published: '2026-05-02T09:00:00Z', extra: 'tags: [t2]\n' }));
    const changed = await run('out');
    expect(changed.entriesParsed).toBe(1);
    expect(changed.rendered).toBeGreaterThan(0);
    expect(changed.rendered).toBeLessThan(changed.counts.outputs / 2);
    expect(changed.written).toEqual(expect.arrayContaining(['archive/1/rss.xml', 'tags/t2/rss.xml']));
    expect(changed.written).not.toContain('rss.xml');
    expect(changed.written).not.toContain('tags/t0/rss.xml');
    await run('fresh', false);
    expect(await snapshot(path.join(dir, 'out'))).toEqual(await snapshot(path.join(dir, 'fresh')));
  });

  it('the cache makes no difference to the output', async () => {
    const { dir, run } = await setup();
    await run('with');
    await run('with');
    await run('without', false);
    const withCache = await snapshot(path.join(dir, 'with'));
    expect(withCache).toEqual(await snapshot(path.join(dir, 'without')));
    await expect(stat(path.join(dir, 'without', CACHE_PATH))).rejects.toThrow();
    await expect(stat(path.join(dir, 'without', PACK_PATH))).rejects.toThrow();
    // Every feed this build wrote (subscription, archives, tags) passes every checker.
    for (const [file, text] of Object.entries(withCache)) {
      expect([file, await checkOutputFile(file, text, { selfUrl: new URL(file, 'https://newsroom.example.org/stories/test/feeds/').href })]).toEqual([file, []]);
    }
  });

  it.each([
    ['garbage', 'not json at all'],
    ['truncated', null],
    ['another version', '{"version":999,"key":"x","entries":{},"outputs":{}}'],
    ['wrong shapes', '{"version":2,"key":"x","entries":{"e1.md":{"hash":5}},"outputs":{"rss.xml":{"key":1}}}'],
  ])('a corrupt cache (%s) is detected and rebuilt, never trusted', async (_name, text) => {
    const { dir, run } = await setup(10);
    await run('out');
    const cacheFile = path.join(dir, 'out', CACHE_PATH);
    const good = await readFile(cacheFile, 'utf8');
    await writeFile(cacheFile, text ?? good.slice(0, good.length / 2));
    await rm(path.join(dir, 'out', 'rss.xml'));
    const r = await run('out');
    expect(r.ok).toBe(true);
    expect(r.entriesParsed).toBe(10);
    expect(r.written).toContain('rss.xml');
    await run('fresh', false);
    expect(await snapshot(path.join(dir, 'out'))).toEqual(await snapshot(path.join(dir, 'fresh')));
    expect(JSON.parse((await readFile(cacheFile, 'utf8')).split('\n')[0]!).version).toBe(CACHE_VERSION);
  });

  it('a stale cache is not trusted: a new story text re-parses every entry', async () => {
    const { dir, run } = await setup(10);
    await run('out');
    await writeFile(path.join(dir, 'entries/_story.md'), storyText('item_limit: 10\n').replace('Test story', 'Renamed story'));
    const r = await run('out');
    expect(r.entriesParsed).toBe(10);
    expect(await readFile(path.join(dir, 'out/rss.xml'), 'utf8')).toContain('<title>Renamed story</title>');
  });

  it('an output changed by hand is rendered and replaced again', async () => {
    const { dir, run } = await setup(10);
    await run('out');
    const original = await readFile(path.join(dir, 'out/atom.xml'), 'utf8');
    await writeFile(path.join(dir, 'out/atom.xml'), 'tampered');
    const r = await run('out');
    expect(r.written).toEqual(['atom.xml']);
    expect(await readFile(path.join(dir, 'out/atom.xml'), 'utf8')).toBe(original);
  });

  it('an entry whose file changed but whose text did not (touched) is not parsed again', async () => {
    const { entriesDir, run } = await setup(5);
    await run('out');
    const file = path.join(entriesDir, 'e1.md');
    await writeFile(file, await readFile(file, 'utf8'));
    const r = await run('out');
    expect(r.entriesParsed).toBe(0);
    expect(r.written).toEqual([]);
  });
});

describe('progress and summary', () => {
  it('a long build shows a bar on a terminal and plain lines elsewhere, then a summary line', async () => {
    const { main } = await import('../../src/cli.js');
    const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 1\n') };
    for (let i = 0; i < 80; i += 1) files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z` });
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    const args = (out: string) => ['build', '--entries', path.join(folder.dir, 'entries'), '--out', path.join(folder.dir, out), '--now', '2026-06-01T00:00:00Z'];

    const tty = { out: [] as string[], err: [] as string[], bar: [] as string[] };
    expect(await main(args('a'), { out: (l) => tty.out.push(l), err: (l) => tty.err.push(l), tty: true, progress: (t) => tty.bar.push(t) })).toBe(0);
    expect(tty.bar.length).toBeGreaterThan(3);
    expect(tty.bar.at(-1)).toMatch(/^\r\[#{30}\] (\d+)\/\1 outputs\n$/);
    expect(tty.err).toEqual([]);

    const plain = { out: [] as string[], err: [] as string[] };
    expect(await main(args('b'), { out: (l) => plain.out.push(l), err: (l) => plain.err.push(l) })).toBe(0);
    expect(plain.err.length).toBeGreaterThanOrEqual(10);
    expect(plain.err.every((l) => /^ {2}rendering: \d+\/\d+ outputs$/.test(l))).toBe(true);
    expect(plain.out[1]).toMatch(/^ {2}81 files: read 81, parsed 80 \(the rest unchanged\); rendered (\d+) of \1 outputs$/);

    await rm(path.join(folder.dir, 'b', MANIFEST_PATH));
    const again = { out: [] as string[], err: [] as string[] };
    expect(await main(args('b'), { out: (l) => again.out.push(l), err: (l) => again.err.push(l) })).toBe(0);
    expect(again.out[1]).toMatch(/81 files: read 1, parsed 0 \(the rest unchanged\); rendered 0 of \d+ outputs/);
    expect(again.err).toEqual([]);
    const fast = { out: [] as string[], err: [] as string[] };
    expect(await main(args('b'), { out: (l) => fast.out.push(l), err: (l) => fast.err.push(l) })).toBe(0);
    expect(fast.out).toEqual([expect.stringMatching(/^storyfeed build: no change since the last build \(81 files unchanged\)/)]);
  });
});

describe('--timings', () => {
  it('adds one line with the time of every phase, after the summary', async () => {
    const { main } = await import('../../src/cli.js');
    const { dir } = await setup(5);
    const out: string[] = [];
    const code = await main(['build', '--timings', '--entries', path.join(dir, 'entries'), '--out', path.join(dir, 'timed'), '--now', '2026-06-01T00:00:00Z'], { out: (l) => out.push(l), err: () => undefined });
    expect(code).toBe(0);
    expect(out).toHaveLength(3);
    expect(out[2]).toMatch(/^ {2}timings: list \d+ ms, load cache \d+ ms, read and parse \d+ ms, plan \d+ ms, render and write \d+ ms, save cache \d+ ms \(full build: no earlier build to patch\)$/);
  });
});

describe('abandoning a build', () => {
  it('a build aborted while staging publishes nothing and leaves no temp file', async () => {
    const { dir, run } = await setup(30);
    await run('out');
    const before = await snapshot(path.join(dir, 'out'));
    await writeFile(path.join(dir, 'entries/_story.md'), storyText('item_limit: 10\n').replace('Test story', 'Renamed'));
    const controller = new AbortController();
    const { UserError } = await import('../../src/errors.js');
    await expect(
      build({
        entriesDir: path.join(dir, 'entries'),
        outDir: path.join(dir, 'out'),
        now: NOW,
        signal: controller.signal,
        onProgress: (done) => {
          if (done === 5) controller.abort();
        },
      }),
    ).rejects.toSatisfy((e) => e instanceof UserError && e.kind === 'aborted');
    expect(await snapshot(path.join(dir, 'out'))).toEqual(before);
    expect((await listFiles(path.join(dir, 'out'))).filter((f) => f.includes('.storyfeed-tmp-'))).toEqual([]);
  });
});
