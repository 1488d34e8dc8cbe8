// User errors and bugs: a user error keeps its kind across the service's worker boundary (what
// crosses is a plain object, as postMessage's structured clone makes it); a bug keeps its stack,
// is never taken for a user error, and makes the CLI exit 70 — not 2, the usage error's code.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { buildAborted, fromWire, isUserError, toWire, USER_ERROR_KINDS, UserError, type UserErrorKind } from '../../src/errors.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

/** What the other thread receives. */
const acrossThreads = (error: unknown) => fromWire(structuredClone(toWire(error)));

describe('errors across the worker boundary', () => {
  it.each(Object.keys(USER_ERROR_KINDS) as UserErrorKind[])('a %s user error arrives as the same kind, with its message', (kind) => {
    const back = acrossThreads(new UserError(kind, `the ${kind} message`));
    expect(back).toBeInstanceOf(UserError);
    expect([isUserError(back, kind), back.message]).toEqual([true, `the ${kind} message`]);
  });

  it('an aborted build is a user error of kind aborted', () => {
    expect(isUserError(acrossThreads(buildAborted()), 'aborted')).toBe(true);
  });

  it.each([
    ['an Error', new TypeError('x is not a function')],
    ['a thrown string', 'plain text'],
    ['an error that names a user error class', Object.assign(new Error('impostor'), { name: 'LockBusyError' })],
  ])('%s arrives as a bug, with its message and stack', (_name, error) => {
    const back = acrossThreads(error);
    expect(isUserError(back)).toBe(false);
    expect(back.message).toBe(error instanceof Error ? error.message : error);
    if (error instanceof Error) expect(back.stack).toBe(error.stack);
  });
});

describe('the CLI’s exit codes', () => {
  async function run(out: (line: string) => void) {
    const folder = await tempFolder({ 'entries/_story.md': storyText(), 'entries/a.md': entryText({ slug: 'a', published: '2026-05-20T09:00:00Z' }) });
    cleanups.push(folder.cleanup);
    const errors: string[] = [];
    const code = await main(['build', '--entries', path.join(folder.dir, 'entries'), '--out', path.join(folder.dir, 'out'), '--now', '2026-06-01T00:00:00Z'], {
      out,
      err: (line) => errors.push(line),
      tty: false,
      progress: () => undefined,
    });
    return { code, errors };
  }

  it('a bug exits 70 and says it is an internal error', async () => {
    const r = await run(() => {
      throw new TypeError('a bug in the summary');
    });
    expect(r.code).toBe(70);
    expect(r.errors.join('\n')).toMatch(/internal error — please report it:\nTypeError: a bug in the summary/);
  });

  it('a user error exits 2 with its message alone', async () => {
    const errors: string[] = [];
    const code = await main(['build', '--entries', '/nonexistent/entries', '--out', '/nonexistent/out'], { out: () => undefined, err: (l) => errors.push(l), tty: false, progress: () => undefined });
    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(/^storyfeed build: cannot read the entries folder \/nonexistent\/entries: ENOENT$/);
  });
});
