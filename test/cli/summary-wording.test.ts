// The CLI's summary lines count in words that agree with their numbers (`1 file`, `1 entry`), and
// a newsroom's tally splits drafts from retractions as a single story's does (cli-help.ts tally).
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { entryText, storyText, tempFolder } from '../helpers/story.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../helpers/newsroom.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const NOW = '2026-06-01T00:00:00Z';

async function workspace(files: Record<string, string>) {
  const folder = await tempFolder(Object.fromEntries(Object.entries(files).map(([k, v]) => [`entries/${k}`, v])));
  cleanups.push(folder.cleanup);
  return (command: 'build' | 'check') => runCli([command, '--entries', 'entries', '--out', 'out', '--now', NOW], { cwd: folder.dir });
}

const RETRACTED = 'retracted:\n  at: 2026-05-29T09:00:00Z\n  reason: The report was wrong.\n';

describe('summary lines', () => {
  it('say `1 file` and `1 entry`, never `1 files` or `1 entries`', async () => {
    const bare = await workspace({ '_story.md': storyText() });
    const first = await bare('build');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^storyfeed build: built 0 entries: /);
    expect(first.stdout).toMatch(/\n {2}1 file: read 1, parsed 0 \(the rest unchanged\); rendered (\d+) of \1 outputs\n/);
    const again = await bare('build');
    expect(again.stdout).toMatch(/^storyfeed build: no change since the last build \(1 file unchanged\)/);

    const one = await workspace({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }) });
    const checked = await one('check');
    expect(checked.stdout).toMatch(/^storyfeed check: 1 entry valid at /);
    expect((await one('build')).stdout).toMatch(/^storyfeed build: built 1 entry: 1 published, 0 scheduled, 0 draft, 0 retracted; /);
    for (const out of [first.stdout, again.stdout, checked.stdout]) expect(out).not.toMatch(/\b1 (files|entries|outputs|problems)\b/);
  });

  it("a newsroom's tally names drafts and retractions apart, as a single story's does", async () => {
    const run = await workspace({
      '_newsroom.md': newsroomText(),
      'talks/_story.md': newsroomStoryText('talks'),
      'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z'),
      'talks/d.md': newsroomEntryText('talks', 'd', '2026-05-27T09:00:00Z', 'draft: true\n'),
      'storm/_story.md': newsroomStoryText('storm'),
      'storm/a.md': newsroomEntryText('storm', 'a', '2026-05-27T09:00:00Z'),
      'storm/r.md': newsroomEntryText('storm', 'r', '2026-05-28T09:00:00Z', RETRACTED),
      'storm/later.md': newsroomEntryText('storm', 'later', '2026-07-01T09:00:00Z'),
    });
    const tally = '2 published, 1 scheduled, 1 draft, 1 retracted';
    const checked = await run('check');
    expect([checked.code, checked.stderr]).toEqual([0, '']);
    expect(checked.stdout).toContain(`storyfeed check: 5 entries valid at 2026-06-01T00:00:00.000Z: ${tally}\n`);
    const built = await run('build');
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(new RegExp(`^storyfeed build: built 5 entries: ${tally}; wrote `));
    expect(built.stdout + checked.stdout).not.toContain('draft or retracted');
  });
});
