// The start-up fast path: "no change" is only ever answered when a full build would write the same
// bytes. Every way the answer could go stale is tried here.
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_PATH } from '../../src/io/state-folder.js';
import { checkUpToDate } from '../../src/build/fast-path.js';
import { build } from '../../src/build/index.js';
import { runCli } from '../helpers/cli.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const FAST = /no change since the last build \(\d+ files unchanged\)/;

async function workspace(extra: Record<string, string> = {}) {
  const folder = await tempFolder({
    'entries/_story.md': storyText(),
    'entries/a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }),
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`entries/${k}`, v])),
  });
  cleanups.push(folder.cleanup);
  const build = (now = '2026-06-01T00:00:00Z') => runCli(['build', '--entries', 'entries', '--out', 'out', '--now', now], { cwd: folder.dir });
  return { dir: folder.dir, build };
}

describe('storyfeed build fast path', () => {
  it('answers "no change" after a build when nothing changed', async () => {
    const ws = await workspace();
    expect((await ws.build()).stdout).not.toMatch(FAST);
    const again = await ws.build();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(FAST);
  });

  it.each([
    ['an entry edited', async (dir: string) => writeFile(path.join(dir, 'entries/a.md'), entryText({ slug: 'a', title: 'Edited', published: '2026-05-26T09:00:00Z' })), 'Edited'],
    ['an entry added', async (dir: string) => writeFile(path.join(dir, 'entries/b.md'), entryText({ slug: 'b', title: 'Added' })), 'Added'],
    ['an entry touched only', async (dir: string) => utimes(path.join(dir, 'entries/a.md'), new Date(), new Date('2030-01-01T00:00:00Z')), undefined],
    ['the story edited', async (dir: string) => writeFile(path.join(dir, 'entries/_story.md'), storyText().replace('Test story', 'Renamed story')), 'Renamed story'],
    ['an output changed by hand', async (dir: string) => writeFile(path.join(dir, 'out/atom.xml'), 'tampered'), undefined],
    ['an output deleted', async (dir: string) => rm(path.join(dir, 'out/rss.xml')), undefined],
    ['the ledger deleted', async (dir: string) => rm(path.join(dir, 'out/.storyfeed/ledger.json')), undefined],
    ['the manifest corrupted', async (dir: string) => writeFile(path.join(dir, 'out', MANIFEST_PATH), '{"version":'), undefined],
  ])('%s → a full build', async (_name, change, expectText) => {
    const ws = await workspace();
    await ws.build();
    const before = await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8');
    await change(ws.dir);
    const r = await ws.build();
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(FAST);
    const atom = await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8');
    if (expectText) expect(atom).toContain(expectText);
    else expect(atom).toBe(before);
    expect((await ws.build()).stdout).toMatch(FAST);
  });

  it('a run that held an entry back (the service) vouches for nothing: the strict build that follows reports the entry, never "no change"', async () => {
    const ws = await workspace({ 'broken.md': '---\ntitle: [unclosed\n---\nbody\n' });
    const entries = path.join(ws.dir, 'entries');
    const out = path.join(ws.dir, 'out');
    const now = new Date('2026-06-01T00:00:00Z');
    const held = await build({ entriesDir: entries, outDir: out, now, mode: 'service' });
    expect(held.ok).toBe(true);
    // Its manifest says what it wrote (publish reads it), marked as a run with errors.
    expect(await readFile(path.join(out, MANIFEST_PATH), 'utf8')).toMatch(/^\{"version":"[^"]+","clean":false,/);
    expect(checkUpToDate(entries, out, now).upToDate).toBe(false);
    const strict = await ws.build();
    expect([strict.code, strict.stdout]).toEqual([1, expect.not.stringMatching(FAST)]);
    expect(strict.stderr).toContain('broken.md');
    // The entry put right: a clean build, and then the fast path again.
    await writeFile(path.join(entries, 'broken.md'), entryText({ slug: 'broken' }));
    expect((await ws.build()).code).toBe(0);
    expect((await ws.build()).stdout).toMatch(FAST);
  });

  it("a service run holds back a correction dated after the clock, and says where it stands run after run (it is not cached while it is ahead); once due, it goes out", async () => {
    const ws = await workspace({ 'b.md': entryText({ slug: 'b', extra: 'correction: {at: 2026-06-03T09:00:00Z, note: Dated ahead.}\n' }) });
    const [entries, out] = [path.join(ws.dir, 'entries'), path.join(ws.dir, 'out')];
    const at = (r: { diagnostics: readonly { file: string; line: number; column: number; code: string }[] }) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`);
    for (const now of ['2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z']) {
      const held = await build({ entriesDir: entries, outDir: out, now: new Date(now), mode: 'service' });
      expect([held.ok, at(held)]).toEqual([true, ['b.md:5:13 E_DATE_AHEAD']]);
      expect(await readFile(path.join(out, 'atom.xml'), 'utf8')).not.toContain('test-story/b');
    }
    const due = await build({ entriesDir: entries, outDir: out, now: new Date('2026-06-03T09:00:00Z'), mode: 'service' });
    expect([due.ok, at(due)]).toEqual([true, []]);
    expect(await readFile(path.join(out, 'atom.xml'), 'utf8')).toContain('test-story/b');
  });

  it('says which few entries changed, and calls its hook once, at the first of them (never when nothing did)', async () => {
    const ws = await workspace({ 'b.md': entryText({ slug: 'b' }), 'c.md': entryText({ slug: 'c' }) });
    await ws.build();
    const entries = path.join(ws.dir, 'entries');
    const out = path.join(ws.dir, 'out');
    const now = new Date('2026-06-01T00:00:00Z');
    let calls = 0;
    const quiet = checkUpToDate(entries, out, now, { onChange: () => (calls += 1) });
    expect([quiet.upToDate, quiet.changedSince, calls]).toEqual([true, undefined, 0]);
    await writeFile(path.join(entries, 'b.md'), entryText({ slug: 'b', body: 'Edited.' }));
    await writeFile(path.join(entries, 'c.md'), entryText({ slug: 'c', body: 'Edited too.' }));
    const edited = checkUpToDate(entries, out, now, { onChange: () => (calls += 1) });
    expect(edited.upToDate).toBe(false);
    expect([...edited.changedSince!.changed].sort()).toEqual(['b.md', 'c.md']);
    expect(edited.changedSince!.manifestText).toBe(await readFile(path.join(out, MANIFEST_PATH), 'utf8'));
    expect(calls).toBe(1);
  });

  it('reads the stamps of names JSON escapes, and a manifest in any other JSON form (parsed whole), as the same', async () => {
    const ws = await workspace({ 'q"uote\\back.md': entryText({ slug: 'odd' }), 'tab\there.md': entryText({ slug: 'tab' }) });
    await ws.build();
    expect((await ws.build()).stdout).toMatch(FAST);
    const file = path.join(ws.dir, 'out', MANIFEST_PATH);
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { entries: Record<string, [number, number]> };
    expect(Object.keys(manifest.entries)).toContain('q"uote\\back.md');
    await writeFile(file, JSON.stringify(manifest, null, 1));
    expect((await ws.build()).stdout).toMatch(FAST);
    // The same form with one stamp that is not the file's: not "no change".
    manifest.entries['tab\there.md']![0] += 1;
    await writeFile(file, JSON.stringify(manifest, null, 1));
    expect((await ws.build()).stdout).not.toMatch(FAST);
    expect((await ws.build()).stdout).toMatch(FAST);
  });

  it.each([
    ['a space before a record', (t: string) => t.replace(',"entries":{', ', "entries":{')],
    ['an escape in a key', (t: string) => t.replace(',"entries":{', ',"entri\\u0065s":{')],
    ['the entries first', (t: string) => `{"entries":${JSON.stringify(JSON.parse(t).entries)},${t.slice(1, t.indexOf(',"entries":{'))}${t.slice(t.indexOf(',"outputs":{'))}`],
    ['a key written twice (JSON.parse takes the last)', (t: string) => t.replace(/\}\n$/, ',"generation":"other"}\n')],
  ])('a manifest edited by hand (%s): an edited body is a full build, and the manifest it writes is whole', async (_name, edit) => {
    // Named to come before `_story.md` in the manifest, the edited one second (a patch then finds every stamp it needs).
    const ws = await workspace({ '0-first.md': entryText({ slug: 'first', published: '2026-05-26T08:00:00Z' }), '1-b.md': entryText({ slug: 'b', published: '2026-05-26T08:30:00Z' }) });
    await ws.build();
    const file = path.join(ws.dir, 'out', MANIFEST_PATH);
    const text = edit(await readFile(file, 'utf8'));
    expect(JSON.parse(text)).toBeTypeOf('object');
    await writeFile(file, text);
    expect((await ws.build()).stdout).toMatch(FAST);
    await writeFile(path.join(ws.dir, 'entries/1-b.md'), entryText({ slug: 'b', published: '2026-05-26T08:30:00Z', body: 'Edited by hand.' }));
    const r = await ws.build();
    expect(r.stdout).not.toMatch(/patched/);
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('Edited by hand.');
    expect(JSON.parse(await readFile(file, 'utf8')).entries['1-b.md']).toHaveLength(2);
    expect((await ws.build()).stdout).toMatch(FAST);
  });

  it('a window written twice in the manifest is read as JSON.parse reads it (the last)', async () => {
    const ws = await workspace();
    await ws.build();
    const file = path.join(ws.dir, 'out', MANIFEST_PATH);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\}\n$/, ',"window":[0,1]}\n'));
    expect((await ws.build()).stdout).not.toMatch(FAST);
    expect((await ws.build()).stdout).toMatch(FAST);
  });

  it('an entry deleted → a full build (and the identity guard)', async () => {
    const ws = await workspace({ 'b.md': entryText({ slug: 'b' }) });
    await ws.build();
    await rm(path.join(ws.dir, 'entries/b.md'));
    const r = await ws.build();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_ID_VANISHED');
  });

  it('a bad entry is never answered with "no change"', async () => {
    const ws = await workspace();
    await ws.build();
    await writeFile(path.join(ws.dir, 'entries/bad.md'), '---\ntitle: no id\n---\n');
    expect((await ws.build()).code).toBe(1);
    expect((await ws.build()).code).toBe(1);
  });

  it('crossing an embargo is a full build; inside the window is not; back across it is refused (it would take back what went out)', async () => {
    const ws = await workspace({ 'later.md': entryText({ slug: 'later', published: '2026-06-02T09:00:00Z' }) });
    await ws.build('2026-06-02T08:00:00Z');
    expect((await ws.build('2026-06-02T08:59:59Z')).stdout).toMatch(FAST);
    const due = await ws.build('2026-06-02T09:00:00Z');
    expect(due.stdout).not.toMatch(FAST);
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('test-story/later');
    expect((await ws.build('2026-06-03T00:00:00Z')).stdout).toMatch(FAST);
    // Back across it: the fast path does not answer it, and the CLI refuses it (src/build/state/rehearsal.ts).
    const entries = path.join(ws.dir, 'entries');
    const out = path.join(ws.dir, 'out');
    expect(checkUpToDate(entries, out, new Date('2026-06-02T09:00:00Z')).upToDate).toBe(true);
    expect(checkUpToDate(entries, out, new Date('2026-06-02T08:59:59Z')).upToDate).toBe(false);
    const back = await ws.build('2026-06-01T00:00:00Z');
    expect([back.code, back.stderr]).toEqual([2, expect.stringContaining('is earlier than the last change published in out/ (as of 2026-06-02T09:00:00.000Z)')]);
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('test-story/later');
  });

  it('a planned coverage_end passing is a full build: the page then says coverage ended', async () => {
    const ws = await workspace();
    await writeFile(path.join(ws.dir, 'entries/_story.md'), storyText('status: ended\ncoverage_end: 2026-06-02T09:00:00Z\n'));
    await ws.build('2026-06-02T08:00:00Z');
    const page = () => readFile(path.join(ws.dir, 'out/index.html'), 'utf8');
    expect(await page()).toContain('<strong>Coverage ends</strong>');
    expect((await ws.build('2026-06-02T08:59:59Z')).stdout).toMatch(FAST);
    expect((await ws.build('2026-06-02T09:00:00Z')).stdout).not.toMatch(FAST);
    expect(await page()).toContain('<strong>Coverage ended</strong>');
    expect((await ws.build('2026-06-03T00:00:00Z')).stdout).toMatch(FAST);
  });

  it('a retraction falling due is a full build', async () => {
    const ws = await workspace({ 'r.md': entryText({ slug: 'r', extra: 'retracted:\n  at: 2026-06-02T09:00:00Z\n  reason: Not confirmed.\n' }) });
    await ws.build('2026-06-02T08:00:00Z');
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('test-story/r</id>');
    const r = await ws.build('2026-06-02T10:00:00Z');
    expect(r.stdout).not.toMatch(FAST);
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('at:deleted-entry ref="tag:newsroom.example.org,2026-05-25:test-story/r"');
  });

  it('the end of a retraction window is a full build: the stub leaves RSS on time', async () => {
    const ws = await workspace({ 'r.md': entryText({ slug: 'r', extra: 'retracted:\n  at: 2026-06-02T09:00:00Z\n  reason: Not confirmed.\n' }) });
    await ws.build('2026-07-02T08:00:00Z');
    expect(await readFile(path.join(ws.dir, 'out/rss.xml'), 'utf8')).toContain('<title>Retracted: Development r</title>');
    expect((await ws.build('2026-07-02T08:30:00Z')).stdout).toMatch(FAST);
    // 30 days after the retraction (the default retraction_window).
    const r = await ws.build('2026-07-02T09:00:00Z');
    expect(r.stdout).not.toMatch(FAST);
    expect(await readFile(path.join(ws.dir, 'out/rss.xml'), 'utf8')).not.toContain('Retracted: Development r');
    expect(await readFile(path.join(ws.dir, 'out/atom.xml'), 'utf8')).toContain('at:deleted-entry ref="tag:newsroom.example.org,2026-05-25:test-story/r"');
  });
});
