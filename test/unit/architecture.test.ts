// The core stays pure: no file system, no process, no clock, no console. A small test holds the line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const coreDir = new URL('../../src/core/', import.meta.url).pathname;
const srcDir = new URL('../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('architecture', () => {
  it.each(files(coreDir).map((f) => [path.relative(srcDir, f), f]))('%s does no I/O and reads no clock', (_name, file) => {
    const text = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
    expect(text).not.toMatch(/from 'node:(fs|fs\/promises|child_process|net|http|https|os)'/);
    expect(text).not.toMatch(/\bprocess\.|\bconsole\.|Date\.now\(|new Date\(\)|performance\.now/);
    expect(text).not.toMatch(/from '\.\.\/(io|build|cli|service|serve|schedule)/);
  });

  it('only the CLI prints or sets the exit code', () => {
    for (const file of files(srcDir)) {
      if (file.endsWith('cli.ts')) continue;
      const text = readFileSync(file, 'utf8');
      expect([path.relative(srcDir, file), /process\.(stdout|stderr)|console\.|process\.exit/.test(text)]).toEqual([path.relative(srcDir, file), false]);
    }
  });

  it('only io/read-sources reads entries and only io/write-outputs writes outputs', () => {
    for (const file of files(srcDir)) {
      const rel = path.relative(srcDir, file);
      const text = readFileSync(file, 'utf8');
      // The fragment pack is the build cache's own file (io/fragment-store.ts), the lock its own (io/output-lock.ts); every published file goes through write-outputs.
      if (rel !== 'io/write-outputs.ts' && rel !== 'build.ts' && rel !== 'io/fragment-store.ts' && rel !== 'io/output-lock.ts') expect([rel, /\b(writeFile|rename|unlink)\(/.test(text)]).toEqual([rel, false]);
    }
  });
});
