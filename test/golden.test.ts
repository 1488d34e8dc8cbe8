// Golden cases: one folder per behaviour (test/golden/<case>/entries, its `now`, and the expected
// rss.xml, atom.xml and feed.json), compared byte for byte. The expected files are produced by the
// code (`UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts`) and reviewed like code.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/core/compile.js';
import { parseRfc3339 } from '../src/core/dates.js';
import { readSources } from '../src/io/read-sources.js';
import { checkOutputFile } from './helpers/checkers.js';

const goldenDir = new URL('./golden/', import.meta.url).pathname;
const cases = readdirSync(goldenDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const OUTPUTS = ['rss.xml', 'atom.xml', 'feed.json'];

describe.each(cases)('golden case %s', (name) => {
  const dir = path.join(goldenDir, name);
  const render = async () => {
    const parsed = parseRfc3339(readFileSync(path.join(dir, 'now'), 'utf8').trim());
    if (!parsed.ok) throw new Error(`${name}/now: ${parsed.problem}`);
    const read = await readSources(path.join(dir, 'entries'));
    const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: parsed.date });
    expect(result.diagnostics).toEqual([]);
    return result.files;
  };

  it.each(OUTPUTS)('%s matches the reviewed file byte for byte', async (file) => {
    const rendered = (await render()).find((f) => f.path === file)!.contents;
    const expectedPath = path.join(dir, file);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(expectedPath)) {
      if (process.env.CI === 'true') throw new Error(`${name}/${file} is missing: golden files are reviewed, never made on CI`);
      writeFileSync(expectedPath, rendered);
    }
    expect(rendered).toBe(readFileSync(expectedPath, 'utf8'));
  });

  it.each(OUTPUTS)('%s passes every checker', async (file) => {
    const problems = await checkOutputFile(file, readFileSync(path.join(dir, file), 'utf8'));
    expect(problems).toEqual([]);
  });
});
