// What a folder's last build was, read from its manifest's head, and which commands it refuses:
// a rehearsal (built ahead of the clock) is never published, nor built live or served while it is
// ahead; a live folder ahead of the clock means the clock went back; a folder built for an earlier
// instant is never published once a development came out or was retracted since.
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
async function builtFolder(window: [number | null, number | null], outdated?: number | null, rehearsal = false): Promise<string> {
  const folder = await tempFolder();
  cleanups.push(folder.cleanup);
  await mkdir(path.join(folder.dir, path.dirname(MANIFEST_PATH)), { recursive: true });
  await writeFile(path.join(folder.dir, MANIFEST_PATH), renderManifest({ ...(rehearsal ? { rehearsal: true as const } : {}), window, ...(outdated === undefined ? {} : { outdated }), entries: {}, outputs: {} }));
  return folder.dir;
}

describe('readBuiltAs', () => {
  it.each([
    ['nothing out yet', [null, null], null, { kind: 'live' }],
    ['live, nothing due', [ms('2026-06-01T00:00:00Z'), null], null, { kind: 'live', asOf: new Date('2026-06-01T00:00:00Z') }],
    ['built for the past', [ms('2026-05-01T00:00:00Z'), ms('2026-05-02T00:00:00Z')], ms('2026-05-02T00:00:00Z'), { kind: 'live', asOf: new Date('2026-05-01T00:00:00Z'), outdated: new Date('2026-05-02T00:00:00Z') }],
    ['an earlier manifest, without outdated', [ms('2026-05-01T00:00:00Z'), null], undefined, { kind: 'live', asOf: new Date('2026-05-01T00:00:00Z') }],
    ['ahead of the clock, an earlier manifest (it marked no rehearsal): a rehearsal', [ms('2026-07-01T00:00:00Z'), null], undefined, { kind: 'rehearsal', ahead: true, asOf: new Date('2026-07-01T00:00:00Z') }],
    ['ahead of the clock, marked a rehearsal', [ms('2026-07-01T00:00:00Z'), null], null, { kind: 'rehearsal', ahead: true, asOf: new Date('2026-07-01T00:00:00Z') }, true],
    ['marked a rehearsal, the clock has caught up with it', [ms('2026-06-01T00:00:00Z'), null], null, { kind: 'rehearsal', ahead: false, asOf: new Date('2026-06-01T00:00:00Z') }, true],
    ['ahead of the clock, not a rehearsal: the clock has gone back', [ms('2026-07-01T00:00:00Z'), null], null, { kind: 'skewed', asOf: new Date('2026-07-01T00:00:00Z') }],
  ] as const)('%s', async (_, window, outdated, expected, rehearsal?: true) => {
    expect(readBuiltAs(await builtFolder([...window], outdated, rehearsal ?? false), CLOCK)).toEqual(expected);
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

describe('which commands a folder refuses, by what its last build was', () => {
  const later = new Date('2099-01-01T00:00:00Z');
  const request = (outDir: string, command: RehearsalRequest['command'], now = CLOCK): RehearsalRequest => ({ command, outDir, now, clock: CLOCK, ...(now === CLOCK ? {} : { nowFlag: now.toISOString() }), outFlag: outDir });
  it.each([
    // A rehearsal still ahead: rehearsed again, fine; built at the clock, served or published, refused.
    ['a rehearsal, ahead', [ms('2026-07-01T00:00:00Z'), null], true, { build: /holds a rehearsal built ahead of the clock/, start: /holds a rehearsal/, publish: /put entries out before their time/, ahead: undefined }],
    // Caught up with by the clock: built at the clock it is live again; published as it is, never.
    ['a rehearsal the clock has caught up with', [ms('2026-06-01T00:00:00Z'), null], true, { build: undefined, start: undefined, publish: /not what the entries say now/, ahead: undefined }],
    // The clock went back under a live folder: not a rehearsal (never "delete it"); nothing built by
    // hand until the clock is right; a service starts, building for the folder's instant (service/run-instant.ts).
    ['a live folder, the clock gone back', [ms('2026-07-01T00:00:00Z'), null], false, { build: /has the clock gone back\?/, start: undefined, publish: undefined, ahead: /holds a live build/ }],
    ['a live folder', [ms('2026-06-01T00:00:00Z'), null], false, { build: undefined, start: undefined, publish: undefined, ahead: /holds a live build/ }],
  ] as const)('%s', async (_, window, rehearsal, expected) => {
    const dir = await builtFolder([...window], null, rehearsal);
    for (const command of ['build', 'start', 'publish'] as const) {
      const problem = rehearsalProblem(request(dir, command));
      expect([command, problem?.message]).toEqual([command, expected[command] === undefined ? undefined : expect.stringMatching(expected[command])]);
    }
    const ahead = rehearsalProblem(request(dir, 'build', later));
    expect(['ahead', ahead?.message]).toEqual(['ahead', expected.ahead === undefined ? undefined : expect.stringMatching(expected.ahead)]);
    if (expected.build?.source.includes('clock gone back')) expect(rehearsalProblem(request(dir, 'build'))!.hint).not.toContain('delete');
  });
});
