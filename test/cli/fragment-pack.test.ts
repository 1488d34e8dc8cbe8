// The fragment pack (.storyfeed/fragments.pack): documents re-rendered from stored fragments give
// the bytes a build without cache gives; a pack that does not check out is never trusted; memory
// is bounded by spilling to disk; garbage is bounded; a withdrawn body leaves the folder at once.
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheLines } from '../../src/build/state/cache-lines.js';
import { CACHE_PATH, LEDGER_PATH, OVERLAY_PATH, PACK_PATH } from '../../src/io/state-folder.js';
import { listFiles, publishedFiles } from '../helpers/files.js';
import { storyFolder } from '../helpers/builds.js';
import { entryText, storyText } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const NOW = new Date('2026-06-01T00:00:00Z');
const published = publishedFiles;

const entry = (i: number, body = `Body of e${i}, **bold** and [a link](/x/${i}).`, extra = '') =>
  entryText({ slug: `e${i}`, published: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:00:00Z`, extra: `tags: [t${i % 3}]\n${extra}`, body });

async function setup(count = 24) {
  const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 5\n') };
  for (let i = 0; i < count; i += 1) files[`entries/e${i}.md`] = entry(i);
  const { dir, entriesDir, out, run, fresh } = await storyFolder(files, cleanups, NOW);
  const edit = (i: number, body: string, extra = '') => writeFile(path.join(entriesDir, `e${i}.md`), entry(i, body, extra));
  return { dir, out, run, fresh, edit };
}

/** The pack as the cache index (and a patch run's overlay, when there is one) records it. */
async function packInfo(out: string): Promise<{ size: number; live: number; id: string }> {
  const overlay = await readFile(path.join(out, OVERLAY_PATH), 'utf8').catch(() => undefined);
  return CacheLines.parse(await readFile(path.join(out, CACHE_PATH)), overlay)!.header.pack!;
}

describe('the fragment pack', () => {
  it('renders a changed archive page from stored fragments, byte for byte as without cache', async () => {
    const { out, run, fresh, edit } = await setup();
    await run();
    await edit(7, 'A new body for e7, with <b>raw</b> text & more.');
    const r = await run();
    expect(r.entriesParsed).toBe(1);
    expect(r.filesRead).toBe(2); // the story and the changed file; the others are not even read
    expect(r.rendered).toBeGreaterThan(1);
    expect(await published(out)).toEqual(await fresh());
  });

  it('a blob that fails its checksum makes the build start over without the cache', async () => {
    const { out, run, fresh, edit } = await setup();
    await run();
    // Every stored blob damaged in place (same size, so only the checksums can tell).
    const pack = path.join(out, PACK_PATH);
    const bytes = await readFile(pack);
    for (let i = 64; i < bytes.length; i += 97) bytes[i] = 0x58;
    await writeFile(pack, bytes);
    await edit(3, 'Changed, so that its archive page and tag page are rendered again.');
    const r = await run();
    expect(r.ok).toBe(true);
    expect(r.entriesParsed).toBe(24);
    expect(await published(out)).toEqual(await fresh());
  });

  it.each([
    ['from another build (other id)', async (pack: string) => {
      const bytes = await readFile(pack);
      bytes.write('0123456789abcdef', 'storyfeed-pack 1 '.length, 'latin1');
      await writeFile(pack, bytes);
    }],
    ['cut short', async (pack: string) => {
      const handle = await open(pack, 'r+');
      await handle.truncate((await handle.stat()).size - 100);
      await handle.close();
    }],
    ['missing', async (pack: string) => writeFile(pack, '')],
  ])('a pack %s is not trusted: the entries are parsed again', async (_name, damage) => {
    const { out, run, fresh } = await setup();
    await run();
    await damage(path.join(out, PACK_PATH));
    await writeFile(path.join(out, 'rss.xml'), 'changed by hand');
    const r = await run();
    expect(r.entriesParsed).toBe(24);
    expect(await published(out)).toEqual(await fresh());
    // And the next run trusts the pack it wrote.
    expect((await run()).entriesParsed).toBe(0);
  });

  it('spills to disk beyond its memory budget, with the same output', async () => {
    const { out, run, fresh, edit } = await setup();
    const first = await run({ fragmentMemory: 1 });
    expect(first.ok).toBe(true);
    expect(await published(out)).toEqual(await fresh());
    await edit(11, 'Edited after a spilled build.');
    expect((await run({ fragmentMemory: 1 })).entriesParsed).toBe(1);
    expect(await published(out)).toEqual(await fresh());
    expect((await listFiles(out)).filter((f) => f.includes('.storyfeed-tmp-'))).toEqual([]);
  });

  it('stays mostly live: edits append, and a pack that would be mostly garbage is rewritten', async () => {
    const { out, run, edit } = await setup();
    await run();
    const sizes: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      for (let i = 0; i < 24; i += 1) await edit(i, `Round ${round} body of e${i}.`);
      await run();
      const info = await packInfo(out);
      sizes.push(info.size);
      expect(info.size).toBe((await stat(path.join(out, PACK_PATH))).size);
      expect(info.live * 2).toBeGreaterThanOrEqual(info.size - 64);
    }
    expect(Math.max(...sizes)).toBeLessThan(Math.min(...sizes) * 3);
  });

  it('a retraction falling due takes the body out of the pack, though no file changed', async () => {
    const { out, run, fresh, edit } = await setup();
    await edit(5, 'WITHDRAWN-BODY-TEXT in e5.', 'retracted: {at: 2026-06-01T00:00:00Z, reason: "Withdrawn"}\n');
    await run({ now: new Date('2026-05-31T00:00:00Z') });
    expect((await readFile(path.join(out, PACK_PATH), 'latin1')).includes('WITHDRAWN-BODY-TEXT')).toBe(true);
    const due = await run();
    expect(due.entriesParsed).toBe(0);
    for (const f of await listFiles(out)) expect([f, (await readFile(path.join(out, f), 'latin1')).includes('WITHDRAWN-BODY-TEXT')]).toEqual([f, false]);
    expect(await readFile(path.join(out, 'rss.xml'), 'utf8')).toContain('<title>Retracted: Development e5</title>');
    expect(await published(out)).toEqual(await fresh({ ledger: true }));
  });

  it.each([
    ['retracted', 'retracted: {at: 2026-05-31T00:00:00Z, reason: "Withdrawn"}\n'],
    ['made a draft again', 'draft: true\n'],
  ])('a body %s leaves the pack at once', async (_name, extra) => {
    const { out, run, fresh, edit } = await setup();
    await edit(5, 'WITHDRAWN-BODY-TEXT in e5.');
    await run();
    expect((await readFile(path.join(out, PACK_PATH), 'latin1')).includes('WITHDRAWN-BODY-TEXT')).toBe(true);
    await edit(5, 'WITHDRAWN-BODY-TEXT in e5.', extra);
    await run();
    for (const f of await listFiles(out)) expect([f, (await readFile(path.join(out, f), 'latin1')).includes('WITHDRAWN-BODY-TEXT')]).toEqual([f, false]);
    // A retraction leaves a stub in RSS and JSON Feed (the notice, made from the metadata) for its window.
    const stubs = (await listFiles(out)).filter((f) => f.endsWith('rss.xml'));
    const withStub = [];
    for (const f of stubs) if ((await readFile(path.join(out, f), 'utf8')).includes('<title>Retracted: Development e5</title>')) withStub.push(f);
    expect(withStub.length > 0).toBe(extra.startsWith('retracted'));
    // The ledger remembers that e5 was out once (its identity stays guarded, and a draft keeps its
    // place in the archive); a fresh folder does not — the same build without cache starts from it.
    const { [LEDGER_PATH]: _ledger, ...feeds } = await published(out);
    const { [LEDGER_PATH]: _freshLedger, ...freshFeeds } = await fresh();
    if (extra.startsWith('retracted')) expect(feeds).toEqual(freshFeeds);
    expect(await published(out)).toEqual(await fresh({ ledger: true }));
  });
});
