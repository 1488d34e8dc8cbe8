// A newsroom's entries folder (io/read-sources.ts): `_newsroom.md` makes the reader read one level
// of story folders, giving `<slug>/file.md`, with the root's checks on every file (links out, size,
// encoding); a single story's folder reads as before (no subfolders).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/core/limits.js';
import { compileNewsroom } from '../../../src/core/newsroom-compile.js';
import { isSourceName } from '../../../src/io/read-sources.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../../helpers/newsroom.js';
import { readSources } from '../../helpers/read-sources.js';
import { storyText, tempFolder } from '../../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
async function folderWith(files: Record<string, string | Buffer>) {
  const f = await tempFolder(files);
  cleanups.push(f.cleanup);
  return f.dir;
}
const summary = (r: Awaited<ReturnType<typeof readSources>>) => ({ sources: r.sources.map((s) => s.path).sort(), diagnostics: r.diagnostics.map((d) => `${d.file} ${d.code}`) });

describe('story folders', () => {
  it.each<[string, Record<string, string | Buffer>, { sources: string[]; diagnostics: string[] }]>([
    [
      'a newsroom: one level of folders, helpers and hidden names skipped; entries one level deeper are E_LAYOUT, not left out unsaid',
      { '_newsroom.md': newsroomText(), 'a/_story.md': newsroomStoryText('a'), 'a/x.md': newsroomEntryText('a', 'x', '2026-05-26T09:00:00Z'), 'a/notes.txt': 'x', 'a/_draft.md': 'x', 'a/deeper/y.md': 'x', 'a/img/p.png': 'x', 'a/.git/y.md': 'x', '.git/z.md': 'x', '_drafts/z.md': 'x' },
      { sources: ['_newsroom.md', 'a/_story.md', 'a/x.md'], diagnostics: ['a/deeper/ E_LAYOUT'] },
    ],
    [
      'a single story: subfolders are not read, and one holding entry files is E_LAYOUT',
      { '_story.md': storyText(), 'a/x.md': 'x', 'images/x.png': 'png' },
      { sources: ['_story.md'], diagnostics: ['a/ E_LAYOUT'] },
    ],
    [
      'a file too large in a story folder',
      { '_newsroom.md': newsroomText(), 'a/_story.md': newsroomStoryText('a'), 'a/big.md': 'x'.repeat(LIMITS.entryBytes + 1) },
      { sources: ['_newsroom.md', 'a/_story.md'], diagnostics: ['a/big.md E_FILE_TOO_LARGE'] },
    ],
    [
      'a file that is not UTF-8 in a story folder',
      { '_newsroom.md': newsroomText(), 'a/_story.md': newsroomStoryText('a'), 'a/bad.md': Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xe9, 0x0a]) },
      { sources: ['_newsroom.md', 'a/_story.md'], diagnostics: ['a/bad.md E_FILE_ENCODING'] },
    ],
  ])('%s', async (_name, files, expected) => {
    expect(summary(await readSources(await folderWith(files)))).toEqual(expected);
  });

  it('a story folder that links outside the entries folder is refused whole', async () => {
    const outside = await folderWith({ '_story.md': newsroomStoryText('out'), 'x.md': 'x' });
    const dir = await folderWith({ '_newsroom.md': newsroomText() });
    symlinkSync(outside, path.join(dir, 'out'));
    expect(summary(await readSources(dir))).toEqual({ sources: ['_newsroom.md'], diagnostics: ['out/ E_FILE_SYMLINK_OUTSIDE'] });
  });

  it('a file in a story folder that links outside is refused', async () => {
    const outside = await folderWith({ 'secret.md': 'x' });
    const dir = await folderWith({ '_newsroom.md': newsroomText(), 'a/_story.md': newsroomStoryText('a') });
    symlinkSync(path.join(outside, 'secret.md'), path.join(dir, 'a', 'x.md'));
    expect(summary(await readSources(dir))).toEqual({ sources: ['_newsroom.md', 'a/_story.md'], diagnostics: ['a/x.md E_FILE_SYMLINK_OUTSIDE'] });
  });

  it('a story folder linking to another inside is read under its own name', async () => {
    const dir = await folderWith({ '_newsroom.md': newsroomText(), 'a/_story.md': newsroomStoryText('a') });
    mkdirSync(path.join(dir, 'b'));
    writeFileSync(path.join(dir, 'b', '_story.md'), newsroomStoryText('b'));
    symlinkSync(path.join(dir, 'b'), path.join(dir, 'c'));
    expect(summary(await readSources(dir)).sources).toEqual(['_newsroom.md', 'a/_story.md', 'b/_story.md', 'c/_story.md']);
  });

  it('_newsroom.md is a source name; other helpers are not', () => {
    expect(['_newsroom.md', '_story.md', '_notes.md', 'a.md'].map(isSourceName)).toEqual([true, true, false, true]);
  });

  it('what the reader gives compiles as a newsroom', async () => {
    const dir = await folderWith({ '_newsroom.md': newsroomText(), 'a/_story.md': newsroomStoryText('a'), 'a/x.md': newsroomEntryText('a', 'x', '2026-05-26T09:00:00Z') });
    const read = await readSources(dir);
    const r = compileNewsroom({ sources: read.sources, readDiagnostics: read.diagnostics, now: new Date('2026-06-01T00:00:00Z') });
    expect(r.diagnostics).toEqual([]);
    expect(r.planned.map((p) => p.path)).toContain('a/atom.xml');
  });
});
