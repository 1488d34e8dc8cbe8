// The cache index's format version (core/versions.ts CACHE_VERSION): a state folder an older
// storyfeed wrote is never misread. Version 4 named its fields by single letters that changed
// meaning by record kind (`s` = size or summary, `t` = title or slots, `b` = blob or base);
// version 5 names them in words. The old index below is the new one written back in version 4's
// shape (letters, version 4, version 4's key), the state a folder is in after an upgrade.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/index.js';
import { hashText } from '../../src/build/state/cache.js';
import { CACHE_VERSION, RENDER_VERSION } from '../../src/core/versions.js';
import { MEDIA_TYPES } from '../../src/core/formats.js';
import { CACHE_PATH } from '../../src/io/state-folder.js';
import { publishedFiles } from '../helpers/files.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const NOW = new Date('2026-06-01T00:00:00Z');

/** Version 4's letter for each field, by record kind. */
const V4_RECORD: Record<string, string> = { size: 's', mtime: 'm', hash: 'h', problems: 'd', idAt: 'i', entry: 'e', blob: 'b' };
const V4_ENTRY: Record<string, string> = {
  id: 'id', title: 't', published: 'p', updated: 'u', summary: 's', authors: 'a', tags: 'g', image: 'im',
  link: 'l', anchor: 'an', draft: 'dr', correction: 'c', retraction: 'r', noContent: 'nc', print: 'pr',
};
const V4_OUTPUT: Record<string, string> = { key: 'k', size: 's', mtime: 'm', base: 'b', deps: 'd', slots: 't' };
/** Version 4 did not record media types. */
const dropType = ({ type: _type, ...r }: Record<string, unknown>) => r;

const rename = (o: Record<string, unknown>, names: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [names[k] ?? k, v]));

/** The index as version 4 would have written it for the same story text. */
function asVersion4(index: string, story: string): string {
  const [header, ...lines] = index.split('\n');
  const h = JSON.parse(header!) as Record<string, unknown>;
  const key = hashText(JSON.stringify({ cache: 4, render: RENDER_VERSION, story: hashText(story) }));
  const out = [JSON.stringify({ ...h, version: 4, key })];
  for (const line of lines) {
    // Version 4 had no table of contents (the index's last line since version 13).
    if (line.startsWith('t\t')) continue;
    if (line === '') {
      out.push(line);
      continue;
    }
    const [kind, p, record] = line.split('\t') as [string, string, string];
    const r = JSON.parse(record) as Record<string, unknown>;
    const old = kind === 'e' ? rename({ ...r, ...(r['entry'] ? { entry: rename(r['entry'] as Record<string, unknown>, V4_ENTRY) } : {}) }, V4_RECORD) : rename(dropType(r), V4_OUTPUT);
    out.push(`${kind}\t${p}\t${JSON.stringify(old)}`);
  }
  return out.join('\n');
}

describe('cache format version', () => {
  it('writes version ' + String(CACHE_VERSION) + ' with fields named in words', async () => {
    const folder = await tempFolder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a', extra: 'summary: A summary.\n' }) });
    cleanups.push(folder.cleanup);
    await build({ entriesDir: path.join(folder.dir, 'entries'), outDir: path.join(folder.dir, 'out'), now: NOW });
    const [header, entryLine, ...rest] = (await readFile(path.join(folder.dir, 'out', CACHE_PATH), 'utf8')).split('\n');
    expect(JSON.parse(header!).version).toBe(CACHE_VERSION);
    const entry = JSON.parse(entryLine!.split('\t')[2]!);
    expect(Object.keys(entry).sort()).toEqual(['blob', 'entry', 'hash', 'idAt', 'mtime', 'size']);
    expect(entry.entry).toMatchObject({ title: 'Development a', summary: 'A summary.' });
    const output = JSON.parse(rest.find((l) => l.startsWith('o\t"rss.xml"'))!.split('\t')[2]!);
    expect(Object.keys(output).sort()).toEqual(['base', 'deps', 'key', 'mtime', 'size', 'slots', 'type']);
    // The writer keeps the media type each output was planned with (core/formats.ts).
    expect(output.type).toBe(MEDIA_TYPES.rss);
  });

  it('a state folder written by version 4 is not misread: the next build starts from scratch and writes what a clean build writes', async () => {
    const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 5\n') };
    for (let i = 0; i < 12; i += 1) {
      files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, published: `2026-05-${String(10 + i)}T09:00:00Z`, extra: `summary: Summary ${i}.\ntags: [t${i % 2}]\n` });
    }
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    const entriesDir = path.join(folder.dir, 'entries');
    const run = (out: string, cache = true) => build({ entriesDir, outDir: path.join(folder.dir, out), now: NOW, cache });
    await run('out');
    const indexFile = path.join(folder.dir, 'out', CACHE_PATH);
    const old = asVersion4(await readFile(indexFile, 'utf8'), files['entries/_story.md']!);
    await writeFile(indexFile, old);
    // A body edit: what a patch run takes, if it trusted the index.
    await writeFile(path.join(entriesDir, 'e3.md'), entryText({ slug: 'e3', published: '2026-05-13T09:00:00Z', extra: 'summary: Summary 3.\ntags: [t1]\n', body: 'A longer body of e3, edited after the upgrade.' }));

    const r = await run('out');
    expect(r.ok).toBe(true);
    expect(r.patched).toBe(false);
    expect(r.notPatched).toBe('the cache index is not the one the manifest was written with');
    // Nothing taken from the old index: every entry parsed again.
    expect(r.entriesParsed).toBe(12);
    await run('clean', false);
    expect(await publishedFiles(path.join(folder.dir, 'out'))).toEqual(await publishedFiles(path.join(folder.dir, 'clean')));
    expect(JSON.parse((await readFile(indexFile, 'utf8')).split('\n')[0]!).version).toBe(CACHE_VERSION);
  });
});
