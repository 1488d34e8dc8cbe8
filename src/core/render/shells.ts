// A document's shell from a ShellJob (core/types.ts): the same function on the build's thread and
// on a worker (build/shell-render.ts), so that both give the same bytes. A story or tag page's
// shell is its whole text (pages hold every development of a newsroom's story: 1,800 of them, ~1 s
// of a cold 10,000-entry newsroom build on the build's thread).

import type { ShellJob, XmlShellJob } from '../types.js';
import { renderAtomShell } from './atom.js';
import { renderPageShell } from './page.js';
import { renderRssShell } from './rss.js';
import { shellFeed } from './xml-format.js';

export function renderShell(job: ShellJob): readonly string[] {
  if (job.format === 'page') return renderPageShell(job.feed, job.options);
  return job.format === 'rss' ? renderRssShell(job.feed, job.extras) : renderAtomShell(job.feed, job.extras);
}

/** The job for a document's shell: its feed reduced to what the shell reads. */
export function shellJob(format: XmlShellJob['format'], feed: XmlShellJob['feed'], extras: XmlShellJob['extras']): XmlShellJob {
  return { format, feed: shellFeed(feed), extras };
}
