// A page per development (issue 15): `<slug>/index.html` for every published entry that is not
// retracted, the retraction notice in its place for the retraction window, nothing otherwise (a
// draft or embargoed entry is in no slot, so its body reaches no page). The slug is the entry's
// anchor (core/anchors.ts: unique, clear of the story's own folders, recorded in the ledger).

import { MEDIA_TYPES, OUTPUT_FILES } from './formats.js';
import { anchorOf } from './links.js';
import { isRetracted, isStub } from './model.js';
import { renderEntryPage, renderRetractedPage } from './render/entry-page.js';
import type { DocumentPart, EntryMeta, PlannedFile, Story } from './types.js';
import { RENDER_VERSION } from './versions.js';
import { tagLinks, type TagLink } from './tags.js';

type Planned = (path: string, mediaType: string, inputs: unknown, deps: readonly EntryMeta[], render: () => readonly DocumentPart[]) => PlannedFile;

/** The entry pages at `now`, from the story's slots (plan.ts); `storyPrint` fingerprints the story, `linkOf` maps a tag to the link to its page. */
export function planEntryPages(story: Story, storyPrint: string, slots: ReadonlyArray<{ readonly entry?: EntryMeta }>, now: Date, linkOf: ReadonlyMap<string, TagLink>, planned: Planned): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const slot of slots) {
    const e = slot.entry;
    if (!e) continue;
    const slug = anchorOf(e);
    const path = `${slug}/${OUTPUT_FILES.page}`;
    if (!isRetracted(e, now)) {
      // The links are made again when the page renders: the plan of a 100,000-entry build would
      // otherwise hold an array of them per page until the writer reaches it.
      files.push(planned(path, MEDIA_TYPES.html, { v: RENDER_VERSION, story: storyPrint, slug, tags: tagLinks(e.tags, linkOf) }, [e], () => renderEntryPage(e, story, { slug, tags: tagLinks(e.tags, linkOf) })));
    } else if (isStub(e, now)) {
      files.push(planned(path, MEDIA_TYPES.html, { v: RENDER_VERSION, story: storyPrint, slug, retracted: true }, [e], () => [renderRetractedPage(e, story, slug)]));
    }
  }
  return files;
}
