// Test helpers: entries folders in temp directories, written from plain text.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { SourceFile } from '../../src/core/types.js';

export const STORY_ID = 'tag:newsroom.example.org,2026-05-25:test-story';
export const HOME = 'https://newsroom.example.org/stories/test/';
export const FEED_BASE = 'https://newsroom.example.org/stories/test/feeds/';

export function storyText(extra = ''): string {
  return `---
id: ${STORY_ID}
title: Test story
description: A story used by the tests.
home_page: ${HOME}
feed_base: ${FEED_BASE}
language: en
authors:
  - name: Test Desk
    url: https://newsroom.example.org/desk/
${extra}---
The standing summary of the test story.
`;
}

export interface EntrySpec {
  slug: string;
  title?: string;
  published?: string;
  extra?: string;
  body?: string;
}

export function entryText(spec: EntrySpec): string {
  return `---
id: tag:newsroom.example.org,2026-05-25:test-story/${spec.slug}
title: ${JSON.stringify(spec.title ?? `Development ${spec.slug}`)}
published: ${spec.published ?? '2026-05-26T09:00:00Z'}
${spec.extra ?? ''}---
${spec.body ?? `Body of ${spec.slug}.`}
`;
}

/** Sources as the reader would produce them, for pure-core tests. */
export function sources(files: Record<string, string>): SourceFile[] {
  return Object.entries(files).map(([p, text]) => ({ path: p, text }));
}

/** A temp folder holding `files` (relative paths); returns its path and a cleanup. */
export async function tempFolder(files: Record<string, string | Buffer> = {}): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storyfeed-test-'));
  for (const [rel, contents] of Object.entries(files)) {
    const full = path.join(dir, rel);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, contents);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** For one test file: `folder()` makes an empty temp folder, removed once the file's tests are done. */
export function tempFolders(): () => Promise<string> {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(cleanups.map((c) => c()));
  });
  return async () => {
    const { dir, cleanup } = await tempFolder();
    cleanups.push(cleanup);
    return dir;
  };
}
