// A newsroom keeps the settings files its last run built with (`.storyfeed/settings.json`), so that
// a service started while `_newsroom.md` or a story's `_story.md` is broken builds with them, as a
// running service builds with the versions it holds in memory. Found from outside: after a restart
// with one `_story.md` broken, that story left the newsroom's feeds, front page, stories.json, OPML
// and sitemaps until it was fixed. A held story's settings are never kept (nothing unpublished is
// stored), and a damaged file is no settings.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/index.js';
import { tempFolder } from '../helpers/story.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const NOW = new Date('2026-06-01T00:00:00Z');

async function newsroom() {
  const folder = await tempFolder({
    'entries/_newsroom.md': newsroomText(),
    'entries/talks/_story.md': newsroomStoryText('talks'),
    'entries/talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
    'entries/storm/_story.md': newsroomStoryText('storm'),
    'entries/storm/a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'),
    // Out only next month: held, its title not yet public.
    'entries/quake/_story.md': newsroomStoryText('quake', '', 'SECRET QUAKE TITLE'),
    'entries/quake/a.md': newsroomEntryText('quake', 'a', '2026-07-01T09:00:00Z'),
  });
  cleanups.push(folder.cleanup);
  const entriesDir = path.join(folder.dir, 'entries');
  const outDir = path.join(folder.dir, 'out');
  // A service started anew each time: no last good version in memory.
  const serviceRun = (now = NOW) => build({ entriesDir, outDir, now, mode: 'service' });
  const read = (p: string) => readFile(path.join(outDir, p), 'utf8');
  const slugs = async () => (JSON.parse(await read('stories.json')) as { stories: Array<{ slug: string }> }).stories.map((s) => s.slug).sort();
  const kept = (r: Awaited<ReturnType<typeof serviceRun>>) => r.newsroom?.outcomes.filter((o) => o.status === 'kept-last-good').map((o) => o.path);
  expect((await serviceRun()).ok).toBe(true);
  return { entriesDir, outDir, serviceRun, read, slugs, kept };
}

describe('a newsroom service started while a settings file is broken', () => {
  it("a story's `_story.md`: the story is built with the one the last run kept, run after run, and stays in the newsroom's files", async () => {
    const ws = await newsroom();
    const file = path.join(ws.entriesDir, 'storm/_story.md');
    const good = await readFile(file, 'utf8');
    const feed = await ws.read('storm/atom.xml');
    await writeFile(file, good.replace(/^description: .*\n/m, ''));
    for (let run = 0; run < 2; run += 1) {
      const r = await ws.serviceRun();
      expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toContain('storm/_story.md E_FIELD_MISSING');
      expect(ws.kept(r)).toEqual(['storm/_story.md']);
      expect(await ws.slugs()).toEqual(['storm', 'talks']);
      expect(await ws.read('atom.xml')).toContain('storm a');
      expect(await ws.read('sitemap.xml')).toContain('/storm/a/');
      expect(await ws.read('storm/atom.xml')).toBe(feed);
    }
    await writeFile(file, good.replace('The storm story.', 'The storm story, retold.'));
    const fixed = await ws.serviceRun();
    expect([fixed.diagnostics, ws.kept(fixed)]).toEqual([[], []]);
    expect(await ws.read('storm/atom.xml')).toContain('The storm story, retold.');
  });

  it("a story's `_story.md` and a published entry of it both broken: each is built with its last clean version, and the story stays (found from outside)", async () => {
    const ws = await newsroom();
    const story = path.join(ws.entriesDir, 'storm/_story.md');
    const entry = path.join(ws.entriesDir, 'storm/a.md');
    const before = await Promise.all(['atom.xml', 'stories.json', 'storm/atom.xml', 'sitemap.xml'].map((p) => ws.read(p)));
    await writeFile(story, (await readFile(story, 'utf8')).replace(/^title: .*$/m, 'title: [unclosed'));
    await writeFile(entry, (await readFile(entry, 'utf8')).replace(/^published: .*$/m, 'published: not-a-date'));
    for (let run = 0; run < 2; run += 1) {
      const r = await ws.serviceRun();
      expect(r.diagnostics.map((d) => `${d.file} ${d.code}`).sort()).toEqual(['storm/_story.md E_YAML_SYNTAX', 'storm/a.md E_DATE_INVALID']);
      expect(ws.kept(r)?.sort()).toEqual(['storm/_story.md', 'storm/a.md']);
      expect(r.written).toEqual([]);
      expect(await Promise.all(['atom.xml', 'stories.json', 'storm/atom.xml', 'sitemap.xml'].map((p) => ws.read(p)))).toEqual(before);
    }
  });

  it('`_newsroom.md`: the newsroom is built with the one the last run kept', async () => {
    const ws = await newsroom();
    const file = path.join(ws.entriesDir, '_newsroom.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^title: .*$/m, 'title: [unclosed'));
    const r = await ws.serviceRun();
    expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toContain('_newsroom.md E_YAML_SYNTAX');
    expect(ws.kept(r)).toEqual(['_newsroom.md']);
    expect(await ws.slugs()).toEqual(['storm', 'talks']);
  });

  it("a held story's `_story.md` is not kept until its first development is out; a damaged file keeps nothing and is written anew", async () => {
    const ws = await newsroom();
    const settings = path.join(ws.outDir, '.storyfeed/settings.json');
    const names = async () => Object.keys((JSON.parse(await readFile(settings, 'utf8')) as { files: Record<string, string> }).files);
    expect(await names()).toEqual(['_newsroom.md', 'storm/_story.md', 'talks/_story.md']);
    expect(await readFile(settings, 'utf8')).not.toContain('SECRET QUAKE');
    await ws.serviceRun(new Date('2026-07-02T00:00:00Z'));
    expect(await names()).toEqual(['_newsroom.md', 'quake/_story.md', 'storm/_story.md', 'talks/_story.md']);

    await writeFile(settings, '{"version": 1, "files": {"../../etc/x": "no", "storm/_story.md": 7');
    const file = path.join(ws.entriesDir, 'storm/_story.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^description: .*\n/m, ''));
    const r = await ws.serviceRun(new Date('2026-07-02T00:00:00Z'));
    // As before the file existed: the story is left out (its files kept), the others publish.
    expect(ws.kept(r)).toEqual([]);
    expect(await ws.slugs()).toEqual(['quake', 'talks']);
    expect(await names()).toEqual(['_newsroom.md', 'quake/_story.md', 'talks/_story.md']);
  });
});
