// The notices storyfeed writes into an entry's place: a correction's note (at the top of the body
// in every format, and on a tag page above the summary that stands for the body) and a retraction's
// stub. Escaped text in the story's zone and language.

import { formatHumanDate } from '../dates.js';
import { escapeHtml } from '../markdown.js';
import type { Correction, Retraction, Story } from '../types.js';
import { cdataSafeHtml } from './fragments.js';

/**
 * A retraction stub's whole body (RSS content:encoded, JSON Feed content_html): the notice with its
 * time, in the story's zone, and the reason. Escaped text, so CDATA-safe; the original body is gone.
 */
export function renderRetractionNotice(retraction: Retraction, story: Story): string {
  const when = formatHumanDate(retraction.at, story.language, story.timeZone);
  return cdataSafeHtml(`<p><strong>Retracted (${escapeHtml(when)}):</strong> ${escapeHtml(retraction.reason)}</p>`);
}

/** A correction's note, as it opens the corrected entry's body. */
export function renderCorrectionNote(correction: Correction, story: Story): string {
  const when = formatHumanDate(correction.at, story.language, story.timeZone);
  return `<p><strong>Correction (${escapeHtml(when)}):</strong> ${escapeHtml(correction.note)}</p>`;
}
