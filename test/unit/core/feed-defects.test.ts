// Each known defect of feed@6.0.0 (src/core/known-defects.md) is neutralized before or
// after the library; each test here fails if the workaround is removed while the defect remains.
import { DOMParser } from '@xmldom/xmldom';
import { Feed as FeedWriter } from 'feed';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/core/compile.js';
import { compileEntries, compileFiles } from '../../helpers/compile.js';
import { entryText, sources, storyText } from '../../helpers/story.js';

function wellFormed(xml: string): void {
  const parser = new SaxesParser({ xmlns: true });
  parser.write(xml).close();
}

function dom(xml: string) {
  const doc = new DOMParser({ onError: (level, msg) => { if (level !== 'warning') throw new Error(msg); } }).parseFromString(xml, 'text/xml');
  return doc;
}

const all = (xml: string, tag: string) => Array.from(dom(xml).getElementsByTagName(tag));

describe('feed@6.0.0 defects, neutralized', () => {
  it('1: Atom ids pass through new URL — our ids reach every format byte-identical', () => {
    const { atom, rss, json } = compileEntries([{ slug: 'a' }]);
    const id = 'tag:newsroom.example.org,2026-05-25:test-story/a';
    expect(all(atom, 'entry')[0]!.getElementsByTagName('id')[0]!.textContent).toBe(id);
    expect(all(rss, 'guid')[0]!.textContent).toBe(id);
    expect(JSON.parse(json).items[0].id).toBe(id);
  });

  it('1: an id that URL parsing would rewrite is refused before feed sees it', () => {
    // The defect itself: feed rewrites the host's case and adds a slash.
    const writer = new FeedWriter({ title: 't', id: 'tag:x,2026:s', updated: new Date(0), generator: false, link: 'https://x.org/' });
    writer.addItem({ title: 't', id: 'HTTP://Example.ORG', link: 'https://x.org/', date: new Date(0) });
    expect(writer.atom1()).toContain('<id>http://example.org/</id>');
    const r = compile({
      sources: sources({ '_story.md': storyText(), 'a.md': entryText({ slug: 'a' }).replace(/^id: .*$/m, 'id: HTTP://Example.ORG') }),
      now: new Date('2026-06-01T00:00:00Z'),
    });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(['E_ID_NOT_CANONICAL@2']);
  });

  it('2: CDATA escapes only the first ]]> and lets control characters through — output stays well-formed', () => {
    const nasty = 'a]]>b]]>c]]>\u0001\u0008\u000b\u001f\uFFFE end';
    // The defect itself: feed's writer produces malformed XML from this.
    const writer = new FeedWriter({ title: 't', id: 'tag:x,2026:s', updated: new Date(0), generator: false, link: 'https://x.org/' });
    writer.addItem({ title: nasty, id: 'tag:x,2026:a', link: 'https://x.org/', date: new Date(0), content: nasty });
    expect(() => wellFormed(writer.rss2())).toThrow();
    const { rss, atom } = compileEntries([{ slug: 'a', title: nasty, body: nasty, extra: `summary: ${JSON.stringify(nasty)}\n` }]);
    wellFormed(rss);
    wellFormed(atom);
    expect(all(rss, 'item')[0]!.getElementsByTagName('title')[0]!.textContent).toBe('a]]>b]]>c]]> end');
    expect(all(atom, 'entry')[0]!.getElementsByTagName('title')[0]!.textContent).toBe('a]]>b]]>c]]> end');
  });

  it('3: attribute values are escaped (category, enclosure title)', () => {
    const { atom, rss } = compileEntries([
      { slug: 'a', extra: 'tags: ["A & B <c> \\"q\\""]\nimage:\n  url: https://x.org/i.jpg?a=1&b=2\n  alt: "Alt & <b>"\n  length: 100\n' },
    ]);
    wellFormed(atom);
    wellFormed(rss);
    expect(all(atom, 'category')[0]!.getAttribute('term')).toBe('A & B <c> "q"');
    const enclosure = all(atom, 'link').find((l) => l.getAttribute('rel') === 'enclosure')!;
    expect(enclosure.getAttribute('title')).toBe('Alt & <b>');
    expect(enclosure.getAttribute('href')).toBe('https://x.org/i.jpg?a=1&b=2');
  });

  it('4: JSON Feed is 1.1 with authors, language and the deprecated author', () => {
    const { json } = compileEntries([{ slug: 'a', extra: 'authors: [First Writer, {name: Second Writer, url: "https://x.org/s"}]\n' }]);
    const doc = JSON.parse(json);
    expect(doc.version).toBe('https://jsonfeed.org/version/1.1');
    expect(doc.language).toBe('en');
    expect(doc.items[0].authors).toEqual([{ name: 'First Writer' }, { name: 'Second Writer', url: 'https://x.org/s' }]);
    expect(doc.items[0].author).toEqual({ name: 'First Writer' });
  });

  it('5: Atom carries xml:lang', () => {
    const { atom, rss, json } = compileFiles({ '_story.md': storyText().replace('language: en', 'language: fa-IR'), 'a.md': entryText({ slug: 'a' }) });
    expect(dom(atom).documentElement!.getAttribute('xml:lang')).toBe('fa-IR');
    expect(all(rss, 'language')[0]!.textContent).toBe('fa-IR');
    expect(JSON.parse(json).language).toBe('fa-IR');
  });

  it('6: enclosures keep the media type and length the entry gives', () => {
    const { atom, rss } = compileEntries([{ slug: 'a', extra: 'image:\n  url: https://x.org/photo.jpg\n  alt: A photo\n  type: image/webp\n  length: 12345\n' }]);
    const link = all(atom, 'link').find((l) => l.getAttribute('rel') === 'enclosure')!;
    expect(link.getAttribute('type')).toBe('image/webp');
    expect(link.getAttribute('length')).toBe('12345');
    const enclosure = all(rss, 'enclosure')[0]!;
    expect([enclosure.getAttribute('type'), enclosure.getAttribute('length')]).toEqual(['image/webp', '12345']);
    expect(all(rss, 'media:thumbnail')[0]!.getAttribute('url')).toBe('https://x.org/photo.jpg');
  });

  it('7: each format links itself, not another file', () => {
    const { atom, rss, json } = compileEntries([{ slug: 'a' }]);
    const self = (xml: string, tag: string) => all(xml, tag).find((l) => l.getAttribute('rel') === 'self')!.getAttribute('href');
    expect(self(rss, 'atom:link')).toBe('https://newsroom.example.org/stories/test/feeds/rss.xml');
    expect(self(atom, 'link')).toBe('https://newsroom.example.org/stories/test/feeds/atom.xml');
    expect(JSON.parse(json).feed_url).toBe('https://newsroom.example.org/stories/test/feeds/feed.json');
  });

  it('8: names go to one dc:creator byline, never to <author> (W3C DuplicateItemSemantics; newsboat keeps one dc:creator)', () => {
    const { rss } = compileEntries([{ slug: 'a', extra: 'authors: [Only A Name, {name: With Mail, email: w@x.org}]\n' }]);
    expect(all(rss, 'dc:creator').map((e) => e.textContent)).toEqual(['Only A Name, With Mail']);
    expect(all(rss, 'author')).toEqual([]);
  });

  it('9: categories carry term in Atom and text in RSS, never "undefined"', () => {
    const { atom, rss } = compileEntries([{ slug: 'a', extra: 'tags: [diplomacy, iran]\n' }]);
    expect(all(atom, 'category').map((c) => c.getAttribute('term'))).toEqual(['diplomacy', 'iran']);
    expect(all(rss, 'category').map((c) => c.textContent)).toEqual(['diplomacy', 'iran']);
    expect(atom + rss).not.toContain('undefined');
  });

  it('10: Atom gets extension elements (RFC 6721 tombstone, RFC 5005 fh:complete)', () => {
    const { atom } = compileEntries([
      { slug: 'a' },
      { slug: 'b', extra: 'retracted:\n  at: 2026-05-27T10:00:00Z\n  reason: Sourcing could not be confirmed.\n' },
    ]);
    const tomb = all(atom, 'at:deleted-entry')[0]!;
    expect(tomb.getAttribute('ref')).toBe('tag:newsroom.example.org,2026-05-25:test-story/b');
    expect(tomb.getAttribute('when')).toBe('2026-05-27T10:00:00Z');
    expect(all(atom, 'fh:complete')).toHaveLength(1);
  });

  it('11: lastBuildDate and feed updated come from the newest entry, not the clock', () => {
    const { rss, atom } = compileEntries([{ slug: 'a', published: '2026-05-26T09:00:00Z' }, { slug: 'b', published: '2026-05-27T10:30:00+02:00' }]);
    expect(all(rss, 'lastBuildDate')[0]!.textContent).toBe('Wed, 27 May 2026 08:30:00 GMT');
    expect(dom(atom).documentElement!.getElementsByTagName('updated')[0]!.textContent).toBe('2026-05-27T08:30:00Z');
  });

  it('12: Atom titles are plain text, not HTML', () => {
    const { atom } = compileEntries([{ slug: 'a', title: 'Talks <b>resume & go on' }]);
    const title = all(atom, 'entry')[0]!.getElementsByTagName('title')[0]!;
    expect(title.hasAttribute('type')).toBe(false);
    expect(title.textContent).toBe('Talks <b>resume & go on');
  });

  it('13: rendering twice gives the same bytes (no shared mutable Feed)', () => {
    const specs = [{ slug: 'a', extra: 'image:\n  url: https://x.org/a.png\n  alt: A\n  length: 10\n' }];
    const first = compileEntries(specs);
    const second = compileEntries(specs);
    expect(second.rss).toBe(first.rss);
    expect(second.atom).toBe(first.atom);
  });

  it('14: both published and updated reach Atom and JSON', () => {
    const { atom, json } = compileEntries([{ slug: 'a', published: '2026-05-26T09:00:00Z', extra: 'updated: 2026-05-26T11:00:00Z\n' }]);
    const entry = all(atom, 'entry')[0]!;
    expect(entry.getElementsByTagName('published')[0]!.textContent).toBe('2026-05-26T09:00:00Z');
    expect(entry.getElementsByTagName('updated')[0]!.textContent).toBe('2026-05-26T11:00:00Z');
    const item = JSON.parse(json).items[0];
    expect([item.date_published, item.date_modified]).toEqual(['2026-05-26T09:00:00Z', '2026-05-26T11:00:00Z']);
  });
});
