// Compile an in-memory entries folder with the pure core and give back the three documents.
import { compile, type CompileResult } from '../../src/core/compile.js';
import { entryText, sources, storyText, type EntrySpec } from './story.js';

export const NOW = new Date('2026-06-01T00:00:00Z');

export interface Outputs {
  result: CompileResult;
  rss: string;
  atom: string;
  json: string;
}

export function compileFiles(files: Record<string, string>, now = NOW): Outputs {
  const result = compile({ sources: sources(files), now });
  if (!result.ok) {
    throw new Error(`compile failed:\n${result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`).join('\n')}`);
  }
  const get = (p: string) => result.files.find((f) => f.path === p)!.contents;
  return { result, rss: get('rss.xml'), atom: get('atom.xml'), json: get('feed.json') };
}

export function compileEntries(specs: EntrySpec[], storyExtra = '', now = NOW): Outputs {
  const files: Record<string, string> = { '_story.md': storyText(storyExtra) };
  for (const spec of specs) files[`${spec.slug}.md`] = entryText(spec);
  return compileFiles(files, now);
}
