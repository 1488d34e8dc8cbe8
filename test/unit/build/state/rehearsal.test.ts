// What a folder's last build was, read from its manifest's head, and which commands it refuses:
// a rehearsal (built ahead of the clock) is never built live, served or published; a folder built
// for an earlier instant is never published once a development came out or was retracted since.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readBuiltAs, rehearsalProblem, type RehearsalRequest } from '../../../../src/build/state/rehearsal.js';
import { renderManifest } from '../../../../src/build/state/manifest.js';
import { LEDGER_PATH, MANIFEST_PATH } from '../../../../src/io/state-folder.js';
import { tempFolder } from '../../../helpers/story.js';

const CLOCK = new Date('2026-06-10T00:00:00Z');
const ms = (iso: string) => Date.parse(iso);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** An output folder whose manifest head is as a build writes it. */
async function builtFolder(window: [number | null, number | null], outdated?: number | null): Promise<string> {
  const folder = await tempFolder();
  cleanups.push(folder.cleanup);
  await mkdir(path.join(folder.dir, path.dirname(MANIFEST_PATH)), { recursive: true });
  await writeFile(path.join(folder.dir, MANIFEST_PATH), renderManifest({ window, ...(outdated === undefined ? {} : { outdated }), entries: {}, outputs: {} }));
  return folder.dir;
}

describe('readBuiltAs', () => {
  it.each([
    ['nothing out yet', [null, null], null, { kind: 'live' }],
    ['live, nothing due', [ms('2026-06-01T00:00:00Z'), null], null, { kind: 'live', asOf: new Date('2026-06-01T00:00:00Z') }],
    ['built for the past', [ms('2026-05-01T00:00:00Z'), ms('2026-05-02T00:00:00Z')], ms('2026-05-02T00:00:00Z'), { kind: 'live', asOf: new Date('2026-05-01T00:00:00Z'), outdated: new Date('2026-05-02T00:00:00Z') }],
    ['an earlier manifest, without outdated', [ms('2026-05-01T00:00:00Z'), null], undefined, { kind: 'live', asOf: new Date('2026-05-01T00:00:00Z') }],
    ['ahead of the clock', [ms('2026-07-01T00:00:00Z'), null], null, { kind: 'ahead', asOf: new Date('2026-07-01T00:00:00Z') }],
  ] as const)('%s', async (_, window, outdated, expected) => {
    expect(readBuiltAs(await builtFolder([...window], outdated), CLOCK)).toEqual(expected);
  });

  it('no manifest: none; no manifest but a ledger of published ids (found from outside: deleting the manifest turned every guard off): live', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.cleanup);
    expect(readBuiltAs(folder.dir, CLOCK)).toEqual({ kind: 'none' });
    await mkdir(path.join(folder.dir, path.dirname(LEDGER_PATH)), { recursive: true });
    await writeFile(path.join(folder.dir, LEDGER_PATH), '{"version":3,"ids":{}}\n');
    expect(readBuiltAs(folder.dir, CLOCK)).toEqual({ kind: 'live' });
    const ahead = rehearsalProblem({ command: 'build', outDir: folder.dir, now: new Date('2099-01-01T00:00:00Z'), clock: CLOCK, nowFlag: '2099-01-01T00:00:00Z', outFlag: folder.dir });
    expect(ahead?.message).toContain('holds a live build: embargoed entries would go out there');
  });
});

describe('publish of a folder built for an earlier instant', () => {
  const publish = (outDir: string): RehearsalRequest => ({ command: 'publish', outDir, now: CLOCK, clock: CLOCK });
  it.each([
    ['a development came out since: refused', ms('2026-06-09T00:00:00Z'), true],
    ['at the clock itself: refused', ms('2026-06-10T00:00:00Z'), true],
    ['the next one is still ahead: published', ms('2026-06-11T00:00:00Z'), false],
    ['none due: published', null, false],
  ] as const)('%s', async (_, outdated, refused) => {
    const dir = await builtFolder([ms('2026-05-01T00:00:00Z'), outdated], outdated);
    const problem = rehearsalProblem(publish(dir));
    expect(problem?.message.includes('is out of date') ?? false).toBe(refused);
    // build and start at the clock bring such a folder up to date: never refused for it.
    for (const command of ['build', 'start'] as const) expect(rehearsalProblem({ ...publish(dir), command })).toBeUndefined();
  });
});
