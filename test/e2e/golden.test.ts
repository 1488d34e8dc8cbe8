// Golden cases: one folder per behaviour — test/golden/<case>/entries, its `now`, and every file a
// build writes under expected/ — compared byte for byte. Expected files are produced by the code
// (`UPDATE_GOLDEN=1 npx vitest run test/e2e/golden.test.ts`) and reviewed like code.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEDGER_PATH } from '../../src/io/state-folder.js';
import { compile } from '../../src/core/compile.js';
import { renderSitemap } from '../../src/build/sitemaps.js';
import { parseRfc3339 } from '../../src/core/dates.js';
import type { RenderedFile } from '../../src/core/types.js';
import { readSources } from '../helpers/read-sources.js';
import { checkOutputFile } from '../helpers/checkers.js';

const goldenDir = new URL('../golden/', import.meta.url).pathname;
const cases = readdirSync(goldenDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${n}/`) : [`${prefix}${n}`];
  });
}

async function render(dir: string): Promise<RenderedFile[]> {
  const parsed = parseRfc3339(readFileSync(path.join(dir, 'now'), 'utf8').trim());
  if (!parsed.ok) throw new Error(`${dir}/now: ${parsed.problem}`);
  const read = await readSources(path.join(dir, 'entries'));
  const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: parsed.date, ledgerPath: LEDGER_PATH });
  expect(result.diagnostics).toEqual([]);
  // The sitemaps are planned as data and serialized by the build with the `sitemap` package (async).
  const sitemaps = await Promise.all(result.sitemaps.map(async (s) => ({ path: s.path, mediaType: s.mediaType, contents: await renderSitemap(s) })));
  return [...result.files, ...sitemaps];
}

describe.each(cases)('golden case %s', (name) => {
  const dir = path.join(goldenDir, name);
  const expectedDir = path.join(dir, 'expected');

  it('writes exactly the reviewed files, byte for byte', async () => {
    const files = await render(dir);
    if (process.env.UPDATE_GOLDEN === '1') {
      if (process.env.CI === 'true') throw new Error('golden files are reviewed, never made on CI');
      for (const f of files) {
        mkdirSync(path.dirname(path.join(expectedDir, f.path)), { recursive: true });
        writeFileSync(path.join(expectedDir, f.path), f.contents);
      }
    }
    expect(files.map((f) => f.path).sort()).toEqual(listFiles(expectedDir).sort());
    for (const f of files) expect([f.path, f.contents]).toEqual([f.path, readFileSync(path.join(expectedDir, f.path), 'utf8')]);
  });

  it('every feed file and sitemap passes every checker', async () => {
    const feeds = listFiles(expectedDir).filter((p) => /(^|\/)(rss\.xml|atom\.xml|feed\.json|sitemap\.xml|news-sitemap\.xml)$/.test(p));
    expect(feeds.length).toBeGreaterThanOrEqual(3);
    for (const p of feeds) {
      const selfUrl = new URL(p, 'https://newsroom.example.org/stories/golden/feeds/').href;
      expect([p, await checkOutputFile(p, readFileSync(path.join(expectedDir, p), 'utf8'), { selfUrl })]).toEqual([p, []]);
    }
  });
});

// The same cases through the real program: the writer fills documents from fragment blobs (bytes,
// not text), so its files are compared with the reviewed ones too — cold, then again with one
// entry re-parsed and its documents re-filled from the fragment pack.
describe.each(cases)('golden case %s, written by storyfeed build', (name) => {
  it('writes the reviewed bytes, cold and from the build cache', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const { tempFolder } = await import('../helpers/story.js');
    const { cp, utimes } = await import('node:fs/promises');
    const dir = path.join(goldenDir, name);
    const now = readFileSync(path.join(dir, 'now'), 'utf8').trim();
    const folder = await tempFolder();
    try {
      await cp(path.join(dir, 'entries'), path.join(folder.dir, 'entries'), { recursive: true });
      const expected = listFiles(path.join(dir, 'expected')).sort();
      const check = () => {
        for (const p of expected) expect([p, readFileSync(path.join(folder.dir, 'out', p), 'utf8')]).toEqual([p, readFileSync(path.join(dir, 'expected', p), 'utf8')]);
      };
      const build = () => runCli(['build', '--entries', 'entries', '--out', 'out', '--now', now], { cwd: folder.dir });
      expect((await build()).code).toBe(0);
      check();
      // One entry only touched (its stamp changes, its hash does not), and every document deleted:
      // the second build refills them all from the fragment pack.
      const first = readdirSync(path.join(folder.dir, 'entries')).find((n) => n !== '_story.md');
      if (first) {
        const later = new Date(Date.now() + 5_000);
        await utimes(path.join(folder.dir, 'entries', first), later, later);
      }
      const { rm } = await import('node:fs/promises');
      for (const p of expected.filter((f) => /(rss\.xml|atom\.xml|feed\.json|index\.html)$/.test(f))) await rm(path.join(folder.dir, 'out', p));
      const again = await build();
      expect(again.code).toBe(0);
      // No published entry was parsed again (drafts and embargoed ones always are: never cached).
      const published = Number(/(\d+) published/.exec(again.stdout)?.[1]);
      const [, files, parsed] = (/(\d+) files: read \d+, parsed (\d+)/.exec(again.stdout) ?? []).map(Number);
      expect(parsed).toBeLessThanOrEqual(files! - 1 - published);
      check();
    } finally {
      await folder.cleanup();
    }
  });
});
