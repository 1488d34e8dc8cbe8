// The one registry of formats: file names, media types and the server's types by file name (the
// table serve.ts kept before; every case here was one of its rows).
import { describe, expect, it } from 'vitest';
import { feedUrls, FORMATS, MEDIA_TYPES, mediaTypeOfFile, OUTPUT_FILES } from '../../../src/core/formats.js';
import type { Story } from '../../../src/core/types.js';

describe('mediaTypeOfFile', () => {
  it.each([
    ['rss.xml', 'application/rss+xml; charset=utf-8'],
    ['archive/3/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['rss-2.xml', 'application/rss+xml; charset=utf-8'],
    ['atom.xml', 'application/atom+xml; charset=utf-8'],
    ['tags/iran/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['feed.json', 'application/feed+json; charset=utf-8'],
    ['feed-old.json', 'application/feed+json; charset=utf-8'],
    ['index.html', 'text/html; charset=utf-8'],
    ['feed.xsl', 'text/xsl; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['sitemap.xml', 'application/xml; charset=utf-8'],
    ['myrss.xml', 'application/xml; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['rss.json', 'application/json; charset=utf-8'],
    ['images/a.svg', 'image/svg+xml'],
    ['a.png', 'image/png'],
    ['a.jpg', 'image/jpeg'],
    ['a.jpeg', 'image/jpeg'],
    ['a.webp', 'image/webp'],
    ['a.gif', 'image/gif'],
    ['README', 'application/octet-stream'],
  ])('%s is %s', (file, type) => {
    expect(mediaTypeOfFile(file)).toBe(type);
  });
});

describe('the registry', () => {
  it('names each feed once, with the types written and served', () => {
    expect(OUTPUT_FILES).toEqual({ rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json', page: 'index.html' });
    for (const format of Object.keys(FORMATS) as Array<keyof typeof FORMATS>) expect(mediaTypeOfFile(FORMATS[format].file)).toBe(MEDIA_TYPES[format]);
  });

  it('self URLs are the file names in the folder, under the feed base', () => {
    const story = { feedBase: 'https://news.example.org/story/feeds/' } as Story;
    expect(feedUrls(story, 'tags/iran/')).toEqual({
      rss: 'https://news.example.org/story/feeds/tags/iran/rss.xml',
      atom: 'https://news.example.org/story/feeds/tags/iran/atom.xml',
      json: 'https://news.example.org/story/feeds/tags/iran/feed.json',
    });
  });
});
