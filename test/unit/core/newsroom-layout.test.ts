// The newsroom layout and its settings (core/newsroom.ts, core/newsroom-compile.ts): which folder
// is which, every diagnostic with its file, line and field, inheritance and defaults, and ids that
// are unique across stories.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { compileNewsroom } from '../../../src/core/newsroom-compile.js';
import { detectLayout } from '../../../src/core/newsroom.js';
import { NEWSROOM_ID, newsroomEntryText, newsroomStoryText, newsroomText, sampleNewsroom } from '../../helpers/newsroom.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const run = (files: Record<string, string>) => compileNewsroom({ sources: sources(files), now: NOW });
const where = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}${d.field ? ` ${d.field}` : ''}`);

describe('layout', () => {
  it.each([
    ['single story', { '_story.md': '', 'a.md': '' }, 'story', []],
    ['neither file (the story compile reports E_STORY_MISSING)', { 'a.md': '' }, 'story', []],
    ['newsroom', { '_newsroom.md': '', 'x/_story.md': '' }, 'newsroom', []],
    ['both', { '_newsroom.md': '', '_story.md': '' }, 'newsroom', ['E_LAYOUT']],
  ] as const)('%s', (_name, files, kind, codes) => {
    const layout = detectLayout(sources(files));
    expect(layout.kind).toBe(kind);
    expect(layout.diagnostics.map((d) => d.code)).toEqual(codes);
  });

  it('a single story still compiles as before (the single-story compile is unchanged)', () => {
    expect(compile({ sources: sources({ '_story.md': storyText() }), now: NOW }).ok).toBe(true);
  });

  it("a single story's coverage_end before its first entry is E_COVERAGE at coverage_end, as a newsroom story's", () => {
    const entry = (name: string, published: string, extra = '') => `---\nid: tag:newsroom.example.org,2026-05-25:test-story/${name}\ntitle: ${name}\npublished: ${published}\n${extra}---\nBody.\n`;
    const story = storyText('status: ended\ncoverage_end: 2026-05-20T00:00:00Z\n');
    const files = { '_story.md': story, 'a.md': entry('a', '2026-05-26T09:00:00Z') };
    const strict = compile({ sources: sources(files), now: NOW });
    expect(strict.ok).toBe(false);
    expect(strict.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.field}`)).toEqual(['_story.md:12:15 E_COVERAGE coverage_end']);
    // The same check, worded alike, as a newsroom story's (one function).
    const inNewsroom = run({ ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: ended\ncoverage_end: 2026-05-20T00:00:00Z\n') });
    expect(inNewsroom.diagnostics.find((d) => d.code === 'E_COVERAGE')!.message).toBe(strict.diagnostics[0]!.message);
    // Drafts and embargoed entries do not start the coverage; coverage_start, when written, does.
    const drafts = { '_story.md': story, 'a.md': entry('a', '2026-05-19T09:00:00Z'), 'd.md': entry('d', '2026-05-10T09:00:00Z', 'draft: true\n') };
    expect(compile({ sources: sources(drafts), now: NOW }).diagnostics).toEqual([]);
    const started = storyText('status: ended\ncoverage_start: 2026-05-01T00:00:00Z\ncoverage_end: 2026-05-20T00:00:00Z\n');
    const after = compile({ sources: sources({ ...files, '_story.md': started }), now: NOW });
    // …but an end before a development is still wrong: the page would say "Coverage ended" above it.
    expect(after.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.field} ${d.message}`)).toEqual(['_story.md:13 E_COVERAGE coverage_end `coverage_end` (2026-05-20T00:00:00Z) is before `a.md` is published (2026-05-26T09:00:00Z)']);
    const ended = storyText('status: ended\ncoverage_start: 2026-05-01T00:00:00Z\ncoverage_end: 2026-05-26T09:00:00Z\n');
    expect(compile({ sources: sources({ ...files, '_story.md': ended }), now: NOW }).diagnostics).toEqual([]);
    // Service mode keeps the story up and holds back what came after its end, as it holds back a bad entry.
    const service = compile({ sources: sources({ ...files, 'b.md': entry('b', '2026-05-19T09:00:00Z') }), now: NOW, mode: 'service' });
    expect([service.ok, service.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.field}`)]).toEqual([true, ['a.md:4 E_COVERAGE published']]);
    expect(service.outcomes?.map((o) => `${o.path} ${o.status}`)).toEqual(['a.md rejected', 'b.md ok']);
  });

  // Found from outside: the service published a development dated after an ended story's
  // coverage_end under "Coverage ended" (and a JSON-LD coverageEndTime before it); `build` refuses it.
  it("a newsroom's service holds back a development published after its story's coverage_end; the other stories publish", () => {
    const ended = { ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: ended\ncoverage_end: 2026-05-30T00:00:00Z\n') };
    expect(run(ended).ok).toBe(true);
    const late = { ...ended, 'talks/late.md': newsroomEntryText('talks', 'late', '2026-05-31T09:00:00Z') };
    expect(where(run(late))).toEqual(['talks/_story.md:6 E_COVERAGE coverage_end']);
    const service = compileNewsroom({ sources: sources(late), now: NOW, mode: 'service' });
    expect(where(service)).toEqual(['talks/late.md:4 E_COVERAGE published']);
    expect(service.stories.map((s) => s.slug).sort()).toEqual(['storm', 'talks', 'vote']);
    expect(service.planned.some((p) => p.path === 'talks/rss.xml')).toBe(true);
    expect(service.feedEntries.some((p) => p.endsWith('late.md'))).toBe(false);
    expect(service.stories.find((s) => s.slug === 'talks')!.result.entries.map((e) => e.path)).not.toContain('late.md');
  });
});

const base = sampleNewsroom();

describe('diagnostics', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['both _story.md and _newsroom.md', { ...base, '_story.md': storyText() }, ['_story.md:1 E_LAYOUT']],
    ['an entry at the root', { ...base, 'stray.md': newsroomEntryText('x', 'stray', '2026-05-26T09:00:00Z') }, ['stray.md:1 E_NEWSROOM_ROOT_ENTRY']],
    ['a folder that is not a slug', { ...base, 'Big Story/_story.md': newsroomStoryText('big') }, ['Big Story/:1 E_STORY_SLUG']],
    ['an underscore in a folder name', { ...base, 'big_story/_story.md': newsroomStoryText('big') }, ['big_story/:1 E_STORY_SLUG']],
    ['a story folder without _story.md', { ...base, 'orphan/a.md': newsroomEntryText('orphan', 'a', '2026-05-26T09:00:00Z') }, ['orphan/_story.md:1 E_STORY_FOLDER']],
    ['a story without id, title, description', { ...base, 'bare/_story.md': '---\nlanguage: de\n---\n' }, ['bare/_story.md:1 E_FIELD_MISSING description', 'bare/_story.md:1 E_FIELD_MISSING id', 'bare/_story.md:1 E_FIELD_MISSING title']],
    ['an unknown status', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: over\n') }, ['talks/_story.md:5 E_STORY_STATUS status']],
    ['ended without coverage_end', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: ended\n') }, ['talks/_story.md:5 E_COVERAGE coverage_end']],
    ['coverage_end before coverage_start', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'coverage_start: 2026-05-20T00:00:00Z\ncoverage_end: 2026-05-19T00:00:00Z\n') }, ['talks/_story.md:6 E_COVERAGE coverage_end']],
    ['coverage_end before the first entry', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: ended\ncoverage_end: 2026-05-20T00:00:00Z\n') }, ['talks/_story.md:6 E_COVERAGE coverage_end']],
    ['coverage_end before a later development, even a scheduled one', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: ended\ncoverage_end: 2026-05-28T12:00:00Z\n'), 'talks/later.md': newsroomEntryText('talks', 'later', '2026-07-01T00:00:00Z') }, ['talks/_story.md:6 E_COVERAGE coverage_end']],
    ["YAML that does not parse in a story's _story.md: named in its folder, as its field problems are", { ...base, 'talks/_story.md': '---\nid: [unclosed\n---\n' }, ['talks/_story.md:2 E_YAML_SYNTAX']],
    ["a YAML tag in a story's _story.md", { ...base, 'storm/_story.md': newsroomStoryText('storm').replace(/^title: .*$/m, 'title: !!js/function "function(){}"') }, ['storm/_story.md:3 E_YAML_TAG']],
    ["a story's _story.md without its closing ---", { ...base, 'talks/_story.md': '---\nid: x\n' }, ['talks/_story.md:1 E_FENCE_UNCLOSED']],
    ['a bad coverage date', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'coverage_start: yesterday\n') }, ['talks/_story.md:5 E_DATE_INVALID coverage_start']],
    ['a bad overridden field', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'language: 12\n') }, ['talks/_story.md:5 E_FIELD_TYPE language']],
    ['a typo in a story field', { ...base, 'talks/_story.md': newsroomStoryText('talks', 'stauts: live\n') }, ['talks/_story.md:5 E_FIELD_UNKNOWN stauts']],
    ["a story's feed_base that is another story's", { ...base, 'storm/_story.md': newsroomStoryText('storm', 'feed_base: https://newsroom.example.org/live/feeds/talks/\n') }, ['storm/_story.md:5 E_URL_INVALID feed_base']],
    ["a story's feed_base that is the newsroom's", { ...base, 'storm/_story.md': newsroomStoryText('storm', 'feed_base: https://newsroom.example.org/live/feeds/\n') }, ['storm/_story.md:5 E_URL_INVALID feed_base']],
    ["a story's feed_base inside another story's (its entry pages)", { ...base, 'storm/_story.md': newsroomStoryText('storm', 'feed_base: https://newsroom.example.org/live/feeds/talks/a/\n') }, ['storm/_story.md:5 E_URL_INVALID feed_base']],
    ['two stories that write the same feed_base: both named', { ...base, 'storm/_story.md': newsroomStoryText('storm', 'feed_base: https://cdn.example.org/x/\n'), 'vote/_story.md': newsroomStoryText('vote', 'feed_base: https://cdn.example.org/x/\n') }, ['storm/_story.md:5 E_URL_INVALID feed_base', 'vote/_story.md:5 E_URL_INVALID feed_base']],
    ["a story's own schedule or publish target (the service runs the newsroom by _newsroom.md's)", { ...base, 'talks/_story.md': newsroomStoryText('talks', 'schedule: "*/5 * * * *"\npublish: s3://bucket/talks/\n') }, ['talks/_story.md:5 E_FIELD_UNKNOWN schedule', 'talks/_story.md:6 E_FIELD_UNKNOWN publish']],
    ["a newsroom feed_base with a query (the stories' self links would resolve to the newsroom's)", { ...base, '_newsroom.md': newsroomText().replace('live/feeds/\n', 'live/feeds/?x=/\n') }, ['_newsroom.md:6 E_URL_INVALID feed_base']],
    ['a broken _newsroom.md', { ...base, '_newsroom.md': newsroomText('ttl: 0\n') }, ['_newsroom.md:12 E_NUMBER_RANGE ttl']],
    [
      "a broken _newsroom.md does not hide the stories' problems (they are checked against a stand-in)",
      { ...base, '_newsroom.md': newsroomText('time_zone: Mars/Base\n').replace(/^id: .*$/m, 'id: not an iri'), 'storm/_story.md': newsroomStoryText('storm', 'ttl: -5\n'), 'talks/c.md': newsroomEntryText('talks', 'c', '2026-13-45T00:00:00Z') },
      ['_newsroom.md:2 E_ID_INVALID id', '_newsroom.md:12 E_TIMEZONE_INVALID time_zone', 'storm/_story.md:5 E_NUMBER_RANGE ttl', 'talks/c.md:4 E_DATE_INVALID published'],
    ],
    ['a _newsroom.md whose YAML does not parse: that alone', { ...base, '_newsroom.md': '---\nid: [unclosed\n---\n', 'talks/c.md': newsroomEntryText('talks', 'c', 'soon') }, ['_newsroom.md:2 E_YAML_SYNTAX']],
    ['an entry error inside a story', { ...base, 'talks/c.md': newsroomEntryText('talks', 'c', 'soon') }, ['talks/c.md:4 E_DATE_INVALID published']],
    ['the same id in two stories', { ...base, 'storm/dup.md': newsroomEntryText('talks', 'a', '2026-05-26T10:00:00Z') }, ['talks/a.md:2 E_ID_DUPLICATE id']],
    ['a story with the newsroom id', { ...base, 'talks/_story.md': newsroomStoryText('talks').replace('2026-05-25:talks', '2026-05-25:newsroom') }, ['talks/_story.md:2 E_ID_DUPLICATE id']],
  ])('%s', (_name, files, expected) => {
    const r = run(files);
    expect(r.ok).toBe(false);
    expect(where(r)).toEqual(expected);
    expect(r.planned).toEqual([]);
  });

  it('a live story with a coverage_end builds, with a warning at coverage_end (it is shown nowhere until the story has ended); a single story alike', () => {
    const r = run({ ...base, 'talks/_story.md': newsroomStoryText('talks', 'coverage_end: 2026-05-31T06:00:00Z\n') });
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.severity}`)).toEqual(['talks/_story.md:5 W_COVERAGE_LIVE warning']);
    // Shown nowhere: not in stories.json, not as the OPML's dateModified (found from outside: both had it).
    const text = (result: typeof r, name: string) => result.files.find((f) => f.path === name)!.contents;
    expect(text(r, 'stories.json')).not.toContain('2026-05-31T06');
    expect(text(r, 'stories.opml')).not.toMatch(/31 May 2026 06:00/);
    const ended = run({ ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: ended\ncoverage_end: 2026-05-31T06:00:00Z\n') });
    expect(ended.diagnostics).toEqual([]);
    expect(text(ended, 'stories.json')).toContain('"coverage_end": "2026-05-31T06:00:00Z"');
    expect(text(ended, 'stories.opml')).toMatch(/<dateModified>Sun, 31 May 2026 06:00:00 (GMT|\+0000)<\/dateModified>/);
    const single = compile({ sources: sources({ '_story.md': storyText('coverage_end: 2026-05-30T00:00:00Z\n') }), now: NOW });
    expect([single.ok, single.diagnostics.map((d) => d.code)]).toEqual([true, ['W_COVERAGE_LIVE']]);
  });

  it('an ended story may hold a draft dated after its coverage_end (a draft is not out); the other stories build', () => {
    const r = run({ ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: ended\ncoverage_end: 2026-05-28T12:00:00Z\n'), 'talks/later.md': newsroomEntryText('talks', 'later', '2026-05-29T00:00:00Z', 'draft: true\n') });
    expect([r.ok, where(r)]).toEqual([true, []]);
  });

  it("an unknown field in a story's `_story.md` is answered with the fields a story may set: not the newsroom's schedule and publish", () => {
    const files = { ...base, 'talks/_story.md': newsroomStoryText('talks', 'schedulle: "*/5 * * * *"\n'), '_newsroom.md': newsroomText('schedule: "*/10 * * * *"\npublish: s3://bucket/live/\n') };
    const r = run(files);
    expect(where(r)).toEqual(['talks/_story.md:5 E_FIELD_UNKNOWN schedulle']);
    const hint = r.diagnostics[0]!.hint;
    expect(hint).toContain('Known fields: id, title, description, home_page, feed_base');
    expect(hint).toContain('hub');
    expect(hint).toContain('coverage_end');
    expect(hint).not.toMatch(/\bschedule\b/);
    expect(hint).not.toMatch(/\bpublish\b/);
    // The newsroom's own are still known in `_newsroom.md`, and not reported in its stories.
    expect(run({ ...base, '_newsroom.md': newsroomText('schedule: "*/10 * * * *"\npublish: s3://bucket/live/\n') }).diagnostics).toEqual([]);
  });

  it('a folder name with accents is answered with a slug that keeps its letters (`Café Strike` → `cafe-strike`)', () => {
    const r = run({ ...base, 'Café Strike/_story.md': newsroomStoryText('cafe') });
    expect(r.diagnostics.map((d) => `${d.code} ${d.hint}`)).toEqual([expect.stringMatching(/^E_STORY_SLUG .*e\.g\. `cafe-strike`/)]);
  });

  it("a problem with a story folder itself (the reader's, e.g. a link out) is reported as it is, not as a missing `_story.md`", () => {
    const readDiagnostics = [{ file: 'evil/', line: 1, column: 1, code: 'E_FILE_SYMLINK_OUTSIDE' as const, severity: 'error' as const, message: 'the story folder is a symbolic link that leads outside the entries folder (or nowhere)', hint: 'move it in' }];
    const r = compileNewsroom({ sources: sources(base), readDiagnostics, now: NOW });
    expect(where(r)).toEqual(['evil/:1 E_FILE_SYMLINK_OUTSIDE']);
  });

  it("a story's feed_base clash names the other story, and service mode leaves only that story out", () => {
    const files = { ...base, 'storm/_story.md': newsroomStoryText('storm', 'feed_base: https://newsroom.example.org/live/feeds/talks/\n') };
    expect(run(files).diagnostics.map((d) => d.message)).toEqual(["`feed_base` https://newsroom.example.org/live/feeds/talks/ is also story `talks`'s: their feeds would claim the same URLs"]);
    const service = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service' });
    expect(service.stories.map((s) => s.slug).sort()).toEqual(['talks', 'vote']);
  });

  it('a published story whose folder is deleted is E_ID_VANISHED for each of its entries, as a deleted entry is; a renamed folder is a move', () => {
    const first = compileNewsroom({ sources: sources(base), now: NOW, ledgerPath: 'ledger.json' });
    const ledgerText = first.files.find((f) => f.path === 'ledger.json')!.contents;
    const without = Object.fromEntries(Object.entries(base).filter(([p]) => !p.startsWith('vote/')));
    const gone = compileNewsroom({ sources: sources(without), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
    expect(gone.ok).toBe(false);
    expect(where(gone)).toEqual(['vote/a.md:1 E_ID_VANISHED id', 'vote/b.md:1 E_ID_VANISHED id']);
    expect(gone.diagnostics[0]!.message).toContain('with its story folder `vote/`');
    const renamed = { ...without, ...Object.fromEntries(Object.entries(base).filter(([p]) => p.startsWith('vote/')).map(([p, t]) => [p.replace('vote/', 'ballot/'), t])) };
    // A move, said once (its URLs go with the folder name): a warning, the build goes on.
    const moved = compileNewsroom({ sources: sources(renamed), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
    expect([moved.ok, where(moved)]).toEqual([true, ['ballot/_story.md:1 W_STORY_MOVED']]);
    expect(moved.diagnostics[0]!.message).toBe("the story folder `vote/` is now `ballot/`: its feeds and pages move to the new folder's URLs, and the old ones are deleted");
    // Found from outside: renamed and given a new id in one step, the story changed its feeds' id
    // silently, and its old record went, so a new story in `vote/` could take the old id and URLs.
    const reIded = { ...renamed, 'ballot/_story.md': renamed['ballot/_story.md']!.replace('tag:newsroom.example.org,2026-05-25:vote', 'tag:newsroom.example.org,2026-06-01:ballot') };
    const refused = compileNewsroom({ sources: sources(reIded), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
    expect([refused.ok, where(refused)]).toEqual([false, ['ballot/_story.md:1 W_STORY_MOVED', 'ballot/_story.md:2 E_ID_CHANGED id']]);
    expect(refused.diagnostics[1]!.message).toBe('the story moved from `vote/` went out with the id `tag:newsroom.example.org,2026-05-25:vote`; its _story.md now says `tag:newsroom.example.org,2026-06-01:ballot`');
    const service = compileNewsroom({ sources: sources(reIded), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' });
    expect(service.stories.map((s) => s.slug).sort()).toEqual(['storm', 'talks']);
    expect(JSON.parse(service.files.find((f) => f.path === 'ledger.json')!.contents).stories.vote).toBe('tag:newsroom.example.org,2026-05-25:vote');
    const after = moved.files.find((f) => f.path === 'ledger.json')!.contents;
    expect(where(compileNewsroom({ sources: sources(renamed), now: NOW, ledgerText: after, ledgerPath: 'ledger.json' }))).toEqual([]);
    // A folder renamed to no slug is no move (found from outside: the warning said its files would be deleted).
    const toNoSlug = { ...without, ...Object.fromEntries(Object.entries(base).filter(([p]) => p.startsWith('vote/')).map(([p, t]) => [p.replace('vote/', 'Vote/'), t])) };
    expect(where(compileNewsroom({ sources: sources(toNoSlug), now: NOW, ledgerText, ledgerPath: 'ledger.json' }))).toEqual(['Vote/:1 E_STORY_SLUG']);
    // An entry moved into a story that has published is no rename (its own diagnostics say what it is).
    const intoStorm = { ...without, 'storm/b.md': base['vote/b.md']! };
    expect(where(compileNewsroom({ sources: sources(intoStorm), now: NOW, ledgerText, ledgerPath: 'ledger.json' })).filter((w) => w.includes('W_STORY_MOVED'))).toEqual([]);
  });

  it('E_ID_DUPLICATE across stories names both files', () => {
    const r = run({ ...base, 'storm/dup.md': newsroomEntryText('talks', 'a', '2026-05-26T10:00:00Z') });
    const d = r.diagnostics.find((x) => x.code === 'E_ID_DUPLICATE')!;
    expect(`${d.file} ${d.message}`).toMatch(/^talks\/a\.md .*storm\/dup\.md/);
  });

  describe('an id shared across stories is held back in service mode, as any bad entry is (found from outside: it was published)', () => {
    const published = compileNewsroom({ sources: sources(base), now: NOW, ledgerPath: 'ledger.json' });
    const ledgerText = published.files.find((f) => f.path === 'ledger.json')!.contents;
    const service = (files: Record<string, string>) => compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' });
    const ledgerOf = (r: ReturnType<typeof compileNewsroom>) => JSON.parse(r.files.find((f) => f.path === 'ledger.json')!.contents) as { ids: Record<string, { path: string }> };
    it("a new entry with a published entry's id, in another story: rejected, reported once, the ledger unchanged", () => {
      const r = service({ ...base, 'storm/dup.md': newsroomEntryText('talks', 'a', '2026-05-31T10:00:00Z') });
      expect(where(r)).toEqual(['storm/dup.md:2 E_ID_DUPLICATE id']);
      expect(r.stories.find((s) => s.slug === 'storm')!.result.outcomes.find((o) => o.path === 'dup.md')!.status).toBe('rejected');
      const id = 'tag:newsroom.example.org,2026-05-25:talks/a';
      for (const f of r.files.filter((x) => x.path.startsWith('storm/') || x.path === 'feed.json')) expect(f.contents.split(id).length - 1, f.path).toBeLessThanOrEqual(f.path === 'feed.json' ? 1 : 0);
      expect(ledgerOf(r).ids[id]!.path).toBe('talks/a.md');
    });
    it("the ledger records the id each story's feeds went out with, and the newsroom's own", () => {
      const ledger = JSON.parse(ledgerText) as { stories: unknown; newsroom: unknown };
      expect(ledger.stories).toEqual({ storm: 'tag:newsroom.example.org,2026-05-25:storm', talks: 'tag:newsroom.example.org,2026-05-25:talks', vote: 'tag:newsroom.example.org,2026-05-25:vote' });
      expect(ledger.newsroom).toBe(NEWSROOM_ID);
    });
    it("_newsroom.md given a new id is E_ID_CHANGED (its feeds went out with the old one); service mode builds with its last good one", () => {
      const files = { ...base, '_newsroom.md': base['_newsroom.md']!.replace(NEWSROOM_ID, 'tag:newsroom.example.org,2026-06-01:desk') };
      const strict = compileNewsroom({ sources: sources(files), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
      expect([strict.ok, where(strict)]).toEqual([false, ['_newsroom.md:2 E_ID_CHANGED id']]);
      expect(strict.diagnostics[0]!.message).toBe(`the feeds went out with the id \`${NEWSROOM_ID}\`; _newsroom.md now says \`tag:newsroom.example.org,2026-06-01:desk\``);
      expect(strict.planned).toEqual([]);
      // Found from outside: it hid every other problem of the run; a story's are said with it.
      const withBad = { ...files, 'storm/bad.md': newsroomEntryText('storm', 'bad', '2026-05-29 10:00') };
      expect(where(compileNewsroom({ sources: sources(withBad), now: NOW, ledgerText, ledgerPath: 'ledger.json' }))).toEqual(['_newsroom.md:2 E_ID_CHANGED id', 'storm/bad.md:4 E_DATE_INVALID published']);
      expect(compileNewsroom({ sources: sources(withBad), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' }).planned).toEqual([]);
      const lastGood = new Map([['_newsroom.md', { path: '_newsroom.md', text: base['_newsroom.md']! }]]);
      const r = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
      expect(where(r)).toEqual(['_newsroom.md:2 E_ID_CHANGED id']);
      expect(r.files.find((f) => f.path === 'atom.xml')!.contents).toContain(`<id>${NEWSROOM_ID}</id>`);
      expect(r.keptSettings.map((o) => o.path)).toEqual(['_newsroom.md']);
      // Without a last good version (a service started meanwhile) nothing is built: the feeds out stay as they are.
      expect(compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' }).planned).toEqual([]);
      // A story may not take the newsroom's id either: the newsroom went out with it first.
      const copied = { ...base, 'vote/_story.md': base['vote/_story.md']!.replace('tag:newsroom.example.org,2026-05-25:vote', NEWSROOM_ID) };
      expect(where(compileNewsroom({ sources: sources(copied), now: NOW, ledgerText, ledgerPath: 'ledger.json' }))).toEqual(['vote/_story.md:2 E_ID_CHANGED id', 'vote/_story.md:2 E_ID_DUPLICATE id']);
    });
    // Found from outside: the story earlier in folder order kept the id, so the untouched story was blamed and dropped.
    it.each([
      ["another published story's id", 'storm/_story.md', newsroomStoryText('storm', 'item_limit: 10\n', 'Storm <Alba>').replace('2026-05-25:storm', '2026-05-25:vote')],
      ["a published entry's id", 'vote/_story.md', base['vote/_story.md']!.replace('2026-05-25:vote', '2026-05-25:storm/a')],
    ])("a story's _story.md edited to %s: that file is the one blamed, in strict mode and in service mode, where it keeps its last good version", (_name, edited, text) => {
      const files = { ...base, [edited]: text };
      const strict = compileNewsroom({ sources: sources(files), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
      expect(where(strict)).toEqual([`${edited}:2 E_ID_CHANGED id`, `${edited}:2 E_ID_DUPLICATE id`]);
      const lastGood = new Map([[edited, { path: edited, text: base[edited]! }]]);
      const r = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
      // storm's scheduled entry, not out yet, waits while its story's id is in doubt.
      expect(where(r)).toEqual([`${edited}:2 E_ID_CHANGED id`, ...(edited.startsWith('storm/') ? ['storm/later.md:1 E_ID_CHANGED id'] : [])]);
      expect(r.stories.map((s) => s.slug).sort()).toEqual(['storm', 'talks', 'vote']);
      const slug = edited.split('/')[0]!;
      expect(r.stories.find((s) => s.slug === slug)!.config.story.id).toBe(`tag:newsroom.example.org,2026-05-25:${slug}`);
      // Every feed keeps its own id; no two stories' feeds share one.
      const feedIds = r.stories.map((s) => s.config.story.id);
      expect(new Set(feedIds).size).toBe(3);
      expect(r.files.find((f) => f.path === 'storm/a/index.html')).toBeDefined();
    });
    it("a published story's _story.md given a new id is E_ID_CHANGED; service mode builds it with its last good one", () => {
      const files = { ...base, 'storm/_story.md': base['storm/_story.md']!.replace('2026-05-25:storm', '2026-06-01:storm-2') };
      const strict = compileNewsroom({ sources: sources(files), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
      expect([strict.ok, where(strict)]).toEqual([false, ['storm/_story.md:2 E_ID_CHANGED id']]);
      expect(strict.diagnostics[0]!.message).toContain('went out with the id `tag:newsroom.example.org,2026-05-25:storm`');
      // Found from outside: a rename and the old name reused in one step; the hint says how to do it.
      expect(strict.diagnostics[0]!.hint).toContain('build once after the rename, then reuse the old name');
      // Found from outside: the story was left out, so its entries' problems were said only once the id was back.
      const withBad = { ...files, 'storm/bad.md': newsroomEntryText('storm', 'bad', '2026-05-29 10:00') };
      expect(where(compileNewsroom({ sources: sources(withBad), now: NOW, ledgerText, ledgerPath: 'ledger.json' }))).toEqual(['storm/_story.md:2 E_ID_CHANGED id', 'storm/bad.md:4 E_DATE_INVALID published']);
      const lastGood = new Map([['storm/_story.md', { path: 'storm/_story.md', text: base['storm/_story.md']! }]]);
      const r = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
      expect(where(r)).toEqual(['storm/_story.md:2 E_ID_CHANGED id', 'storm/later.md:1 E_ID_CHANGED id']);
      expect(r.stories.find((s) => s.slug === 'storm')!.config.story.id).toBe('tag:newsroom.example.org,2026-05-25:storm');
      expect(r.keptSettings.map((o) => o.path)).toEqual(['storm/_story.md']);
      expect(run(base).keptSettings).toEqual([]);
      // Found from outside: a folder emptied and filled with another story kept the old one's developments under the new id.
      const reused: Record<string, string> = { ...base, 'storm/_story.md': newsroomStoryText('storm', '', 'A brand new story').replace('2026-05-25:storm', '2026-06-01:fresh'), 'storm/n.md': newsroomEntryText('fresh', 'n', '2026-05-31T09:00:00Z') };
      for (const p of ['storm/a.md', 'storm/b.md', 'storm/later.md']) delete reused[p];
      const lastGoodAll = new Map(Object.entries(base).map(([p, text]) => [p, { path: p, text }]));
      const kept = compileNewsroom({ sources: sources(reused), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood: lastGoodAll });
      const atom = kept.files.find((f) => f.path === 'storm/atom.xml')!.contents;
      expect(atom).toContain('<id>tag:newsroom.example.org,2026-05-25:storm</id>');
      expect(atom).not.toContain('A brand new story');
      // Found from outside (second review): the new story's development went out in the old one's feed.
      expect(atom).not.toContain('fresh/n');
      expect(where(kept)).toContain('storm/n.md:1 E_ID_CHANGED id');
      // With no last good _story.md (a service started while it is changed), the story is left out, its id unchanged in the ledger.
      const cold = compileNewsroom({ sources: sources(reused), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' });
      expect(cold.stories.map((s) => s.slug)).toEqual(['talks', 'vote']);
      expect(JSON.parse(cold.files.find((f) => f.path === 'ledger.json')!.contents).stories.storm).toBe('tag:newsroom.example.org,2026-05-25:storm');
      // A story folder deleted keeps its record (found from outside: a new story there then took any id).
      const gone = Object.fromEntries(Object.entries(base).filter(([p]) => !p.startsWith('storm/')));
      const afterGone = compileNewsroom({ sources: sources(gone), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' }).files.find((f) => f.path === 'ledger.json')!.contents;
      expect(JSON.parse(afterGone).stories.storm).toBe('tag:newsroom.example.org,2026-05-25:storm');
      const refilled = compileNewsroom({ sources: sources({ ...gone, 'storm/_story.md': reused['storm/_story.md']!, 'storm/n.md': reused['storm/n.md']! }), now: NOW, ledgerText: afterGone, ledgerPath: 'ledger.json' });
      expect(where(refilled)).toContain('storm/_story.md:2 E_ID_CHANGED id');
    });
    it('two story folders swapped: each folder keeps its story (id, title and developments), none mixes the two (found from outside)', () => {
      const swapped: Record<string, string> = {};
      for (const [p, text] of Object.entries(base)) swapped[p.replace(/^talks\//, 'TMP/').replace(/^storm\//, 'talks/').replace(/^TMP\//, 'storm/')] = text;
      const strict = compileNewsroom({ sources: sources(swapped), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
      expect(where(strict).filter((w) => w.includes('_story.md'))).toEqual(['storm/_story.md:2 E_ID_CHANGED id', 'talks/_story.md:2 E_ID_CHANGED id']);
      const lastGood = new Map(Object.entries(base).map(([p, text]) => [p, { path: p, text }]));
      const r = compileNewsroom({ sources: sources(swapped), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
      for (const slug of ['talks', 'storm']) {
        const atom = r.files.find((f) => f.path === `${slug}/atom.xml`)!.contents;
        const other = slug === 'talks' ? 'storm' : 'talks';
        expect(atom, slug).toContain(`<id>tag:newsroom.example.org,2026-05-25:${slug}</id>`);
        expect(atom, slug).toContain(`${slug}/a`);
        expect(atom, slug).not.toContain(`:${other}/`);
      }
    });
    it("a story not out yet whose _story.md is edited to a published story's id keeps its last good one (service mode), the published story untouched", () => {
      const files = { ...base, 'news/_story.md': newsroomStoryText('news'), 'news/x.md': newsroomEntryText('news', 'x', '2026-07-01T09:00:00Z') };
      const before = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' });
      expect(before.stories.find((s) => s.slug === 'news')!.held).toBe(true);
      const edited = { ...files, 'news/_story.md': base['talks/_story.md']! };
      const lastGood = new Map([['news/_story.md', { path: 'news/_story.md', text: files['news/_story.md'] }]]);
      const r = compileNewsroom({ sources: sources(edited), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
      expect(where(r)).toEqual(['news/_story.md:2 E_ID_DUPLICATE id']);
      expect(r.stories.map((s) => [s.slug, s.config.story.id.split(':').pop()])).toEqual([['news', 'news'], ['storm', 'storm'], ['talks', 'talks'], ['vote', 'vote']]);
    });
    it("_newsroom.md given a published story's or entry's id is the file blamed; service mode builds with its last good one (found from outside)", () => {
      for (const taken of ['tag:newsroom.example.org,2026-05-25:talks', 'tag:newsroom.example.org,2026-05-25:storm/a']) {
        const files = { ...base, '_newsroom.md': base['_newsroom.md']!.replace(/^id: .*$/m, `id: ${taken}`) };
        const strict = compileNewsroom({ sources: sources(files), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
        expect([strict.ok, where(strict)], taken).toEqual([false, ['_newsroom.md:2 E_ID_DUPLICATE id']]);
        expect(compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json' }).stories).toEqual([]);
        const lastGood = new Map([['_newsroom.md', { path: '_newsroom.md', text: base['_newsroom.md']! }]]);
        const r = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
        expect([where(r), r.newsroom!.id, r.stories.map((s) => s.slug).sort()], taken).toEqual([['_newsroom.md:2 E_ID_DUPLICATE id'], NEWSROOM_ID, ['storm', 'talks', 'vote']]);
        expect(r.keptSettings.map((o) => o.path)).toEqual(['_newsroom.md']);
      }
    });
    it('an unreadable _newsroom.md (a folder by that name) builds with its last good version in service mode (found from outside)', () => {
      const files: Record<string, string> = { ...base };
      delete files['_newsroom.md'];
      const readDiagnostics = [{ file: '_newsroom.md', line: 1, column: 1, code: 'E_FILE_READ' as const, severity: 'error' as const, message: 'not a regular file', hint: 'entries are plain .md files' }];
      const lastGood = new Map([['_newsroom.md', { path: '_newsroom.md', text: base['_newsroom.md']! }]]);
      const r = compileNewsroom({ sources: sources(files), readDiagnostics, now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
      expect([where(r), r.stories.map((s) => s.slug).sort(), r.keptSettings.map((o) => o.path)]).toEqual([['_newsroom.md:1 E_FILE_READ'], ['storm', 'talks', 'vote'], ['_newsroom.md']]);
      expect(compileNewsroom({ sources: sources(files), readDiagnostics, now: NOW, ledgerText, ledgerPath: 'ledger.json', lastGood }).ok).toBe(false);
    });
    it("a new story folder with a published story's id: that story is left out, the published one stays", () => {
      const r = service({ ...base, 'aaa/_story.md': base['talks/_story.md']!, 'aaa/x.md': newsroomEntryText('aaa', 'x', '2026-05-31T10:00:00Z') });
      expect(where(r)).toEqual(['aaa/_story.md:2 E_ID_DUPLICATE id']);
      expect(r.stories.map((s) => s.slug).sort()).toEqual(['storm', 'talks', 'vote']);
    });
    it("a published entry's file moved into another story: the newcomer is held back there, its story's last good version stays (found from outside)", () => {
      const files: Record<string, string> = { ...base, 'storm/moved.md': base['talks/a.md']! };
      delete files['talks/a.md'];
      const lastGood = new Map([['talks/a.md', { path: 'talks/a.md', text: base['talks/a.md']! }]]);
      const r = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', ledgerText, ledgerPath: 'ledger.json', lastGood });
      expect(where(r)).toEqual(expect.arrayContaining(['storm/moved.md:2 E_ID_DUPLICATE id']));
      expect(r.stories.find((s) => s.slug === 'storm')!.result.outcomes.find((o) => o.path === 'moved.md')!.status).toBe('rejected');
      const id = 'tag:newsroom.example.org,2026-05-25:talks/a';
      expect(r.files.find((f) => f.path === 'feed.json')!.contents.split(`"${id}"`).length - 1).toBeLessThanOrEqual(1);
      expect(r.files.some((f) => f.path.startsWith('storm/') && f.contents.includes(id))).toBe(false);
      expect(ledgerOf(r).ids[id]!.path).toBe('talks/a.md');
    });
    it('strict mode: the same problem once, and nothing planned', () => {
      const r = compileNewsroom({ sources: sources({ ...base, 'storm/dup.md': newsroomEntryText('talks', 'a', '2026-05-31T10:00:00Z') }), now: NOW, ledgerText, ledgerPath: 'ledger.json' });
      expect([r.ok, where(r), r.planned.length]).toEqual([false, ['storm/dup.md:2 E_ID_DUPLICATE id'], 0]);
    });
  });

  it('service mode leaves a broken story out and publishes the others; the run is ok unless a story was left out (held-back entries alone leave it ok, as in a story)', () => {
    const r = compileNewsroom({ sources: sources({ ...base, 'talks/c.md': newsroomEntryText('talks', 'c', 'soon') }), now: NOW, mode: 'service' });
    expect(r.stories.map((s) => s.slug).sort()).toEqual(['storm', 'talks', 'vote']);
    expect(r.ok).toBe(true);
    expect(r.stories.find((s) => s.slug === 'talks')!.result.outcomes.find((o) => o.path === 'c.md')!.status).toBe('rejected');
    const broken = compileNewsroom({ sources: sources({ ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: over\n') }), now: NOW, mode: 'service' });
    expect(broken.stories.map((s) => s.slug)).toEqual(['storm', 'vote']);
    expect(broken.ok).toBe(false);
    expect(broken.planned.some((p) => p.path.startsWith('talks/'))).toBe(false);
    expect(broken.planned.some((p) => p.path === 'stories.json')).toBe(true);
  });

  it("service mode builds a story whose _story.md broke with its last good one: it stays in the newsroom's files, its problem reported", () => {
    const files = { ...base, 'talks/_story.md': newsroomStoryText('talks', 'status: over\n') };
    const lastGood = new Map([['talks/_story.md', { path: 'talks/_story.md', text: base['talks/_story.md']! }]]);
    const r = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', lastGood });
    expect(r.stories.map((s) => s.slug).sort()).toEqual(['storm', 'talks', 'vote']);
    expect([r.ok, where(r).filter((w) => w.startsWith('talks/'))]).toEqual([true, ['talks/_story.md:5 E_STORY_STATUS status']]);
    expect(r.stories.find((s) => s.slug === 'talks')!.settings.text).toBe(base['talks/_story.md']);
    expect(r.keptSettings.map((o) => [o.path, o.diagnostics.length])).toEqual([['talks/_story.md', 1]]);
    const text = (p: string) => r.files.find((f) => f.path === p)!.contents;
    expect(text('stories.json')).toContain('"slug": "talks"');
    expect(r.planned.some((p) => p.path === 'talks/atom.xml')).toBe(true);
    // A _story.md that cannot be read (a folder by that name) is reported once, not by the story's compile too (found from outside).
    const unreadable: Record<string, string> = { ...base };
    delete unreadable['talks/_story.md'];
    const readDiagnostics = [{ file: 'talks/_story.md', line: 1, column: 1, code: 'E_FILE_READ' as const, severity: 'error' as const, message: 'not a regular file', hint: 'entries are plain .md files' }];
    const once = compileNewsroom({ sources: sources(unreadable), readDiagnostics, now: NOW, mode: 'service', lastGood });
    expect([where(once), once.stories.map((s) => s.slug).sort()]).toEqual([['talks/_story.md:1 E_FILE_READ'], ['storm', 'talks', 'vote']]);
    // A last good _story.md that is itself broken is no help; nor is one in strict mode.
    const badToo = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', lastGood: new Map([['talks/_story.md', { path: 'talks/_story.md', text: files['talks/_story.md'] }]]) });
    expect(badToo.stories.map((s) => s.slug)).toEqual(['storm', 'vote']);
    expect(compileNewsroom({ sources: sources(files), now: NOW, lastGood }).ok).toBe(false);
  });

  it('service mode builds every story with the last good _newsroom.md when it breaks: its problem reported, the file it built with given back', () => {
    const files = { ...base, '_newsroom.md': base['_newsroom.md']!.replace(/^feed_base: .*$/m, 'feed_base: not a url') };
    const lastGood = new Map([['_newsroom.md', { path: '_newsroom.md', text: base['_newsroom.md']! }]]);
    const r = compileNewsroom({ sources: sources(files), now: NOW, mode: 'service', lastGood });
    expect(r.stories.map((s) => s.slug).sort()).toEqual(['storm', 'talks', 'vote']);
    expect(where(r).map((w) => w.replace(/:\d+ /, ' '))).toEqual(['_newsroom.md E_URL_INVALID feed_base']);
    expect(r.settings?.text).toBe(base['_newsroom.md']);
    expect(r.keptSettings.map((o) => [o.path, o.status, o.diagnostics.map((d) => d.code)])).toEqual([['_newsroom.md', 'kept-last-good', ['E_URL_INVALID']]]);
    expect(r.planned.some((p) => p.path === 'talks/atom.xml')).toBe(true);
    expect(r.files.find((f) => f.path === 'stories.json')!.contents).toContain('"slug": "talks"');
    // Without a last good version, or in strict mode, the newsroom fails as before.
    expect(compileNewsroom({ sources: sources(files), now: NOW, mode: 'service' }).stories).toEqual([]);
    const strict = compileNewsroom({ sources: sources(files), now: NOW, lastGood });
    expect([strict.ok, strict.planned.length]).toEqual([false, 0]);
    // The newsroom that parses is given back as the one built with.
    expect(run(base).settings?.text).toBe(base['_newsroom.md']);
  });
});

describe('inheritance and defaults', () => {
  const r = run(base);
  const story = (slug: string) => r.stories.find((s) => s.slug === slug)!;

  it('compiles the sample newsroom without diagnostics', () => {
    expect(where(r)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it.each([
    ['home_page', (s: string) => story(s).config.story.homePage, 'talks', 'https://newsroom.example.org/live/talks/'],
    ['feed_base', (s: string) => story(s).config.story.feedBase, 'talks', 'https://newsroom.example.org/live/feeds/talks/'],
    ['item_limit inherited', (s: string) => story(s).config.story.itemLimit, 'talks', 3],
    ['item_limit overridden', (s: string) => story(s).config.story.itemLimit, 'storm', 10],
    ['authors inherited', (s: string) => story(s).config.story.authors[0]!.name, 'talks', 'Live Desk'],
    ['status default', (s: string) => story(s).config.status, 'talks', 'live'],
    ['status ended', (s: string) => story(s).config.status, 'vote', 'ended'],
    ['coverage_start defaults to the first entry', (s: string) => story(s).summary.coverageStart?.toISOString(), 'talks', '2026-05-26T09:00:00.000Z'],
    ['coverage_end', (s: string) => story(s).summary.coverageEnd?.toISOString(), 'vote', '2026-05-30T00:00:00.000Z'],
    ['the story id is its own', (s: string) => story(s).config.story.id, 'talks', 'tag:newsroom.example.org,2026-05-25:talks'],
  ] as const)('%s', (_name, get, slug, expected) => {
    expect(get(slug)).toEqual(expected);
  });

  it('an explicit home_page and feed_base win, and a newsroom base without a final slash still gets one', () => {
    const files = {
      ...base,
      '_newsroom.md': newsroomText().replace('home_page: https://newsroom.example.org/live/', 'home_page: https://newsroom.example.org/live'),
      'talks/_story.md': newsroomStoryText('talks', 'home_page: https://other.example.org/talks\nfeed_base: https://cdn.example.org/talks/\n'),
    };
    const r2 = run(files);
    expect(where(r2)).toEqual([]);
    const s = (slug: string) => r2.stories.find((x) => x.slug === slug)!.config.story;
    expect([s('talks').homePage, s('talks').feedBase, s('storm').homePage]).toEqual(['https://other.example.org/talks', 'https://cdn.example.org/talks/', 'https://newsroom.example.org/live/storm/']);
  });

  it("each story's documents are under its folder, with self links naming their own location", () => {
    const atom = r.files.find((f) => f.path === 'talks/atom.xml')!.contents;
    expect(atom).toContain('<link rel="self" href="https://newsroom.example.org/live/feeds/talks/atom.xml"');
    expect(r.planned.map((p) => p.path)).toEqual(expect.arrayContaining(['talks/index.html', 'storm/rss.xml', 'vote/feed.json', 'talks/tags/diplomacy/atom.xml']));
  });
});

describe("a story's outputs are a single-story build's", () => {
  it('talks/ holds byte for byte what compile() writes for the same story written out whole', () => {
    const r = run(base);
    const whole = newsroomStoryText(
      'talks',
      'home_page: https://newsroom.example.org/live/talks/\nfeed_base: https://newsroom.example.org/live/feeds/talks/\nlanguage: en\nitem_limit: 3\nauthors:\n  - name: Live Desk\n    url: https://newsroom.example.org/desk/\n',
      'U.S.–Iran talks',
    );
    const single = compile({ sources: sources({ '_story.md': whole, 'a.md': base['talks/a.md']!, 'b.md': base['talks/b.md']! }), now: NOW });
    expect(single.ok).toBe(true);
    const mine = Object.fromEntries(r.files.filter((f) => f.path.startsWith('talks/')).map((f) => [f.path.slice('talks/'.length), f.contents]));
    expect(mine).toEqual(Object.fromEntries(single.files.map((f) => [f.path, f.contents])));
  });
});

describe('the ledger covers every story', () => {
  const LEDGER = '.storyfeed/ledger.json';
  it("a single story's own id is guarded within its layout: an entries folder that becomes a newsroom (or one again) starts the root's record anew", () => {
    const single = compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }) }), now: NOW, ledgerPath: LEDGER });
    const singleLedger = single.files.find((f) => f.path === LEDGER)!.contents;
    const storyId = (JSON.parse(singleLedger) as { stories: Record<string, string> }).stories['']!;
    expect(storyId).toBe(single.story!.id);
    // The story moved into a folder of a new newsroom, keeping its id: no E_ID_CHANGED, no E_ID_DUPLICATE.
    const moved = { ...base, 'talks/_story.md': base['talks/_story.md']!.replace('tag:newsroom.example.org,2026-05-25:talks', storyId) };
    const newsroom = compileNewsroom({ sources: sources(moved), now: NOW, ledgerPath: LEDGER, ledgerText: singleLedger });
    expect(where(newsroom)).toEqual([]);
    const newsroomLedger = JSON.parse(newsroom.files.find((f) => f.path === LEDGER)!.contents) as { stories: Record<string, string>; newsroom: string };
    expect([newsroomLedger.stories[''], newsroomLedger.stories['talks'], newsroomLedger.newsroom]).toEqual([storyId, storyId, NEWSROOM_ID]);
    // Found from outside: an entry could take the other layout's feed id, and the folder could not go back.
    const newsroomLedgerText = newsroom.files.find((f) => f.path === LEDGER)!.contents;
    const entryTakesStoryId = { ...base, 'storm/reuse.md': newsroomEntryText('storm', 'reuse', '2026-05-27T09:00:00Z').replace(/^id: .*$/m, `id: ${storyId}`) };
    const taken = compileNewsroom({ sources: sources(entryTakesStoryId), now: NOW, ledgerPath: LEDGER, ledgerText: singleLedger });
    expect(where(taken)).toEqual(['storm/reuse.md:2 E_ID_DUPLICATE id']);
    expect(taken.diagnostics[0]!.message).toBe(`id \`${storyId}\` is the id the feeds of the single story this folder held went out with`);
    const entryTakesNewsroomId = compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }), 'b.md': entryText({ slug: 'b', published: '2026-05-27T09:00:00Z' }).replace(/^id: .*$/m, `id: ${NEWSROOM_ID}`) }), now: NOW, ledgerPath: LEDGER, ledgerText: newsroomLedgerText });
    expect(entryTakesNewsroomId.diagnostics.filter((d) => d.file === 'b.md').map((d) => `${d.code} ${d.message}`)).toEqual([`E_ID_DUPLICATE id \`${NEWSROOM_ID}\` is the id the feeds of the newsroom went out with`]);
    // Back to a single story: its record, kept, still guards its id.
    const back = compile({ sources: sources({ '_story.md': storyText().replace(storyId, `${storyId}-2`), 'a.md': entryText({ slug: 'a', published: '2026-05-26T09:00:00Z' }) }), now: NOW, ledgerPath: LEDGER, ledgerText: newsroom.files.find((f) => f.path === LEDGER)!.contents });
    expect(back.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.field}`)).toContain('_story.md:2 E_ID_CHANGED id');
    expect(back.ok).toBe(false);
  });
  it('one ledger with story-qualified paths; a vanished id in one story is reported there', () => {
    const first = compileNewsroom({ sources: sources(base), now: NOW, ledgerPath: LEDGER });
    const text = first.files.find((f) => f.path === LEDGER)!.contents;
    const ids = JSON.parse(text).ids as Record<string, { path: string }>;
    expect(ids['tag:newsroom.example.org,2026-05-25:talks/a']!.path).toBe('talks/a.md');
    expect(ids['tag:newsroom.example.org,2026-05-25:storm/b']!.path).toBe('storm/b.md');
    expect(Object.keys(ids)).not.toContain('tag:newsroom.example.org,2026-05-25:storm/later');
    // A new file with a published entry's id: the new file is blamed (told to take its own id), in
    // another story or the same one, whatever the order of their paths.
    for (const copy of ['storm/0dup.md', 'talks/0dup.md']) {
      const dup = compileNewsroom({ sources: sources({ ...base, [copy]: newsroomEntryText('talks', 'a', '2026-05-26T10:00:00Z') }), now: NOW, ledgerPath: LEDGER, ledgerText: text });
      expect(where(dup), copy).toEqual([`${copy}:2 E_ID_DUPLICATE id`]);
      // (Within one story, the story's compile names the other file from its folder: `a.md`.)
      expect(dup.diagnostics[0]!.message).toMatch(/already used by (talks\/)?a\.md$/);
    }
    const { 'talks/a.md': _gone, ...rest } = base;
    // Moved into another story's folder: still E_ID_VANISHED for its story, said as a move naming where it is.
    const moved = compileNewsroom({ sources: sources({ ...rest, 'storm/a2.md': base['talks/a.md']! }), now: NOW, ledgerPath: LEDGER, ledgerText: text });
    expect(where(moved)).toEqual(['talks/a.md:1 E_ID_VANISHED id']);
    expect(moved.diagnostics[0]!.message).toMatch(/published 2026-05-26T09:00:00Z in `talks\/`, moved to storm\/a2\.md: a published development stays in its story/);
    expect(moved.diagnostics[0]!.hint).toMatch(/^move it back into `talks\/`/);
    const second = compileNewsroom({ sources: sources(rest), now: NOW, ledgerPath: LEDGER, ledgerText: text });
    expect(where(second)).toEqual(['talks/a.md:1 E_ID_VANISHED id']);
    const again = compileNewsroom({ sources: sources(base), now: NOW, ledgerPath: LEDGER, ledgerText: text });
    expect(again.ok).toBe(true);
    expect(again.files.find((f) => f.path === LEDGER)!.contents).toBe(text);
  });
});
