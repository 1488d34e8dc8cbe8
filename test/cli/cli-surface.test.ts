// The command line's own surface (issues 14 and 15): --version, help that lists every option, the
// success line's counts, diagnostic paths that open from where the command ran, `storyfeed new`, and
// a reader of its output that goes away.
import { mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/cli-help.js';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../helpers/cli.js';
import { newsroomStoryText, newsroomText } from '../helpers/newsroom.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
async function folder(files: Record<string, string>): Promise<string> {
  const f = await tempFolder(files);
  cleanups.push(f.cleanup);
  return f.dir;
}

describe('storyfeed --version', () => {
  it.each([['--version'], ['-V']])('%s prints the version in package.json, exit 0', async (flag) => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli([flag]);
    expect(r).toMatchObject({ code: 0, stdout: `storyfeed ${version}\n`, stderr: '' });
  });
});

describe('--help lists every option', () => {
  const main = runCli(['--help']);
  const byCommand = new Map<string, Promise<string>>();
  const help = (command: string) => {
    if (!byCommand.has(command)) byCommand.set(command, runCli([command, '--help']).then((r) => (r.code === 0 ? r.stdout : `exit ${r.code}: ${r.stderr}`)));
    return byCommand.get(command)!;
  };
  it.each(Object.entries(OPTIONS).flatMap(([name, o]) => o.commands.map((c) => [name, c] as const)))('--%s in `storyfeed %s --help` and in `storyfeed --help`', async (name, command) => {
    expect(await help(command)).toMatch(new RegExp(`(^|[\\s\\[,])--${name}\\b`));
    expect((await main).stdout).toMatch(new RegExp(`(^|[\\s\\[,])--${name}\\b`));
  });
  it('the top-level help names --version, new, and the start options', async () => {
    const text = (await main).stdout;
    for (const word of ['--version', '-V', 'storyfeed new story', 'storyfeed new entry', '--host HOST', '--port PORT', '--max-connections N', '--publish']) expect(text).toContain(word);
  });
});

const NOW = '2026-06-01T00:00:00Z';

describe('the success line', () => {
  it('counts published, scheduled, draft and retracted entries', async () => {
    const dir = await folder({
      'entries/_story.md': storyText(),
      'entries/a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }),
      'entries/b.md': entryText({ slug: 'b', published: '2026-05-27T09:00:00Z' }),
      'entries/later.md': entryText({ slug: 'later', published: '2026-06-02T09:00:00Z' }),
      'entries/draft.md': entryText({ slug: 'draft', published: '2026-05-20T09:00:00Z', extra: 'draft: true\n' }),
      'entries/gone.md': entryText({ slug: 'gone', published: '2026-05-25T09:00:00Z', extra: 'retracted:\n  at: 2026-05-30T09:00:00Z\n  reason: Not confirmed.\n' }),
    });
    const built = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', NOW], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/^storyfeed build: built 5 entries: 2 published, 1 scheduled, 1 draft, 1 retracted; wrote .* in out /);
    const checked = await runCli(['check', '--entries', 'entries', '--now', NOW], { cwd: dir });
    expect(checked.stdout).toContain(`storyfeed check: 5 entries valid at 2026-06-01T00:00:00.000Z: 2 published, 1 scheduled, 1 draft, 1 retracted`);
    // A body edit is a patch run: it compiles nothing, and its counts (the manifest's) still split drafts from retractions.
    await writeFile(path.join(dir, 'entries/a.md'), entryText({ slug: 'a', published: '2026-05-26T09:00:00Z', body: 'A new sentence.' }));
    const patched = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', NOW], { cwd: dir });
    expect(patched.stdout).toMatch(/^storyfeed build: built 5 entries: 2 published, 1 scheduled, 1 draft, 1 retracted; wrote .* in out /);
    expect(patched.stdout).toMatch(/patched \d+ of \d+ outputs in place/);
  });
});

describe('diagnostic paths', () => {
  const bad = entryText({ slug: 'bad', published: '2026-02-30T10:00:00Z' });
  it('are relative to the current directory, wherever --entries points', async () => {
    const dir = await folder({ 'news/desk/entries/_story.md': storyText(), 'news/desk/entries/bad.md': bad, 'work/.keep': '' });
    const r = await runCli(['check', '--entries', '../news/desk/entries', '--now', NOW], { cwd: path.join(dir, 'work') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\.\.\/news\/desk\/entries\/bad\.md:4:12 E_DATE_INVALID /m);
    const inside = await runCli(['check', '--entries', '.', '--now', NOW], { cwd: path.join(dir, 'news/desk/entries') });
    expect(inside.stderr).toMatch(/^bad\.md:4:12 E_DATE_INVALID /m);
  });
  it('are absolute where that is shorter', async () => {
    const dir = await folder({ 'entries/_story.md': storyText(), 'entries/bad.md': bad, 'a/b/c/d/e/f/g/h/i/j/k/l/m/n/.keep': '' });
    const r = await runCli(['check', '--entries', path.join(dir, 'entries'), '--now', NOW], { cwd: path.join(dir, 'a/b/c/d/e/f/g/h/i/j/k/l/m/n') });
    expect(r.stderr.startsWith(`${path.join(dir, 'entries', 'bad.md')}:4:12 E_DATE_INVALID `), r.stderr).toBe(true);
    expect(r.stderr).not.toContain('../');
  });
  it("name the build's own ledger in the output folder, not in the entries folder (W_LEDGER_INVALID)", async () => {
    const dir = await folder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    expect((await runCli(['build', '--now', NOW], { cwd: dir })).code).toBe(0);
    await writeFile(path.join(dir, 'out/.storyfeed/ledger.json'), '{');
    const r = await runCli(['build', '--now', NOW], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^out\/\.storyfeed\/ledger\.json:1:1 W_LEDGER_INVALID /m);
  });
});

describe('storyfeed new', () => {
  it('new entry . writes a skeleton in the single story that builds clean, and never overwrites it', async () => {
    const dir = await folder({ 'entries/_story.md': storyText('time_zone: Asia/Tehran\n') });
    const r = await runCli(['new', 'entry', '.', 'Talks resume in Muscat — “officials”'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const names = (await readdir(path.join(dir, 'entries'))).filter((n) => n !== '_story.md');
    expect(names).toHaveLength(1);
    const name = names[0]!;
    expect(name).toMatch(/^\d{4}-\d{2}-\d{2}-talks-resume-in-muscat-officials\.md$/);
    expect(r.stdout).toBe(`storyfeed new: wrote entries/${name} (a draft: delete its \`draft: true\` line to publish it)\n`);
    const text = await readFile(path.join(dir, 'entries', name), 'utf8');
    // A draft: a service watching the folder must not publish the placeholder body.
    expect(text).toMatch(/^draft: true$/m);
    const held = await runCli(['check', '--entries', 'entries'], { cwd: dir });
    expect(held.stdout).toMatch(/1 entry valid .*: 0 published, 0 scheduled, 1 draft/);
    await writeFile(path.join(dir, 'entries', name), text.replace('draft: true\n', ''));
    expect(text).toMatch(/^id: tag:newsroom\.example\.org,\d{4}-\d{2}-\d{2}:test-story\/talks-resume-in-muscat-officials$/m);
    expect(text).toMatch(/^published: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:30$/m);
    expect(text).toContain('title: "Talks resume in Muscat — “officials”"');
    const check = await runCli(['check', '--entries', 'entries'], { cwd: dir });
    expect(check.stderr).toBe('');
    expect(check.stdout).toMatch(/1 entry valid .*: 1 published/);
    // The same title again: the file is there, and stays as it was.
    await writeFile(path.join(dir, 'entries', name), 'mine');
    const again = await runCli(['new', 'entry', '.', 'Talks resume in Muscat — “officials”'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; it was not replaced/);
    expect(await readFile(path.join(dir, 'entries', name), 'utf8')).toBe('mine');
    // Its id held by a file of another name (the skeleton renamed): refused, naming the file.
    await writeFile(path.join(dir, 'entries', 'renamed.md'), text);
    await rm(path.join(dir, 'entries', name));
    const taken = await runCli(['new', 'entry', '.', 'Talks resume in Muscat — “officials”'], { cwd: dir });
    expect([taken.code, taken.stderr]).toEqual([2, expect.stringMatching(/is already used by renamed\.md: give the development a different title/)]);
    expect(existsSync(path.join(dir, 'entries', name))).toBe(false);
  });

  it('new story needs a newsroom and a story-folder slug; new entry SLUG writes in that folder', async () => {
    const single = await folder({ 'entries/_story.md': storyText() });
    const noNewsroom = await runCli(['new', 'story', 'ceasefire'], { cwd: single });
    expect(noNewsroom.code).toBe(2);
    expect(noNewsroom.stderr).toMatch(/needs a newsroom/);
    const dir = await folder({ 'entries/_newsroom.md': newsroomText('time_zone: America/New_York\n') });
    const badSlug = await runCli(['new', 'story', 'Cease_Fire'], { cwd: dir });
    expect(badSlug.code).toBe(2);
    expect(badSlug.stderr).toMatch(/not a story folder name/);
    const story = await runCli(['new', 'story', 'ceasefire'], { cwd: dir });
    expect(story.code, story.stderr).toBe(0);
    const storyText_ = await readFile(path.join(dir, 'entries/ceasefire/_story.md'), 'utf8');
    expect(storyText_).toMatch(/^id: tag:newsroom\.example\.org,\d{4}-\d{2}-\d{2}:ceasefire$/m);
    expect((await runCli(['new', 'story', 'ceasefire'], { cwd: dir })).code).toBe(2);
    // Found from outside: the folder renamed, the same slug again would have made a second story with its id.
    await rename(path.join(dir, 'entries/ceasefire'), path.join(dir, 'entries/ceasefire-old'));
    const again = await runCli(['new', 'story', 'ceasefire'], { cwd: dir });
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/^storyfeed new: the id tag:\S+:ceasefire is already used by ceasefire-old\/_story\.md: choose another folder name/)]);
    expect(existsSync(path.join(dir, 'entries/ceasefire'))).toBe(false);
    await rename(path.join(dir, 'entries/ceasefire-old'), path.join(dir, 'entries/ceasefire'));
    const dot = await runCli(['new', 'entry', '.', 'A title'], { cwd: dir });
    expect(dot.code).toBe(2);
    const entry = await runCli(['new', 'entry', 'ceasefire', 'Truce holds overnight'], { cwd: dir });
    expect(entry.code, entry.stderr).toBe(0);
    const [name] = (await readdir(path.join(dir, 'entries/ceasefire'))).filter((n) => n !== '_story.md');
    expect(name).toMatch(/-truce-holds-overnight\.md$/);
    expect(await readFile(path.join(dir, 'entries/ceasefire', name!), 'utf8')).toMatch(/^published: \S+-0[45]:00$/m);
  });

  it('refuses a title that would not check clean (too long, markup, a line break of any kind), and a missing entries folder, writing nothing', async () => {
    const dir = await folder({ 'entries/_newsroom.md': newsroomText(), 'entries/talks/_story.md': newsroomStoryText('talks') });
    const cases: Array<[string, RegExp]> = [
      ['word '.repeat(100), /title would not check clean: `title` is 499 characters long \(at most 300\)/],
      ['Fish </b> & chips', /title would not check clean: `title` contains `<\/b>`/],
      ['Fish &amp; chips', /title would not check clean/],
      ['two\u2028lines', /one line of text/],
      ['two\u0085lines', /one line of text/],
      ['', /the title is empty/],
      ['   ', /the title is empty/],
    ];
    for (const [title, problem] of cases) {
      const r = await runCli(['new', 'entry', 'talks', title], { cwd: dir });
      expect([r.code, r.stderr], title).toEqual([2, expect.stringMatching(problem)]);
    }
    expect(await readdir(path.join(dir, 'entries/talks'))).toEqual(['_story.md']);
    const quoted = await runCli(['new', 'entry', 'talks', 'He said: "no" — #1 [x] {y} & *z* \'q\' %p @a !b |c >d'], { cwd: dir });
    expect(quoted.code, quoted.stderr).toBe(0);
    const checked = await runCli(['check', '--entries', 'entries'], { cwd: dir });
    expect([checked.code, checked.stderr]).toEqual([0, '']);
    const nowhere = await runCli(['new', 'entry', 'talks', 'A title', '--entries', 'missing'], { cwd: dir });
    expect([nowhere.code, nowhere.stderr]).toEqual([2, expect.stringMatching(/^storyfeed new: there is no entries folder missing/)]);
  });

  it('a story folder name too long is a usage error (exit 2, not an internal error), and titles without Latin words each get a file of their own', async () => {
    const dir = await folder({ 'entries/_newsroom.md': newsroomText(), 'entries/talks/_story.md': newsroomStoryText('talks') });
    const long = await runCli(['new', 'story', 'a'.repeat(300)], { cwd: dir });
    expect([long.code, long.stderr]).toEqual([2, expect.stringMatching(/300 characters long: at most 64/)]);
    expect(long.stderr).not.toMatch(/internal error/);
    for (const title of ['日本語のみ', '!!!', 'Русский текст']) expect((await runCli(['new', 'entry', 'talks', title], { cwd: dir })).code, title).toBe(0);
    const names = (await readdir(path.join(dir, 'entries/talks'))).filter((n) => n !== '_story.md');
    expect(names).toHaveLength(3);
    for (const n of names) expect(n).toMatch(/^\d{4}-\d{2}-\d{2}-entry-[0-9a-f]{8}\.md$/);
    const undrafted = await Promise.all(names.map(async (n) => (await readFile(path.join(dir, 'entries/talks', n), 'utf8')).replace('draft: true\n', '')));
    await Promise.all(names.map((n, i) => writeFile(path.join(dir, 'entries/talks', n), undrafted[i]!)));
    const checked = await runCli(['check', '--entries', 'entries'], { cwd: dir });
    expect([checked.code, checked.stderr]).toEqual([0, '']);
  });

  it('never writes through a symlink out of the entries folder', async () => {
    const dir = await folder({ 'entries/_newsroom.md': newsroomText(), 'elsewhere/.keep': '' });
    await symlink(path.join(dir, 'elsewhere'), path.join(dir, 'entries', 'escape'));
    const r = await runCli(['new', 'story', 'escape'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(await readdir(path.join(dir, 'elsewhere'))).toEqual(['.keep']);
    await mkdir(path.join(dir, 'entries', 'linked'));
    await symlink(path.join(dir, 'elsewhere', 'target.md'), path.join(dir, 'entries', 'linked', '_story.md'));
    const dangling = await runCli(['new', 'story', 'linked'], { cwd: dir });
    expect(dangling.code).toBe(2);
    expect(await readdir(path.join(dir, 'elsewhere'))).toEqual(['.keep']);
  });

  it.each([[['new']], [['new', 'entry', '.']], [['new', 'story', 'a', 'b']], [['new', 'entry', '.', 't', '--now', NOW]]])('storyfeed %j → exit 2 with the help', async (args) => {
    const dir = await folder({ 'entries/_story.md': storyText() });
    const r = await runCli(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('storyfeed new story SLUG');
  });
});

describe('a reader that goes away', () => {
  it('`storyfeed build | head -1`: its stdout closed at once, the build still publishes and exits 0', async () => {
    const dir = await folder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a' }) });
    const child = spawn(process.execPath, [CLI, 'build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect([code, stderr]).toEqual([0, '']);
    expect(await readFile(path.join(dir, 'out/atom.xml'), 'utf8')).toContain('<entry>');
  });
});
