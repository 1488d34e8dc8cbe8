// The README is part of the product: every diagnostic code and every field must be documented.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/core/compile.js';
import { DIAGNOSTIC_CODES } from '../../src/core/diagnostics.js';
import { LIMITS } from '../../src/core/limits.js';
import { ENTRY_FIELDS, STORY_FIELDS } from '../../src/core/normalize.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README documents the tool', () => {
  it('stays a user guide: at most 25,000 characters (internals live next to their code)', () => {
    expect([...readme].length).toBeLessThanOrEqual(25_000);
  });

  it.each(['README.md', 'src/build/README.md', 'src/core/README.md', 'src/service/README.md', 'src/publish/README.md', 'test/README.md', 'test/bench/README.md'])('every src/ or test/ path %s names exists', (doc) => {
    const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
    const paths = [...text.matchAll(/`((?:src|test)\/[\w./-]+\.(?:ts|md|mjs|png|rnc|txt))`/g)].map((m) => m[1]!);
    expect(paths.filter((p) => !existsSync(new URL(`../../${p}`, import.meta.url)))).toEqual([]);
  });

  it('opens with the two quick-start commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toContain('npm install && npm start');
    expect(firstBlock).toContain('npm test');
    expect(readme.indexOf('npm install && npm start')).toBeLessThan(600);
  });

  it('the example entry compiles as written', () => {
    const example = /```markdown\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const story = readFileSync(new URL('../../entries/_story.md', import.meta.url), 'utf8');
    const r = compile({ sources: [{ path: '_story.md', text: story }, { path: 'example.md', text: example! }], now: new Date('2026-06-01T00:00:00Z') });
    expect(r.diagnostics).toEqual([]);
    expect(r.entries.map((e) => e.title)).toEqual(['What the draft memorandum would cover']);
  });

  it.each(Object.keys(DIAGNOSTIC_CODES))('diagnostic code %s has a row in the diagnostics table', (code) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it.each([...ENTRY_FIELDS])('entry field %s is in the field table', (field) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${field}\` \\|`, 'm'));
  });

  it.each(Object.entries(LIMITS))('limit %s (%i) is documented with its value', (key, value) => {
    const row = readme.split('\n').find((l) => l.includes(`(\`${key}\`)`));
    expect(row).toBeDefined();
    const shown = value === 1024 * 1024 ? '1 MiB' : value.toLocaleString('en');
    expect(row).toContain(shown);
  });

  it.each([...STORY_FIELDS])('story field %s is in the story table', (field) => {
    expect(readme).toMatch(new RegExp(`\`${field}\``));
  });
});
