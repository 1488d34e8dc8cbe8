// Service mode, a single story: a published entry whose file is broken while no last good text is
// in memory (the service started while it was broken) is built with the build cache's record of its
// last clean version (its metadata; its fragments from the pack), so the story goes on publishing
// its other entries. Found from outside: after a restart the story stood still until the file was
// fixed (and in a newsroom, the story left the newsroom's files: newsroom-left-out.test.ts). Only
// what was published is ever in the cache: an embargoed entry broken meanwhile is held back.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/build/index.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
const NOW = new Date('2026-06-01T00:00:00Z');

describe('a service started while a published entry is broken (single story)', () => {
  it('the cache\'s record of its last clean version stands in, run after run, until the file is fixed; an embargoed entry broken meanwhile is held back', async () => {
    const folder = await tempFolder({
      'entries/_story.md': storyText(),
      'entries/a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }),
      'entries/b.md': entryText({ slug: 'b', published: '2026-05-27T09:00:00Z' }),
      'entries/later.md': entryText({ slug: 'later', published: '2026-07-01T09:00:00Z', body: 'EMBARGOED TEXT.' }),
    });
    cleanups.push(folder.cleanup);
    const entriesDir = path.join(folder.dir, 'entries');
    const outDir = path.join(folder.dir, 'out');
    const run = () => build({ entriesDir, outDir, now: NOW, mode: 'service' });
    const rss = () => readFile(path.join(outDir, 'rss.xml'), 'utf8');
    expect((await run()).ok).toBe(true);
    const a = path.join(entriesDir, 'a.md');
    const good = await readFile(a, 'utf8');
    await writeFile(a, good.replace(/^published: .*$/m, 'published: soon'));
    await writeFile(path.join(entriesDir, 'later.md'), entryText({ slug: 'later', published: 'later', body: 'EMBARGOED TEXT.' }));
    await writeFile(path.join(entriesDir, 'c.md'), entryText({ slug: 'c', published: '2026-05-28T09:00:00Z' }));
    // Twice, as a service started again would: no last good text is given either time.
    for (let i = 0; i < 2; i += 1) {
      const r = await run();
      const status = new Map(r.compiled?.outcomes.map((o) => [o.path, o.status]));
      expect([status.get('a.md'), status.get('later.md'), status.get('c.md')]).toEqual(['kept-last-good', 'rejected', 'ok']);
      expect(r.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(expect.arrayContaining(['a.md E_DATE_INVALID', 'later.md E_DATE_INVALID']));
      const feed = await rss();
      for (const text of ['Development a', 'Body of a.', 'Development b', 'Development c']) expect(feed).toContain(text);
      expect(feed).not.toContain('EMBARGOED');
    }
    await writeFile(a, good.replace('Body of a.', 'Body of a, fixed.'));
    const fixed = await run();
    expect(fixed.compiled?.outcomes.find((o) => o.path === 'a.md')?.status).toBe('ok');
    expect(await rss()).toContain('Body of a, fixed.');
  });
});
