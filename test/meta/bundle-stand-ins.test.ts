// The bundle's stand-ins for two dependencies that are loaded but never called (esbuild.config.mjs):
// should anything call them, they load the real package and answer as it does.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe('lazy stand-ins in the bundle', () => {
  it('js-yaml: safeLoad and safeDump reach the real package', () => {
    const yaml = require('../../src/bundle/lazy-js-yaml.cjs') as { safeLoad(t: string): unknown; safeDump(v: unknown): string };
    expect(yaml.safeLoad('a: 1\nb: [x, y]\n')).toEqual({ a: 1, b: ['x', 'y'] });
    expect(yaml.safeDump({ a: 1 })).toBe('a: 1\n');
  });

  it('postcss: parse reaches the real package', () => {
    const postcss = require('../../src/bundle/lazy-postcss.cjs') as { parse(css: string): { nodes: Array<{ selector?: string }> } };
    expect(postcss.parse('p { color: red }').nodes[0]?.selector).toBe('p');
  });

  it('the bundle holds the stand-ins, not the packages', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dist = new URL('../../dist/', import.meta.url);
    const text = readdirSync(dist).filter((f) => f.endsWith('.js')).map((f) => readFileSync(new URL(f, dist), 'utf8')).join('\n');
    expect(text).toContain('src/bundle/lazy-js-yaml.cjs');
    expect(text).not.toContain('node_modules/js-yaml/');
    expect(text).not.toContain('node_modules/postcss/');
  });
});
