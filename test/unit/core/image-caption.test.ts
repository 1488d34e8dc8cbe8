// `image.caption` and `image.credit`: optional plain text shown under the image on the pages. No feed
// format has a standard place for them, so the feeds stay byte-identical with or without them.
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const IMAGE = 'image:\n  url: https://newsroom.example.org/img/a.jpg\n  alt: Delegates at the table\n';

function build(extra: string) {
  return compile({ sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a', extra: IMAGE + extra }) }), now: NOW });
}

describe('image caption and credit', () => {
  it('are escaped text on the page', () => {
    const page = build('  credit: "<b>Jane</b> & co"\n').files.find((f) => f.path === 'index.html')!.contents;
    expect(page).toContain('<span class="credit">&lt;b&gt;Jane&lt;/b&gt; &amp; co</span>');
  });

  it('are read, shown in the figure, and change no feed', () => {
    const plain = build('');
    const captioned = build('  caption: Delegates meet in Muscat.\n  credit: "Photo: Jane Roe"\n');
    expect(captioned.diagnostics).toEqual([]);
    expect(captioned.entries[0]!.image).toMatchObject({ caption: 'Delegates meet in Muscat.', credit: 'Photo: Jane Roe' });
    const page = captioned.files.find((f) => f.path === 'index.html')!.contents;
    expect(page).toContain('<figcaption>Delegates meet in Muscat. <span class="credit">Photo: Jane Roe</span></figcaption>');
    for (const feed of ['rss.xml', 'atom.xml', 'feed.json']) {
      expect(captioned.files.find((f) => f.path === feed)!.contents, feed).toBe(plain.files.find((f) => f.path === feed)!.contents);
    }
  });

  it.each([
    ['a caption that is a list', 'caption: [not, text]', 'E_FIELD_TYPE'],
    ['a caption over 2,000 characters', `caption: ${'x'.repeat(2001)}`, 'E_FIELD_TOO_LONG'],
    ['a credit over 300 characters', `credit: ${'x'.repeat(301)}`, 'E_FIELD_TOO_LONG'],
    ['an unknown image field', 'photographer: Jane', 'E_FIELD_UNKNOWN'],
  ])('reject %s with %s, naming the field', (_name, line, code) => {
    const r = build(`  ${line}\n`);
    expect(r.diagnostics.map((d) => d.code)).toContain(code);
    expect(r.diagnostics.find((d) => d.code === code)!.message).toMatch(/image\./);
  });
});
