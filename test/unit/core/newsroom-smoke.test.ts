import { it } from 'vitest';
import { compileNewsroom } from '../../../src/core/newsroom-compile.js';
import { sources } from '../../helpers/story.js';
import { sampleNewsroom } from '../../helpers/newsroom.js';
it('smoke', () => {
  const r = compileNewsroom({ sources: sources(sampleNewsroom()), now: new Date('2026-06-01T00:00:00Z'), ledgerPath: '.storyfeed/ledger.json' });
  console.log(r.ok, r.diagnostics);
  console.log(r.files.map((f) => f.path).join(' '));
  for (const f of r.files) if (!f.path.includes('/') && !f.path.endsWith('.css') && !f.path.endsWith('.xsl')) console.log('=====', f.path, '\n', f.contents);
  console.log(r.files.find((f) => f.path.endsWith('ledger.json'))!.contents);
});
