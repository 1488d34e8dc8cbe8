// Patch runs (src/patch.ts): when only the bodies of a few published entries changed, the build
// splices their new fragments into the documents that hold them instead of compiling the story.
// Every case compares the folder with a build from scratch, and checks that a full build after
// the patch finds every output key as the patch left it (it renders nothing, writes nothing).
import fc from 'fast-check';
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OVERLAY_LIMIT } from '../../src/build/state/cache-lines.js';
import { CACHE_PATH, MANIFEST_PATH, OVERLAY_PATH } from '../../src/io/state-folder.js';
import { PATCH_LIMIT } from '../../src/build/fast-path.js';
import { CLI, runCli } from '../helpers/cli.js';
import { publishedFiles } from '../helpers/files.js';
import { storyFolder } from '../helpers/builds.js';
import { entryText, storyText } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const NOW = new Date('2026-06-01T00:00:00Z');
const published = publishedFiles;

const COUNT = 24;
// e0 is a draft and e1 embargoed past NOW: neither is in the cache index.
const entry = (i: number, body = `Body of e${i}, **bold** and [a link](/x/${i}).`, title = `Development e${i}`) =>
  entryText({
    slug: `e${i}`,
    title,
    published: i === 1 ? '2026-07-01T09:00:00Z' : `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:00:00Z`,
    extra: `tags: [t${i % 3}]\n${i === 0 ? 'draft: true\n' : ''}`,
    body,
  });

async function setup() {
  const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 5\n') };
  for (let i = 0; i < COUNT; i += 1) files[`entries/e${i}.md`] = entry(i);
  const { dir, entriesDir, out, run, fresh } = await storyFolder(files, cleanups, NOW);
  const edit = (i: number, body: string, title?: string) => writeFile(path.join(entriesDir, `e${i}.md`), entry(i, body, title));
  /** The folder is what a build from scratch writes, and a full build finds nothing to do. */
  const expectAsFresh = async () => {
    expect(await published(out)).toEqual(await fresh());
    const full = await run({ patch: false });
    expect([full.patched, full.rendered, full.written]).toEqual([false, 0, []]);
    return full;
  };
  await run();
  return { dir, entriesDir, out, run, fresh, edit, expectAsFresh };
}

describe('patch runs', () => {
  it('a body edit beside a retraction stub is patched in place, byte for byte as a fresh build', async () => {
    const { entriesDir, out, run, edit, expectAsFresh } = await setup();
    await writeFile(path.join(entriesDir, 'e22.md'), entry(22).replace('tags: [t1]\n', 'tags: [t1]\nretracted:\n  at: 2026-05-31T00:00:00Z\n  reason: Not confirmed.\n'));
    expect((await run()).patched).toBe(false);
    await edit(23, 'A new body for e23, next to the stub of e22.');
    const r = await run();
    expect(r.patched).toBe(true);
    expect(r.written).toContain('rss.xml');
    const rss = await readFile(path.join(out, 'rss.xml'), 'utf8');
    expect([rss.includes('next to the stub of e22'), rss.includes('<title>Retracted: Development e22</title>'), rss.includes('Body of e22')]).toEqual([true, true, false]);
    await expectAsFresh();
  });

  it('a body edit in the subscription feed and one in an archive page: two parses, only their documents rewritten', async () => {
    const { run, edit, expectAsFresh } = await setup();
    await edit(23, 'A new body for e23, with <b>raw</b> text & more.');
    await edit(4, 'A longer body for e4.\n\nWith a second paragraph, a [link](https://example.org/) and *emphasis*.');
    const r = await run();
    expect(r.patched).toBe(true);
    expect([r.entriesParsed, r.filesRead]).toEqual([2, 3]); // the story and the two changed files
    expect(r.compiled).toBeUndefined();
    // e23 is the newest (the subscription documents, its tag t2's, both pages); e4 is on the first
    // archive page, and on its tag t1's; each has its own page. The tag index's key changed, its bytes did not.
    expect([...r.written].sort()).toEqual([
      ...['archive/1/atom.xml', 'archive/1/feed.json', 'archive/1/rss.xml', 'atom.xml', 'e23/index.html', 'e4/index.html', 'feed.json', 'index.html', 'rss.xml'],
      ...['tags/t1/archive/1/atom.xml', 'tags/t1/archive/1/feed.json', 'tags/t1/archive/1/rss.xml'],
      ...['tags/t2/atom.xml', 'tags/t2/feed.json', 'tags/t2/index.html', 'tags/t2/rss.xml'],
    ]);
    const full = await expectAsFresh();
    expect(r.counts).toEqual(full.counts);
  });

  it('edits, stacked over many runs and then undone, always give the bytes of a build from scratch', async () => {
    const { out, run, fresh, edit, expectAsFresh } = await setup();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ i: fc.integer({ min: 2, max: COUNT - 1 }), body: fc.stringMatching(/^[a-zA-Z0-9 .,*_[\]()<>&'"!?-]{1,60}$/) }), { minLength: 1, maxLength: 4 }),
        async (edits) => {
          for (const e of edits) await edit(e.i, `Edited: ${e.body}`);
          const r = await run();
          // A patch, unless so many bodies were replaced that the pack is compacted by a full build.
          expect(r.ok).toBe(true);
          if (!r.patched) expect(r.notPatched).toBe('the fragment pack is due to be compacted');
          expect(await published(out)).toEqual(await fresh());
        },
      ),
      { numRuns: 12, seed: 4 },
    );
    await expectAsFresh();
    // Undone: every entry back to its first text, whose fragments were written long ago.
    for (let i = 2; i < COUNT; i += 1) await edit(i, `Body of e${i}, **bold** and [a link](/x/${i}).`);
    await run();
    await expectAsFresh();
  });

  it('a touched file (same text, new mtime) is not even parsed, and nothing is written', async () => {
    const { entriesDir, run } = await setup();
    const file = path.join(entriesDir, 'e9.md');
    await utimes(file, new Date(), new Date(Date.now() + 5_000));
    const r = await run();
    expect([r.patched, r.notPatched, r.entriesParsed, r.written]).toEqual([true, undefined, 0, []]);
    // The manifest has the new stamp: nothing has changed since.
    expect((await run()).notPatched).toBe('no entry changed, too many did, or the story did');
  });

  it('folds its overlay into a new index once the overlay holds a quarter of its records', async () => {
    const s = await setup();
    let runs = 0;
    do {
      runs += 1;
      await s.edit(1 + runs, `Round ${runs}.`);
      expect((await s.run()).notPatched).toBeUndefined();
      expect(runs).toBeLessThan(OVERLAY_LIMIT);
    } while ((await stat(path.join(s.out, OVERLAY_PATH)).catch(() => undefined)) !== undefined);
    expect(runs).toBeGreaterThan(1);
    await s.expectAsFresh();
  });

  it.each([
    ['metadata changed (a title)', /metadata/, async (s: Awaited<ReturnType<typeof setup>>) => s.edit(7, 'Same body?', 'A new title')],
    ['a draft edited', /draft or embargoed/, async (s: Awaited<ReturnType<typeof setup>>) => writeFile(path.join(s.entriesDir, 'e0.md'), entry(0, 'Draft, rewritten.'))],
    ['an embargoed entry edited', /draft or embargoed/, async (s: Awaited<ReturnType<typeof setup>>) => writeFile(path.join(s.entriesDir, 'e1.md'), entry(1, 'Embargoed, rewritten.'))],
    ['a file added', /added or removed/, async (s: Awaited<ReturnType<typeof setup>>) => writeFile(path.join(s.entriesDir, 'e99.md'), entry(99))],
    ['the story changed', /story/, async (s: Awaited<ReturnType<typeof setup>>) => writeFile(path.join(s.entriesDir, '_story.md'), storyText('item_limit: 5\n').replace('Test story', 'Renamed'))],
    ['too many files changed', /too many/, async (s: Awaited<ReturnType<typeof setup>>) => {
      for (let i = 2; i < 2 + PATCH_LIMIT + 1; i += 1) await s.edit(i, `Batch edit of e${i}.`);
    }],
    ['an output changed by hand', /output is not as the last build wrote it/, async (s: Awaited<ReturnType<typeof setup>>) => {
      await s.edit(3, 'Edited.');
      await writeFile(path.join(s.out, 'atom.xml'), 'tampered');
    }],
    ['the bytes of a slot are not what the index says (the manifest vouching for them)', /output is not as the cache index says/, async (s: Awaited<ReturnType<typeof setup>>) => {
      await s.edit(23, 'Edited.');
      const file = path.join(s.out, 'rss.xml');
      await writeFile(file, (await readFile(file, 'utf8')).replace('Body of e23', 'Body of X23'));
      const info = await stat(file);
      const manifestFile = path.join(s.out, MANIFEST_PATH);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
      manifest.outputs['rss.xml'] = [info.size, info.mtimeMs];
      await writeFile(manifestFile, JSON.stringify(manifest));
    }],
    ['the manifest names another cache index (a run cut short)', /cache index is not the one/, async (s: Awaited<ReturnType<typeof setup>>) => {
      const manifestFile = path.join(s.out, MANIFEST_PATH);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
      await writeFile(manifestFile, JSON.stringify({ ...manifest, generation: '0000000000000000' }));
      await s.edit(6, 'Edited.');
    }],
    ['an older manifest (a patch run cut short before it)', /not as the last build wrote it/, async (s: Awaited<ReturnType<typeof setup>>) => {
      const manifest = await readFile(path.join(s.out, MANIFEST_PATH));
      await s.edit(5, 'First edit.');
      expect((await s.run()).patched).toBe(true);
      await writeFile(path.join(s.out, MANIFEST_PATH), manifest);
      await s.edit(6, 'Second edit.');
    }],
    ['no cache index', /cache index/, async (s: Awaited<ReturnType<typeof setup>>) => {
      await rm(path.join(s.out, CACHE_PATH));
      await s.edit(5, 'Edited.');
    }],
  ])('falls back to a full build when %s, with the same bytes', async (_name, reason, change) => {
    const s = await setup();
    await change(s);
    const r = await s.run();
    expect(r.ok).toBe(true);
    expect(r.patched).toBe(false);
    expect(r.notPatched).toMatch(reason);
    await s.expectAsFresh();
  });
});

/** The bundled files a module of dist/ loads with it (its static imports, transitively; not its dynamic ones). */
async function loadedWith(dist: string, file: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = await readFile(path.join(dist, file), 'utf8');
  for (const m of code.matchAll(/^import\s*(?:[\w$\s{},*]+from\s*)?"\.\/([\w.-]+\.js)"/gm)) await loadedWith(dist, m[1]!, seen);
  return seen;
}

describe('patch runs from the CLI', () => {
  it('loads no parser on the build\'s thread: the bundled patch run imports none (the worker it warmed up parses)', async () => {
    const dist = path.dirname(CLI);
    const patch = (await readdir(dist)).find((f) => /^patch-\w+\.js$/.test(f))!;
    const files = await loadedWith(dist, patch);
    const code = (await Promise.all([...files].map((f) => readFile(path.join(dist, f), 'utf8')))).join('\n');
    // esbuild names each bundled package's files in a comment: the one in the compiler's chunk is there.
    expect(files.size).toBeGreaterThan(5);
    for (const parser of ['markdown-it', 'sanitize-html', 'yaml', 'gray-matter']) expect([parser, code.includes(`// node_modules/${parser}/`)]).toEqual([parser, false]);
  });

  it('the bundled program parses the edit on the worker it warmed up, with the same bytes', async () => {
    const { dir, edit, fresh, out } = await setup();
    await edit(20, 'Edited, and parsed on the warm worker.');
    const r = await runCli(['build', '--entries', path.join(dir, 'entries'), '--out', out, '--now', NOW.toISOString()]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/read 2, parsed 1 \(the rest unchanged\); patched \d+ of \d+ outputs in place/);
    expect(await published(out)).toEqual(await fresh());
    // Nothing changed since: the fast path answers, and the worker it started does not keep the process.
    const again = await runCli(['build', '--entries', path.join(dir, 'entries'), '--out', out, '--now', NOW.toISOString()]);
    expect(again.stdout).toMatch(/no change since the last build/);
  });

  it('the fast path hands its findings to the patch, and the summary says what was patched', async () => {
    const { main } = await import('../../src/cli.js');
    const { dir, edit, fresh, out } = await setup();
    await edit(12, 'Edited through the CLI.');
    const lines: string[] = [];
    const code = await main(['build', '--timings', '--entries', path.join(dir, 'entries'), '--out', out, '--now', NOW.toISOString()], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^storyfeed build: built \d+ entries: 22 published, 1 scheduled, 1 draft, 0 retracted; wrote .* in .*; next scheduled entry at 2026-07-01T09:00:00.000Z$/);
    expect(lines[1]).toMatch(/^ {2}25 files: read 2, parsed 1 \(the rest unchanged\); patched \d+ of \d+ outputs in place$/);
    expect(lines[2]).toMatch(/^ {2}timings: list \d+ ms, load cache \d+ ms, plan \d+ ms, read and parse \d+ ms, render and write \d+ ms, save cache \d+ ms$/);
    expect(await published(out)).toEqual(await fresh());
  });
});
