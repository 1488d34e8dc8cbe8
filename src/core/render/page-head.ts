// The <head> every page shares: title, description, canonical link, icon, social cards, the
// stylesheet. No external request is made for any of it.

import { escapeHtml } from '../markdown.js';
import { PAGE_CSS_FILE } from '../formats.js';

/**
 * The icon of a story without `favicon`: a small SVG as a data: URI, so that the browser has an icon
 * without asking for /favicon.ico (which the output folder does not hold: a 404 in the console).
 */
export const BUILT_IN_ICON = `data:image/svg+xml,${encodeURIComponent("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><rect width='16' height='16' rx='3' fill='#0b57d0'/><circle cx='8' cy='8' r='3.5' fill='#fff'/></svg>")}`;

export interface HeadOptions {
  readonly language: string;
  /** Plain text. */
  readonly title: string;
  readonly description: string;
  readonly canonical: string;
  /** Relative path from the page to the output folder's root ('' or '../…'). */
  readonly root: string;
  /** The story's `favicon`, if any. */
  readonly favicon?: string;
  /** Open Graph type: `article` for the story page, `website` for lists. */
  readonly ogType: 'article' | 'website';
  /** An image for the cards (the latest development's, or the story's icon). */
  readonly image?: { readonly url: string; readonly alt: string };
  /** Further elements (feed autodiscovery links, structured data), already HTML. */
  readonly extra?: string;
}

// Escaped once: every page without a `favicon` carries it.
const BUILT_IN_ICON_HTML = escapeHtml(BUILT_IN_ICON);

export function renderHead(o: HeadOptions): string {
  const title = escapeHtml(o.title);
  const description = escapeHtml(o.description);
  const canonical = escapeHtml(o.canonical);
  // The Open Graph protocol (https://ogp.me/) and X's card markup (summary / summary_large_image).
  const cards = [
    `<meta property="og:type" content="${o.ogType}">`,
    `<meta property="og:title" content="${title}">`,
    `<meta property="og:description" content="${description}">`,
    `<meta property="og:url" content="${canonical}">`,
    ...(o.image ? [`<meta property="og:image" content="${escapeHtml(o.image.url)}">`, `<meta property="og:image:alt" content="${escapeHtml(o.image.alt)}">`] : []),
    `<meta name="twitter:card" content="${o.image ? 'summary_large_image' : 'summary'}">`,
    `<meta name="twitter:title" content="${title}">`,
    `<meta name="twitter:description" content="${description}">`,
    ...(o.image ? [`<meta name="twitter:image" content="${escapeHtml(o.image.url)}">`, `<meta name="twitter:image:alt" content="${escapeHtml(o.image.alt)}">`] : []),
  ];
  return `<!doctype html>
<html lang="${escapeHtml(o.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<meta name="generator" content="storyfeed">
<link rel="canonical" href="${canonical}">
<link rel="icon" href="${o.favicon === undefined ? BUILT_IN_ICON_HTML : escapeHtml(o.favicon)}">
${cards.join('\n')}
${o.extra ? `${o.extra}\n` : ''}<link rel="stylesheet" href="${o.root}${PAGE_CSS_FILE}">
</head>
<body>`;
}
