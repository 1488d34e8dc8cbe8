// `storyfeed new story|entry`: the text of a new story or entry that checks clean, and where it
// goes. Pure: the settings files in, a path and text (or the problem) out; the clock is passed in.
// Newsrooms expect it from Hugo's `hugo new` (issue 14).

import { createHash } from 'node:crypto';
import { FieldReader } from './field-reader.js';
import { parseFrontMatter } from './front-matter.js';
import { LIMITS } from './limits.js';
import { ENTRY_FIELDS } from './normalize.js';
import { NEWSROOM_FILE, STORY_FILE } from './links.js';
import { STORY_SLUG } from './newsroom.js';
import type { SourceFile } from './types.js';

export type SkeletonRequest =
  | { readonly kind: 'story'; readonly slug: string }
  | { readonly kind: 'entry'; readonly story: string; readonly title: string };

export type Skeleton = { readonly ok: true; readonly path: string; readonly text: string; readonly draft?: true } | { readonly ok: false; readonly problem: string };

/** The settings files a request needs read (paths relative to the entries folder). */
export function skeletonSettings(request: SkeletonRequest): string[] {
  return request.kind === 'entry' && request.story !== '.' ? [NEWSROOM_FILE, `${request.story}/${STORY_FILE}`] : [NEWSROOM_FILE, STORY_FILE];
}

// RFC 4151 §2.1: tag:authorityName,YYYY[-MM[-DD]]:specific
const TAG = /^tag:([^,\s]+),(\d{4}(?:-\d{2}(?:-\d{2})?)?):([^#\s]*)$/;

/**
 * A file name's worth of the title: lower-case ASCII words joined by hyphens. A title with none
 * (`日本語のみ`, `!!!`) is `entry-` and eight hex digits of its SHA-256: each such title a file and an
 * id of its own, where one `entry` a day was all a story could have.
 */
export function slugOf(title: string): string {
  const words = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().match(/[a-z0-9]+/g) ?? [];
  let slug = '';
  for (const w of words) if ((slug + '-' + w).length <= 61) slug = slug ? `${slug}-${w}` : w;
  return slug || `entry-${createHash('sha256').update(title.normalize('NFC')).digest('hex').slice(0, 8)}`;
}

/** A new story folder's name at most: a path segment of every URL the story has (file systems allow 255 bytes). */
export const STORY_SLUG_CHARS = 64;

/** `now` in `timeZone` as RFC 3339 with its offset, e.g. 2026-05-27T11:00:00+02:00. */
export function localRfc3339(now: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  const whole = Math.floor(now.getTime() / 1000) * 1000;
  const offset = Math.round((Date.parse(`${local}Z`) - whole) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function fieldOf(file: SourceFile | undefined, key: string): string | undefined {
  if (!file) return undefined;
  const value = parseFrontMatter(file).entry?.fields.get(key)?.value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The tag: authority (RFC 4151 §2.1) of a new id, from the first of `files` that has one: its
 * `tag:` id's, else the host of its `feed_base` (a DNS name the newsroom publishes under), and the
 * first segment of the id's specific part when the id gave it. Undefined when none has either.
 */
function authorityOf(files: readonly (SourceFile | undefined)[]): { readonly name: string; readonly specific?: string } | undefined {
  for (const f of files) {
    const tag = TAG.exec(fieldOf(f, 'id')?.trim() ?? '');
    if (tag) return { name: tag[1]!, specific: tag[3]!.split('/')[0] };
  }
  for (const f of files) {
    let host = '';
    try {
      host = new URL(fieldOf(f, 'feed_base') ?? '').hostname;
    } catch {
      continue;
    }
    // A DNS name: not an IP address, not a bare host.
    if (/^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) return { name: host };
  }
  return undefined;
}

/** Does the file hold `id`? One whose front matter does not parse (mid-edit) is searched as text. */
function holdsId(file: SourceFile, id: string): boolean {
  const entry = parseFrontMatter(file).entry;
  if (!entry) return file.text.includes(id);
  const value = entry.fields.get('id')?.value;
  return typeof value === 'string' && value.trim() === id;
}

function validZone(zone: string | undefined): string {
  if (zone === undefined) return 'Etc/UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return 'Etc/UTC';
  }
}

/** The skeleton for `request` at `now`, given the settings files that exist (skeletonSettings). */
export function planSkeleton(request: SkeletonRequest, settings: readonly SourceFile[], now: Date, entries: readonly SourceFile[] = []): Skeleton {
  const file = (p: string) => settings.find((s) => s.path === p);
  const newsroom = file(NEWSROOM_FILE);
  if (request.kind === 'story') {
    if (!newsroom) {
      // Found from outside: a newcomer starting a newsroom was told what was missing, not how to begin.
      const howToBegin = file(STORY_FILE) ? `; it is a single story (${STORY_FILE}): its entries go beside ${STORY_FILE}, \`storyfeed new entry . "TITLE"\`` : `: write ${NEWSROOM_FILE} first, with the fields of a ${STORY_FILE} (id, title, description, home_page, feed_base), and its body introducing the front page`;
      return { ok: false, problem: `a story folder needs a newsroom: the entries folder has no ${NEWSROOM_FILE}${howToBegin}` };
    }
    if (!STORY_SLUG.test(request.slug)) return { ok: false, problem: `\`${request.slug}\` is not a story folder name: lower-case letters and digits, words joined by single hyphens` };
    if (request.slug.length > STORY_SLUG_CHARS) return { ok: false, problem: `the story folder name is ${request.slug.length} characters long: at most ${STORY_SLUG_CHARS} (it is part of every URL of the story)` };
    const newsroomId = fieldOf(newsroom, 'id') ?? '';
    const authority = authorityOf([newsroom]);
    if (!authority) return { ok: false, problem: `${NEWSROOM_FILE} has neither a tag: id nor a feed_base with a domain name to take the id's authority from` };
    const zone = validZone(fieldOf(newsroom, 'time_zone'));
    const title = request.slug.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
    // The newsroom's own id may be this very tag (`…,<today>:<slug>`): a story's id must differ from it.
    const plain = `tag:${authority.name},${localRfc3339(now, zone).slice(0, 10)}:${request.slug}`;
    const id = plain === newsroomId.trim() ? `${plain}-story` : plain;
    // Found from outside: a folder renamed since an earlier `new story` of this slug holds its id.
    const holder = entries.find((e) => holdsId(e, id));
    if (holder) return { ok: false, problem: `the id ${id} is already used by ${holder.path}: choose another folder name, or give that story another id` };
    const text = `---\nid: ${id}\ntitle: ${JSON.stringify(title)}\ndescription: ${JSON.stringify(`What is known about ${title.toLowerCase()}, newest first.`)}\n---\nThe standing summary: what the story is about, in a paragraph or two.\n`;
    return { ok: true, path: `${request.slug}/${STORY_FILE}`, text };
  }
  // A title is one line of text (a line break would not survive the feeds' one-line titles).
  if (request.title.trim() === '') return { ok: false, problem: "the title is empty: write the development's headline" };
  if (/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(request.title)) return { ok: false, problem: 'the title must be one line of text' };
  // What the shell passed was not UTF-8: Node has put U+FFFD in place of each bad byte (found from outside).
  if (request.title.includes('\uFFFD')) return { ok: false, problem: 'the title holds bytes that are not UTF-8 (read as U+FFFD): check the terminal\'s encoding, or write the title in the file' };
  const inFolder = request.story !== '.';
  if (inFolder && !STORY_SLUG.test(request.story)) return { ok: false, problem: `\`${request.story}\` is not a story folder name (or \`.\` for the single story)` };
  if (inFolder && !newsroom) return { ok: false, problem: `no newsroom (${NEWSROOM_FILE}): write \`.\` for the single story at the entries root` };
  if (!inFolder && newsroom) return { ok: false, problem: `the entries folder is a newsroom: name the story folder instead of \`.\`` };
  const storyPath = inFolder ? `${request.story}/${STORY_FILE}` : STORY_FILE;
  const story = file(storyPath);
  if (!story) return { ok: false, problem: `no story at ${storyPath}` };
  // Its id would come from the newsroom's authority (found from outside), and the build fails anyway.
  if (!parseFrontMatter(story).entry) return { ok: false, problem: `${storyPath} is not valid front matter: put it right first (\`storyfeed check\` says where)` };
  // The story's own authority, else the newsroom's (a story's id may be a URL).
  const authority = authorityOf(inFolder ? [story, newsroom] : [story]);
  if (!authority) return { ok: false, problem: `${inFolder ? `${storyPath} and ${NEWSROOM_FILE} have` : `${storyPath} has`} neither a tag: id nor a feed_base with a domain name to take the id's authority from` };
  // An entry published now, after an ended story's coverage_end, would not check clean (E_COVERAGE).
  const end = Date.parse(fieldOf(story, 'coverage_end') ?? '');
  if (fieldOf(story, 'status') === 'ended' && !(end >= now.getTime())) {
    return { ok: false, problem: `${storyPath} says the story has ended (status: ended${Number.isNaN(end) ? '' : `, coverage_end ${fieldOf(story, 'coverage_end')}`}): set \`status: live\` or a later \`coverage_end\` first` };
  }
  const zone = validZone(fieldOf(story, 'time_zone') ?? fieldOf(newsroom, 'time_zone'));
  const published = localRfc3339(now, zone);
  const date = published.slice(0, 10);
  const slug = slugOf(request.title);
  // The specific part's first segment is the story's own tag's, never the newsroom's.
  const own = TAG.exec(fieldOf(story, 'id')?.trim() ?? '') ? authority.specific : undefined;
  const specific = own || (inFolder ? request.story : 'story');
  // A draft, as `hugo new` writes one: a running service rebuilds on every change to the folder,
  // and the placeholder body must never go out before an editor has written the development.
  const id = `tag:${authority.name},${date}:${specific}/${slug}`;
  const text = `---\nid: ${id}\ntitle: ${JSON.stringify(request.title)}\npublished: ${published}\ndraft: true\n---\nWhat happened, in a few paragraphs.\n`;
  const path = `${inFolder ? `${request.story}/` : ''}${date}-${slug}.md`;
  // Ids are unique (across a newsroom): a file renamed since an earlier skeleton may hold this one.
  const holder = entries.find((e) => e.path !== path && holdsId(e, id));
  if (holder) return { ok: false, problem: `the id ${id} is already used by ${holder.path}: give the development a different title` };
  // The title is read back as a build reads it, so that what is written checks clean (length, markup).
  const raw = parseFrontMatter({ path, text }).entry;
  const problem = raw ? new FieldReader(raw, ENTRY_FIELDS).textProblem('title', LIMITS.titleChars) : 'the title does not make valid front matter';
  if (problem) return { ok: false, problem: `the title would not check clean: ${problem}` };
  return { ok: true, path, text, draft: true };
}
