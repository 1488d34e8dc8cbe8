// Entry anchors through the real build: with the cache, a patch attempt, parse workers and the
// ledger of earlier runs, ids that end alike keep unique anchors that never move, and the feeds'
// links and the story page agree.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/index.js';
import { runCli } from '../helpers/cli.js';
import { publishedFiles } from '../helpers/files.js';
import { FEED_BASE, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const NOW = new Date('2026-06-01T00:00:00Z');
const STORY = 'tag:newsroom.example.org,2026-05-25:test-story';

function entry(id: string, published: string, body = `Body of ${id}.`): string {
  return `---\nid: ${id}\ntitle: ${JSON.stringify(`Development ${id.slice(STORY.length)}`)}\npublished: ${published}\ntags: [talks]\n---\n${body}\n`;
}

async function setup() {
  const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 3\n') };
  for (let i = 0; i < 6; i += 1) files[`entries/e${i}.md`] = entry(`${STORY}/e${i}`, `2026-05-1${i}T09:00:00Z`);
  files['entries/a-one.md'] = entry(`${STORY}/a/one`, '2026-05-20T09:00:00Z');
  files['entries/b-one.md'] = entry(`${STORY}/b/one`, '2026-05-20T09:00:00Z');
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  return { dir: folder.dir, entriesDir: path.join(folder.dir, 'entries') };
}

/**
 * Anchor of each published entry, by its id's tail, as the ledger records it. Checks on the way that no id is on the
 * page twice, and that in every feed (subscription, archive, tag) each item links to the anchor the
 * ledger records for its id, which for the entries on the page is where they stand.
 */
async function anchors(outDir: string): Promise<Record<string, string>> {
  const read = (f: string) => readFile(path.join(outDir, f), 'utf8');
  const page = await read('index.html');
  const onPage: Record<string, string> = {};
  for (const m of page.matchAll(/<article id="([^"]*)"[^>]*>\n<h3><a href="([^"]*)\/">Development ([^<]*)<\/a>/g)) {
    expect(m[1]).toBe(m[2]);
    onPage[m[3]!] = m[1]!;
  }
  const ids = [...page.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
  expect(new Set(ids).size).toBe(ids.length);
  const ledger = JSON.parse(await read('.storyfeed/ledger.json')) as { ids: Record<string, { anchor: string }> };
  const recorded = Object.values(ledger.ids).map((r) => r.anchor);
  expect(new Set(recorded).size).toBe(recorded.length);
  for (const [tail, anchor] of Object.entries(onPage)) expect(ledger.ids[`${STORY}${tail}`]!.anchor).toBe(anchor);
  for (const f of ['feed.json', 'archive/1/feed.json', 'tags/talks/feed.json']) {
    const doc = JSON.parse(await read(f)) as { items: Array<{ id: string; url: string }> };
    for (const item of doc.items) expect(item.url).toBe(`${FEED_BASE}${ledger.ids[item.id]!.anchor}/`);
  }
  for (const f of ['rss.xml', 'atom.xml']) {
    for (const m of (await read(f)).matchAll(new RegExp(`${FEED_BASE.replace(/[.]/g, '\\.')}([a-z0-9-]+)/`, 'g'))) if (m[1] !== 'archive' && m[1] !== 'tags') expect(Object.values(onPage)).toContain(m[1]);
  }
  return Object.fromEntries(Object.entries(ledger.ids).map(([id, r]) => [id.slice(STORY.length), r.anchor]));
}

describe('entry anchors in real builds', () => {
  it('a clash found in one run is resolved by parsing again; later runs, the cache and a new look-alike move nothing', async () => {
    const { dir, entriesDir } = await setup();
    const out = path.join(dir, 'out');
    const run = (to = out, cache = true) => build({ entriesDir, outDir: to, now: NOW, cache });

    const first = await run();
    expect(first.ok).toBe(true);
    // b/one was parsed with the plain anchor a/one took first, and parsed again with its own.
    expect(first.entriesParsed).toBe(9);
    const before = await anchors(out);
    expect(before['/a/one']).toBe('one');
    expect(before['/b/one']).toMatch(/^one-[0-9a-f]{8}$/);
    expect(before['/e5']).toBe('e5');

    // Nothing changed: nothing parsed, nothing written.
    const second = await run();
    expect([second.entriesParsed, second.written]).toEqual([0, []]);

    // A new entry that ends alike, published before all of them: it gets a suffix, the others keep theirs.
    await writeFile(path.join(entriesDir, 'c-one.md'), entry(`${STORY}/c/one`, '2026-05-01T09:00:00Z'));
    await run();
    const after = await anchors(out);
    expect(after['/a/one']).toBe('one');
    expect(after['/b/one']).toBe(before['/b/one']);
    expect(after['/c/one']).toMatch(/^one-[0-9a-f]{8}$/);
    expect(new Set(Object.values(after)).size).toBe(Object.keys(after).length);

    // A body edit of the suffixed entry (a patch is tried): its anchor stays.
    await writeFile(path.join(entriesDir, 'b-one.md'), entry(`${STORY}/b/one`, '2026-05-20T09:00:00Z', 'A new body.'));
    await run();
    expect(await anchors(out)).toEqual(after);

    // The cache makes no difference: a build without it, from the same ledger, writes the same bytes.
    const fresh = path.join(dir, 'fresh');
    await cp(path.join(out, '.storyfeed', 'ledger.json'), path.join(fresh, '.storyfeed', 'ledger.json'), { recursive: true });
    await run(fresh, false);
    expect(await publishedFiles(fresh)).toEqual(await publishedFiles(out));

    // The ledger is what keeps them: deleted, the earliest (c/one) would take the plain anchor.
    await rm(path.join(fresh, '.storyfeed', 'ledger.json'));
    await run(fresh, false);
    expect((await anchors(fresh))['/c/one']).toBe('one');
  });

  it('parse workers give the same anchors and bytes as one thread', async () => {
    const { dir } = await setup();
    const cli = (out: string, workers: string) => runCli(['build', '--entries', 'entries', '--out', out, '--now', NOW.toISOString()], { cwd: dir, env: { STORYFEED_WORKERS: workers }, timeoutMs: 120_000 });
    const [threads, one] = [await cli('threads', '2'), await cli('one', '0')];
    expect([threads.code, one.code, threads.stderr, one.stderr]).toEqual([0, 0, '', '']);
    expect(await anchors(path.join(dir, 'threads'))).toEqual(await anchors(path.join(dir, 'one')));
    // A new look-alike, parsed on a worker that knows the recorded anchors.
    await writeFile(path.join(dir, 'entries', 'd-one.md'), entry(`${STORY}/d/one`, '2026-05-02T09:00:00Z'));
    await writeFile(path.join(dir, 'entries', 'b-one.md'), entry(`${STORY}/b/one`, '2026-05-20T09:00:00Z', 'Edited on a worker.'));
    const [threads2, one2] = [await cli('threads', '2'), await cli('one', '0')];
    expect([threads2.code, one2.code]).toEqual([0, 0]);
    const t = await anchors(path.join(dir, 'threads'));
    expect(t).toEqual(await anchors(path.join(dir, 'one')));
    expect(t['/a/one']).toBe('one');
    expect(await publishedFiles(path.join(dir, 'threads'))).toEqual(await publishedFiles(path.join(dir, 'one')));
  });
});
