// The parse worker runs its bundle with the V8 code cache `npm run build` made for it
// (src/build/parse/code-cache.ts, worker-boot.ts): V8 takes the cache as built, and a worker whose
// cache is missing, damaged or from another Node still starts and parses, the code compiled as usual.
import { spawnSync } from 'node:child_process';
import { copyFile, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFolders } from '../helpers/story.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const newFolder = tempFolders();

const check = (dist: string) => spawnSync(process.execPath, [path.join(dist, 'parse-worker.cjs'), '--check'], { encoding: 'utf8' });

/** A worker started from `dist` answers a request for a newsroom's settings (parse/settings.ts). */
function settingsFromWorker(dist: string) {
  const script = `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(${JSON.stringify(path.join(dist, 'parse-worker.cjs'))});
    const newsroom = { path: '_newsroom.md', text: '---\\nid: tag:n.example.org,2026-01-01:d\\ntitle: N\\ndescription: D\\nhome_page: https://n.example.org/\\nfeed_base: https://n.example.org/f/\\nlanguage: en\\nauthors:\\n  - name: Desk\\n---\\n' };
    const story = { path: 'a/_story.md', text: '---\\nid: tag:n.example.org,2026-01-01:a\\ntitle: A\\ndescription: B\\n---\\n' };
    w.on('message', (m) => { if (m.id === -1) { console.log(JSON.stringify(m.settings.map(([slug, s]) => [slug, s.title, s.feedBase]))); w.terminate(); } });
    w.postMessage({ id: -1, settings: { newsroom, stories: [{ slug: 'a', file: story }] } });`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
}

describe('the parse worker\'s code cache', () => {
  it('is taken by the Node that built it', () => {
    const r = check(DIST);
    expect(r.stdout.trim()).toBe('code cache taken');
    expect(r.status).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['damaged', Buffer.from('not a code cache at all')],
    ['another bundle\'s', 'other'],
    // V8 itself took a cache with bytes flipped in the middle (it checks no checksum in a release build).
    ['with two bytes flipped', 'flipped'],
  ])('%s: not taken, and the worker still parses', async (_, cache) => {
    const dir = await newFolder();
    for (const f of ['parse-worker.cjs', 'parse-worker-code.cjs']) await copyFile(path.join(DIST, f), path.join(dir, f));
    if (cache === 'other') {
      // A cache V8 made for other code (the bundle changed since it was made).
      await writeFile(path.join(dir, 'parse-worker-code.cjs'), `${await readFile(path.join(DIST, 'parse-worker-code.cjs'), 'utf8')}\n// changed\n`);
      await copyFile(path.join(DIST, 'parse-worker-code.cache'), path.join(dir, 'parse-worker-code.cache'));
    } else if (cache === 'flipped') {
      const bytes = Buffer.from(await readFile(path.join(DIST, 'parse-worker-code.cache')));
      const middle = bytes.length >> 1;
      bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
      bytes.writeUInt8(bytes.readUInt8(middle + 1000) ^ 0x55, middle + 1000);
      await writeFile(path.join(dir, 'parse-worker-code.cache'), bytes);
    } else if (cache) await writeFile(path.join(dir, 'parse-worker-code.cache'), cache);
    const r = check(dir);
    expect(r.stdout.trim()).toBe('code cache not taken');
    expect(r.status).toBe(1);
    const answered = settingsFromWorker(dir);
    expect(answered.stderr).toBe('');
    expect(JSON.parse(answered.stdout)).toEqual(JSON.parse(settingsFromWorker(DIST).stdout));
    expect(JSON.parse(answered.stdout)[0].slice(0, 2)).toEqual(['a', 'A']);
  });

  it('is made by the build from a folder whose path has a space (found from outside: the path was taken from a URL, %20 and all)', async () => {
    const repo = path.join(await newFolder(), 'a checkout');
    await mkdir(repo);
    for (const f of ['src', 'esbuild.config.mjs', 'package.json']) await cp(path.join(ROOT, f), path.join(repo, f), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
    const built = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: repo, encoding: 'utf8' });
    expect([built.status, built.stderr]).toEqual([0, '']);
    expect(check(path.join(repo, 'dist')).stdout.trim()).toBe('code cache taken');
  });
});
