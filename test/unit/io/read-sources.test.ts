// Reader faults and races: an entry deleted or swapped between listing and reading (for a link to
// outside, a FIFO, a link whose folder is swapped while it is opened), file names that are not
// UTF-8, an unreadable folder.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync as realReadFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile as realReadFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// One hook into the reader: a swap done right after it resolved a link and before it opens the
// target, the narrowest window there is (a test cannot win such a race by timing).
const hook = vi.hoisted(() => ({ afterRealpath: undefined as ((file: string) => void) | undefined }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const realpathSync = ((file: Parameters<typeof fs.realpathSync>[0], options?: Parameters<typeof fs.realpathSync>[1]) => {
    const result = fs.realpathSync(file, options);
    const run = hook.afterRealpath;
    if (run) {
      hook.afterRealpath = undefined;
      run(String(file));
    }
    return result;
  }) as typeof fs.realpathSync;
  return { ...fs, realpathSync, default: { ...fs, realpathSync } };
});

const { listSources, readListed, isSourceName } = await import('../../../src/io/read-sources.js');
const { printableName } = await import('../../../src/io/utf8-names.js');
const { readSources } = await import('../../helpers/read-sources.js');
const { isUserError } = await import('../../../src/errors.js');
const { compile } = await import('../../../src/core/compile.js');
const { entryText, storyText, tempFolder } = await import('../../helpers/story.js');

const NOW = new Date('2026-06-01T00:00:00Z');
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function folderWith(files: Record<string, string | Buffer>) {
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  return folder.dir;
}

/** A secret outside the entries folder, written as a valid entry so that it would be published if read. */
async function secret(): Promise<{ dir: string; file: string; text: string }> {
  const dir = await folderWith({ 'secret.md': entryText({ slug: 'secret', title: 'Outside secret', body: 'SECRET-OUTSIDE-BODY' }) });
  return { dir, file: path.join(dir, 'secret.md'), text: realReadFileSync(path.join(dir, 'secret.md'), 'utf8') };
}

describe('readSources', () => {
  it('an entry deleted between listing and reading is a diagnostic for that file; the others are read', async () => {
    const dir = await folderWith({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }), 'gone.md': entryText({ slug: 'gone' }) });
    const listing = await listSources(dir);
    unlinkSync(path.join(dir, 'gone.md'));
    const read = await readListed(listing.root, listing.stamps);
    expect(read.sources.map((s) => s.path)).toEqual(['_story.md', 'a.md']);
    expect(read.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['gone.md E_FILE_READ']);
    expect(read.diagnostics[0]!.message).toContain('ENOENT');
    const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: NOW });
    expect(result.ok).toBe(false);
    expect(await realReadFile(path.join(dir, 'a.md'), 'utf8')).toContain('test-story/a');
  });

  it('a folder that cannot be read is a configuration error', async () => {
    await expect(readSources('/nonexistent/entries')).rejects.toSatisfy((e) => isUserError(e, 'entries-folder'));
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

describe('an entry swapped after it was listed (the read follows no link out)', () => {
  it('swapped for a link to a file outside: refused, its text is not read', async () => {
    const outside = await secret();
    const dir = await folderWith({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }) });
    const listing = await listSources(dir);
    expect(listing.diagnostics).toEqual([]);
    // Between the listing (which saw a plain file) and the read, a.md becomes a link out.
    unlinkSync(path.join(dir, 'a.md'));
    symlinkSync(outside.file, path.join(dir, 'a.md'));
    const read = await readListed(listing.root, listing.stamps);
    expect(read.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['a.md E_FILE_SYMLINK_OUTSIDE']);
    expect(read.sources.map((s) => s.path)).toEqual(['_story.md']);
    expect(JSON.stringify(read.sources)).not.toContain('SECRET-OUTSIDE-BODY');
  });

  it('swapped for a link to a file inside: read, as a link inside always was', async () => {
    const dir = await folderWith({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }), 'keep/b.txt': entryText({ slug: 'b' }) });
    const listing = await listSources(dir);
    unlinkSync(path.join(dir, 'a.md'));
    symlinkSync(path.join(dir, 'keep', 'b.txt'), path.join(dir, 'a.md'));
    const read = await readListed(listing.root, listing.stamps);
    expect(read.diagnostics).toEqual([]);
    expect(read.sources.find((s) => s.path === 'a.md')?.text).toContain('test-story/b');
  });

  it('a link inside whose folder is swapped for a link out while it is opened: refused (the opened file is checked)', async () => {
    const outside = await secret();
    mkdirSync(path.join(outside.dir, 'sub'));
    // `.txt`: a folder of `.md` files in the story's folder is E_LAYOUT; a link may lead anywhere inside.
    writeFileSync(path.join(outside.dir, 'sub', 'x.txt'), outside.text);
    const dir = await folderWith({ '_story.md': storyText(), 'sub/x.txt': entryText({ slug: 'x' }) });
    symlinkSync(path.join(dir, 'sub', 'x.txt'), path.join(dir, 'link.md'));
    const listing = await listSources(dir);
    expect(listing.diagnostics).toEqual([]);
    // Right after the reader resolved link.md (to <dir>/sub/x.md, inside), `sub` becomes a link
    // to a folder outside: opening the resolved path now lands outside, through `sub`.
    hook.afterRealpath = (file) => {
      expect(file).toBe(path.join(listing.root, 'link.md'));
      renameSync(path.join(dir, 'sub'), path.join(dir, 'sub-moved'));
      symlinkSync(path.join(outside.dir, 'sub'), path.join(dir, 'sub'));
    };
    const read = await readListed(listing.root, listing.stamps.filter((s) => s.path === 'link.md'));
    expect(hook.afterRealpath).toBeUndefined(); // the swap happened
    expect(read.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['link.md E_FILE_SYMLINK_OUTSIDE']);
    expect(JSON.stringify(read.sources)).not.toContain('SECRET-OUTSIDE-BODY');
  });

  it('swapped for a FIFO: refused at once as not a regular file (no read that waits forever)', async () => {
    const dir = await folderWith({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }) });
    const listing = await listSources(dir);
    unlinkSync(path.join(dir, 'a.md'));
    execFileSync('mkfifo', [path.join(dir, 'a.md')]);
    // A writer that holds the FIFO open for a second: a reader that opens it as a file (as the
    // reader before O_NONBLOCK and fstat did) gets its empty text after a wait, instead of hanging.
    const writer = spawn('sh', ['-c', 'exec 3>"$0"; sleep 1', path.join(dir, 'a.md')], { stdio: 'ignore' });
    cleanups.push(async () => {
      writer.kill();
    });
    const read = await readListed(listing.root, listing.stamps);
    expect(read.diagnostics.map((d) => `${d.file} ${d.code} ${d.message}`)).toEqual(['a.md E_FILE_READ not a regular file']);
  });

  it('grown past the limit after it was listed: refused without reading it all', async () => {
    const dir = await folderWith({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }) });
    const listing = await listSources(dir);
    writeFileSync(path.join(dir, 'a.md'), Buffer.alloc(3 * 1024 * 1024, 0x61));
    const read = await readListed(listing.root, listing.stamps);
    expect(read.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['a.md E_FILE_TOO_LARGE']);
  });
});

describe('file names that are not UTF-8', () => {
  // "café.md" as Latin-1 writes it: é is the single byte 0xE9.
  const latin1Name = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.md')]);

  it('name the real cause (not "the file does not exist") and say how to fix it', async () => {
    const dir = await folderWith({ '_story.md': storyText(), 'good.md': entryText({ slug: 'good' }) });
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), latin1Name]), entryText({ slug: 'cafe' }));
    const read = await readSources(dir);
    expect(read.sources.map((s) => s.path)).toEqual(['_story.md', 'good.md']);
    expect(read.diagnostics).toHaveLength(1);
    const d = read.diagnostics[0]!;
    expect(d.code).toBe('E_FILE_NAME');
    expect(d.file).toBe('caf\\xE9.md');
    expect(d.message).toContain('not valid UTF-8');
    expect(d.message).not.toContain('ENOENT');
    expect(d.hint).toMatch(/rename/i);
    const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: NOW });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((x) => `${x.file} ${x.code}`)).toEqual(['caf\\xE9.md E_FILE_NAME']);
  });

  // Found from outside: a newsroom's story folder so named was skipped unsaid (its name, as text, named no folder).
  it("a newsroom's story folder whose name is not UTF-8 is E_FILE_NAME, and the build fails", async () => {
    const { compileNewsroom } = await import('../../../src/core/newsroom-compile.js');
    const { newsroomEntryText, newsroomStoryText, sampleNewsroom } = await import('../../helpers/newsroom.js');
    const dir = await folderWith(sampleNewsroom());
    const folder = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from('caf'), Buffer.from([0xe9])]);
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from('/_story.md')]), newsroomStoryText('cafe'));
    writeFileSync(Buffer.concat([folder, Buffer.from('/a.md')]), newsroomEntryText('cafe', 'a', '2026-05-26T09:00:00Z'));
    const read = await readSources(dir);
    expect(read.diagnostics.map((d) => `${d.file} ${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^caf\\xE9\/ E_FILE_NAME the story folder name is not valid UTF-8/)]);
    const result = compileNewsroom({ sources: read.sources, readDiagnostics: read.diagnostics, now: NOW });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.file} ${d.code}`)).toContain('caf\\xE9/ E_FILE_NAME');
  });

  it('a name that is not UTF-8 and not an entry (.txt) is left alone, as any other such file', async () => {
    const dir = await folderWith({ '_story.md': storyText(), 'good.md': entryText({ slug: 'good' }) });
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'notes');
    const read = await readSources(dir);
    expect(read.diagnostics).toEqual([]);
  });

  it.each([
    ['plain ASCII', Buffer.from('a.md'), 'a.md'],
    ['UTF-8 kept', Buffer.from('café-مذاکرات.md'), 'café-مذاکرات.md'],
    ['a Latin-1 byte', latin1Name, 'caf\\xE9.md'],
    ['a cut-off UTF-8 sequence', Buffer.from([0x61, 0xe2, 0x82, 0x2e, 0x6d, 0x64]), 'a\\xE2\\x82.md'],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf, 0x2e, 0x6d, 0x64]), '\\xC0\\xAF.md'],
  ])('printableName: %s', (_name, bytes, shown) => {
    expect(printableName(bytes)).toBe(shown);
  });
});
