// Parse workers change nothing but the time: the same folder parsed on worker threads and on the
// build's own thread gives the same published bytes, diagnostics and summary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CACHE_PATH, MANIFEST_PATH, PACK_PATH } from '../../src/io/state-folder.js';
import { CLI, runCli } from '../helpers/cli.js';
import { listFiles } from '../helpers/files.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function published(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // The pack holds the same blobs in arrival order, so it and its index may differ: not published.
  for (const f of await listFiles(dir)) if (![CACHE_PATH, PACK_PATH, MANIFEST_PATH].includes(f)) out[f] = await readFile(path.join(dir, f), 'utf8');
  return out;
}

/** The files a reader is served (the bookkeeping holds each run's own tokens and times). */
async function served(dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await published(dir)).filter(([p]) => !p.startsWith('.storyfeed/')));
}

/** A copy of dist/ in `dir` (the bundles need nothing beside them), to damage. */
async function copyOfDist(dir: string): Promise<string> {
  const dist = path.join(dir, 'install', 'dist');
  await cp(path.dirname(CLI), dist, { recursive: true });
  return dist;
}

/** `storyfeed build` by the bundle `cli`, in `cwd`, with STORYFEED_WORKERS set. */
function buildWith(cwd: string, cli: string, out: string, workers: string) {
  return spawnSync(process.execPath, [cli, 'build', '--entries', 'entries', '--out', out, '--now', '2026-06-01T00:00:00Z'], { cwd, env: { ...process.env, STORYFEED_WORKERS: workers }, encoding: 'utf8', timeout: 120_000 });
}

describe('parse workers', () => {
  it('give the same bytes as parsing on one thread, and the same diagnostics', async () => {
    const files: Record<string, string> = { 'entries/_story.md': storyText('item_limit: 7\n') };
    for (let i = 0; i < 150; i += 1) {
      const extra = [
        `tags: [t${i % 4}${i % 9 === 0 ? ', "Iran & U.S."' : ''}]`,
        i % 10 === 0 && i % 23 !== 0 ? 'correction: {at: 2026-05-30T10:00:00Z, note: "Fixed a name"}' : '',
        i % 17 === 0 ? 'draft: true' : '',
      ].filter(Boolean).join('\n');
      // Every 23rd entry is embargoed until July.
      const published = i % 23 === 0 ? '2026-07-01T00:00:00Z' : `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:00:00Z`;
      files[`entries/e${i}.md`] = entryText({ slug: `e${i}`, published, extra: `${extra}\n`, body: `Body ${i} with [a link](/x/${i}) and **bold**.\n\n- one\n- two` });
    }
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    const build = (out: string, workers: string) =>
      runCli(['build', '--entries', 'entries', '--out', out, '--now', '2026-06-01T00:00:00Z'], { cwd: folder.dir, env: { STORYFEED_WORKERS: workers }, timeoutMs: 120_000 });
    const [threads, one] = [await build('threads', '2'), await build('one', '0')];
    // With a page per development the build renders enough outputs to report its progress (stderr).
    const noProgress = (stderr: string) => stderr.replace(/^\s*rendering: \d+\/\d+ outputs\n/gm, '');
    expect([threads.code, one.code, noProgress(threads.stderr), noProgress(one.stderr)]).toEqual([0, 0, '', '']);
    const summary = (r: { stdout: string }) => r.stdout.replace(/\(\d+ ms\)/, '').replace(/ in (threads|one) /, ' in OUT ');
    expect(summary(threads)).toBe(summary(one));
    expect(await published(path.join(folder.dir, 'threads'))).toEqual(await published(path.join(folder.dir, 'one')));

    // A bad entry is reported the same way from a worker.
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(folder.dir, 'entries/e3.md'), '---\ntitle: [unclosed\n---\nx\n'));
    const [badThreads, badOne] = [await build('threads', '2'), await build('one', '0')];
    expect([badThreads.code, badOne.code]).toEqual([1, 1]);
    expect(badThreads.stderr).toBe(badOne.stderr);
    expect(badThreads.stderr).toContain('e3.md:2');
  });

  it("a newsroom's story feeds give the same bytes with their RSS and Atom shells on a worker as on the build's thread", async () => {
    const files: Record<string, string> = { 'entries/_newsroom.md': newsroomText() };
    for (const slug of ['talks', 'storm', 'vote']) {
      files[`entries/${slug}/_story.md`] = newsroomStoryText(slug, 'item_limit: 4\n');
      for (let i = 0; i < 12; i += 1) files[`entries/${slug}/e${i}.md`] = newsroomEntryText(slug, `e${i}`, `2026-05-${String(1 + i).padStart(2, '0')}T09:00:00Z`, `tags: [t${i % 3}]\n`);
    }
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    // STORYFEED_WORKERS set: shells go to a worker at any count (build/shell-render.ts); 0: none does.
    const build = (out: string, workers: string) =>
      runCli(['build', '--entries', 'entries', '--out', out, '--now', '2026-06-01T00:00:00Z'], { cwd: folder.dir, env: { STORYFEED_WORKERS: workers }, timeoutMs: 120_000 });
    const [worker, here] = [await build('worker', '1'), await build('here', '0')];
    expect([worker.code, here.code, worker.stderr, here.stderr]).toEqual([0, 0, '', '']);
    const mine = await published(path.join(folder.dir, 'worker'));
    expect(Object.keys(mine)).toContain('storm/tags/t1/atom.xml');
    expect(mine).toEqual(await published(path.join(folder.dir, 'here')));
  });

  it.each([
    ['missing', undefined],
    // It throws as it loads: the worker dies before it answers anything.
    ['damaged', 'throw new Error("a damaged bundle");\n'],
  ])("an install whose worker bundle is %s builds on its own thread, the same bytes, cold and after a change (found from outside: it stopped with an internal error)", async (_, bundle) => {
    const files: Record<string, string> = { 'entries/_newsroom.md': newsroomText() };
    for (const slug of ['talks', 'storm']) {
      files[`entries/${slug}/_story.md`] = newsroomStoryText(slug);
      for (let i = 0; i < 6; i += 1) files[`entries/${slug}/e${i}.md`] = newsroomEntryText(slug, `e${i}`, `2026-05-${String(1 + i).padStart(2, '0')}T09:00:00Z`, `tags: [t${i % 2}]\n`);
    }
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    // A copy of dist/ with the worker's bundle gone or damaged.
    const dist = await copyOfDist(folder.dir);
    await rm(path.join(dist, 'parse-worker-code.cjs'));
    if (bundle) await writeFile(path.join(dist, 'parse-worker-code.cjs'), bundle);
    const build = (cli: string, out: string) => buildWith(folder.dir, cli, out, '2');
    const same = async () => {
      const broken = build(path.join(dist, 'storyfeed.cjs'), 'broken');
      const whole = build(CLI, 'whole');
      expect([broken.status, broken.stderr, whole.status]).toEqual([0, '', 0]);
      const built = await served(path.join(folder.dir, 'broken'));
      expect(Object.keys(built)).toContain('storm/tags/t1/atom.xml');
      expect(built).toEqual(await served(path.join(folder.dir, 'whole')));
      return broken.stdout;
    };
    await same();
    // A change: the run that finds it parses with the warm worker (and the newsroom's settings on it).
    await writeFile(path.join(folder.dir, 'entries/storm/e2.md'), `${newsroomEntryText('storm', 'e2', '2026-05-03T09:00:00Z', 'tags: [t0]\n')}A sentence added.\n`);
    expect(await same()).toMatch(/files: read \d+, parsed 1 /);
  });

  it('a shell worker that dies after it was ready (a crash, killed for memory): its shells are rendered on the build\'s thread, the same bytes (found from outside: the build failed)', async () => {
    // Large enough that the shell worker is ready while the writer still has shells to give it
    // (16 stories: since a large run flushes its file system instead of an fsync per file, 8 were
    // all written before the worker was ready, five tries running).
    const files: Record<string, string> = { 'entries/_newsroom.md': newsroomText() };
    const body = Array.from({ length: 12 }, (_, p) => `Paragraph ${p} of what officials said, with a [source](https://example.org/${p}) and **emphasis**.`).join('\n\n');
    for (const slug of ['talks', 'storm', 'vote', 'flood', 'quake', 'court', 'trade', 'race', 'fire', 'drought', 'strike', 'summit', 'budget', 'census', 'launch', 'verdict']) {
      files[`entries/${slug}/_story.md`] = newsroomStoryText(slug, 'item_limit: 10\n');
      for (let i = 0; i < 40; i += 1) files[`entries/${slug}/e${i}.md`] = `${newsroomEntryText(slug, `e${i}`, `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z`, `tags: [t${i % 5}, u${i % 3}]\n`)}\n${body}\n`;
    }
    const folder = await tempFolder(files);
    cleanups.push(folder.cleanup);
    const dist = await copyOfDist(folder.dir);
    // The worker loads, says it is ready, and exits as the first shells reach it, leaving a mark.
    const died = path.join(folder.dir, 'died');
    const at = 'if (message.shells) {';
    const code = await readFile(path.join(dist, 'parse-worker-code.cjs'), 'utf8');
    expect(code).toContain(at);
    await writeFile(path.join(dist, 'parse-worker-code.cjs'), code.replace(at, `${at} require("node:fs").writeFileSync(${JSON.stringify(died)}, ""); process.exit(3);`));
    // Its code cache made again (as `npm run build` does), so that it is ready as soon as a real one would be.
    expect(spawnSync(process.execPath, [path.join(dist, 'parse-worker.cjs')]).status).toBe(0);
    const build = (cli: string, out: string) => buildWith(folder.dir, cli, out, '1');
    // A worker not ready before the writer is done (a loaded machine) gets no shell and does not
    // die: the build is tried again from scratch until one worker did, at most five times.
    let dying = build(path.join(dist, 'storyfeed.cjs'), 'dying');
    for (let attempt = 1; attempt < 5 && dying.status === 0 && !existsSync(died); attempt += 1) {
      await rm(path.join(folder.dir, 'dying'), { recursive: true, force: true });
      dying = build(path.join(dist, 'storyfeed.cjs'), 'dying');
    }
    const whole = build(CLI, 'whole');
    expect([dying.status, dying.stderr.replace(/^\s*(rendering: \d+\/\d+ outputs|parsing: \d+\/\d+ files parsed)\n/gm, ''), whole.status]).toEqual([0, '', 0]);
    expect(existsSync(died)).toBe(true); // the worker did get shells, and died with them
    const built = await served(path.join(folder.dir, 'dying'));
    expect(Object.keys(built)).toContain('flood/tags/u2/atom.xml');
    expect(built).toEqual(await served(path.join(folder.dir, 'whole')));
  });
});
