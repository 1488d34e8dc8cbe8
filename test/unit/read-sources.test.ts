// Reader faults: an entry deleted between listing and reading, an unreadable folder.
import { readFile as realReadFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const vanish = vi.hoisted(() => ({ name: undefined as string | undefined }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((file: Parameters<typeof fs.readFileSync>[0], options?: Parameters<typeof fs.readFileSync>[1]) => {
    if (vanish.name && String(file).endsWith(vanish.name)) {
      // The file was listed, then deleted by an editor before it could be read.
      fs.unlinkSync(String(file));
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${String(file)}'`), { code: 'ENOENT' });
    }
    return fs.readFileSync(file, options);
  }) as typeof fs.readFileSync;
  return { ...fs, readFileSync, default: { ...fs, readFileSync } };
});

const { readSources, EntriesFolderError, isSourceName } = await import('../../src/io/read-sources.js');
const { compile } = await import('../../src/core/compile.js');
const { entryText, storyText, tempFolder } = await import('../helpers/story.js');

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

describe('readSources', () => {
  it('an entry deleted mid-build is a diagnostic for that file; the others are read', async () => {
    const folder = await tempFolder({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }), 'gone.md': entryText({ slug: 'gone' }) });
    cleanups.push(folder.cleanup);
    vanish.name = `${path.sep}gone.md`;
    const read = await readSources(folder.dir);
    vanish.name = undefined;
    expect(read.sources.map((s) => s.path)).toEqual(['_story.md', 'a.md']);
    expect(read.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['gone.md E_FILE_READ']);
    expect(read.diagnostics[0]!.message).toContain('ENOENT');
    const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: new Date('2026-06-01T00:00:00Z') });
    expect(result.ok).toBe(false);
    expect(await realReadFile(path.join(folder.dir, 'a.md'), 'utf8')).toContain('test-story/a');
  });

  it('a folder that cannot be read is a configuration error', async () => {
    await expect(readSources('/nonexistent/entries')).rejects.toBeInstanceOf(EntriesFolderError);
  });

  it.each([
    ['a.md', true],
    ['_story.md', true],
    ['_draft-notes.md', false],
    ['.hidden.md', false],
    ['notes.txt', false],
    ['README', false],
  ])('%s is a source: %s', (name, expected) => {
    expect(isSourceName(name)).toBe(expected);
  });
});
