// markdown-it's HTML sanitized directly (core/markdown-html.ts) against sanitize-html with the
// same options: for any Markdown, renderMarkdown writes the same bytes both ways, and the direct
// way takes ordinary bodies (so the comparison is not vacuous). The allowlist itself is asserted by
// test/property/markdown.property.test.ts and the hostile-input tests, which now run the direct way.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { sanitizeMarkdownHtml } from '../../../src/core/markdown-html.js';
import { renderMarkdown } from '../../../src/core/markdown.js';

const BASES = ['https://newsroom.example.org/stories/talks/', 'http://x.org/a/b?q=1#f', 'https://例え.jp/ニュース/'];
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
const both = (input: string, baseUrl: string) => ({ direct: renderMarkdown(input, { baseUrl }), library: renderMarkdown(input, { baseUrl }, { sanitizeHtml: true }) });
const taken = (input: string, baseUrl: string) => sanitizeMarkdownHtml(md.render(input), baseUrl) !== undefined;

const URLS = ['https://x.org/a?b=1&c=2', '/rel/path', 'rel', '../up', '', '#frag', '?q', 'mailto:desk@x.org', 'MAILTO:a@b', 'javascript:alert(1)', 'JaVaScRiPt:x', 'data:text/html,<b>', 'vbscript:x', '//evil.org/x', 'http://[::1]/', 'http://a b', 'https://x.org/"q"', "https://x.org/'q'", 'https://x.org/<x>', 'https://x.org/%zz', 'ftp://x.org/f', 'tel:+1', 'https://x.org/\u00e9', ' https://x.org/sp ', 'http://', 'https://x.org/a&amp;b', '&#106;avascript:x'];
const TEXT = ['plain', 'a & b', '<b>bold</b>', '"quoted"', "it's", '&nbsp;', '&copy;', '&amp;', '&#x27;', '&#0;', '&bogus;', ']]>', '\u00a0', 'é日本😀', '\\*', '`', '*', '_', '~~', '>', '<', '<!-- c -->', '<script>x</script>', '&lt;', 'a  \nb', 'x\\\ny', '\u2028', '\ufffd'];
const INFO = ['', 'js', 'json', 'a"b', 'a<b>', 'a&b', 'x y', 'language-x', '`', '{.cls}', '  sh  ', 'é'];

const text = fc.constantFrom(...TEXT);
const url = fc.constantFrom(...URLS);
const inline = fc.oneof(
  text,
  fc.tuple(text, url).map(([t, u]) => `[${t}](${u})`),
  fc.tuple(text, url, text).map(([t, u, title]) => `[${t}](${u} "${title}")`),
  fc.tuple(text, url).map(([t, u]) => `![${t}](${u})`),
  fc.tuple(url, text).map(([u, title]) => `![](${u} '${title}')`),
  fc.tuple(text, url).map(([t, u]) => `[${t}][r]\n\n[r]: ${u}`),
  text.map((t) => `*${t}*`),
  text.map((t) => `**${t}**`),
  text.map((t) => `~~${t}~~`),
  text.map((t) => `\`${t}\``),
  url.map((u) => `<${u}>`),
);
const line = fc.array(inline, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '));
const block = fc.oneof(
  line,
  fc.tuple(fc.integer({ min: 1, max: 7 }), line).map(([n, l]) => `${'#'.repeat(n)} ${l}`),
  fc.tuple(line, line).map(([a, b]) => `${a}\n${'='.repeat(3)}\n\n${b}\n---`),
  line.map((l) => `> ${l}\n> > ${l}`),
  fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => ls.map((l) => `- ${l}`).join('\n')),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.array(line, { minLength: 1, maxLength: 3 })).map(([n, ls]) => ls.map((l, i) => `${n + i}. ${l}`).join('\n')),
  fc.array(line, { minLength: 1, maxLength: 2 }).map((ls) => ls.map((l) => `- ${l}\n\n  ${l}`).join('\n\n')),
  fc.tuple(fc.constantFrom(...INFO), text).map(([info, t]) => `\`\`\`${info}\n${t}\n<x> & "y"\n\`\`\``),
  text.map((t) => `    indented ${t}`),
  fc.tuple(line, line, fc.constantFrom('---|---', ':--|--:', ':-:|---')).map(([a, b, align]) => `| ${a} | h |\n|${align}|\n| ${b} | c |`),
  fc.constantFrom('***', '___', '<div>raw</div>', '<img src=x onerror=alert(1)>', '\\', '&', '   ', ''),
);
const markdown = fc.array(block, { minLength: 1, maxLength: 6 }).map((bs) => bs.join('\n\n'));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith('.md') ? [full] : [];
  });
}

describe('markdown-it HTML sanitized directly: the same bytes as sanitize-html', () => {
  it('on generated Markdown with links, images, code, tables, lists, entities and hostile URLs', () => {
    let direct = 0;
    fc.assert(
      fc.property(markdown, fc.constantFrom(...BASES), (input, baseUrl) => {
        const r = both(input, baseUrl);
        expect(r.direct).toBe(r.library);
        if (taken(input, baseUrl)) direct += 1;
      }),
      { numRuns: 2000, seed: 17 },
    );
    expect(direct).toBeGreaterThan(1700);
  });

  it('on arbitrary strings, including lone surrogates and control characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...BASES), (input, baseUrl) => {
        const r = both(input, baseUrl);
        expect(r.direct).toBe(r.library);
      }),
      { numRuns: 2000, seed: 17 },
    );
  });

  it('on every body of the test corpus and the golden stories', () => {
    const files = [...markdownFiles('test/corpus'), ...markdownFiles('test/golden')];
    for (const file of files) {
      const r = both(readFileSync(file, 'utf8'), BASES[0]!);
      expect(r.direct, file).toBe(r.library);
    }
    expect(files.length).toBeGreaterThan(150);
  });

  it('hands what markdown-it does not write to sanitize-html', () => {
    const base = BASES[0]!;
    for (const html of ['<p>a<script>x</script></p>', '<p>a &nbsp; b</p>', '<p>a > b</p>', '<p><p>a</p></p>', '<ul><li>a<li>b</li></ul>', '<p>a', '<p>a</em>', '<br></br>', '<a href="x" href="y">a</a>', "<p class='x'>a</p>", '<P>a</P>', '<a title="">x</a>']) {
      expect(sanitizeMarkdownHtml(html, base), html).toBeUndefined();
    }
    // Attributes outside the allowlist never pass (as with sanitize-html: dropped).
    expect(sanitizeMarkdownHtml('<p onclick="x" style="y">a</p><a href="javascript:x" onmouseover="y">b</a><img src="data:x" alt="z">', base)).toBe('<p>a</p><a>b</a>');
  });

  it('writes what sanitize-html writes for each construct', () => {
    const base = BASES[0]!;
    expect(renderMarkdown('# T\n\n[a](/x "t") ![](y.png) ![i](ftp://x.org/i.png) [j](ftp://x.org/f) "q" &amp; <b>\n\n```a"b\nx\n```\n\n| a |\n|:-:|\n| b |\n\n3. x  \n y\n\n***', { baseUrl: base })).toBe(
      '<h2>T</h2>\n<p><a title="t" href="https://newsroom.example.org/x">a</a> <img alt="" src="https://newsroom.example.org/stories/talks/y.png" />  <a>j</a> "q" &amp; &lt;b&gt;</p>\n<pre><code class="language-a&quot;b">x\n</code></pre>\n<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>b</td>\n</tr>\n</tbody>\n</table>\n<ol start="3">\n<li>x<br />\ny</li>\n</ol>\n<hr />\n',
    );
    expect(taken('# T\n\n[a](/x "t") ![](y.png)', base)).toBe(true);
  });
});
