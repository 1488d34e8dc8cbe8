// The output folder through the real program: what leaves the story leaves every file, only files
// storyfeed wrote are ever deleted, a folder it did not create is not built into without --force,
// and a run publishes whole (issue 12, items 2, 7 and 8).
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_PATH } from '../../src/io/state-folder.js';
import { runCli } from '../helpers/cli.js';
import { BOOKKEEPING, listFiles } from '../helpers/files.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const NOW = '2026-06-01T00:00:00Z';
const BODY = 'GONE-BODY-TEXT';
const RETRACTED = 'retracted:\n  at: 2026-05-30T09:00:00Z\n  reason: The account could not be confirmed.\n';

/** a (the oldest, on archive page 1 with item_limit 1) has a tag of its own; b and c share one. */
function entry(slug: string, day: number, extra = '', tags = slug === 'a' ? '[own-a, shared]' : '[shared]'): string {
  return entryText({ slug, published: `2026-05-2${day}T09:00:00Z`, extra: `tags: ${tags}\n${extra}`, body: slug === 'a' ? `The body of a, ${BODY}.` : `The body of ${slug}.` });
}

async function workspace(files: Record<string, string> = {}) {
  const folder = await tempFolder({
    'entries/_story.md': storyText('item_limit: 1\n'),
    'entries/a.md': entry('a', 6),
    'entries/b.md': entry('b', 7),
    'entries/c.md': entry('c', 8),
    ...files,
  });
  cleanups.push(folder.cleanup);
  const dir = folder.dir;
  const out = path.join(dir, 'out');
  const build = (...args: string[]) => runCli(['build', '--entries', 'entries', '--out', 'out', '--now', NOW, ...args], { cwd: dir });
  const files_ = () => listFiles(out);
  const read = (f: string) => readFile(path.join(out, f), 'utf8');
  return { dir, out, build, files: files_, read };
}

/** Every file below out/ that holds `text` (bookkeeping included: nothing withdrawn may stay anywhere). */
async function holding(out: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const f of await listFiles(out)) if ((await readFile(path.join(out, f), 'latin1')).includes(text)) found.push(f);
  return found;
}

describe('what leaves the story leaves every file', () => {
  it.each([
    // name, the change, where the body may still be, whether the tag's folder stays (with a tombstone)
    ['retracted', async (dir: string) => writeFile(path.join(dir, 'entries/a.md'), entry('a', 6, RETRACTED)), [] as string[], true],
    ['made a draft', async (dir: string) => writeFile(path.join(dir, 'entries/a.md'), entry('a', 6, 'draft: true\n')), [], false],
    // Still published, on archive page 1 (and in the fragment pack), but in no tag's files.
    ['untagged', async (dir: string) => writeFile(path.join(dir, 'entries/a.md'), entry('a', 6, '', '[]')), ['.storyfeed/fragments.pack', 'a/index.html', 'archive/1/atom.xml', 'archive/1/feed.json', 'archive/1/rss.xml'], false],
    // The identity guard refuses a bare deletion; deleting the ledger too resets it (README), and the
    // pages are cut afresh: the chain loses a page.
    [
      'deleted (with the ledger)',
      async (dir: string) => {
        await rm(path.join(dir, 'entries/a.md'));
        await rm(path.join(dir, 'out/.storyfeed/ledger.json'));
      },
      [],
      false,
    ],
  ] as const)('an entry with a tag of its own, on an archive page, %s: its body is in no file, and the files no run plans are gone', async (name, change, allowed, tagStays) => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const before = await ws.files();
    expect(before).toEqual(expect.arrayContaining(['tags/own-a/rss.xml', 'tags/own-a/atom.xml', 'tags/own-a/feed.json', 'tags/own-a/index.html', 'archive/1/rss.xml', 'archive/2/rss.xml']));
    expect((await holding(ws.out, BODY)).length).toBeGreaterThan(0);
    await change(ws.dir);
    const r = await ws.build();
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await holding(ws.out, BODY)).toEqual(allowed);
    const after = await ws.files();
    const tagFiles = after.filter((f) => f.startsWith('tags/own-a/'));
    if (tagStays) {
      expect(tagFiles).toEqual(['tags/own-a/atom.xml', 'tags/own-a/feed.json', 'tags/own-a/index.html', 'tags/own-a/rss.xml']);
      expect(await ws.read('tags/own-a/atom.xml')).toContain('<at:deleted-entry ref="tag:newsroom.example.org,2026-05-25:test-story/a"');
      expect(await ws.read('tags/own-a/rss.xml')).toContain('Retracted: Development a');
    } else {
      expect(tagFiles).toEqual([]);
      expect(await readFile(path.join(ws.out, 'tags/index.html'), 'utf8')).not.toContain('own-a');
    }
    if (name.startsWith('deleted')) expect(after.filter((f) => f.startsWith('archive/2/'))).toEqual([]);
    // Exactly the files the run planned: the record says so, and a build from scratch (with the
    // same ledger) publishes the same names.
    const published = after.filter((f) => !BOOKKEEPING.has(f));
    const record = JSON.parse(await ws.read('.storyfeed/published.json')) as { files: string[] };
    expect(record.files).toEqual(published);
    const fresh = path.join(ws.dir, 'fresh');
    await cp(path.join(ws.out, '.storyfeed/ledger.json'), path.join(fresh, '.storyfeed/ledger.json'));
    expect((await runCli(['build', '--entries', 'entries', '--out', 'fresh', '--now', NOW], { cwd: ws.dir })).code).toBe(0);
    expect((await listFiles(fresh)).filter((f) => !BOOKKEEPING.has(f))).toEqual(published);
  });

  it('never deletes a file storyfeed did not write, even in a folder it removes from the story', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const mine = { 'notes.txt': 'mine', 'tags/own-a/notes.txt': 'mine too', '.storyfeed-tmp-notes': 'not a temp file', 'tags/.storyfeed-tmp-mine': 'nor this' };
    for (const [f, text] of Object.entries(mine)) await writeFile(path.join(ws.out, f), text);
    await writeFile(path.join(ws.dir, 'entries/a.md'), entry('a', 6, 'draft: true\n'));
    expect((await ws.build()).code).toBe(0);
    for (const [f, text] of Object.entries(mine)) expect([f, await ws.read(f)]).toEqual([f, text]);
    // The tag's own files are gone; its folder stays for the file that is not storyfeed's.
    expect((await ws.files()).filter((f) => f.startsWith('tags/own-a/'))).toEqual(['tags/own-a/notes.txt']);
  });
});

describe('the output folder belongs to storyfeed', () => {
  it('a non-empty folder storyfeed did not create is refused (exit 2, untouched) without --force, and adopted with it', async () => {
    const ws = await workspace({ 'out/index.html': '<p>my own page</p>', 'out/style.css': 'p {}', 'out/notes.txt': 'mine' });
    const refused = await ws.build();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the output folder out holds files storyfeed did not write \(index\.html, notes\.txt, style\.css\)/);
    expect(refused.stderr).toMatch(/hint: .*--force/);
    expect(await ws.files()).toEqual(['index.html', 'notes.txt', 'style.css']);
    expect(await ws.read('index.html')).toBe('<p>my own page</p>');
    const forced = await ws.build('--force');
    expect([forced.code, forced.stderr]).toEqual([0, '']);
    expect(await ws.read('index.html')).toContain('<!doctype html>');
    expect(await ws.read('notes.txt')).toBe('mine');
    // Adopted: the next run needs no --force, and still leaves the user's file alone.
    await writeFile(path.join(ws.dir, 'entries/a.md'), entry('a', 6, 'draft: true\n'));
    expect((await ws.build()).code).toBe(0);
    expect(await ws.read('notes.txt')).toBe('mine');
  });

  it('a new folder, an empty one, and one storyfeed built are built into without --force', async () => {
    const ws = await workspace();
    await mkdir(path.join(ws.out), { recursive: true });
    expect((await ws.build()).code).toBe(0);
    expect(await ws.read('.storyfeed/README.md')).toMatch(/storyfeed's output folder/);
    expect((await ws.build()).code).toBe(0);
  });

  it.each([
    ['--out equal to --entries', ['--entries', 'entries', '--out', 'entries'], /the output folder entries is the entries folder/],
    ['--out inside --entries', ['--entries', 'entries', '--out', 'entries/out'], /the output folder entries\/out is inside the entries folder entries/],
    ['--out inside --entries through a link', ['--entries', 'entries', '--out', 'link/out'], /is inside the entries folder/],
    ['--entries inside --out', ['--entries', 'site/entries', '--out', 'site'], /the entries folder site\/entries is inside the output folder site/],
  ])('%s is refused with exit 2, nothing written', async (_name, args, message) => {
    const ws = await workspace();
    await cp(path.join(ws.dir, 'entries'), path.join(ws.dir, 'site/entries'), { recursive: true });
    await symlink(path.join(ws.dir, 'entries'), path.join(ws.dir, 'link'));
    const before = await listFiles(ws.dir);
    // check too: it writes nothing, but it tells whether a build would go through (it said yes here).
    for (const command of ['build', 'start', 'check']) {
      const r = await runCli([command, ...args, ...(command === 'start' ? ['--port', '0'] : ['--now', NOW])], { cwd: ws.dir });
      expect([command, r.code]).toEqual([command, 2]);
      expect(r.stderr).toMatch(message);
    }
    expect(await listFiles(ws.dir)).toEqual(before);
  });

  it('a folder of the output replaced by a link leading outside: nothing is written or deleted through it (exit 2, the published files as they were)', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const elsewhere = path.join(ws.dir, 'elsewhere');
    await mkdir(elsewhere);
    const feeds = ['rss.xml', 'atom.xml', 'feed.json', 'archive/2/rss.xml'];
    const old = new Map(await Promise.all(feeds.map(async (f) => [f, await ws.read(f)] as const)));
    await rm(path.join(ws.out, 'tags'), { recursive: true });
    await symlink(elsewhere, path.join(ws.out, 'tags'));
    await writeFile(path.join(ws.dir, 'entries/d.md'), entry('d', 9));
    const r = await ws.build();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to write outside the output folder: .*tags leads to .*elsewhere \(a symbolic link in the output folder\)/);
    expect(await listFiles(elsewhere)).toEqual([]);
    for (const f of feeds) expect([f, await ws.read(f)]).toEqual([f, old.get(f)]);
    expect((await ws.files()).filter((f) => f.includes('.storyfeed-tmp-') || /^\.storyfeed\/run-/.test(f))).toEqual([]);
  });

  it('a file no longer planned, in a folder replaced by a link leading outside, is not deleted there', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const elsewhere = path.join(ws.dir, 'elsewhere-own-a');
    await cp(path.join(ws.out, 'tags/own-a'), elsewhere, { recursive: true });
    const kept = await listFiles(elsewhere);
    expect(kept).toContain('rss.xml');
    await rm(path.join(ws.out, 'tags/own-a'), { recursive: true });
    await symlink(elsewhere, path.join(ws.out, 'tags/own-a'));
    // a loses its own tag: tags/own-a/* are no longer planned, and would be deleted through the link.
    await writeFile(path.join(ws.dir, 'entries/a.md'), entry('a', 6, '', '[shared]'));
    expect((await ws.build()).code).toBe(0);
    expect(await listFiles(elsewhere)).toEqual(kept);
  });

  it('--now later than the clock without --out is refused (exit 2) with the rehearsal as hint; with --out it runs', async () => {
    const ws = await workspace();
    const r = await runCli(['build', '--now', '2099-01-02T00:00:00Z'], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('storyfeed build --now 2099-01-02T00:00:00Z --out /tmp/rehearsal');
    expect(await listFiles(ws.dir)).not.toContain(expect.stringMatching(/^out\//));
    expect((await runCli(['build', '--now', '2099-01-02T00:00:00Z', '--out', 'rehearsal'], { cwd: ws.dir })).code).toBe(0);
    // A past --now needs no --out of its own.
    expect((await runCli(['build', '--now', NOW], { cwd: ws.dir })).code).toBe(0);
  });

  it('--now earlier than the live folder\'s last change is refused by build (start takes no --now) (found from outside: developments went back to "scheduled", and publish deleted them); the past builds into a folder of its own', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const live = await listFiles(ws.out);
    const rss = await ws.read('rss.xml');
    // c, published 05-28 09:00, left the news sitemap 48 hours later: the folder's last change.
    const r = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', '2026-05-27T12:00:00Z'], { cwd: ws.dir });
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--now 2026-05-27T12:00:00Z is earlier than the last change published in out/ (as of 2026-05-30T09:00:00.000Z): a build then would take back what went out since')]);
    expect(r.stderr).toContain('hint: build the past into a folder of its own, e.g. storyfeed build --now 2026-05-27T12:00:00Z --out /tmp/past');
    // start takes no --now at all, and says so before anything else (found from outside: it got the hint above, which it cannot follow).
    const start = await runCli(['start', '--entries', 'entries', '--out', 'out', '--now', '2026-05-27T12:00:00Z', '--port', '0'], { cwd: ws.dir });
    expect([start.code, start.stderr.trim()]).toEqual([2, 'storyfeed start: --now is for build and check; the service follows the real clock']);
    expect(await listFiles(ws.out)).toEqual(live);
    expect(await ws.read('rss.xml')).toBe(rss);
    // From that change on, the same developments are out: fine.
    expect((await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', '2026-05-30T09:00:00Z'], { cwd: ws.dir })).code).toBe(0);
    expect(await ws.read('rss.xml')).toBe(rss);
    // A story summary longer than the manifest's first 256 KiB (found from outside: the guard was off).
    await writeFile(path.join(ws.dir, 'entries/_story.md'), storyText('item_limit: 1\n') + '\n' + 'Q & A <on> the "talks". '.repeat(12000) + '\n');
    expect((await ws.build()).code).toBe(0);
    const long = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', '2026-05-27T12:00:00Z'], { cwd: ws.dir });
    expect([long.code, long.stderr]).toEqual([2, expect.stringContaining('is earlier than the last change published in out/')]);
    const past = await runCli(['build', '--entries', 'entries', '--out', 'past', '--now', '2026-05-27T12:00:00Z'], { cwd: ws.dir });
    expect([past.code, past.stdout]).toEqual([0, expect.stringMatching(/2 published, 1 scheduled/)]);
    // …and never reaches the bucket (found from outside: publish deleted c there); built at the clock, it may.
    const publishPast = ['publish', '--out', 'past', '--to', 's3://bucket/', '--endpoint', 'http://127.0.0.1:9'];
    const refused = await runCli(publishPast, { cwd: ws.dir });
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('past/ is out of date: it was built for an earlier instant, and a development has come out or been retracted since (at 2026-05-28T09:00:00.000Z)')]);
    expect(refused.stderr).toContain('hint: build it at the clock first: storyfeed build --out past, then storyfeed publish --out past');
    expect((await runCli(['build', '--entries', 'entries', '--out', 'past'], { cwd: ws.dir })).code).toBe(0);
    expect((await runCli(publishPast, { cwd: ws.dir })).stderr).not.toContain('out of date');
  });

  it('a rehearsal never goes live (found from outside: `--out out` written out let it): not into a live build, no live build or service into it, no publish of it', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const live = await listFiles(path.join(ws.dir, 'out'));
    const ahead = await runCli(['build', '--now', '2099-01-02T00:00:00Z', '--out', 'out'], { cwd: ws.dir });
    expect([ahead.code, ahead.stderr]).toEqual([2, expect.stringContaining('out holds a live build: embargoed entries would go out there')]);
    expect(await listFiles(path.join(ws.dir, 'out'))).toEqual(live);
    // A rehearsal folder of its own that published ahead: rehearsed again, fine; built live, served or published, refused.
    await writeFile(path.join(ws.dir, 'entries/later.md'), entry('later', 6).replace(/^published: .*$/m, 'published: 2098-01-01T00:00:00Z'));
    expect((await runCli(['build', '--now', '2099-01-02T00:00:00Z', '--out', 'rehearsal'], { cwd: ws.dir })).code).toBe(0);
    expect((await runCli(['build', '--now', '2099-01-03T00:00:00Z', '--out', 'rehearsal'], { cwd: ws.dir })).code).toBe(0);
    const rehearsed = await listFiles(path.join(ws.dir, 'rehearsal'));
    // The manifest says which folder is a rehearsal's (not only its window: a clock gone back looks the same).
    expect(await readFile(path.join(ws.dir, 'rehearsal', MANIFEST_PATH), 'utf8')).toMatch(/^\{"version":"[^"]+","rehearsal":true,/);
    expect(await readFile(path.join(ws.dir, 'out', MANIFEST_PATH), 'utf8')).not.toContain('"rehearsal"');
    for (const args of [['build', '--out', 'rehearsal'], ['start', '--out', 'rehearsal', '--port', '0'], ['publish', '--out', 'rehearsal', '--to', 's3://bucket/', '--endpoint', 'http://127.0.0.1:9']]) {
      const r = await runCli(args, { cwd: ws.dir });
      expect([args[0], r.code, r.stderr]).toEqual([args[0], 2, expect.stringMatching(/rehearsal holds a rehearsal built ahead of the clock \(entries out as of 2098-/)]);
    }
    expect(await listFiles(path.join(ws.dir, 'rehearsal'))).toEqual(rehearsed);
  });
});

describe('a build exits when it is done', () => {
  it('a full build with nothing to write (the cache and manifest gone, every output as it was) exits at once (found from outside: the fsync thread, started and never used, held the process open for ever)', async () => {
    // Over 512 outputs to render: the fsyncs then go to their own thread (io/sync-thread.ts).
    const files: Record<string, string> = { 'entries/_story.md': storyText() };
    for (let i = 0; i < 140; i += 1) files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, extra: `tags: [t${i}]\n` });
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    const build = () => runCli(['build', '--entries', 'entries', '--out', 'out'], { cwd: folder.dir, timeoutMs: 60_000 });
    expect((await build()).code).toBe(0);
    for (const f of ['cache.json', 'fragments.pack', 'manifest.json']) await rm(path.join(folder.dir, 'out/.storyfeed', f), { force: true });
    const started = Date.now();
    const again = await build();
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/wrote nothing \(no change\).*\n.*rendered (\d{3,}) of/)]);
    expect(Number(/rendered (\d+) of/.exec(again.stdout)![1])).toBeGreaterThanOrEqual(512);
    expect(Date.now() - started).toBeLessThan(50_000); // it exited by itself, long before the 60 s kill
  }, 120_000);
});

describe('a run publishes whole', () => {
  it('a directory in the way of index.html: the run fails in one sentence, every file keeps its old bytes, nothing is left behind', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const feeds = ['rss.xml', 'atom.xml', 'feed.json', 'tags/shared/rss.xml', 'tags/own-a/atom.xml', 'archive/2/rss.xml'];
    const old = new Map(await Promise.all(feeds.map(async (f) => [f, await ws.read(f)] as const)));
    await rm(path.join(ws.out, 'index.html'));
    await mkdir(path.join(ws.out, 'index.html/in-the-way'), { recursive: true });
    await writeFile(path.join(ws.dir, 'entries/d.md'), entry('d', 9));
    const failed = await ws.build();
    expect(failed.code).toBe(2);
    expect(failed.stderr.trim()).toBe('storyfeed build: could not publish out/index.html: a directory is in the way; the published files are as they were');
    for (const f of feeds) expect([f, await ws.read(f)]).toEqual([f, old.get(f)]);
    const leftovers = (files: string[]) => files.filter((f) => f.includes('.storyfeed-tmp-') || /^\.storyfeed\/run-/.test(f) || f.startsWith('tags/own-d'));
    expect(leftovers(await ws.files())).toEqual([]);
    await rm(path.join(ws.out, 'index.html'), { recursive: true });
    expect((await ws.build()).code).toBe(0);
    expect(await ws.read('rss.xml')).toContain('test-story/d');
    expect(leftovers(await ws.files())).toEqual([]);
  });

  it('temps and the run folder of a run that did not finish are removed by the next run, a user file that only looks alike is not', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const token = '0123456789abcdef';
    // Folders it staged too (a new story or tag, filled under a temp name: io/file-calls.ts FolderStaging).
    const stale = [`.storyfeed-tmp-${token}-3`, `tags/shared/.storyfeed-tmp-${token}-1`, '.storyfeed-tmp-4242-0123456789ab', `.storyfeed/run-${token}/1`, `.storyfeed-tmp-${token}-5/index.html`, `tags/.storyfeed-tmp-${token}-6/x/rss.xml`];
    const users = ['.storyfeed-tmp-notes', 'tags/.storyfeed-tmp-12-mine', `.storyfeed-tmp-${token}`, '.storyfeed-tmp-mine/keep.txt'];
    for (const f of [...stale, ...users]) {
      await mkdir(path.dirname(path.join(ws.out, f)), { recursive: true });
      await writeFile(path.join(ws.out, f), 'x');
    }
    // Nothing changed in the entries: the run folder alone says there is work to do.
    const r = await ws.build();
    expect(r.code).toBe(0);
    const files = await ws.files();
    for (const f of stale) expect([f, files.includes(f)]).toEqual([f, false]);
    expect(files.filter((f) => f.startsWith('.storyfeed/run-') || /storyfeed-tmp-[0-9a-f]{16}-\d+\//.test(f))).toEqual([]);
    for (const f of users) expect([f, await ws.read(f)]).toEqual([f, 'x']);
  });
});
