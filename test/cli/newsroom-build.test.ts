// `storyfeed build` of a newsroom (build/newsroom.ts), through the real program: every story's
// outputs under out/<slug>/, the newsroom's at the root, checked by the feed checkers; an edit in
// one story rewrites that story's and the newsroom's files only; a strict failure writes nothing.
import { mkdir, readFile, rm, stat, symlink, writeFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolder } from '../helpers/story.js';
import { checkAtom, checkJsonFeed, checkRss, importWithNewsboat } from '../helpers/checkers.js';
import { lastBuild } from '../../src/build/published-outputs.js';
import { newsroomEntryText, newsroomStoryText, newsroomText, NEWSROOM_FEEDS, NEWSROOM_ID } from '../helpers/newsroom.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const NOW = '2026-06-01T00:00:00Z';
const SLUGS = ['storm', 'talks'];

async function workspace(extra: Record<string, string> = {}) {
  const files: Record<string, string> = {
    '_newsroom.md': newsroomText(),
    'talks/_story.md': newsroomStoryText('talks', '', 'U.S.–Iran talks'),
    'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
    'talks/b.md': newsroomEntryText('talks', 'b', '2026-05-28T09:00:00Z'),
    'storm/_story.md': newsroomStoryText('storm', '', 'Storm Alba'),
    'storm/a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'),
    'storm/later.md': newsroomEntryText('storm', 'later', '2026-07-01T09:00:00Z'),
    ...extra,
  };
  const folder = await tempFolder(Object.fromEntries(Object.entries(files).map(([k, v]) => [`entries/${k}`, v])));
  cleanups.push(folder.cleanup);
  const build = (...more: string[]) => runCli(['build', '--entries', 'entries', '--out', 'out', '--now', NOW, ...more], { cwd: folder.dir });
  const out = (p: string) => path.join(folder.dir, 'out', p);
  const entries = (p: string) => path.join(folder.dir, 'entries', p);
  return { dir: folder.dir, build, out, entries };
}

/** Every file under a folder (but the bookkeeping), relative, with its mtime. */
async function mtimes(root: string, under = ''): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const e of await readdir(path.join(root, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (e.name === '.storyfeed') continue;
    if (e.isDirectory()) for (const [k, v] of await mtimes(root, rel)) found.set(k, v);
    else found.set(rel, (await stat(path.join(root, rel))).mtimeMs);
  }
  return found;
}

describe('storyfeed build of a newsroom', () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  beforeAll(async () => {
    ws = await workspace();
  });

  it('writes the newsroom at the root and every story under its folder, and the feeds pass the checkers', async () => {
    const r = await ws.build();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of ['rss.xml', 'atom.xml', 'feed.json', 'index.html', 'stories.opml', 'stories.json']) expect(existsSync(ws.out(f))).toBe(true);
    for (const slug of SLUGS) for (const f of ['rss.xml', 'atom.xml', 'feed.json', 'index.html']) expect(existsSync(ws.out(`${slug}/${f}`))).toBe(true);
    const text = (p: string) => readFile(ws.out(p), 'utf8');
    for (const prefix of ['', ...SLUGS.map((s) => `${s}/`)]) {
      expect(await checkRss(await text(`${prefix}rss.xml`), { selfUrl: `${NEWSROOM_FEEDS}${prefix}rss.xml` })).toEqual([]);
      expect(await checkAtom(await text(`${prefix}atom.xml`), { selfUrl: `${NEWSROOM_FEEDS}${prefix}atom.xml` })).toEqual([]);
      expect(await checkJsonFeed(await text(`${prefix}feed.json`), { selfUrl: `${NEWSROOM_FEEDS}${prefix}feed.json` })).toEqual([]);
    }
    // The scheduled entry is not out yet, anywhere.
    expect(await text('storm/atom.xml')).not.toContain('storm later');
    expect(await text('atom.xml')).toContain('talks b');
    const urls = await importWithNewsboat(await text('stories.opml'));
    // Live stories by newest development: talks (May 28) before storm (May 27).
    expect(urls).toEqual(['talks', 'storm'].flatMap((s) => ['atom.xml', 'rss.xml', 'feed.json'].map((f) => `${NEWSROOM_FEEDS}${s}/${f}`)));
    const published = JSON.parse(await text('.storyfeed/published.json')) as unknown;
    expect(JSON.stringify(published)).toContain('talks/atom.xml');
    // What `storyfeed publish` uploads, and the newsroom's settings it publishes with.
    const last = lastBuild(path.join(ws.dir, 'out'));
    expect(last?.story?.id).toBe(NEWSROOM_ID);
    expect([...(last?.outputs ?? [])].filter((p) => !p.startsWith('.')).sort()).toEqual([...(await mtimes(path.join(ws.dir, 'out'))).keys()].sort());
  });

  it('an edit in one story rewrites its files and the newsroom\'s, never the other story\'s (no "up to date" answer)', async () => {
    const before = await mtimes(path.join(ws.dir, 'out'));
    await writeFile(ws.entries('talks/b.md'), newsroomEntryText('talks', 'b', '2026-05-28T09:00:00Z').replace('Body of talks b.', 'Body of talks b, corrected.'));
    const r = await ws.build();
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/no change since the last build/);
    const after = await mtimes(path.join(ws.dir, 'out'));
    expect(await readFile(ws.out('talks/atom.xml'), 'utf8')).toContain('corrected');
    expect(after.get('talks/atom.xml')).not.toBe(before.get('talks/atom.xml'));
    expect(after.get('atom.xml')).not.toBe(before.get('atom.xml'));
    const storm = [...before.keys()].filter((p) => p.startsWith('storm/'));
    expect(storm.length).toBeGreaterThan(3);
    for (const p of storm) expect([p, after.get(p)]).toEqual([p, before.get(p)]);
  });

  it('a story folder added to a newsroom is built (the fast path lists the story folders too)', async () => {
    const folder = await tempFolder({ 'entries/_newsroom.md': newsroomText() });
    cleanups.push(folder.cleanup);
    const build = () => runCli(['build', '--entries', 'entries', '--out', 'out', '--now', NOW], { cwd: folder.dir });
    expect((await build()).code).toBe(0);
    expect(existsSync(path.join(folder.dir, 'out/stories.json'))).toBe(true);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(folder.dir, 'entries/talks'));
    await writeFile(path.join(folder.dir, 'entries/talks/_story.md'), newsroomStoryText('talks'));
    await writeFile(path.join(folder.dir, 'entries/talks/a.md'), newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'));
    const r = await build();
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/no change since the last build/);
    expect(await readFile(path.join(folder.dir, 'out/talks/atom.xml'), 'utf8')).toContain('talks a');
    expect(await readFile(path.join(folder.dir, 'out/stories.json'), 'utf8')).toContain('talks');
  });

  it('`storyfeed check` lists each story with its status, counts and what is scheduled', async () => {
    const w = await workspace();
    const r = await runCli(['check', '--entries', 'entries', '--out', 'out', '--now', NOW], { cwd: w.dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.trim().startsWith('storm '))).toMatch(/storm\s+live\s+1 published, 1 scheduled, next at 2026-07-01T09:00:00\.000Z, 0 draft\s+coverage since 2026-05-27T09:00:00\.000Z\s+Storm Alba/);
    expect(lines.find((l) => l.trim().startsWith('talks '))).toMatch(/talks\s+live\s+2 published, 0 scheduled, 0 draft\s+coverage since 2026-05-26T09:00:00\.000Z\s+U\.S\.–Iran talks/);
    expect(r.stdout).toMatch(/scheduled 2026-07-01T09:00:00\.000Z\s+\S*storm\/later\.md/);
    expect(existsSync(w.out(''))).toBe(false);
  });

  it('strict: an error anywhere fails the build and writes nothing', async () => {
    const bad = await workspace({ 'storm/b.md': newsroomEntryText('storm', 'b', 'not a date') });
    const r = await bad.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/storm\/b\.md/);
    expect(existsSync(bad.out('atom.xml'))).toBe(false);
    expect(existsSync(bad.out('talks/atom.xml'))).toBe(false);
  });

  it('a story folder that is a link out of the entries folder (or to it) is E_FILE_SYMLINK_OUTSIDE, not "no _story.md"; nothing is written', async () => {
    const outside = await tempFolder({ 'evil/_story.md': newsroomStoryText('evil'), 'evil/a.md': newsroomEntryText('evil', 'a', '2026-05-26T09:00:00Z') });
    cleanups.push(outside.cleanup);
    const w = await workspace();
    await symlink(path.join(outside.dir, 'evil'), w.entries('evil'));
    await symlink('.', w.entries('loop'));
    const r = await w.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^entries\/evil:1:1 E_FILE_SYMLINK_OUTSIDE /m);
    expect(r.stderr).toMatch(/^entries\/loop:1:1 E_FILE_SYMLINK_OUTSIDE /m);
    expect(r.stderr).not.toMatch(/E_STORY_FOLDER|internal error/);
    expect(existsSync(w.out('atom.xml'))).toBe(false);
  });

  it('entries in a folder inside a story folder are E_LAYOUT, never silently left out; other folders (images, hidden) are let be', async () => {
    const w = await workspace({ 'talks/2026/c.md': newsroomEntryText('talks', 'c', '2026-05-29T09:00:00Z'), 'talks/images/x.png': 'png', 'talks/.git/x.md': 'x', 'talks/_notes/x.md': 'x' });
    const r = await w.build();
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => / E_/.test(l))).toEqual(['entries/talks/2026:1:1 E_LAYOUT `talks/2026/` is a folder inside a story folder: its files are not read']);
    expect(r.stderr).toContain('hint: move its entries up into `talks/`');
    expect(existsSync(w.out('talks/atom.xml'))).toBe(false);
  });

  it('a newsroom rehearsed ahead of the clock is marked a rehearsal, and neither published nor built live; built for the past, it is not published once a development came out since', async () => {
    const w = await workspace({ 'talks/summit.md': newsroomEntryText('talks', 'summit', '2098-01-01T09:00:00Z') });
    const rehearsed = await runCli(['build', '--entries', 'entries', '--out', 'rehearsal', '--now', '2099-01-01T00:00:00Z'], { cwd: w.dir });
    expect(rehearsed.code, rehearsed.stderr).toBe(0);
    expect(await readFile(path.join(w.dir, 'rehearsal/.storyfeed/manifest.json'), 'utf8')).toMatch(/^\{"version":"[^"]+","rehearsal":true,/);
    const endpoint = ['--to', 's3://bucket/', '--endpoint', 'http://127.0.0.1:9'];
    for (const args of [['publish', '--out', 'rehearsal', ...endpoint], ['build', '--entries', 'entries', '--out', 'rehearsal']]) {
      const r = await runCli(args, { cwd: w.dir });
      expect([args[0], r.code, r.stderr]).toEqual([args[0], 2, expect.stringContaining('rehearsal holds a rehearsal built ahead of the clock (entries out as of 2098-')]);
    }
    // The workspace's --now is before storm's later development (2026-07-01): out of date since then.
    expect((await w.build()).code).toBe(0);
    const past = await runCli(['publish', '--out', 'out', ...endpoint], { cwd: w.dir });
    expect([past.code, past.stderr]).toEqual([2, expect.stringContaining('out/ is out of date: it was built for an earlier instant, and a development has come out or been retracted since (at 2026-07-01T09:00:00.000Z)')]);
  });

  it('a story whose only development is embargoed writes nothing and is listed nowhere until it is due; check says it is not out', async () => {
    const w = await workspace({ 'quiet/_story.md': newsroomStoryText('quiet', '', 'Secret summit'), 'quiet/a.md': newsroomEntryText('quiet', 'a', '2026-07-01T09:00:00Z') });
    expect((await w.build()).code).toBe(0);
    expect(existsSync(w.out('quiet'))).toBe(false);
    for (const f of ['index.html', 'stories.json', 'stories.opml', 'atom.xml', 'sitemap.xml']) expect(await readFile(w.out(f), 'utf8'), f).not.toMatch(/Secret summit|quiet/);
    const checked = await runCli(['check', '--entries', 'entries', '--out', 'out', '--now', NOW], { cwd: w.dir });
    expect(checked.stdout).toMatch(/^ {2}quiet {2}live \(not out: no development published yet\) {2}0 published, 1 scheduled, next at 2026-07-01T09:00:00\.000Z/m);
    const due = await runCli(['build', '--entries', 'entries', '--out', 'later', '--now', '2026-07-02T00:00:00Z'], { cwd: w.dir });
    expect(due.code, due.stderr).toBe(0);
    expect(await readFile(path.join(w.dir, 'later/stories.json'), 'utf8')).toMatch(/Secret summit/);
    expect(existsSync(path.join(w.dir, 'later/quiet/atom.xml'))).toBe(true);
  });

  it('a folder of entries made inside a story folder after a good build fails the next build too (the fast path does not take it as unchanged)', async () => {
    const w = await workspace({ 'talks/images/x.png': 'png' });
    expect((await w.build()).code).toBe(0);
    const before = await readFile(w.out('talks/atom.xml'), 'utf8');
    await mkdir(w.entries('talks/2026'));
    await writeFile(w.entries('talks/2026/c.md'), newsroomEntryText('talks', 'c', '2026-05-29T09:00:00Z'));
    const r = await w.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^entries\/talks\/2026:1:1 E_LAYOUT /m);
    expect(await readFile(w.out('talks/atom.xml'), 'utf8')).toBe(before);
    // A folder without entries (images) is let be: with the nested one gone, nothing changed since the good build.
    await rm(w.entries('talks/2026'), { recursive: true });
    expect((await w.build()).stdout).toMatch(/no change since the last build/);
  });

  it("a story whose feed_base is another story's is refused at its feed_base (the feeds' self links would name the other's), nothing written", async () => {
    const w = await workspace({ 'storm/_story.md': newsroomStoryText('storm', `feed_base: ${NEWSROOM_FEEDS}talks/\n`, 'Storm Alba') });
    const r = await w.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^entries\/storm\/_story\.md:5:12 E_URL_INVALID `feed_base` https:\/\/newsroom\.example\.org\/live\/feeds\/talks\/ is also story `talks`'s/m);
    expect(existsSync(w.out('talks/atom.xml'))).toBe(false);
  });

  it.each([
    ['a link leading nowhere', (p: string) => symlink('/nonexistent/newsroom.md', p), 'E_FILE_SYMLINK_OUTSIDE'],
    ['a folder', (p: string) => mkdir(p), 'E_FILE_READ'],
  ])('a `_newsroom.md` that is %s is reported as such, not as a single story without `_story.md`', async (_name, make, code) => {
    const w = await workspace();
    await rm(w.entries('_newsroom.md'));
    await make(w.entries('_newsroom.md'));
    const r = await w.build();
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => / [EW]_[A-Z_]+ /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([`entries/_newsroom.md:1:1 ${code}`]);
  });

  it('a published story folder deleted is E_ID_VANISHED (exit 1) and its published files stay', async () => {
    const w = await workspace();
    expect((await w.build()).code).toBe(0);
    await rm(w.entries('talks'), { recursive: true });
    const r = await w.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^entries\/talks\/a\.md:1:1 E_ID_VANISHED .*with its story folder `talks\/`/m);
    expect(await readFile(w.out('talks/atom.xml'), 'utf8')).toContain('talks a');
  });

  it('a folder with both `_story.md` and `_newsroom.md` is E_LAYOUT (exit 1)', async () => {
    const both = await workspace({ '_story.md': newsroomStoryText('root') });
    const r = await both.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_LAYOUT/);
    expect(existsSync(both.out('atom.xml'))).toBe(false);
  });
});
