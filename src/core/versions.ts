// Versions of everything that shapes the bytes storyfeed writes. Bump RENDER_VERSION when a
// renderer changes its output for the same inputs: every cached key and the up-to-date manifest
// are then invalidated. Kept in a module of its own, so that the start-up fast path can read it
// without loading the renderers.
// 10: a live story's coverage_end is in no file (stories.json, the OPML's dates).
export const RENDER_VERSION = 10;
// 5: a page per development; an entry without `link` links to it (not to `home_page#anchor`).
// 6: the LiveBlogPosting's updates link each development's page; an ended story says so (coverageEndTime).
// 7: a newsroom story with no development out is in no file; a title's line breaks are spaces.
// 8: a tag page shows an entry's summary where it has one, not its body.
// 9: an ended story whose coverage_end is ahead is live on the front page until then, and does not date the OPML.
// 5: the index's records name their fields in words (`size`, `summary`, `slots`, `blob`, `base`), not letters.
// 6: each entry's blob has a fifth fragment, its plain text (the page's JSON-LD articleBody).
// 7: an entry's default link is its own page (the index omits links equal to the default).
// 8: that default is the parser's, at feed_base under the entry's anchor (7 took it from home_page).
// 9: a title's line breaks are spaces (field-reader.ts): entries parsed before are parsed again.
// 10: an end tag with white space or more before `>` is E_TEXT_MARKUP too, and each plain-text field
// closes the bidi controls it opens: cached entries are parsed again.
// 11: the same, for a cache written between those two changes (found from outside: it kept old tag folders).
// 12: an entry's plain text (JSON-LD articleBody) closes the bidi controls each paragraph leaves open;
// end tags of more HTML elements (`</nobr>`) are E_TEXT_MARKUP.
// 13: the index ends with its table of contents (build/state/cache-toc.ts), which a newsroom's patch run reads it by.
export const CACHE_VERSION = 13;
// 2: the first build of this version records what it published (.storyfeed/published.json), so
// the fast path and the patch run do not take an older manifest.
// 3: a build writes the sitemaps; a manifest of version 2 lists none, so it may not answer "no
// change" (the next build renders only the sitemaps: every other key is unchanged).
// 4: its counts keep drafts apart, so a patched or unchanged run's summary splits drafts from
// retractions as a full build's does.
// 5: a newsroom's ledger records the id each story's feeds went out with (ledger.ts `stories`),
// and its manifest each story's own ttl: the first build of this version writes both.
// 6: the ledger records the id the root's feeds went out with (ledger.ts ROOT_FEEDS: a single
// story's, or the newsroom's own), so that the next edit of it is E_ID_CHANGED.
// 7: the manifest says when the folder's published set falls behind the entries (`outdated`):
// `publish` refuses a folder built for an earlier instant once a development came out since.
// 8: a newsroom's build keeps the settings files it built with (`.storyfeed/settings.json`, for a
// service started while one is broken): the first build of this version writes it.
export const MANIFEST_VERSION = 8;
