// The whole project — sources and tests — type-checks under strict settings.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

describe('types', () => {
  it('tsc -p tsconfig.test.json reports nothing', async () => {
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, [tsc, '-p', 'tsconfig.test.json'], { cwd: root }, (_error, stdout, stderr) => resolve(stdout + stderr));
    });
    expect(output).toBe('');
  }, 120_000);
});
