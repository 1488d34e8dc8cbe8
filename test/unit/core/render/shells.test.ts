// A document's shell as a job (src/core/render/shells.ts): the feed reduced to what its shell reads
// (xml-format.ts shellFeed) — what crosses to a worker thread — gives the document the one-pass
// renderer writes from the whole feed, whichever entry holds the image or the only body.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../../src/core/compile.js';
import { renderAtom, renderAtomWhole } from '../../../../src/core/render/atom.js';
import { assembleText } from '../../../../src/core/render/fragments.js';
import { renderRss, renderRssWhole } from '../../../../src/core/render/rss.js';
import { renderShell } from '../../../../src/core/render/shells.js';
import { shellFeed } from '../../../../src/core/render/xml-format.js';
import { LEDGER_PATH } from '../../../../src/io/state-folder.js';
import { entryText, sources, storyText } from '../../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');

/** Thirty entries; only e03 (old: far from the first) has an image, only e05 a body, e07 is retracted. */
function story() {
  const files: Record<string, string> = { '_story.md': storyText() };
  for (let i = 0; i < 30; i += 1) {
    const slug = `e${String(i).padStart(2, '0')}`;
    const extra = [i === 3 ? 'image: {url: "https://newsroom.example.org/a.jpg", alt: "A & B"}' : '', i === 7 ? 'retracted: {at: 2026-05-30T10:00:00Z, reason: "Wrong"}' : ''].filter(Boolean).join('\n');
    files[`${slug}.md`] = entryText({ slug, published: `2026-05-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:00:00Z`, extra: extra ? `${extra}\n` : '', body: i === 5 ? 'A *body*.' : '' });
  }
  const r = compile({ sources: sources(files), now: NOW, mode: 'strict', ledgerPath: LEDGER_PATH });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r;
}

describe('shell jobs', () => {
  it('carry at most two entries, and their documents are the one-pass renderer’s bytes', () => {
    const r = story();
    const resolve = (slot: { entry: string }) => r.fragments.get(slot.entry)!;
    for (const name of ['rss.xml', 'atom.xml']) {
      const planned = r.planned.find((p) => p.path === name)!;
      const job = planned.shell!.job();
      expect(job.feed.entries.length).toBeLessThanOrEqual(2);
      // A worker's shell, filled here: the document the build's thread renders.
      expect(assembleText(planned.shell!.fill(renderShell(job)), resolve)).toBe(r.files.find((f) => f.path === name)!.contents);
    }
    const feed = { ...r.feed!, entries: r.feed!.entries.map((e) => ({ ...e, contentHtml: r.fragments.get(e.path)?.html ?? '' })) };
    // The feed's own entry objects, not copies: one the worker was sent already crosses as a number
    // (parse/shell-wire.ts). The one with the body first, then the one with the image.
    expect(shellFeed(feed).entries).toEqual([feed.entries.find((e) => e.path === 'e05.md'), feed.entries.find((e) => e.path === 'e03.md')]);
    for (const e of shellFeed(feed).entries) expect(feed.entries).toContain(e);
    const rss = renderRss(feed);
    expect(rss).toContain('xmlns:media=');
    expect(rss).toContain('xmlns:content=');
    expect(rss).toBe(renderRssWhole(feed));
    expect(renderAtom(feed)).toBe(renderAtomWhole(feed));
  });
});
