// TEMPORARY STUB by the lead so the pipeline compiles; the markdown helper replaces this whole file.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
export interface MarkdownOptions { readonly baseUrl: string }
const md = new MarkdownIt({ html: false });
export function renderMarkdown(markdown: string, _options: MarkdownOptions): string {
  return sanitizeHtml(md.render(markdown)).replaceAll(']]>', ']]&gt;');
}
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
export function htmlToText(html: string): string { return sanitizeHtml(html, { allowedTags: [] }); }
