// A fresh machine without Debian's checkers: `npm test` passes, and the tests that need a missing
// checker are skipped and say which and how to install it. Under CI=true the same run fails.
// (STORYFEED_TEST_WITHOUT makes the checkers count as missing on a machine that has them.)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runInterop(ci: boolean) {
  // The inner vitest must not think it runs inside this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'CI' && k !== 'NODE_ENV'));
  const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/interop/fields.test.ts', 'test/e2e/story.test.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, STORYFEED_TEST_WITHOUT: 'all', STORYFEED_TEST_NESTED: '1', ...(ci ? { CI: 'true' } : {}) },
    timeout: 120_000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('tests on a machine without the Debian checkers', () => {
  it('pass, and name each missing checker as skipped', () => {
    const r = runInterop(false);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/feedparser is not installed \(apt-get install -y python3-feedparser\): the checks that need it were skipped/);
    expect(r.output).toMatch(/xmllint is not installed \(apt-get install -y libxml2-utils\)/);
    expect(r.output).toMatch(/jing is not installed \(apt-get install -y jing\)/);
    expect(r.output).toMatch(/\d+ skipped/);
  }, 150_000);

  it('fail under CI=true, naming what is missing', () => {
    const r = runInterop(true);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/feedparser is not installed \(apt-get install -y python3-feedparser\): CI=true, so the tests that need it fail/);
  }, 150_000);
});
