// The short, bounded CI version of `npm run bench:serve`: load on 127.0.0.1 while the service
// rebuilds. Asserts correctness only (no errors, no partial or mixed-version feed), never speed.
import { describe, expect, it } from 'vitest';
// @ts-expect-error — a plain .mjs benchmark module without types
import { benchServe } from '../bench/serve.mjs';

describe('load while rebuilding', () => {
  it('serves every request, 304 for current validators, and never a partial or mixed feed', async () => {
    const lines: string[] = [];
    const { rows, builds, verified, problems } = await benchServe({ seconds: 2, log: (l: string) => lines.push(l) });
    expect(problems).toEqual([]);
    expect(verified).toBeGreaterThan(50);
    expect(builds).toBeGreaterThanOrEqual(2);
    for (const r of rows as Array<{ errors: number; statusCodes: Record<string, { count: number }> }>) {
      expect(r.errors).toBe(0);
      expect(Object.keys(r.statusCodes).every((code) => code === '200' || code === '304')).toBe(true);
    }
    expect((rows as Array<{ statusCodes: Record<string, { count: number }> }>)[1]!.statusCodes['304']?.count ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
