// Real processes racing for one output folder: no interleaving, no corruption, and a build killed
// at any moment leaves every output complete (old or new) and parseable, and the lock recoverable.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SaxesParser } from 'saxes';
import { afterAll, describe, expect, it } from 'vitest';
import { checkJsonFeedDocument, checkW3cAtom, checkW3cRss } from '../helpers/checkers.js';
import { CLI, runCli } from '../helpers/cli.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const FEEDS = ['rss.xml', 'atom.xml', 'feed.json', 'index.html'];

async function writeStory(dir: string, count: number, variant: string): Promise<void> {
  await mkdir(path.join(dir, 'entries'), { recursive: true });
  await writeFile(path.join(dir, 'entries/_story.md'), storyText('item_limit: 1000\n'));
  const body = `Paragraph ${variant}. `.repeat(200);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      writeFile(
        path.join(dir, 'entries', `e${i}.md`),
        entryText({ slug: `e${i}`, title: `Entry ${i} (${variant})`, published: `2026-05-${String(10 + (i % 18)).padStart(2, '0')}T09:00:00Z`, body }),
      ),
    ),
  );
}

function parses(name: string, text: string): void {
  if (name.endsWith('.json')) JSON.parse(text);
  else if (name.endsWith('.xml')) new SaxesParser({ xmlns: true }).write(text).close();
  else expect(text.trimEnd().endsWith('</html>')).toBe(true);
}

async function outputs(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of FEEDS) out[name] = await readFile(path.join(dir, 'out', name), 'utf8');
  return out;
}

describe('two builders at once', () => {
  it('never interleave: both succeed in turn (or one waits), outputs are whole', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    await writeStory(folder.dir, 150, 'A');
    const args = ['build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'];
    const [one, two] = await Promise.all([runCli(args, { cwd: folder.dir }), runCli(args, { cwd: folder.dir })]);
    expect([one.code, two.code]).toEqual([0, 0]);
    const out = await outputs(folder.dir);
    for (const [name, text] of Object.entries(out)) parses(name, text);
    expect((out['feed.json']!.match(/"id": "tag:/g) ?? []).length).toBe(150);
    const left = await readdir(path.join(folder.dir, 'out'));
    expect(left.filter((n) => n.startsWith('.storyfeed-tmp-') || n === '.storyfeed.lock')).toEqual([]);
  });
});

describe('SIGKILL at random moments', () => {
  it('outputs are always the complete old or new version, and the next build recovers the lock', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const dir = folder.dir;
    const entries = Number(process.env.STORYFEED_ENTRIES ?? 120);
    const args = ['build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'];
    await writeStory(dir, entries, 'A');
    const first = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
    expect([first.code, first.stderr]).toEqual([0, '']);
    const versionA = await outputs(dir);
    await writeStory(dir, entries, 'B');
    const t0 = performance.now();
    const second = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
    expect([second.code, second.stderr]).toEqual([0, '']);
    // A full build's duration, start-up included: kills are spread over all of it.
    const buildMs = performance.now() - t0;
    const versionB = await outputs(dir);

    const kills = Number(process.env.STORYFEED_KILLS ?? 25);
    let variant = 'A';
    for (let i = 0; i < kills; i += 1) {
      await writeStory(dir, entries, variant);
      const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      // A deterministic spread (golden-ratio sequence) over 0–120% of a build: start-up, reading,
      // rendering, staging temp files and renaming all get hit.
      await new Promise((r) => setTimeout(r, ((i * 0.618034) % 1) * buildMs * 1.2));
      child.kill('SIGKILL');
      await exited;
      const now = await outputs(dir);
      for (const name of FEEDS) {
        parses(name, now[name]!);
        expect([versionA[name], versionB[name]]).toContain(now[name]);
      }
      // And it validates: the in-process W3C rules on what a reader would fetch right now.
      expect([...checkW3cRss(now['rss.xml']!), ...checkW3cAtom(now['atom.xml']!), ...checkJsonFeedDocument(now['feed.json']!)]).toEqual([]);
      JSON.parse(await readFile(path.join(dir, 'out/.storyfeed/ledger.json'), 'utf8'));
      variant = variant === 'A' ? 'B' : 'A';
    }
    const recovered = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
    expect(recovered.stderr).toBe('');
    expect(recovered.code).toBe(0);
    const left = await readdir(path.join(dir, 'out'));
    expect(left.filter((n) => n.startsWith('.storyfeed-tmp-') || n === '.storyfeed.lock')).toEqual([]);
    expect(await outputs(dir)).toEqual(variant === 'A' ? versionB : versionA);
  }, 600_000);
});

describe('the output lock', () => {
  /** A lock as a builder in process `pid` on this machine would hold it (src/io/output-lock.ts). */
  async function lockFor(dir: string, pid: number, startTime: string): Promise<void> {
    const { currentProcess, LOCK_NAME } = await import('../../src/io/output-lock.js');
    await mkdir(path.join(dir, 'out'), { recursive: true });
    await writeFile(path.join(dir, 'out', LOCK_NAME), JSON.stringify({ ...currentProcess(), pid, startTime, token: `t${pid}`, since: new Date().toISOString() }));
  }

  it('a build refuses with a clear message while a live process holds the lock, and recovers it once that process is gone', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const dir = folder.dir;
    await writeStory(dir, 3, 'A');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const holderExit = new Promise((r) => holder.on('exit', r));
    const { processStartTime } = await import('../../src/io/output-lock.js');
    await lockFor(dir, holder.pid!, processStartTime(holder.pid!)!);
    const { withOutputLock } = await import('../../src/io/output-lock.js');
    const { isUserError } = await import('../../src/errors.js');
    await expect(withOutputLock(path.join(dir, 'out'), 300, async () => 'ran')).rejects.toSatisfy((e) => isUserError(e, 'lock-busy'));
    holder.kill('SIGKILL');
    await holderExit;
    const r = await runCli(['build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  /** A story built once, and the lock of a builder whose process is gone, as a SIGKILL leaves it. */
  async function builtWithDeadLock(): Promise<{ dir: string; args: string[] }> {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const dir = folder.dir;
    await writeStory(dir, 3, 'A');
    const args = ['build', '--entries', 'entries', '--out', 'out', '--now', '2026-06-01T00:00:00Z'];
    expect((await runCli(args, { cwd: dir })).code).toBe(0);
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => gone.on('exit', r));
    await lockFor(dir, gone.pid!, '1');
    return { dir, args };
  }

  it('temp files a killed builder left, in any folder, are removed by the next build (which finds its lock)', async () => {
    const { dir, args } = await builtWithDeadLock();
    // Named as a run of this version (run token, counter) and of an earlier one (pid, random) name them.
    const temps = ['out/.storyfeed-tmp-0123456789abcdef-1', 'out/tags/.storyfeed-tmp-0123456789abcdef-2', 'out/.storyfeed/.storyfeed-tmp-4242-0123456789ab'];
    for (const t of temps) await writeFile(path.join(dir, t), 'partial');
    await writeStory(dir, 3, 'B');
    expect((await runCli(args, { cwd: dir })).code).toBe(0);
    for (const t of temps) await expect(readFile(path.join(dir, t))).rejects.toThrow();
    expect(await readdir(path.join(dir, 'out'))).not.toContain('.storyfeed.lock');
  });

  // SIGKILL after the last rename and the manifest, before the lock is let go: nothing is left to
  // build, so the fast path answers, and it is the run that clears the dead builder's leftovers.
  it('a build that finds nothing to do takes over a dead builder’s lock and sweeps what it left; a live holder is neither waited for nor moved', async () => {
    const { dir, args } = await builtWithDeadLock();
    const leftovers = ['out/.storyfeed-tmp-0123456789abcdef-1'];
    for (const t of leftovers) await writeFile(path.join(dir, t), 'partial');
    const cleared = await runCli(args, { cwd: dir });
    expect([cleared.code, cleared.stderr]).toEqual([0, '']);
    expect(cleared.stdout).toContain('no change since the last build');
    expect(await readdir(path.join(dir, 'out'))).not.toContain('.storyfeed.lock');
    for (const t of leftovers) await expect(readFile(path.join(dir, t))).rejects.toThrow();

    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const { processStartTime } = await import('../../src/io/output-lock.js');
    try {
      await lockFor(dir, holder.pid!, processStartTime(holder.pid!)!);
      const lock = await readFile(path.join(dir, 'out/.storyfeed.lock'), 'utf8');
      const beside = await runCli(args, { cwd: dir });
      expect([beside.code, beside.stderr]).toEqual([0, '']);
      expect(beside.stdout).toContain('no change since the last build');
      expect(await readFile(path.join(dir, 'out/.storyfeed.lock'), 'utf8')).toBe(lock);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  // A builder killed while its lock file was being written (a file system without link(2)) leaves a
  // lock no owner record vouches for: it is recovered once it is a few seconds old.
  it.each([
    ['an empty lock file (killed mid-write)', ''],
    ['a lock cut short', '{"host":"h'],
    ['a garbled lock', 'not-a-lock'],
  ])('a lock left as %s is recovered once it is seconds old, and only then', async (_label, text) => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const dir = folder.dir;
    await writeStory(dir, 2, 'A');
    const lock = path.join(dir, 'out/.storyfeed.lock');
    await mkdir(path.join(dir, 'out'), { recursive: true });
    await writeFile(lock, text);
    const { withOutputLock } = await import('../../src/io/output-lock.js');
    const { isUserError } = await import('../../src/errors.js');
    // Fresh: it may belong to a builder that is writing it right now.
    await expect(withOutputLock(path.join(dir, 'out'), 300, async () => 'ran')).rejects.toSatisfy((e) => isUserError(e, 'lock-busy'));
    const old = new Date(Date.now() - 5_000);
    await utimes(lock, old, old);
    await expect(withOutputLock(path.join(dir, 'out'), 300, async () => 'ran')).resolves.toBe('ran');
  });

  it('a build that outlasts several heartbeats keeps its lock, and leaves nothing behind', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    const out = path.join(folder.dir, 'out');
    const { withOutputLock } = await import('../../src/io/output-lock.js');
    const held = withOutputLock(out, 300, () => new Promise((r) => setTimeout(() => r('done'), 1_000)), 100);
    await expect(held).resolves.toBe('done');
    expect(await readdir(out)).toEqual([]);
  });
});
