// Black-box tests of the storyfeed program in temp folders: exit codes, messages, what is written.
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputFile } from '../helpers/checkers.js';
import { runCli } from '../helpers/cli.js';
import { listFiles } from '../helpers/files.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function workspace(entries: Record<string, string>) {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(entries)) files[`entries/${name}`] = text;
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  const dir = folder.dir;
  const build = (...args: string[]) => runCli(['build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z', ...args], { cwd: dir });
  const snapshot = async () => {
    const out: Record<string, { bytes: string; mtimeMs: number }> = {};
    for (const name of ['rss.xml', 'atom.xml', 'feed.json', '.storyfeed/ledger.json']) {
      const p = path.join(dir, 'out', name);
      out[name] = { bytes: await readFile(p, 'utf8'), mtimeMs: (await stat(p)).mtimeMs };
    }
    return out;
  };
  return { dir, build, snapshot };
}

const story = {
  '_story.md': storyText(),
  'a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }),
  'b.md': entryText({ slug: 'b', published: '2026-05-27T09:00:00Z' }),
};

describe('storyfeed build', () => {
  it('entries in a folder inside a single story\'s folder are E_LAYOUT (found from outside: silently left out), before and after a good build; other folders are let be', async () => {
    const ws = await workspace({ ...story, 'images/x.png': 'png', '_drafts/x.md': 'x' });
    expect((await ws.build()).code).toBe(0);
    const before = await ws.snapshot();
    await mkdir(path.join(ws.dir, 'entries/2026-06'));
    await writeFile(path.join(ws.dir, 'entries/2026-06/c.md'), entryText({ slug: 'c', published: '2026-05-28T09:00:00Z' }));
    for (const command of ['build', 'check']) {
      const r = await runCli([command, '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'], { cwd: ws.dir });
      expect([command, r.code]).toEqual([command, 1]);
      expect(r.stderr).toMatch(/^entries\/2026-06:1:1 E_LAYOUT `2026-06\/` is a folder inside the entries folder: its files are not read$/m);
      expect(r.stderr).toContain('hint: move its entries up into the entries folder');
    }
    expect(await ws.snapshot()).toEqual(before);
  });

  it('writes the three feeds and the ledger, and says what it did', async () => {
    const ws = await workspace(story);
    const r = await ws.build();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/built 2 entries: 2 published, 0 scheduled, 0 draft, 0 retracted; wrote 11 files in out/);
    const names = (await readdir(path.join(ws.dir, 'out'))).sort();
    // No news-sitemap.xml: both entries are older than 48 hours.
    expect(names).toEqual(['.storyfeed', 'a', 'atom.xml', 'b', 'feed.json', 'feed.xsl', 'index.html', 'rss.xml', 'sitemap.xml', 'style.css', 'tags']);
    expect(names.some((n) => n.startsWith('.storyfeed-tmp-'))).toBe(false);
  });

  it('does not rewrite files whose bytes would not change (mtime stays)', async () => {
    const ws = await workspace(story);
    expect((await ws.build()).code).toBe(0);
    const before = await ws.snapshot();
    await new Promise((r) => setTimeout(r, 20));
    const again = await ws.build();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/no change since the last build .* wrote nothing/);
    expect(await ws.snapshot()).toEqual(before);
  });

  it('rewrites only the files that change', async () => {
    const ws = await workspace(story);
    await ws.build();
    const before = await ws.snapshot();
    await writeFile(path.join(ws.dir, 'entries/c.md'), entryText({ slug: 'c', published: '2026-05-28T09:00:00Z' }));
    const r = await ws.build();
    expect(r.code).toBe(0);
    const after = await ws.snapshot();
    for (const name of ['rss.xml', 'atom.xml', 'feed.json']) expect(after[name]!.bytes).not.toBe(before[name]!.bytes);
  });

  it('with a bad entry: exit 1, every problem as file:line:col CODE, and the published feeds stay byte-identical', async () => {
    const ws = await workspace(story);
    await ws.build();
    const before = await ws.snapshot();
    await writeFile(path.join(ws.dir, 'entries/bad.md'), '---\nid: tag:x.org,2026:bad\ntitle: Bad\npublised: 2026-05-26 10:00\n---\nBody\n');
    await writeFile(path.join(ws.dir, 'entries/worse.md'), '---js\n{}\n---\n');
    const r = await ws.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.md:1:1 E_FIELD_MISSING required field `published` is missing');
    expect(r.stderr).toContain('bad.md:4:1 E_FIELD_UNKNOWN unknown field `publised`');
    expect(r.stderr).toContain('hint: did you mean `published`?');
    expect(r.stderr).toContain('worse.md:1:4 E_FENCE_LANGUAGE');
    expect(r.stderr).toMatch(/3 problems in entries; nothing was written, the published feeds are unchanged/);
    expect(await ws.snapshot()).toEqual(before);
  });

  it('is deterministic: same entries → same bytes, whatever the file order or the wall clock', async () => {
    const one = await workspace(story);
    const reversed: Record<string, string> = {};
    for (const name of Object.keys(story).reverse()) reversed[name] = story[name as keyof typeof story];
    const two = await workspace(reversed);
    await one.build();
    await new Promise((r) => setTimeout(r, 1100));
    await two.build();
    const a = await one.snapshot();
    const b = await two.snapshot();
    for (const name of Object.keys(a)) expect(b[name]!.bytes).toBe(a[name]!.bytes);
  });

  it("a published entry's correction or update dated after the clock: exit 1 naming the field's line, the feeds as they were; built once its time has come (found from outside: the feeds said updated next week)", async () => {
    const ws = await workspace(story);
    await ws.build();
    const before = await ws.snapshot();
    await writeFile(path.join(ws.dir, 'entries/a.md'), entryText({ slug: 'a', published: '2026-05-26T09:00:00Z', extra: 'correction: {at: 2026-06-03T09:00:00Z, note: Dated ahead.}\n' }));
    await writeFile(path.join(ws.dir, 'entries/b.md'), entryText({ slug: 'b', published: '2026-05-27T09:00:00Z', extra: 'updated: 2026-06-02T12:00:00+02:00\n' }));
    const r = await ws.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("a.md:5:13 E_DATE_AHEAD `correction.at` (2026-06-03T09:00:00Z) is after the build's clock (2026-06-01T00:00:00Z)");
    expect(r.stderr).toContain("b.md:5:10 E_DATE_AHEAD `updated` (2026-06-02T10:00:00Z) is after the build's clock");
    expect(r.stderr).toContain('a development is scheduled by its `published` time');
    expect(await ws.snapshot()).toEqual(before);
    // Again: nothing of the refused run was kept that would lose the field's place.
    expect((await ws.build()).stderr).toContain('a.md:5:13 E_DATE_AHEAD');
    const later = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-03T09:00:00Z'], { cwd: ws.dir });
    expect([later.code, later.stderr]).toEqual([0, '']);
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('<updated>2026-06-03T09:00:00Z</updated>');
  });

  it('--now decides what is published: drafts never, embargoed entries only once due', async () => {
    const ws = await workspace({
      ...story,
      'later.md': entryText({ slug: 'later', published: '2026-06-02T09:00:00Z' }),
      'draft.md': entryText({ slug: 'draft', published: '2026-05-20T09:00:00Z', extra: 'draft: true\n' }),
    });
    let r = await runCli(['build', '--entries', 'entries', '--out', 'early', '--now', '2026-06-02T08:59:59Z'], { cwd: ws.dir });
    expect(r.stdout).toMatch(/2 published, 1 scheduled.*next scheduled entry at 2026-06-02T09:00:00.000Z/);
    const early = await readFile(path.join(ws.dir, 'early/atom.xml'), 'utf8');
    expect(early).not.toContain('later');
    expect(early).not.toContain('draft');
    expect(early).toContain('<updated>2026-05-27T09:00:00Z</updated>');
    r = await runCli(['build', '--entries', 'entries', '--out', 'due', '--now', '2026-06-02T09:00:00Z'], { cwd: ws.dir });
    expect(r.stdout).toMatch(/3 published, 0 scheduled/);
    const due = await readFile(path.join(ws.dir, 'due/atom.xml'), 'utf8');
    expect(due).toContain('test-story/later');
    expect(due).not.toContain('test-story/draft');
  });

  it('embargoed, draft and retracted entries leak into no file at all (feeds, tags, archives, page), and every feed passes the checkers', async () => {
    const ws = await workspace({
      '_story.md': storyText('item_limit: 1\n'),
      // Retracted on an archive page: its stub (the notice) stays, its body is in no file.
      'withdrawn.md': entryText({ slug: 'withdrawn', published: '2026-05-25T09:00:00Z', extra: 'tags: [shared]\nretracted:\n  at: 2026-05-30T09:00:00Z\n  reason: Could not be confirmed.\n', body: 'The secret-retracted-body text.' }),
      'a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z', extra: 'tags: [shared]\n' }),
      'b.md': entryText({ slug: 'b', published: '2026-05-27T09:00:00Z', extra: 'tags: [shared]\n' }),
      'later.md': entryText({ slug: 'secret-later', published: '2026-06-02T09:00:00Z', extra: 'tags: [shared, embargo-only]\n' }),
      'draft.md': entryText({ slug: 'secret-draft', published: '2026-05-20T09:00:00Z', extra: 'draft: true\ntags: [shared, draft-only]\n' }),
    });
    expect((await ws.build()).code).toBe(0);
    const files = await listFiles(path.join(ws.dir, 'out'));
    expect(files).toEqual(expect.arrayContaining(['archive/1/atom.xml', 'tags/shared/archive/1/rss.xml', 'tags/shared/index.html']));
    for (const f of files) {
      const text = await readFile(path.join(ws.dir, 'out', f), 'utf8');
      expect([f, text.includes('secret-'), text.includes('embargo-only'), text.includes('draft-only'), text.includes('2026-06-02')]).toEqual([f, false, false, false, false]);
      expect([f, await checkOutputFile(f, text, { selfUrl: new URL(f, 'https://newsroom.example.org/stories/test/feeds/').href })]).toEqual([f, []]);
    }
    for (const f of ['rss.xml', 'archive/1/rss.xml', 'tags/shared/rss.xml', 'tags/shared/archive/1/feed.json']) {
      expect([f, (await readFile(path.join(ws.dir, 'out', f), 'utf8')).includes('Retracted: Development withdrawn')]).toEqual([f, true]);
    }
  });

  it('a retraction on an archive page (item_limit: 1): that page alone changes; every Atom feed that carried the entry has the tombstone, RSS and JSON Feed the stub', async () => {
    const entry = (slug: string, day: number, extra = '') => entryText({ slug, published: `2026-05-2${day}T09:00:00Z`, extra: `tags: [shared${slug === 'a' ? ', own-a' : ''}]\n${extra}`, body: `The body of ${slug}, secret-${slug}.` });
    const ws = await workspace({ '_story.md': storyText('item_limit: 1\n'), 'a.md': entry('a', 6), 'b.md': entry('b', 7), 'c.md': entry('c', 8) });
    expect((await ws.build()).code).toBe(0);
    const outDir = path.join(ws.dir, 'out');
    const before = new Map<string, { text: string; mtimeMs: number }>();
    for (const f of await listFiles(outDir)) before.set(f, { text: await readFile(path.join(outDir, f), 'utf8'), mtimeMs: (await stat(path.join(outDir, f))).mtimeMs });
    expect(before.get('archive/1/atom.xml')!.text).toContain('secret-a');
    await writeFile(path.join(ws.dir, 'entries/a.md'), entry('a', 6, 'retracted:\n  at: 2026-05-30T09:00:00Z\n  reason: The account could not be confirmed.\n'));
    const r = await ws.build();
    expect(r.code).toBe(0);
    const files = await listFiles(outDir);
    // The same files: no page dropped, none added.
    expect(files).toEqual([...before.keys()]);
    const tombstone = '<at:deleted-entry ref="tag:newsroom.example.org,2026-05-25:test-story/a" when="2026-05-30T09:00:00Z">';
    for (const f of files) {
      const text = await readFile(path.join(outDir, f), 'utf8');
      expect([f, text.includes('secret-a')]).toEqual([f, false]);
      if (f.endsWith('atom.xml')) {
        const carried = ['atom.xml', 'archive/1/atom.xml', 'tags/shared/atom.xml', 'tags/shared/archive/1/atom.xml', 'tags/own-a/atom.xml'].includes(f);
        expect([f, text.includes(tombstone)]).toEqual([f, carried]);
      }
      if (/(rss\.xml|atom\.xml|feed\.json)$/.test(f)) expect([f, await checkOutputFile(f, text, { selfUrl: new URL(f, 'https://newsroom.example.org/stories/test/feeds/').href })]).toEqual([f, []]);
    }
    for (const f of ['archive/1/rss.xml', 'archive/1/feed.json', 'tags/own-a/rss.xml']) expect([f, (await readFile(path.join(outDir, f), 'utf8')).includes('Retracted: Development a')]).toEqual([f, true]);
    // The later page keeps its bytes and is not even rewritten; b stays on it.
    for (const f of ['archive/2/rss.xml', 'archive/2/atom.xml', 'archive/2/feed.json', 'tags/shared/archive/2/atom.xml']) {
      expect([f, await readFile(path.join(outDir, f), 'utf8'), (await stat(path.join(outDir, f))).mtimeMs]).toEqual([f, before.get(f)!.text, before.get(f)!.mtimeMs]);
    }
    expect(await readFile(path.join(outDir, 'archive/2/atom.xml'), 'utf8')).toContain('secret-b');
  });

  it('cannot be made to write outside the output folder by entry text', async () => {
    const ws = await workspace({ ...story, '..%2f..%2fescape.md': entryText({ slug: 'escape' }) });
    const r = await ws.build();
    expect(r.code).toBe(0);
    const written = await readdir(path.join(ws.dir, 'out'));
    expect(written.filter((n) => !n.startsWith('.')).sort()).toEqual(['a', 'atom.xml', 'b', 'feed.json', 'feed.xsl', 'index.html', 'rss.xml', 'sitemap.xml', 'style.css', 'tags']);
  });
});

describe('identity guard across builds (ledger)', () => {
  it('an entry deleted without a retraction fails the build; a retraction is fine', async () => {
    const ws = await workspace(story);
    expect((await ws.build()).code).toBe(0);
    await rm(path.join(ws.dir, 'entries/a.md'));
    let r = await ws.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a.md:1:1 E_ID_VANISHED');
    r = await runCli(['check', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'], { cwd: ws.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_ID_VANISHED');
    await writeFile(path.join(ws.dir, 'entries/a.md'), entryText({ slug: 'a', published: '2026-05-26T09:00:00Z', extra: 'retracted:\n  at: 2026-05-29T10:00:00Z\n  reason: The report could not be confirmed.\n' }));
    r = await ws.build();
    expect(r.code).toBe(0);
    const atom = await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8');
    expect(atom).toContain('<at:deleted-entry ref="tag:newsroom.example.org,2026-05-25:test-story/a" when="2026-05-29T10:00:00Z">');
    // RSS keeps a stub for the retraction window (it has no tombstone): the notice, never the body.
    const rss = await readFile(path.join(ws.dir, 'out/rss.xml'), 'utf8');
    expect(rss).toContain('<title>Retracted: Development a</title>');
    expect(rss).not.toContain('Body of a.');
  });

  it('an id changed in a published file is refused with a hint', async () => {
    const ws = await workspace(story);
    await ws.build();
    await writeFile(path.join(ws.dir, 'entries/a.md'), entryText({ slug: 'a-renamed', published: '2026-05-26T09:00:00Z' }));
    const r = await ws.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a\.md:2:5 E_ID_CHANGED the id of this published entry changed from `tag:newsroom\.example\.org,2026-05-25:test-story\/a`/);
    expect(r.stderr).toContain('hint: put the id back');
  });

  // Found from outside: a single story's _story.md given a new id changed its feeds' id silently (a
  // newsroom's stories were guarded); to readers another feed id is another feed.
  it("the story's own id, once its feeds went out, is refused if changed: exit 1, the feeds as they were", async () => {
    const ws = await workspace(story);
    expect((await ws.build()).code).toBe(0);
    const before = await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8');
    const ledger = JSON.parse(await readFile(path.join(ws.dir, 'out/.storyfeed/ledger.json'), 'utf8')) as { stories: Record<string, string> };
    expect(ledger.stories).toEqual({ '': 'tag:newsroom.example.org,2026-05-25:test-story' });
    const storyFile = path.join(ws.dir, 'entries/_story.md');
    const original = await readFile(storyFile, 'utf8');
    await writeFile(storyFile, original.replace('id: tag:newsroom.example.org,2026-05-25:test-story', 'id: tag:newsroom.example.org,2026-06-01:another-story'));
    for (const args of [['build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'], ['check', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z']]) {
      const r = await runCli(args, { cwd: ws.dir });
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr).toMatch(/_story\.md:2:5 E_ID_CHANGED the feeds went out with the id `tag:newsroom\.example\.org,2026-05-25:test-story`; _story\.md now says `tag:newsroom\.example\.org,2026-06-01:another-story`/);
      expect(r.stderr).toContain('hint: put the id back to `tag:newsroom.example.org,2026-05-25:test-story`');
    }
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toBe(before);
    // Found from outside: it hid every other problem of the run; an entry's are said with it.
    await writeFile(path.join(ws.dir, 'entries/bad.md'), entryText({ slug: 'bad', published: '2026-05-29 10:00' }));
    const both = await runCli(['check', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'], { cwd: ws.dir });
    expect(both.stderr).toContain('E_ID_CHANGED');
    expect(both.stderr).toContain('bad.md:4:12 E_DATE_INVALID');
    await rm(path.join(ws.dir, 'entries/bad.md'));
    await writeFile(storyFile, original);
    expect((await ws.build()).code).toBe(0);
  });

  it('an output folder built by the version before (its ledger without the feeds\u2019 id) gets the record from the next build, though nothing changed', async () => {
    const ws = await workspace(story);
    expect((await ws.build()).code).toBe(0);
    const ledgerFile = path.join(ws.dir, 'out/.storyfeed/ledger.json');
    const manifestFile = path.join(ws.dir, 'out/.storyfeed/manifest.json');
    const { stories: _stories, ...older } = JSON.parse(await readFile(ledgerFile, 'utf8')) as Record<string, unknown>;
    await writeFile(ledgerFile, `${JSON.stringify(older, null, 2)}\n`);
    // The manifest as that version left it: its ledger as written then (so the fast path would take
    // it as unchanged), its version MANIFEST_VERSION.CACHE_VERSION.RENDER_VERSION with the one before.
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { version: string; outputs: Record<string, [number, number]> };
    const written = await stat(ledgerFile);
    manifest.outputs['.storyfeed/ledger.json'] = [written.size, written.mtimeMs];
    manifest.version = manifest.version.replace(/^\d+\./, '5.');
    await writeFile(manifestFile, `${JSON.stringify(manifest)}\n`);
    expect((await ws.build()).code).toBe(0);
    expect((JSON.parse(await readFile(ledgerFile, 'utf8')) as { stories?: unknown }).stories).toEqual({ '': 'tag:newsroom.example.org,2026-05-25:test-story' });
  });
});

describe('storyfeed check', () => {
  it('validates, writes nothing, and lists what is scheduled', async () => {
    const ws = await workspace({ ...story, 'later.md': entryText({ slug: 'later', title: 'Later', published: '2026-06-02T09:00:00Z' }) });
    const r = await runCli(['check', '--entries', 'entries', '--now', '2026-06-01T00:00:00Z'], { cwd: ws.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 entries valid at 2026-06-01T00:00:00.000Z: 2 published, 1 scheduled, 0 draft, 0 retracted');
    expect(r.stdout).toContain('scheduled 2026-06-02T09:00:00.000Z  entries/later.md  Later');
    await expect(stat(path.join(ws.dir, 'out'))).rejects.toThrow();
  });

  it("shows the single story's status and coverage as a newsroom's stories are shown", async () => {
    const live = await workspace({ ...story, 'later.md': entryText({ slug: 'later', title: 'Later', published: '2026-06-02T09:00:00Z' }) });
    const r = await runCli(['check', '--entries', 'entries', '--now', '2026-06-01T00:00:00Z'], { cwd: live.dir });
    expect(r.stdout.split('\n')[1]).toBe('  .  live  2 published, 1 scheduled, next at 2026-06-02T09:00:00.000Z, 0 draft  coverage since 2026-05-26T09:00:00.000Z  Test story');
    const ended = await workspace({ ...story, '_story.md': storyText('status: ended\ncoverage_start: 2026-05-20T08:00:00Z\ncoverage_end: 2026-05-31T18:00:00+02:00\n') });
    const e = await runCli(['check', '--entries', 'entries', '--now', '2026-06-01T00:00:00Z'], { cwd: ended.dir });
    expect([e.code, e.stderr]).toEqual([0, '']);
    expect(e.stdout.split('\n')[1]).toBe('  .  ended  2 published, 0 scheduled, 0 draft  coverage 2026-05-20T08:00:00.000Z to 2026-05-31T16:00:00.000Z  Test story');
  });

  it('reports problems with exit 1', async () => {
    const ws = await workspace({ ...story, 'bad.md': entryText({ slug: 'bad', published: '2026-02-30T10:00:00Z' }) });
    const r = await runCli(['check', '--entries', 'entries'], { cwd: ws.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^entries\/bad\.md:4:12 E_DATE_INVALID `published`: `2026-02-30T10:00:00Z` names a day that does not exist$/m);
  });
});

describe('usage', () => {
  it.each([
    [[], 2, /Usage:/],
    [['--help'], 0, /Usage:/],
    [['build', '--help'], 0, /storyfeed build \[--entries DIR\]/],
    [['check', '-h'], 0, /writing nothing/],
    [['start', '--help'], 0, /serves the output folder/],
    [['deploy'], 2, /unknown command `deploy`/],
    [['publish', '--help'], 0, /storyfeed publish \[--out DIR\] --to s3:\/\/BUCKET/],
    [['build', '--to', 's3://bucket/x/'], 2, /--to belongs to `storyfeed publish`/],
    [['publish', '--to', 's3://bucket/x/', '--max-deletes', 'many'], 2, /--max-deletes `many` is not a whole number/],
    [['publish', '--to', 's3://bucket/x/', '--wait', '99999999999'], 2, /--wait `99999999999` is not a whole number from 0 to 999999999$/m],
    [['build', '--bogus'], 2, /Unknown option '--bogus'/],
    [['build', '--now', 'tomorrow'], 2, /--now `tomorrow` is not an RFC 3339 date-time/],
    [['build', '--now', '2026-06-01T10:00'], 2, /no time-zone offset/],
    [['build', '--entries', '/nonexistent/folder'], 2, /cannot read the entries folder \/nonexistent\/folder: ENOENT/],
    [['check', '--port', '9'], 2, /--host and --port belong to `storyfeed start`/],
  ])('storyfeed %j → exit %i', async (args, code, pattern) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stdout + r.stderr).toMatch(pattern);
  });
});

describe('output folder faults', () => {
  it('an output path that is a file, not a folder: exit 2, clear message', async () => {
    const ws = await workspace(story);
    await writeFile(path.join(ws.dir, 'out'), 'not a folder');
    const r = await ws.build();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/storyfeed build: /);
    expect(r.stderr).not.toMatch(/internal error/);
    await chmod(path.join(ws.dir, 'out'), 0o644);
  });

  it('start with an entries folder that is not there (a mistyped --entries) or is a file: exit 2 at once, naming it (found from outside: the service retried it forever)', async () => {
    const ws = await workspace(story);
    await writeFile(path.join(ws.dir, 'notes.txt'), 'not a folder');
    for (const [entries, code] of [['entires', 'ENOENT'], ['notes.txt', 'ENOTDIR']]) {
      const r = await runCli(['start', '--entries', entries!, '--out', 'out', '--port', '0'], { cwd: ws.dir, timeoutMs: 10_000 });
      expect([entries, r.code, r.stderr]).toEqual([entries, 2, `storyfeed start: cannot read the entries folder ${entries}: ${code}\n  hint: give --entries the folder that holds _story.md or _newsroom.md (default: entries)\n`]);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(path.join(ws.dir, 'out'))).toBe(false);
  });

  it('an entries path that is a file: exit 2, naming the entries folder, not the output folder (found from outside)', async () => {
    const ws = await workspace(story);
    await writeFile(path.join(ws.dir, 'notes.txt'), 'not a folder');
    for (const command of ['build', 'check']) {
      const r = await runCli([command, '--entries', 'notes.txt', '--out', 'out', '--now', '2026-06-01T00:00:00Z'], { cwd: ws.dir });
      expect([command, r.code, r.stderr]).toEqual([command, 2, `storyfeed ${command}: cannot read the entries folder notes.txt: ENOTDIR\n`]);
    }
  });
});
