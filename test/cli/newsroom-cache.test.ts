// A newsroom's build cache, fast path and document keys (build/newsroom.ts), through the real
// program: after every kind of edit a cached rebuild writes exactly the bytes of a build from
// scratch into another folder (given the same ledger, the newsroom's published history); a run
// with nothing changed answers "no change" and writes nothing; one edited entry is the only file
// parsed, and only its story's files and the newsroom's are rewritten.
import { cp, mkdir, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolder } from '../helpers/story.js';
import { newsroomEntryText, newsroomStoryText, newsroomText, sampleNewsroom } from '../helpers/newsroom.js';
import { CACHE_PATH, LEDGER_PATH, OVERLAY_PATH } from '../../src/io/state-folder.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const NOW = '2026-06-01T00:00:00Z';
const FAST = /no change since the last build \(\d+ files unchanged\)/;

async function workspace(extra: Record<string, string> = {}) {
  const folder = await tempFolder(Object.fromEntries(Object.entries({ ...sampleNewsroom(), ...extra }).map(([k, v]) => [`entries/${k}`, v])));
  cleanups.push(folder.cleanup);
  const build = (out = 'out', extra: string[] = []) => runCli(['build', '--entries', 'entries', '--out', out, '--now', NOW, ...extra], { cwd: folder.dir });
  const entry = (p: string) => path.join(folder.dir, 'entries', p);
  let fresh = 0;
  /** The cached build into out/, then one from scratch (the same ledger, no cache) into another folder: their trees. */
  const both = async () => {
    const other = `fresh-${(fresh += 1)}`;
    const ledger = path.join(folder.dir, 'out', LEDGER_PATH);
    if (await stat(ledger).catch(() => undefined)) {
      await mkdir(path.join(folder.dir, other, path.dirname(LEDGER_PATH)), { recursive: true });
      await cp(ledger, path.join(folder.dir, other, LEDGER_PATH));
    }
    const cached = await build('out', ['--timings']);
    const scratch = await build(other);
    expect([cached.code, cached.stderr]).toEqual([0, '']);
    expect([scratch.code, scratch.stderr]).toEqual([0, '']);
    return { cached, out: await tree(path.join(folder.dir, 'out')), scratch: await tree(path.join(folder.dir, other)) };
  };
  return { dir: folder.dir, build, entry, both };
}

/** Every file under a folder but the bookkeeping (`.storyfeed/`, but for the ledger), relative, with its bytes. */
async function tree(root: string, under = ''): Promise<Record<string, string>> {
  const found: Record<string, string> = under ? {} : { [LEDGER_PATH]: (await readFile(path.join(root, LEDGER_PATH))).toString('base64') };
  for (const e of await readdir(path.join(root, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (e.name === '.storyfeed') continue;
    if (e.isDirectory()) Object.assign(found, await tree(root, rel));
    else found[rel] = (await readFile(path.join(root, rel))).toString('base64');
  }
  return found;
}

/** Every file under a folder (bookkeeping included), relative, with its mtime. */
async function mtimes(root: string, under = ''): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const e of await readdir(path.join(root, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of await mtimes(root, rel)) found.set(k, v);
    else found.set(rel, (await stat(path.join(root, rel))).mtimeMs);
  }
  return found;
}

const summary = (stdout: string) => /(\d+) files: read (\d+), parsed (\d+)/.exec(stdout)?.slice(1).map(Number);

/** Three more stories of 20 entries each: an index large enough that one edit's records go to its overlay. */
function moreStories(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const slug of ['fires', 'strike', 'summit']) {
    files[`${slug}/_story.md`] = newsroomStoryText(slug);
    for (let i = 0; i < 20; i += 1) files[`${slug}/e${i}.md`] = newsroomEntryText(slug, `e${i}`, `2026-05-${String(2 + i).padStart(2, '0')}T08:00:00Z`);
  }
  return files;
}

describe('a newsroom build with the cache', () => {
  it('after every kind of edit, writes exactly the bytes of a build from scratch', async () => {
    const ws = await workspace();
    const same = async () => {
      const r = await ws.both();
      expect(Object.keys(r.out).length).toBeGreaterThan(20);
      expect(r.out).toEqual(r.scratch);
      return r.cached;
    };
    await same();
    const edits: Array<[string, () => Promise<unknown>]> = [
      ['a body', () => writeFile(ws.entry('talks/b.md'), newsroomEntryText('talks', 'b', '2026-05-28T09:00:00Z', 'tags: [diplomacy]\n').replace('Body of talks b.', 'Body of talks b, *corrected*.'))],
      ['a title', () => writeFile(ws.entry('storm/a.md'), newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z').replace('title: "storm a"', 'title: "Storm Alba makes landfall"'))],
      ['an entry added', () => writeFile(ws.entry('talks/c.md'), newsroomEntryText('talks', 'c', '2026-05-31T09:00:00Z', 'tags: [diplomacy, sanctions]\n'))],
      ['a scheduled entry removed', () => rm(ws.entry('storm/later.md'))],
      ['an entry retracted', () => writeFile(ws.entry('vote/a.md'), newsroomEntryText('vote', 'a', '2026-05-25T09:00:00Z', 'retracted:\n  at: 2026-05-31T10:00:00Z\n  reason: Wrong count.\n'))],
      ['a story folder added', async () => {
        await mkdir(ws.entry('quake'));
        await writeFile(ws.entry('quake/_story.md'), newsroomStoryText('quake', '', 'The quake'));
        await writeFile(ws.entry('quake/a.md'), newsroomEntryText('quake', 'a', '2026-05-31T12:00:00Z'));
        await writeFile(ws.entry('quake/soon.md'), newsroomEntryText('quake', 'soon', '2026-06-05T12:00:00Z'));
      }],
      ['_newsroom.md edited', () => writeFile(ws.entry('_newsroom.md'), newsroomText('copyright: © Example Newsroom\n', 'Every story, as it develops.'))],
      ['a _story.md edited', () => writeFile(ws.entry('storm/_story.md'), newsroomStoryText('storm', 'item_limit: 10\nauthors:\n  - name: Storm Desk\n', 'Storm Alba (category 4)'))],
      ['a story folder with nothing published removed', () => rm(ws.entry('quake/soon.md')).then(() => writeFile(ws.entry('vote/c.md'), newsroomEntryText('vote', 'c', '2026-05-29T13:00:00Z')))],
    ];
    for (const [name, edit] of edits) {
      await edit();
      const cached = await same();
      expect([name, cached.stdout]).not.toEqual([name, expect.stringMatching(FAST)]);
    }
    // And the last run left a manifest the fast path trusts.
    const last = await ws.build();
    expect(last.stdout).toMatch(FAST);
  });

  it('a story folder added (nothing out yet: no file), removed again, then added with a development out: the cached build matches one from scratch each time', async () => {
    const ws = await workspace();
    await ws.both();
    const addQuake = async (...entries: Array<[string, string]>) => {
      await mkdir(ws.entry('quake'));
      await writeFile(ws.entry('quake/_story.md'), newsroomStoryText('quake', '', 'The quake'));
      for (const [name, published] of entries) await writeFile(ws.entry(`quake/${name}.md`), newsroomEntryText('quake', name, published));
    };
    await addQuake(['soon', '2026-06-05T12:00:00Z']);
    let r = await ws.both();
    expect(Object.keys(r.out).filter((p) => p.startsWith('quake/'))).toEqual([]);
    expect(Buffer.from(r.out['stories.json']!, 'base64').toString()).not.toContain('quake');
    expect(r.out).toEqual(r.scratch);
    // Never out, so its folder may go (a published one's may not: E_ID_VANISHED).
    await rm(ws.entry('quake'), { recursive: true });
    r = await ws.both();
    expect(r.out).toEqual(r.scratch);
    await addQuake(['first', '2026-05-30T12:00:00Z'], ['soon', '2026-06-05T12:00:00Z']);
    r = await ws.both();
    expect(Object.keys(r.out)).toContain('quake/atom.xml');
    expect(Buffer.from(r.out['stories.json']!, 'base64').toString()).toContain('The quake');
    expect(r.out).toEqual(r.scratch);
  });

  it('with nothing changed: "no change", and nothing written, not even the bookkeeping', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const before = await mtimes(path.join(ws.dir, 'out'));
    const r = await ws.build();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(FAST);
    expect(await mtimes(path.join(ws.dir, 'out'))).toEqual(before);
  });

  it('an embargo falling due in one story is never answered "no change"', async () => {
    const ws = await workspace();
    expect((await ws.build()).code).toBe(0);
    const later = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', '2026-07-02T00:00:00Z'], { cwd: ws.dir });
    expect([later.code, later.stderr]).toEqual([0, '']);
    expect(later.stdout).not.toMatch(FAST);
    expect(await readFile(path.join(ws.dir, 'out/storm/atom.xml'), 'utf8')).toContain('storm later');
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('storm later');
  });

  it('one entry changed: only it is parsed, and only its story\'s files and the newsroom\'s are written', async () => {
    const ws = await workspace(moreStories());
    expect((await ws.build()).code).toBe(0);
    expect(await stat(path.join(ws.dir, 'out', CACHE_PATH))).toBeTruthy();
    const before = await mtimes(path.join(ws.dir, 'out'));
    await writeFile(ws.entry('storm/b.md'), newsroomEntryText('storm', 'b', '2026-05-29T09:00:00Z').replace('Body of storm b.', 'Body of storm b, updated.'));
    const r = await ws.build();
    expect([r.code, r.stderr]).toEqual([0, '']);
    // 74 files; read: _newsroom.md, six _story.md, the edited entry and the scheduled
    // storm/later.md (nothing unpublished is ever cached); parsed: those two entries.
    expect(summary(r.stdout)).toEqual([74, 9, 2]);
    const after = await mtimes(path.join(ws.dir, 'out'));
    const changed = [...after.keys()].filter((p) => after.get(p) !== before.get(p) && !p.startsWith('.storyfeed/'));
    expect(changed).toContain('storm/atom.xml');
    expect(changed).toContain('atom.xml');
    expect(changed.filter((p) => p.includes('/') && !p.startsWith('storm/'))).toEqual([]);
    // Nothing of the other stories was even rendered again: only storm's and the newsroom's documents.
    const rendered = /rendered (\d+) of (\d+) outputs/.exec(r.stdout)!.slice(1).map(Number);
    const ofStorm = [...after.keys()].filter((p) => p.startsWith('storm/')).length;
    const atRoot = [...after.keys()].filter((p) => !p.includes('/')).length + 1; // and the ledger
    expect(rendered[0]).toBeLessThanOrEqual(ofStorm + atRoot);
    expect(rendered[1]).toBeGreaterThan(ofStorm + atRoot);
    // The index was not rewritten: the few records that changed went to the overlay beside it…
    expect(after.get(CACHE_PATH)).toBe(before.get(CACHE_PATH));
    expect(after.get(OVERLAY_PATH)).toBeDefined();
    // …which the next runs read with it: still the bytes of a build from scratch, still "no change".
    await writeFile(ws.entry('storm/a.md'), newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z').replace('title: "storm a"', 'title: "Storm Alba strengthens"'));
    const next = await ws.both();
    expect(next.out).toEqual(next.scratch);
    expect(summary(next.cached.stdout)).toEqual([74, 9, 2]);
    expect((await ws.build()).stdout).toMatch(FAST);
  });

  it('a body edited in a story\'s own documents is patched in place; a title, or an entry of the newsroom\'s feed, takes the full build', async () => {
    const ws = await workspace(moreStories());
    const out = path.join(ws.dir, 'out');
    expect((await ws.build()).code).toBe(0);
    const PATCHED = /patched (\d+) of (\d+) outputs in place/;
    const body = (name: string, day: string, text: string) => writeFile(ws.entry(`fires/${name}.md`), newsroomEntryText('fires', name, `2026-05-${day}T08:00:00Z`).replace(`Body of fires ${name}.`, text));
    const steps: Array<[string, () => Promise<unknown>, string | undefined]> = [
      ['a body', () => body('e3', '05', 'Body of fires e3, *corrected*.'), undefined],
      ['a title', () => writeFile(ws.entry('fires/e3.md'), newsroomEntryText('fires', 'e3', '2026-05-05T08:00:00Z').replace('title: "fires e3"', 'title: "Fires reach the ridge"')), 'the metadata of a changed entry changed'],
      ['another body', () => body('e5', '07', 'Body of fires e5, with a second paragraph.\n\nAnd <b>more</b>.'), undefined],
      ['two bodies at once', () => Promise.all([body('e7', '09', 'Body of fires e7, again.'), body('e6', '08', 'Body of fires e6 & more.')]), undefined],
      // The newest of a story is in the newsroom's front page (its summary), an entry of the newsroom's feed in its feeds.
      ['the newest of a story', () => body('e19', '21', 'Body of fires e19, updated.'), 'a changed entry is in the newsroom’s own documents'],
      ['an entry of the newsroom feed', () => writeFile(ws.entry('talks/b.md'), newsroomEntryText('talks', 'b', '2026-05-28T09:00:00Z', 'tags: [diplomacy]\n').replace('Body of talks b.', 'Body of talks b, fixed.')), 'a changed entry is in the newsroom’s own documents'],
      ['a body after the full builds', () => body('e5', '07', 'Body of fires e5, once more.'), undefined],
    ];
    for (const [name, edit, fullBecause] of steps) {
      const before = await mtimes(out);
      await edit();
      const r = await ws.both();
      expect([name, r.out]).toEqual([name, r.scratch]);
      if (fullBecause) {
        expect([name, r.cached.stdout]).toEqual([name, expect.stringContaining(`(full build: ${fullBecause})`)]);
        continue;
      }
      // Only the edited files were parsed; only fires' documents were written, and the index was not rewritten.
      expect([name, r.cached.stdout]).toEqual([name, expect.stringMatching(PATCHED)]);
      expect(summary(r.cached.stdout)![2]).toBe(name === 'two bodies at once' ? 2 : 1);
      const after = await mtimes(out);
      const changed = [...after.keys()].filter((p) => after.get(p) !== before.get(p) && !p.startsWith('.storyfeed/'));
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.filter((p) => !p.startsWith('fires/'))).toEqual([]);
      expect(after.get(CACHE_PATH)).toBe(before.get(CACHE_PATH));
      // A full build after the patch (`_newsroom.md` touched: never patched) finds every key as the patch left it: it renders nothing.
      const touched = new Date(Date.now() + 1000 * steps.length);
      await utimes(ws.entry('_newsroom.md'), touched, touched);
      const full = await ws.build();
      expect([name, full.code, full.stdout]).toEqual([name, 0, expect.stringMatching(/rendered 0 of \d+ outputs/)]);
    }
    expect((await ws.build()).stdout).toMatch(FAST);
  });

  it('patches on the build\'s own thread too (no warm worker: the settings are parsed there), and an output of another story changed by hand takes the full build, which puts it right', async () => {
    const ws = await workspace(moreStories());
    const out = path.join(ws.dir, 'out');
    expect((await ws.build()).code).toBe(0);
    // From the sources, the parse worker is not a file: build() parses on its own thread.
    const { main } = await import('../../src/cli.js');
    const run = async () => {
      const lines: string[] = [];
      const code = await main(['build', '--timings', '--entries', path.join(ws.dir, 'entries'), '--out', out, '--now', NOW], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      return { code, stdout: lines.join('\n') };
    };
    const body = (text: string) => writeFile(ws.entry('fires/e3.md'), newsroomEntryText('fires', 'e3', '2026-05-05T08:00:00Z').replace('Body of fires e3.', text));
    await body('Body of fires e3, corrected on this thread.');
    const patched = await run();
    expect([patched.code, patched.stdout]).toEqual([0, expect.stringMatching(/read 3, parsed 1 \(the rest unchanged\); patched \d+ of \d+ outputs in place/)]);
    const same = await ws.both();
    expect(same.out).toEqual(same.scratch);
    // Another edit, and a story the edit is not in changed by hand: not patched, and put right.
    await body('Body of fires e3, corrected again.');
    await writeFile(path.join(out, 'strike', 'atom.xml'), 'tampered');
    const full = await run();
    expect([full.code, full.stdout]).toEqual([0, expect.not.stringMatching(/patched/)]);
    expect(full.stdout).toMatch(/strike\/atom\.xml/);
    const after = await ws.both();
    expect(after.out).toEqual(after.scratch);
    expect(after.cached.stdout).toMatch(FAST);
  });

  it('an index whose table of contents names the edited story\'s outputs wrongly (one letter) is read whole: the patch still writes the bytes of a build from scratch', async () => {
    const ws = await workspace(moreStories());
    expect((await ws.build()).code).toBe(0);
    const index = path.join(ws.dir, 'out', CACHE_PATH);
    const text = await readFile(index, 'utf8');
    const damaged = text.replace(/\nt\t.*\n$/, (toc) => toc.replace('["o","fires",', '["o","firez",'));
    expect(damaged).not.toBe(text);
    await writeFile(index, damaged);
    await writeFile(ws.entry('fires/e3.md'), newsroomEntryText('fires', 'e3', '2026-05-05T08:00:00Z').replace('Body of fires e3.', 'Body of fires e3, corrected under a damaged table.'));
    const r = await ws.both();
    expect(r.cached.stdout).toMatch(/patched [1-9]\d* of \d+ outputs in place/);
    expect(r.out).toEqual(r.scratch);
  });
});
