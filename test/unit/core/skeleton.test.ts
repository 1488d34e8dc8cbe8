// `storyfeed new` skeletons (core/skeleton.ts): what they hold, and that they compile with no diagnostic.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { compileNewsroom } from '../../../src/core/newsroom-compile.js';
import { localRfc3339, planSkeleton, slugOf, type Skeleton } from '../../../src/core/skeleton.js';
import { newsroomEntryText, newsroomStoryText, newsroomText } from '../../helpers/newsroom.js';
import { sources, storyText } from '../../helpers/story.js';

const NOW = new Date('2026-07-14T22:30:05.250Z');
const made = (s: Skeleton) => {
  if (!s.ok) throw new Error(s.problem);
  return s;
};

describe('localRfc3339', () => {
  it.each([
    ['Etc/UTC', '2026-07-14T22:30:05+00:00'],
    ['America/New_York', '2026-07-14T18:30:05-04:00'],
    ['Asia/Kolkata', '2026-07-15T04:00:05+05:30'],
    ['Australia/Adelaide', '2026-07-15T08:00:05+09:30'],
  ])('%s → %s', (zone, expected) => {
    expect(localRfc3339(NOW, zone)).toBe(expected);
    expect(new Date(expected).getTime()).toBe(Math.floor(NOW.getTime() / 1000) * 1000);
  });
  it('winter time in New York', () => expect(localRfc3339(new Date('2026-01-10T12:00:00Z'), 'America/New_York')).toBe('2026-01-10T07:00:00-05:00'));
});

describe('slugOf', () => {
  it.each([
    ['Talks resume in Muscat — “officials”', 'talks-resume-in-muscat-officials'],
    ['Élysée: Zürich, São Paulo', 'elysee-zurich-sao-paulo'],
  ])('%s → %s', (title, slug) => expect(slugOf(title)).toBe(slug));
  it('a title without Latin words: entry- and eight hex digits of its SHA-256, one per title', () => {
    const slugs = ['—', '日本語のみ', '!!!', '???'].map(slugOf);
    for (const s of slugs) expect(s).toMatch(/^entry-[0-9a-f]{8}$/);
    expect(new Set(slugs).size).toBe(4);
    expect(slugOf('日本語のみ')).toBe(slugOf('日本語のみ'.normalize('NFD')));
  });
});

describe('planSkeleton', () => {
  it('a single-story entry: id from the story authority and the local date, compiles clean', () => {
    const story = { path: '_story.md', text: storyText('time_zone: Asia/Kolkata\n') };
    const s = made(planSkeleton({ kind: 'entry', story: '.', title: 'A "quoted": title' }, [story], NOW));
    expect(s.path).toBe('2026-07-15-a-quoted-title.md');
    expect(s.text).toContain('id: tag:newsroom.example.org,2026-07-15:test-story/a-quoted-title\n');
    expect(s.text).toContain('published: 2026-07-15T04:00:05+05:30\n');
    // Held back until an editor deletes the line: a service would publish the placeholder body.
    expect(s.text).toContain('draft: true\n');
    const r = compile({ sources: [story, { path: s.path, text: s.text }], now: NOW });
    expect(r.diagnostics).toEqual([]);
    expect(r.entries.map((e) => e.title)).toEqual(['A "quoted": title']);
  });

  it('an id another file holds already (a skeleton renamed since) is refused, naming that file (found from outside)', () => {
    const story = { path: '_story.md', text: storyText() };
    const first = made(planSkeleton({ kind: 'entry', story: '.', title: 'Hello world' }, [story], NOW));
    const renamed = { path: 'hello.md', text: first.text };
    const again = planSkeleton({ kind: 'entry', story: '.', title: 'Hello world' }, [story], NOW, [story, renamed]);
    expect(again).toEqual({ ok: false, problem: 'the id tag:newsroom.example.org,2026-07-14:test-story/hello-world is already used by hello.md: give the development a different title' });
    // Renamed and then broken mid-edit (its YAML does not parse): it still holds the id.
    const broken = { path: 'hello.md', text: first.text.replace('draft: true', 'draft: [unclosed') };
    expect(planSkeleton({ kind: 'entry', story: '.', title: 'Hello world' }, [story], NOW, [story, broken])).toMatchObject({ ok: false, problem: expect.stringContaining('already used by hello.md') });
    // The file it would write is not a holder of the id: that clash is the writer's ("exists").
    expect(planSkeleton({ kind: 'entry', story: '.', title: 'Hello world' }, [story], NOW, [story, { path: first.path, text: first.text }]).ok).toBe(true);
  });

  // Found from outside: a story whose id is a URL (valid) could take no new entry, and a newsroom whose id is one no new story.
  it("ids that are not tag: URIs: the newsroom's authority, else feed_base's domain name; each skeleton compiles clean", () => {
    const urlId = (text: string, id: string) => text.replace(/^id: .*$/m, `id: ${id}`);
    const files = sources({ '_newsroom.md': newsroomText(), 'talks/_story.md': urlId(newsroomStoryText('talks'), 'https://newsroom.example.org/live/talks/'), 'talks/a.md': newsroomEntryText('talks', 'a', '2026-06-01T09:00:00Z') });
    const entry = made(planSkeleton({ kind: 'entry', story: 'talks', title: 'Truce holds' }, files, NOW));
    expect(entry.text).toContain('id: tag:newsroom.example.org,2026-07-14:talks/truce-holds\n');
    const urlNewsroom = files.map((f) => (f.path === '_newsroom.md' ? { ...f, text: urlId(f.text, 'urn:uuid:5b1e2c3d-0f1a-4c2b-9d3e-6f7a8b9c0d1e') } : f));
    const story = made(planSkeleton({ kind: 'story', slug: 'ceasefire' }, urlNewsroom, NOW));
    expect(story.text).toContain('id: tag:newsroom.example.org,2026-07-14:ceasefire\n');
    const entry2 = made(planSkeleton({ kind: 'entry', story: 'talks', title: 'Truce holds' }, urlNewsroom, NOW));
    expect(entry2.text).toContain('id: tag:newsroom.example.org,2026-07-14:talks/truce-holds\n');
    const all = [...urlNewsroom, { path: story.path, text: story.text }, { path: entry2.path, text: entry2.text.replace('draft: true\n', '') }];
    const r = compileNewsroom({ sources: all, now: NOW });
    expect(r.diagnostics).toEqual([]);
    // A feed_base on an IP address or a bare host names no authority: said, nothing written.
    const bare = urlNewsroom.map((f) => (f.path === '_newsroom.md' ? { ...f, text: f.text.replace(/^feed_base: .*$/m, 'feed_base: https://127.0.0.1/feeds/') } : f));
    expect(planSkeleton({ kind: 'story', slug: 'x' }, bare, NOW)).toEqual({ ok: false, problem: '_newsroom.md has neither a tag: id nor a feed_base with a domain name to take the id\'s authority from' });
  });

  it('a newsroom story and an entry in it compile clean beside the others', () => {
    const files = sources({ '_newsroom.md': newsroomText('time_zone: America/New_York\n'), 'old/_story.md': newsroomStoryText('old'), 'old/a.md': newsroomEntryText('old', 'a', '2026-06-01T09:00:00Z') });
    const story = made(planSkeleton({ kind: 'story', slug: 'ceasefire' }, files, NOW));
    expect(story.path).toBe('ceasefire/_story.md');
    expect(story.text).toContain('id: tag:newsroom.example.org,2026-07-14:ceasefire\n');
    const withStory = [...files, { path: story.path, text: story.text }];
    const entry = made(planSkeleton({ kind: 'entry', story: 'ceasefire', title: 'Truce holds' }, withStory, NOW));
    expect(entry.path).toBe('ceasefire/2026-07-14-truce-holds.md');
    expect(entry.text).toContain('published: 2026-07-14T18:30:05-04:00\n');
    const r = compileNewsroom({ sources: [...withStory, { path: entry.path, text: entry.text }], now: NOW });
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("a story whose plain id would be the newsroom's own (same authority, date and slug) gets one of its own", () => {
    const newsroom = newsroomText().replace(/^id: .*$/m, 'id: tag:newsroom.example.org,2026-07-14:room');
    const files = sources({ '_newsroom.md': newsroom, 'old/_story.md': newsroomStoryText('old'), 'old/a.md': newsroomEntryText('old', 'a', '2026-06-01T09:00:00Z') });
    const story = made(planSkeleton({ kind: 'story', slug: 'room' }, files, NOW));
    expect(story.text).toContain('id: tag:newsroom.example.org,2026-07-14:room-story\n');
    const entry = made(planSkeleton({ kind: 'entry', story: 'room', title: 'First' }, [...files, { path: story.path, text: story.text }], NOW));
    const r = compileNewsroom({ sources: [...files, { path: story.path, text: story.text }, { path: entry.path, text: entry.text.replace('draft: true\n', '') }], now: new Date('2026-07-15T00:00:00Z') });
    expect(r.diagnostics).toEqual([]);
  });

  it('an ended story whose coverage_end is still ahead takes a new entry that compiles clean', () => {
    const story = { path: '_story.md', text: storyText('status: ended\ncoverage_end: 2026-07-15T00:00:00Z\n') };
    const s = made(planSkeleton({ kind: 'entry', story: '.', title: 'Last word' }, [story], NOW));
    expect(compile({ sources: [story, { path: s.path, text: s.text }], now: NOW }).diagnostics).toEqual([]);
  });

  it.each([
    [{ kind: 'story', slug: 'x' } as const, { '_story.md': storyText() }, /needs a newsroom: .*it is a single story \(_story\.md\): its entries go beside _story\.md, `storyfeed new entry \. "TITLE"`/],
    [{ kind: 'story', slug: 'x' } as const, {}, /needs a newsroom: the entries folder has no _newsroom\.md: write _newsroom\.md first, with the fields of a _story\.md \(id, title, description, home_page, feed_base\)/],
    [{ kind: 'story', slug: 'Bad_Slug' } as const, { '_newsroom.md': newsroomText() }, /not a story folder name/],
    [{ kind: 'entry', story: '.', title: 't' } as const, { '_newsroom.md': newsroomText() }, /is a newsroom/],
    [{ kind: 'entry', story: 'missing', title: 't' } as const, { '_newsroom.md': newsroomText() }, /no story at missing\/_story\.md/],
    [{ kind: 'entry', story: 'x', title: 't' } as const, { '_story.md': storyText() }, /no newsroom/],
    // A story whose _story.md does not parse: its id would come from the newsroom's authority (found from outside).
    [{ kind: 'entry', story: 'talks', title: 't' } as const, { '_newsroom.md': newsroomText(), 'talks/_story.md': '---\nid: [unclosed\n---\n' }, /talks\/_story\.md is not valid front matter: put it right first/],
    [{ kind: 'entry', story: '.', title: 't' } as const, { '_story.md': '---\ntitle: "open\n---\n' }, /_story\.md is not valid front matter/],
    [{ kind: 'entry', story: '.', title: 'two\nlines' } as const, { '_story.md': storyText() }, /one line/],
    // A title passed in another encoding than UTF-8: Node reads each bad byte as U+FFFD (found from outside).
    [{ kind: 'entry', story: '.', title: 'Caf\uFFFD talks' } as const, { '_story.md': storyText() }, /bytes that are not UTF-8 \(read as U\+FFFD\)/],
    // An ended story: an entry published now would come after its coverage_end (E_COVERAGE).
    [{ kind: 'entry', story: '.', title: 't' } as const, { '_story.md': storyText('status: ended\ncoverage_end: 2026-07-01T00:00:00Z\n') }, /has ended \(status: ended, coverage_end 2026-07-01T00:00:00Z\): set `status: live` or a later `coverage_end` first/],
    [{ kind: 'entry', story: 'old', title: 't' } as const, { '_newsroom.md': newsroomText(), 'old/_story.md': newsroomStoryText('old', 'status: ended\ncoverage_end: 2026-07-01T00:00:00Z\n') }, /old\/_story\.md says the story has ended/],
  ])('%j refused', (request, files, problem) => {
    const s = planSkeleton(request, sources(files), NOW);
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.problem).toMatch(problem);
  });
});
