// A newsroom story whose folder is gone, or renamed to a name that is no slug, while its entries
// are out: `storyfeed build` refuses (E_ID_VANISHED, or E_STORY_SLUG), and the service (build() in
// service mode) keeps the story's last published files served and recorded, as it keeps a deleted
// entry's; and one whose published entry is broken with no last good version in memory (a
// service just started) is built with the cache's record of that entry's last clean version.
// Found from outside: the service deleted them at once, and later a restart dropped the story from
// the newsroom's files. A folder renamed to another slug is a move (its ids are the new folder's):
// the old URLs go, as in a build. A ledger that records an id under another story than the file's
// is a move too, named as one.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/index.js';
import { runCli } from '../helpers/cli.js';
import { tempFolder } from '../helpers/story.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const NOW = new Date('2026-06-01T00:00:00Z');

async function published() {
  const files: Record<string, string> = {
    '_newsroom.md': newsroomText(),
    'talks/_story.md': newsroomStoryText('talks'),
    'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
    'storm/_story.md': newsroomStoryText('storm'),
    'storm/a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'),
  };
  const folder = await tempFolder(Object.fromEntries(Object.entries(files).map(([k, v]) => [`entries/${k}`, v])));
  cleanups.push(folder.cleanup);
  const entriesDir = path.join(folder.dir, 'entries');
  const outDir = path.join(folder.dir, 'out');
  const serviceRun = () => build({ entriesDir, outDir, now: NOW, mode: 'service' });
  expect((await serviceRun()).ok).toBe(true);
  return { dir: folder.dir, entriesDir, outDir, serviceRun, atom: () => readFile(path.join(outDir, 'storm/atom.xml'), 'utf8') };
}

describe('a published story folder that goes away, in the service', () => {
  it.each([
    ['deleted', (e: string) => rm(path.join(e, 'storm'), { recursive: true }), 'E_ID_VANISHED'],
    ['renamed to a name that is no slug', (e: string) => rename(path.join(e, 'storm'), path.join(e, 'Storm Alba')), 'E_STORY_SLUG'],
  ])('%s: its files stay served; the next runs keep them; `storyfeed build` refuses', async (_name, change, code) => {
    const ws = await published();
    const before = await ws.atom();
    await change(ws.entriesDir);
    for (let run = 0; run < 2; run += 1) {
      const r = await ws.serviceRun();
      expect(r.diagnostics.map((d) => d.code)).toContain(code);
      expect(await ws.atom()).toBe(before);
      expect(existsSync(path.join(ws.outDir, 'storm/a/index.html'))).toBe(true);
      expect(existsSync(path.join(ws.outDir, 'talks/atom.xml'))).toBe(true);
    }
    const strict = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', NOW.toISOString()], { cwd: ws.dir });
    expect(strict.code).toBe(1);
    expect(strict.stdout + strict.stderr).toContain(code);
  });

  it('a published entry broken before the service starts (no last good version in memory): the cache\'s record of its last clean version stands in, so its story stays in the newsroom\'s files while the others publish (found from outside: a restart dropped the story from the front page, feeds and sitemaps)', async () => {
    const ws = await published();
    const before = await ws.atom();
    const root = async () => Promise.all(['stories.json', 'atom.xml', 'sitemap.xml'].map((f) => readFile(path.join(ws.outDir, f), 'utf8')));
    const file = path.join(ws.entriesDir, 'storm/a.md');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace(/^published: .*$/m, 'published: 2026-05-27 09:00'));
    await writeFile(path.join(ws.entriesDir, 'talks/b.md'), newsroomEntryText('talks', 'b', '2026-05-28T09:00:00Z'));
    // Twice, as a service started again would: the record outlives the run that found the file broken.
    for (let run = 0; run < 2; run += 1) {
      const r = await ws.serviceRun();
      expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toContain('storm/a.md E_DATE_INVALID');
      expect(r.newsroom?.outcomes.find((o) => o.path === 'storm/a.md')?.status).toBe('kept-last-good');
      expect(await ws.atom()).toBe(before);
      expect(existsSync(path.join(ws.outDir, 'storm/a/index.html'))).toBe(true);
      expect(await readFile(path.join(ws.outDir, 'talks/atom.xml'), 'utf8')).toContain('talks b');
      const [stories, atom, sitemap] = await root();
      expect(JSON.parse(stories!).stories.map((s: { slug: string }) => s.slug).sort()).toEqual(['storm', 'talks']);
      expect(atom).toContain('tag:newsroom.example.org,2026-05-25:storm/a');
      expect(atom).toContain('talks b');
      expect(sitemap).toContain('/storm/a/');
    }
    // Fixed: the new version goes out, and the old record is let go.
    await writeFile(file, good.replace('Body of storm a.', 'Body of storm a, fixed.'));
    const fixed = await ws.serviceRun();
    expect(fixed.diagnostics).toEqual([]);
    expect(await ws.atom()).toContain('Body of storm a, fixed.');
  });

  it('renamed to another slug: a move, the old folder removed and the new one written', async () => {
    const ws = await published();
    await rename(path.join(ws.entriesDir, 'storm'), path.join(ws.entriesDir, 'storm-alba'));
    const r = await ws.serviceRun();
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(existsSync(path.join(ws.outDir, 'storm/atom.xml'))).toBe(false);
    expect(await readFile(path.join(ws.outDir, 'storm-alba/atom.xml'), 'utf8')).toContain('storm a');
  });

  it('a ledger edited by hand to record one story\'s id under another story: check and build name the move (found from outside: check crashed, exit 70)', async () => {
    const ws = await published();
    const ledgerFile = path.join(ws.outDir, '.storyfeed/ledger.json');
    const ledger = JSON.parse(await readFile(ledgerFile, 'utf8'));
    // talks/a's id recorded as published in storm, with the suffixed anchor it would have had there.
    const id = 'tag:newsroom.example.org,2026-05-25:talks/a';
    ledger.ids[id] = { ...ledger.ids[id], path: 'storm/moved.md', anchor: 'a-0123abcd' };
    await writeFile(ledgerFile, JSON.stringify(ledger));
    for (const command of ['check', 'build']) {
      const r = await runCli([command, '--entries', 'entries', '--out', 'out', '--now', NOW.toISOString()], { cwd: ws.dir });
      expect(r.stderr).not.toContain('internal error');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/storm\/moved\.md:1:1 E_ID_VANISHED .*talks\/a\.md/);
    }
    // The service holds talks/a back (its ledger says storm) and keeps publishing.
    const served = await ws.serviceRun();
    expect(served.diagnostics.map((d) => `${d.file} ${d.code}`)).toContain('storm/moved.md E_ID_VANISHED');
    expect(await ws.atom()).toContain('storm a');
  });
});
