import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMarkdown } from '../../../src/core/markdown.js';

const base = { baseUrl: 'https://newsroom.example.org/stories/talks/' };
const md = (s: string) => renderMarkdown(s, base);

describe('renderMarkdown: CommonMark into a small, safe HTML', () => {
  it.each([
    ['paragraph', 'Hello', '<p>Hello</p>\n'],
    ['emphasis', '*a* **b** ~~c~~', '<p><em>a</em> <strong>b</strong> <s>c</s></p>\n'],
    ['h1 becomes h2 (the entry title is the h1)', '# Top', '<h2>Top</h2>\n'],
    ['h3 stays', '### Three', '<h3>Three</h3>\n'],
    ['list', '- a\n- b', '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n'],
    ['ordered list start', '3. c\n4. d', '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n'],
    ['code block with language', '```ts\nlet a = 1 < 2;\n```', '<pre><code class="language-ts">let a = 1 &lt; 2;\n</code></pre>\n'],
    ['blockquote', '> said', '<blockquote>\n<p>said</p>\n</blockquote>\n'],
    ['image with alt, self-closed', '![A map](https://x.org/m.png)', '<p><img alt="A map" src="https://x.org/m.png" /></p>\n'],
    ['line break', 'a  \nb', '<p>a<br />\nb</p>\n'],
  ])('%s', (_name, input, html) => {
    expect(md(input)).toBe(html);
  });
});

describe('relative URLs become absolute against the story page', () => {
  it.each([
    ['[a](/root)', 'href="https://newsroom.example.org/root"'],
    ['[a](sub/page)', 'href="https://newsroom.example.org/stories/talks/sub/page"'],
    ['[a](../up)', 'href="https://newsroom.example.org/stories/up"'],
    ['[a](?q=1)', 'href="https://newsroom.example.org/stories/talks/?q=1"'],
    ['[a](#frag)', 'href="https://newsroom.example.org/stories/talks/#frag"'],
    ['[a](//cdn.example.org/x)', 'href="https://cdn.example.org/x"'],
    ['![i](img/a.png)', 'src="https://newsroom.example.org/stories/talks/img/a.png"'],
    ['[a](mailto:desk@newsroom.example.org)', 'href="mailto:desk@newsroom.example.org"'],
    ['[a](https://example.org/?a=1&b=2)', 'href="https://example.org/?a=1&amp;b=2"'],
  ])('%s', (input, attr) => {
    expect(md(input)).toContain(attr);
  });
});

describe('nothing that runs gets through', () => {
  it.each([
    ['raw script', '<script>alert(1)</script>'],
    ['raw iframe', '<iframe src="https://evil.example/"></iframe>'],
    ['img onerror', '<img src=x onerror=alert(1)>'],
    ['a onclick', '<a href="https://x.org" onclick="alert(1)">x</a>'],
    ['style', '<p style="background:url(javascript:alert(1))">x</p>'],
    ['javascript link', '[x](javascript:alert(1))'],
    ['mixed case', '[x](JaVaScRiPt:alert(1))'],
    ['tab inside scheme', '[x](java\tscript:alert(1))'],
    ['entity-encoded', '[x](&#106;avascript:alert(1))'],
    ['vbscript', '[x](vbscript:msgbox(1))'],
    ['data link', '[x](data:text/html;base64,PHNjcmlwdD4=)'],
    ['data image', '![x](data:image/svg+xml;base64,PHN2Zz4=)'],
    ['autolink javascript', '<javascript:alert(1)>'],
  ])('%s', (_name, input) => {
    const html = md(input);
    expect(html).not.toMatch(/<script|<iframe|<[^>]*\son\w+=|<[^>]*\sstyle=|(?:href|src)="\s*(?:javascript|vbscript|data):/i);
  });

  it('raw HTML is shown as text, not dropped silently', () => {
    expect(md('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });
});

describe('text that would break XML', () => {
  it.each([
    [']]> several times', 'a ]]> b ]]> c', 'a ]]&gt; b ]]&gt; c'],
    ['named entity becomes a character', 'x&nbsp;y &copy;', 'x\u00a0y ©'],
    ['control characters removed', 'a\u0001b\u0008c', 'abc'],
    ['emoji and RTL kept', 'صلح 🕊️ 🇺🇸🇮🇷', 'صلح 🕊️ 🇺🇸🇮🇷'],
  ])('%s', (_name, input, text) => {
    const html = md(input);
    expect(html).toContain(text);
    expect(html).not.toContain(']]>');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });
});
