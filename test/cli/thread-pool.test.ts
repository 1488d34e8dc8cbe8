// The command sizes libuv's thread pool before Node's ES module loader starts it
// (src/bin/storyfeed.ts, src/io/thread-pool.ts): a cold build's thousands of folder fsyncs wait on
// 32 threads, not 4. A size the user set is kept. The pool's threads are counted at exit
// (/proc/self/task, Linux), against the same build run as `node dist/cli.js` (libuv's own 4).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { THREAD_POOL_SIZE, threadPoolSize } from '../../src/io/thread-pool.js';
import { CLI } from '../helpers/cli.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const DIRECT = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

describe('the thread pool size', () => {
  it.each([
    [undefined, '32'],
    ['', '32'],
    ['abc', '32'],
    ['0', '32'],
    ['1025', '32'],
    ['-4', '32'],
    ['1', '1'],
    ['6', '6'],
    ['1024', '1024'],
  ])('UV_THREADPOOL_SIZE=%j gives %s', (given, expected) => {
    expect(threadPoolSize(given)).toBe(expected);
  });

  it.runIf(process.platform !== 'win32')('the command runs as an executable file (its own #! line), as the bin link npm makes runs it', () => {
    const r = spawnSync(CLI, ['--version'], { encoding: 'utf8' });
    expect([r.status, r.stdout.trim()]).toEqual([0, `storyfeed ${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version}`]);
  });

  it.runIf(process.platform === 'linux')('is set by the command before the pool starts, and a size the user set is kept', async () => {
    const folder = await tempFolder({
      'entries/_story.md': storyText(),
      'entries/a.md': entryText({ slug: 'a', published: '2026-05-01T09:00:00Z' }),
      'entries/b.md': entryText({ slug: 'b', published: '2026-05-02T09:00:00Z' }),
    });
    cleanups.push(folder.cleanup);
    // At exit, this process's threads (the pool's among them) and the size it ran with.
    const probe = path.join(folder.dir, 'probe.cjs');
    await writeFile(probe, "process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify({ threads: require('node:fs').readdirSync('/proc/self/task').length, size: process.env.UV_THREADPOOL_SIZE ?? null })));\n");
    const run = async (program: string, out: string, env: Record<string, string> = {}) => {
      const report = path.join(folder.dir, `${out}.json`);
      const r = spawnSync(process.execPath, ['-r', probe, program, 'build', '--entries', 'entries', '--out', out, '--now', '2026-06-01T00:00:00Z'], {
        cwd: folder.dir,
        env: { PATH: process.env['PATH'] ?? '', PROBE_OUT: report, ...env },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(await readFile(report, 'utf8')) as { threads: number; size: string | null };
    };
    const command = await run(CLI, 'out1');
    const direct = await run(DIRECT, 'out2');
    expect(command.size).toBe(String(THREAD_POOL_SIZE));
    expect(direct.size).toBeNull();
    // The build's fsyncs started the pool: 32 threads against libuv's 4.
    expect(command.threads - direct.threads).toBe(THREAD_POOL_SIZE - 4);
    // UV_THREADPOOL_SIZE=6 is the user's: both run with 6.
    const mine = await run(CLI, 'out3', { UV_THREADPOOL_SIZE: '6' });
    const mineDirect = await run(DIRECT, 'out4', { UV_THREADPOOL_SIZE: '6' });
    expect([mine.size, mine.threads]).toEqual(['6', mineDirect.threads]);
    expect(direct.threads - mineDirect.threads).toBe(4 - 6);
  });
});
