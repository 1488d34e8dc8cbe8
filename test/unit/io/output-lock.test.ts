// The output lock knows its owner: pid + start time on this host, boot and pid namespace; a
// heartbeat for everyone else; a token for "mine".
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../src/errors.js';
import { acquireOutputLock, currentProcess, LOCK_NAME, processStartTime, withOutputLock, type LockOwner } from '../../../src/io/output-lock.js';
import { tempFolder } from '../../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function outFolder(): Promise<string> {
  const folder = await tempFolder();
  cleanups.push(folder.cleanup);
  const out = path.join(folder.dir, 'out');
  await mkdir(out, { recursive: true });
  return out;
}

/** A lock file as another builder would have left it, with its heartbeat `ageMs` old. */
async function plantLock(out: string, owner: Partial<LockOwner>, ageMs = 0): Promise<void> {
  const full: LockOwner = { ...currentProcess(), token: 'their-token', since: new Date().toISOString(), ...owner };
  const file = path.join(out, LOCK_NAME);
  await writeFile(file, JSON.stringify(full));
  const at = new Date(Date.now() - ageMs);
  await utimes(file, at, at);
}

const taken = (out: string) => withOutputLock(out, 300, async () => 'ran');

describe('the output lock: a holder on this host, boot and pid namespace', () => {
  const self = () => currentProcess();
  it.each([
    // A container restarted: the new PID 1 finds its predecessor's lock, same pid, another process.
    ['our own pid, another start time and token (a restart as the same pid)', () => ({ pid: self().pid, startTime: '1', token: 'predecessor' })],
    ['pid 1 with another start time (the container init that died)', () => ({ pid: 1, startTime: `${Number(processStartTime(1)) + 12345}` })],
    ['a pid no process has', () => ({ pid: 2 ** 22 - 3, startTime: '5' })],
  ])('is dead, and its lock taken over, with %s', async (_label, owner) => {
    const out = await outFolder();
    await plantLock(out, owner());
    await expect(taken(out)).resolves.toBe('ran');
    expect(await readdir(out)).toEqual([]);
  });

  it.each([
    ['a live process with its start time', () => ({ pid: process.ppid, startTime: processStartTime(process.ppid)! })],
    // Same pid and start time but not our token: another holder in this very process, never "mine".
    ['this process, under another token', () => ({ pid: self().pid, startTime: self().startTime, token: 'other-holder-here' })],
  ])('is alive with %s: the build refuses, naming the holder, and leaves the lock alone', async (_label, owner) => {
    const out = await outFolder();
    await plantLock(out, owner(), 10 * 60_000);
    const before = await readFile(path.join(out, LOCK_NAME), 'utf8');
    await expect(taken(out)).rejects.toSatisfy((e) => isUserError(e, 'lock-busy'));
    await expect(taken(out)).rejects.toThrow(/another storyfeed build is writing .*pid \d+/);
    expect(await readFile(path.join(out, LOCK_NAME), 'utf8')).toBe(before);
  });
});

describe('the output lock: a foreign holder is judged by its heartbeat only', () => {
  // A pid that does not exist here: kill(pid, 0) would call the holder dead.
  const gonePid = 2 ** 22 - 7;
  it.each([
    ['another pid namespace (a container sharing the volume)', { pidNamespace: 'pid:[4026530000]' }],
    ['another host', { host: 'other-host.example' }],
    ['another boot', { bootId: '00000000-0000-0000-0000-000000000000' }],
  ])('%s: alive while its heartbeat is fresh, taken over once it is 90 s old', async (_label, where) => {
    const out = await outFolder();
    await plantLock(out, { ...where, pid: gonePid, startTime: '1' }, 80_000);
    await expect(taken(out)).rejects.toSatisfy((e) => isUserError(e, 'lock-busy'));
    await plantLock(out, { ...where, pid: gonePid, startTime: '1' }, 91_000);
    await expect(taken(out)).resolves.toBe('ran');
  });

  it('a lock folder of an earlier storyfeed (proper-lockfile, bare pid) is judged by its age too', async () => {
    const out = await outFolder();
    const folder = path.join(out, LOCK_NAME);
    await mkdir(folder);
    await writeFile(path.join(folder, 'pid'), `${gonePid}\n`);
    await utimes(folder, new Date(), new Date());
    await expect(taken(out)).rejects.toSatisfy((e) => isUserError(e, 'lock-busy'));
    const old = new Date(Date.now() - 91_000);
    await utimes(folder, old, old);
    await expect(taken(out)).resolves.toBe('ran');
    expect(await readdir(out)).toEqual([]);
  });
});

describe('the output lock: taking and holding', () => {
  it('records who holds it, refreshes its heartbeat while held (even with the event loop busy), and removes it on release', async () => {
    const out = await outFolder();
    const { lock } = await acquireOutputLock(out, { waitMs: 0, heartbeatMs: 50 });
    const file = path.join(out, LOCK_NAME);
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    expect(owner).toMatchObject({ ...currentProcess(), token: lock.owner.token });
    expect(owner.token).toMatch(/^[0-9a-f]{32}$/);
    // The heartbeat's thread starts after the period (here 50 ms): a run over sooner never starts it.
    await new Promise((r) => setTimeout(r, 150));
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    // Block this thread: the heartbeat runs on its own.
    const until = Date.now() + 400;
    while (Date.now() < until);
    await new Promise((r) => setTimeout(r, 20));
    expect(Date.now() - (await stat(file)).mtimeMs).toBeLessThan(30_000);
    await lock.release();
    expect(await readdir(out)).toEqual([]);
  });

  it('a lock held under a second starts no heartbeat thread (a patch run does not pay for one); one held longer does', async () => {
    const out = await outFolder();
    const threads = () => readdirSync('/proc/self/task').length;
    // libuv's pool threads start on first use: used once before counting.
    await withOutputLock(out, 0, async () => undefined);
    const before = threads();
    await withOutputLock(out, 0, async () => {
      await new Promise((r) => setTimeout(r, 300));
      expect(threads()).toBeLessThanOrEqual(before);
    });
    const { lock } = await acquireOutputLock(out, { waitMs: 0 });
    await new Promise((r) => setTimeout(r, 1_300));
    expect(threads()).toBeGreaterThan(before);
    await lock.release();
  });

  it('a holder whose lock was taken over learns it, and its release leaves the new lock alone', async () => {
    const out = await outFolder();
    const { lock } = await acquireOutputLock(out, { waitMs: 0, heartbeatMs: 50 });
    await plantLock(out, { pidNamespace: 'pid:[1]', token: 'usurper' });
    for (let i = 0; i < 100 && !lock.lost(); i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(lock.lost()).toMatch(/took the lock over/);
    await lock.release();
    expect(JSON.parse(await readFile(path.join(out, LOCK_NAME), 'utf8'))).toMatchObject({ token: 'usurper' });
  });

  it('two takers of one dead lock: exactly one holds it at a time', async () => {
    const out = await outFolder();
    await plantLock(out, { pid: 2 ** 22 - 11, startTime: '1' });
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside += 1;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 50));
      inside -= 1;
      return 'ran';
    };
    const results = await Promise.all(Array.from({ length: 6 }, () => withOutputLock(out, 10_000, work)));
    expect(results).toEqual(Array(6).fill('ran'));
    expect(most).toBe(1);
    expect(await readdir(out)).toEqual([]);
  });

  it.each([
    ['a file left by a taker that died', (guard: string) => writeFile(guard, 'a-taker-that-died')],
    ['a folder made by hand', (guard: string) => mkdir(path.join(guard, 'inside'), { recursive: true })],
  ])('a takeover guard that is %s does not block the takeover for long', async (_label, make) => {
    const out = await outFolder();
    await plantLock(out, { pid: 2 ** 22 - 11, startTime: '1' });
    const guard = path.join(out, `${LOCK_NAME}.takeover`);
    await make(guard);
    const old = new Date(Date.now() - 60_000);
    await utimes(guard, old, old);
    await expect(taken(out)).resolves.toBe('ran');
    expect(await readdir(out)).toEqual([]);
  });
});

/** src/io/output-lock.ts bundled for child processes, beside `out`. */
function bundleLock(out: string): void {
  buildSync({
    entryPoints: [fileURLToPath(new URL('../../../src/io/output-lock.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: path.join(path.dirname(out), 'output-lock.mjs'),
    logLevel: 'warning',
  });
}

// Builders in processes of their own race for real (CI once saw a taker lose the lock it had just
// created: a slower taker of the same dead lock renamed the new lock aside to check it). Each, every other round, dies holding the lock
// (its lock then names a process that is gone), so the others race to take a dead lock over.
describe('the output lock across processes', () => {
  it('builders that keep dying with the lock held: the others take it over, one at a time, and none is refused', async () => {
    const out = await outFolder();
    bundleLock(out);
    const dir = path.dirname(out);
    const log = path.join(dir, 'log');
    await writeFile(log, '');
    await writeFile(
      path.join(dir, 'taker.mjs'),
      `import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { acquireOutputLock, LOCK_NAME } from './output-lock.mjs';
const [out, log, rounds] = process.argv.slice(2);
for (let i = 0; i < Number(rounds); i += 1) {
  let lock;
  try {
    ({ lock } = await acquireOutputLock(out, { waitMs: 30000, pollMs: 1, heartbeatMs: 60000 }));
  } catch (e) {
    appendFileSync(log, 'refused ' + e.message + '\\n');
    process.exit(1);
  }
  appendFileSync(log, 'in ' + process.pid + '\\n');
  await new Promise((r) => setTimeout(r, 1));
  appendFileSync(log, 'out ' + process.pid + '\\n');
  if (i % 2 === 0) {
    const temp = out + '/dying-' + process.pid;
    writeFileSync(temp, JSON.stringify({ ...lock.owner, pid: 2 ** 22 - 11, startTime: '1', token: 'dead-' + process.pid + '-' + i }));
    renameSync(temp, out + '/' + LOCK_NAME);
  }
  await lock.release();
}
`,
    );
    const exits = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, [path.join(dir, 'taker.mjs'), out, log, '30'], { stdio: 'inherit' }).on('exit', resolve))),
    );
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines.filter((l) => !/^(in|out) \d+$/.test(l))).toEqual([]);
    expect(exits).toEqual([0, 0, 0, 0]);
    expect(lines).toHaveLength(4 * 30 * 2);
    // One at a time: every "in" is followed by the same builder's "out".
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]!.replace('in', 'out'));
  });
});

// The real thing: a builder in a pid namespace of its own (it is PID 1 there) holds the lock.
const canUnshare = spawnSync('unshare', ['-pf', '--mount-proc', 'true']).status === 0;
describe.runIf(canUnshare || process.env.CI)('the output lock across pid namespaces (unshare -pf --mount-proc, needs root)', () => {
  it('a holder in another pid namespace is not judged by its pid: its lock stands while it beats, and is taken once its heartbeat is stale', async () => {
    const out = await outFolder();
    const script = path.join(path.dirname(out), 'holder.mjs');
    bundleLock(out);
    await writeFile(
      script,
      `import { acquireOutputLock } from './output-lock.mjs';
const { lock } = await acquireOutputLock(process.argv[2], { waitMs: 0, heartbeatMs: 100 });
process.stdout.write(JSON.stringify(lock.owner) + '\\n');
process.stdin.on('end', () => lock.release().then(() => process.exit(0)));
process.stdin.resume();
`,
    );
    const child = spawn('unshare', ['-pf', '--mount-proc', process.execPath, script, out], { stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(async () => void child.kill('SIGKILL'));
    const owner = await new Promise<LockOwner>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as LockOwner)));
    expect(owner.pid).toBe(1);
    expect(owner.pidNamespace).not.toBe(currentProcess().pidNamespace);
    await expect(taken(out)).rejects.toThrow(/another host or container/);
    // Frozen: it no longer beats. Once its heartbeat is 90 s old, the lock is taken over.
    const node = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]!;
    process.kill(Number(node), 'SIGSTOP');
    // kill(2) returns before every thread has stopped: a beat already under way would land after
    // the clock is turned back (CI under load saw "heartbeat 0 s ago"). Wait until all are stopped.
    for (let i = 0; i < 200 && !allStopped(Number(node)); i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(allStopped(Number(node))).toBe(true);
    const old = new Date(Date.now() - 91_000);
    await utimes(path.join(out, LOCK_NAME), old, old);
    await expect(taken(out)).resolves.toBe('ran');
    process.kill(Number(node), 'SIGKILL');
  });
});

/** Whether every thread of a process is stopped (state T in /proc/<pid>/task/<tid>/stat). */
function allStopped(pid: number): boolean {
  const states = readdirSync(`/proc/${pid}/task`).map((tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]);
  return states.length > 0 && states.every((state) => state === 'T' || state === 't');
}
