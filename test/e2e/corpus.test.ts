// The bad-input corpus: every file in test/corpus/ states the diagnostics it expects.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, type CompileResult } from '../../src/core/compile.js';
import { compileNewsroom } from '../../src/core/newsroom-compile.js';
import { escapeHtml } from '../../src/core/markdown.js';
import { formatDiagnostic } from '../../src/core/diagnostics.js';
import { balanceBidi } from '../../src/core/xml-chars.js';
import { newsroomEntryText, newsroomStoryText } from '../helpers/newsroom.js';
import { readSources } from '../helpers/read-sources.js';
import { entryText, FEED_BASE, HOME, sources, storyText, tempFolder } from '../helpers/story.js';

const corpusDir = new URL('../corpus/', import.meta.url).pathname;
const corpus = readdirSync(corpusDir).filter((n) => n.endsWith('.md') && n !== 'README.md').sort();

/** The diagnostics a file expects, or [] for a hostile file that must be accepted (`# expect: ok — why`). */
function expectations(name: string): string[] {
  const fromName = /\.expect-(.+)\.md$/.exec(name)?.[1];
  if (fromName) return fromName.split('+');
  const text = readFileSync(path.join(corpusDir, name), 'latin1');
  const line = /expect: (.+)$/m.exec(text)?.[1];
  if (!line) throw new Error(`${name} states no expectation`);
  const codes = line.trim().split(/\s+/);
  return codes[0] === 'ok' ? [] : codes;
}

// Characters that are illegal in XML 1.0 (§2.2) or parse errors in HTML (§13.2.3.5): C0 controls
// but tab and LF, DEL, C1, noncharacters, lone surrogates.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]|\p{Cs}/u;

/** What must hold of every output of an accepted entry, whatever hostile text it holds. */
function checkAcceptedOutputs(result: CompileResult): void {
  const files = result.files;
  const paths = files.map((f) => f.path);
  // One file per path: no two tags (or anything else) write the same folder.
  expect(new Set(paths).size).toBe(paths.length);
  for (const f of files) expect(FORBIDDEN_CHARS.exec(f.contents)?.[0], f.path).toBeUndefined();
  // No bidi embedding, override or isolate left open: one would run on into what follows a field.
  for (const f of files) expect(balanceBidi(f.contents) === f.contents, f.path).toBe(true);
  // Every distinct tag has its own folder.
  const tags = new Set(result.entries.flatMap((e) => e.tags));
  expect(new Set(paths.filter((p) => p.startsWith('tags/') && p.endsWith('/rss.xml'))).size).toBe(tags.size);
  // Story page: every id once, and every entry whose link is its own page (feed_base<slug>/) is there
  // under that slug, its heading linking the page, and the page exists.
  const page = files.find((f) => f.path === 'index.html')!.contents;
  const ids = [...page.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!);
  expect(ids.length).toBe(new Set(ids).size);
  for (const e of result.entries) {
    const at = e.link.startsWith(FEED_BASE) ? e.link.slice(FEED_BASE.length, -1) : undefined;
    if (at === undefined || !page.includes(`<article id="${at}"`)) continue;
    expect(paths).toContain(`${at}/index.html`);
    expect(page).toMatch(new RegExp(`<article id="${at}"[^>]*>\\n<h3><a href="${at}/">${escapeHtml(e.title).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</a>`));
  }
}

const NOW = new Date('2026-06-01T00:00:00Z');
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function run(files: Record<string, string | Buffer>) {
  const folder = await tempFolder(files);
  cleanups.push(folder.cleanup);
  const read = await readSources(folder.dir);
  return { dir: folder.dir, result: compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: NOW }) };
}

const base = () => ({ '_story.md': storyText(), 'good.md': entryText({ slug: 'good' }) });

describe('bad-input corpus: one file per behaviour', () => {
  it('has a file for most diagnostic codes', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus)('%s', async (name) => {
    const { result } = await run({ ...base(), [name]: readFileSync(path.join(corpusDir, name)) });
    if (expectations(name).length === 0) {
      // A hostile input that must be accepted, and come out clean.
      expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
      checkAcceptedOutputs(result);
      return;
    }
    expect(result.ok).toBe(false);
    const got = result.diagnostics.map((d) => `${d.file}|${d.code}@${d.line}:${d.column}`);
    const want = expectations(name).map((e) => `${name}|${e}`);
    expect(got.sort()).toEqual(want.sort());
    for (const d of result.diagnostics) {
      // file:line:col CODE message, and a hint that says what would be right
      expect(formatDiagnostic(d)).toMatch(new RegExp(`^${name.replace(/[.+]/g, '\\$&')}:\\d+:\\d+ [EW]_[A-Z_]+ .+\\n  hint: .{10,}`));
    }
  });

  it('a ---js entry that would write a file does not', () => {
    expect(existsSync('/tmp/storyfeed-corpus-pwned')).toBe(false);
  });

  it('reports every problem of the whole corpus in one run', async () => {
    const files: Record<string, string | Buffer> = base();
    for (const name of corpus) files[name] = readFileSync(path.join(corpusDir, name));
    const { result } = await run(files);
    const got = new Set(result.diagnostics.map((d) => `${d.file}|${d.code}`));
    for (const name of corpus) for (const e of expectations(name)) expect(got).toContain(`${name}|${e.split('@')[0]}`);
  });
});

describe('reader problems', () => {
  it('a symlink that leads outside the entries folder is refused', async () => {
    const outside = path.join(os.tmpdir(), `storyfeed-outside-${process.pid}.md`);
    await writeFile(outside, entryText({ slug: 'outside' }));
    const folder = await tempFolder(base());
    cleanups.push(folder.cleanup);
    await symlink(outside, path.join(folder.dir, 'leak.md'));
    await symlink(path.join(folder.dir, 'good.md'), path.join(folder.dir, 'inside-link.md'));
    const read = await readSources(folder.dir);
    const result = compile({ sources: read.sources, readDiagnostics: read.diagnostics, now: NOW });
    expect(result.diagnostics.map((d) => `${d.file}|${d.code}`)).toEqual(['inside-link.md|E_ID_DUPLICATE', 'leak.md|E_FILE_SYMLINK_OUTSIDE']);
  });
});

describe('bad story metadata', () => {
  it.each([
    ['language', 'language: en', 'language: not a language!', 'E_LANGUAGE_INVALID'],
    ['time zone', 'language: en', 'language: en\ntime_zone: Mars/Olympus', 'E_TIMEZONE_INVALID'],
    ['schedule', 'language: en', 'language: en\nschedule: "every five minutes"', 'E_SCHEDULE_INVALID'],
    ['item limit', 'language: en', 'language: en\nitem_limit: 0', 'E_NUMBER_RANGE'],
    ['feed_base without slash', 'feeds/\n', 'feeds\n', 'E_URL_INVALID'],
    ['feed_base with a query (self links would resolve past it)', 'feeds/\n', 'feeds/?x=/\n', 'E_URL_INVALID'],
    ['feed_base with a fragment', 'feeds/\n', 'feeds/#/\n', 'E_URL_INVALID'],
    ['home page not a URL', 'home_page: https://newsroom.example.org/stories/test/', 'home_page: newsroom', 'E_URL_INVALID'],
    ['missing authors', /authors:\n.*\n.*\n/, '', 'E_FIELD_MISSING'],
  ])('%s', async (_name, from, to, code) => {
    const { result } = await run({ '_story.md': storyText().replace(from, to), 'good.md': entryText({ slug: 'good' }) });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.file}|${d.code}`)).toEqual([`_story.md|${code}`]);
  });

  it('a folder without _story.md', async () => {
    const { result } = await run({ 'good.md': entryText({ slug: 'good' }) });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E_STORY_MISSING']);
  });
});

// settings/: a `_story.md` (story-*.md, beside good.md) or a `_newsroom.md` (newsroom-*.md, with one
// valid story) per behaviour, stating its diagnostics as the entry files do, and `# hint: TEXT` that
// one of their hints must contain.
const settingsCorpus = readdirSync(path.join(corpusDir, 'settings')).filter((n) => n.endsWith('.md')).sort();

describe('bad-input corpus: settings files (_story.md, _newsroom.md)', () => {
  it.each(settingsCorpus)('%s', (name) => {
    const text = readFileSync(path.join(corpusDir, 'settings', name), 'utf8');
    const newsroom = name.startsWith('newsroom-');
    const file = newsroom ? '_newsroom.md' : '_story.md';
    const result = newsroom
      ? compileNewsroom({ sources: sources({ '_newsroom.md': text, 'talks/_story.md': newsroomStoryText('talks'), 'talks/a.md': newsroomEntryText('talks', 'a', '2026-05-26T09:00:00Z') }), now: NOW })
      : compile({ sources: sources({ '_story.md': text, 'good.md': entryText({ slug: 'good' }) }), now: NOW });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.file}|${d.code}@${d.line}:${d.column}`).sort()).toEqual(expectations(`settings/${name}`).map((e) => `${file}|${e}`).sort());
    const hint = /# hint: (.+)$/m.exec(text)?.[1];
    if (hint) expect(result.diagnostics.map((d) => d.hint).join('\n')).toContain(hint);
  });
});
