// For any Markdown at all: well-formed as XML, no `]]>`, no active content, only absolute URLs,
// and the same bytes every time.
import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/core/markdown.js';

const base = { baseUrl: 'https://newsroom.example.org/stories/talks/' };
const markdownish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom('[', ']', '(', ')', '<', '>', '!', '*', '`', '#', '&', ';', '"', "'", ':', '/', '\\', '\n', ' ', 'javascript', 'data', 'script', 'a', 'img', 'src', 'href', '=', 'on', ']]>', '&#', 'x', '\t', '-', '|'), { maxLength: 60 }).map((parts) => parts.join('')),
);

describe('renderMarkdown on arbitrary input', () => {
  it('is well-formed, inert, absolute and deterministic', () => {
    fc.assert(
      fc.property(markdownish, (input) => {
        const html = renderMarkdown(input, base);
        expect(renderMarkdown(input, base)).toBe(html);
        expect(html).not.toContain(']]>');
        new SaxesParser().write(`<div>${html}</div>`).close();
        const parser = new Parser({
          onopentag(name, attribs) {
            expect(['script', 'iframe', 'style', 'object', 'embed', 'form']).not.toContain(name);
            for (const [attr, value] of Object.entries(attribs)) {
              expect(attr.startsWith('on')).toBe(false);
              if (attr === 'href') expect(value).toMatch(/^(https?:\/\/|mailto:)/);
              if (attr === 'src') expect(value).toMatch(/^https?:\/\//);
            }
          },
        });
        parser.end(html);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 500) },
    );
  });
});
