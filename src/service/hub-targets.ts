// Which hub to tell about which feed URL after a run (W3C WebSub §7). A single story's feeds (and a
// newsroom's root feeds) advertise the story's own `hub`. A newsroom story's feeds, under
// `<slug>/`, advertise the story's hub (its own `hub:`, or the newsroom's) at the story's self URL
// (its own `feed_base`, or the newsroom's plus `<slug>/`): the service only has the newsroom's
// settings, so it asks the story's JSON Feed, written beside them by the same run, what it
// advertises (`feed_url`, `hubs`) — the hub pinged is always the one the feed names.
// Tag feeds and archive pages are not pinged, in a newsroom as in a single story.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OUTPUT_FILES } from '../core/formats.js';
import type { Story } from '../core/types.js';
import { changedFeedUrls } from './websub.js';

export interface HubTarget {
  readonly hub: string;
  readonly feedUrls: readonly string[];
}

const FEED_FILES: readonly string[] = [OUTPUT_FILES.rss, OUTPUT_FILES.atom, OUTPUT_FILES.json];

/**
 * The newsroom story folders among `changed` whose subscription feeds changed: `<slug>/rss.xml` and
 * the like, one folder deep (a single story writes no feed there: its tags and archive pages are
 * two deep), with the feed files that changed in each.
 */
export function changedStoryFeeds(changed: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of changed) {
    const parts = file.split('/');
    if (parts.length !== 2 || !parts[0] || !FEED_FILES.includes(parts[1]!)) continue;
    out.set(parts[0], [...(out.get(parts[0]) ?? []), parts[1]!]);
  }
  return out;
}

/** What a JSON Feed advertises (JSON Feed 1.1: `feed_url`, `hubs`), if it names a WebSub hub. */
export function parseAdvertised(text: string): { feedUrl: string; hub: string } | undefined {
  try {
    const feed = JSON.parse(text) as { feed_url?: unknown; hubs?: unknown };
    const hubs = Array.isArray(feed.hubs) ? (feed.hubs as Array<{ type?: unknown; url?: unknown }>) : [];
    const hub = hubs.find((h) => typeof h?.url === 'string' && String(h.type).toLowerCase() === 'websub')?.url;
    if (typeof feed.feed_url !== 'string' || typeof hub !== 'string') return undefined;
    return { feedUrl: feed.feed_url, hub };
  } catch {
    return undefined;
  }
}

/** Every hub to ping for `changed`: the story's own feeds, then each newsroom story's that changed. */
export async function readHubTargets(outDir: string, story: Story, changed: readonly string[]): Promise<HubTarget[]> {
  const targets: HubTarget[] = [];
  const own = story.hub ? changedFeedUrls(story, changed) : [];
  if (story.hub && own.length > 0) targets.push({ hub: story.hub, feedUrls: own });
  for (const [folder, files] of changedStoryFeeds(changed)) {
    const text = await readFile(path.join(outDir, folder, OUTPUT_FILES.json), 'utf8').catch(() => undefined);
    const advertised = text === undefined ? undefined : parseAdvertised(text);
    if (!advertised) continue;
    // The three formats of a folder share its self base (core/formats.ts feedUrls).
    targets.push({ hub: advertised.hub, feedUrls: files.map((f) => new URL(f, advertised.feedUrl).href) });
  }
  return targets;
}
