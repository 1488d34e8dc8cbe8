// A story in a temp folder, built into out/ by the library, with a build from scratch (no cache)
// to compare any state of out/ with.
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { build } from '../../src/build/index.js';
import { LEDGER_PATH } from '../../src/io/state-folder.js';
import { publishedFiles } from './files.js';
import { tempFolder } from './story.js';

export async function storyFolder(files: Record<string, string>, cleanups: Array<() => Promise<void>>, now: Date) {
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  const entriesDir = path.join(folder.dir, 'entries');
  const out = path.join(folder.dir, 'out');
  const run = (extra: Partial<Parameters<typeof build>[0]> = {}) => build({ entriesDir, outDir: out, now, ...extra });
  /**
   * What a build from scratch publishes, in a folder of its own. With `ledger`, the build starts
   * from out/'s id ledger (the history a build cannot see in the entries: ids published before
   * and made drafts again keep their places), and so is the same build without its cache.
   */
  const fresh = async (options: { ledger?: boolean } = {}) => {
    const dir = path.join(folder.dir, `fresh-${Math.random().toString(36).slice(2)}`);
    if (options.ledger) await cp(path.join(out, LEDGER_PATH), path.join(dir, LEDGER_PATH));
    await build({ entriesDir, outDir: dir, now, cache: false });
    return publishedFiles(dir);
  };
  return { dir: folder.dir, entriesDir, out, run, fresh };
}
