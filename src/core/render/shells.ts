// A document's shell from a ShellJob (core/types.ts): the same function on the build's thread and
// on a worker (build/parse/shells.ts), so that both give the same bytes.

import type { ShellJob } from '../types.js';
import { renderAtomShell } from './atom.js';
import { renderRssShell } from './rss.js';
import { shellFeed } from './xml-format.js';

export function renderShell(job: ShellJob): readonly string[] {
  return job.format === 'rss' ? renderRssShell(job.feed, job.extras) : renderAtomShell(job.feed, job.extras);
}

/** The job for a document's shell: its feed reduced to what the shell reads. */
export function shellJob(format: ShellJob['format'], feed: ShellJob['feed'], extras: ShellJob['extras']): ShellJob {
  return { format, feed: shellFeed(feed), extras };
}
