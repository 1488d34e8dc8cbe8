// What `storyfeed publish` takes from the last build's manifest (build/published-outputs.ts): the
// outputs, the story, and a newsroom's per-story ttl, which goes into a Cache-Control header.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastBuild, maxAgesOf } from '../../../src/build/published-outputs.js';
import { manifestVersion } from '../../../src/build/state/manifest.js';
import { MANIFEST_PATH } from '../../../src/io/state-folder.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function withManifest(extra: Record<string, unknown>): Promise<string> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'storyfeed-last-build-'));
  dirs.push(out);
  await mkdir(path.join(out, path.dirname(MANIFEST_PATH)), { recursive: true });
  await writeFile(path.join(out, MANIFEST_PATH), JSON.stringify({ version: manifestVersion(), window: [null, null], entries: {}, outputs: { 'talks/rss.xml': [1, 1] }, ...extra }));
  return out;
}

describe('lastBuild', () => {
  it("keeps a newsroom's per-story max-ages that are whole seconds, and drops what a hand edit made of others (found from outside: 1e30 and CRLF reached the header)", async () => {
    const out = await withManifest({ maxAgeByFolder: { talks: 60, storm: 1e30, vote: 'x\r\nX-Evil: 1', fires: -5, constructor: 120, half: 1.5 } });
    const built = lastBuild(out)!;
    expect(built.maxAgeByFolder).toEqual({ talks: 60, constructor: 120 });
    expect(maxAgesOf(built)).toEqual({ maxAgeByFolder: { talks: 60, constructor: 120 } });
    const none = lastBuild(await withManifest({ maxAgeByFolder: { storm: 'soon' } }))!;
    expect(none.maxAgeByFolder).toBeUndefined();
    expect([...none.outputs]).toEqual(['talks/rss.xml']);
  });
});
