// Stage-named types of the pipeline:
//   SourceFile → RawEntry → Entry → Feed → RenderedFile
// Every stage is a pure function of its inputs; only src/io reads or writes.

/** A file as read from the entries folder, before anything is interpreted. */
export interface SourceFile {
  /** Path relative to the entries folder, with forward slashes (used in diagnostics). */
  readonly path: string;
  /** The file's bytes decoded as UTF-8 (the reader rejects bytes that are not UTF-8). */
  readonly text: string;
  /** Size in bytes and mtime (ms), for caches; not used by the core for output. */
  readonly size?: number;
  readonly mtimeMs?: number;
}

/** A position in a source file, 1-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * A front-matter field as written, with where it stands, so that later stages can
 * report the line of a bad value.
 */
export interface RawField {
  readonly value: unknown;
  /** Where the key stands (the line to report for a missing or wrong value). */
  readonly keyAt: Position;
  /** Where the value starts. */
  readonly valueAt: Position;
}

/** A source file split into front matter (still untyped) and Markdown body. */
export interface RawEntry {
  readonly path: string;
  readonly fields: ReadonlyMap<string, RawField>;
  readonly body: string;
  /** Line in the file where the body starts (for Markdown diagnostics). */
  readonly bodyLine: number;
}

export interface Person {
  readonly name: string;
  readonly email?: string;
  readonly url?: string;
}

export interface Image {
  readonly url: string;
  readonly alt: string;
  /** IANA media type, e.g. image/jpeg (explicit, or from the URL's extension). */
  readonly type: string;
  /** Size in bytes, when the newsroom knows it (RSS enclosure needs it). */
  readonly length?: number;
  /** What the image shows, plain text (pages only: no feed format has a standard place for it). */
  readonly caption?: string;
  /** Who made it ("Photo: …"), plain text (pages only). */
  readonly credit?: string;
}

export interface Correction {
  /** When the correction was made (it becomes the entry's updated time). */
  readonly at: Date;
  /** What was corrected, plain text. */
  readonly note: string;
}

export interface Retraction {
  readonly at: Date;
  readonly reason: string;
  /**
   * When the retraction's stub leaves RSS, JSON Feed and the pages: `at` plus the story's
   * `retraction_window` (README "Retractions"). Until then the entry is shown as a stub.
   */
  readonly until: Date;
}

/**
 * A validated, normalized development of the story, without its body: everything that decides
 * which documents hold the entry and where. This is what the build cache keeps for every entry and
 * what documents are planned from; the body travels separately (EntryFragments).
 */
export interface EntryMeta {
  readonly path: string;
  /** Absolute IRI, canonical (byte-identical through WHATWG URL parsing). */
  readonly id: string;
  readonly title: string;
  readonly published: Date;
  /** Equals published unless an update or correction says otherwise. */
  readonly updated: Date;
  /** Plain text. */
  readonly summary?: string;
  readonly authors: readonly Person[];
  readonly tags: readonly string[];
  readonly image?: Image;
  /** Absolute URL of the entry on the web (explicit, or the story page with a fragment). */
  readonly link: string;
  /**
   * The entry's HTML id on the story page (and its default link's fragment) when it is not the
   * plain form `entryAnchor(id)`: another id that ends alike had it first (src/core/anchors.ts).
   */
  readonly anchor?: string;
  readonly draft: boolean;
  readonly correction?: Correction;
  readonly retraction?: Retraction;
  /** The body is not empty (RSS and Atom then carry a content element). Known for entries whose body was rendered: those visible when parsed. */
  readonly hasContent: boolean;
  /** Fingerprint of everything about the entry that any output can show, body included. */
  readonly print: string;
}

/** An entry with its body. */
export interface Entry extends EntryMeta {
  /**
   * Sanitized HTML with absolute URLs. CDATA-safe (no `]]>`, no CR) by construction, so the same
   * text is the body of every format.
   */
  readonly contentHtml: string;
}

/** The story's own metadata, from `_story.md` in the entries folder. */
export interface Story {
  readonly path: string;
  /** Feed id: absolute IRI (Atom feed id, JSON Feed has none). */
  readonly id: string;
  readonly title: string;
  /** Plain-text one-line description (RSS description, Atom subtitle, JSON description). */
  readonly description: string;
  /** The story page on the newsroom's site (RSS link, Atom alternate, JSON home_page_url). */
  readonly homePage: string;
  /** Absolute URL of the folder where the output files are published; ends with '/'. */
  readonly feedBase: string;
  /** BCP 47 language tag. */
  readonly language: string;
  readonly authors: readonly Person[];
  readonly itemLimit: number;
  /** Days a retracted entry stays in RSS, JSON Feed and the pages as a stub (README "Retractions"). */
  readonly retractionWindow: number;
  /** RSS ttl, minutes. */
  readonly ttl: number;
  readonly icon?: string;
  readonly favicon?: string;
  readonly copyright?: string;
  /** IANA time zone for human-readable times. */
  readonly timeZone: string;
  /** node-cron expression of the service's schedule. */
  readonly schedule: string;
  /** WebSub hub URL. */
  readonly hub?: string;
  /** Object storage the service publishes to after each run, `s3://BUCKET/PREFIX/` (README "Publishing to object storage"). */
  readonly publish?: string;
  /** The standing summary (story body), sanitized HTML. */
  readonly summaryHtml: string;
  /** `status` in `_story.md` (issue 14); absent: live. */
  readonly status?: StoryStatus;
  /** `coverage_start` as written (absent: the first entry's publication). */
  readonly coverageStart?: Date;
  /** `coverage_end` as written (required once `status: ended`). */
  readonly coverageEnd?: Date;
}

/** Whether a story is still covered (`live`) or its coverage has ended. */
export type StoryStatus = 'live' | 'ended';

/** What the feeds hold at one instant: the story and its visible entries, newest first. */
export interface Feed<E extends EntryMeta = EntryMeta> {
  readonly story: Story;
  /**
   * Entries the document shows at `now`: not drafts, not embargoed, not retracted — and, in RSS and
   * JSON Feed, the stubs of retractions within their window (model.ts retractionStub); newest
   * first, ties by id.
   */
  readonly entries: readonly E[];
  /** Retracted entries: Atom's tombstones (every retraction), the pages' notices (those within their window); newest retraction first. */
  readonly retracted: readonly EntryMeta[];
  /** Newest updated time of the visible entries (and retractions); never the wall clock. */
  readonly updated: Date;
  /** True when `entries` holds every visible entry (RFC 5005 fh:complete). */
  readonly complete: boolean;
}

/**
 * Which rendering of an entry's body a document uses: a whole RSS item, Atom entry, JSON Feed item,
 * the bare HTML, or the plain text as a script-safe JSON string (the page's JSON-LD articleBody).
 */
export type EntryFormat = 'rss' | 'atom' | 'json' | 'html' | 'text';

/** A place in a document where one entry goes, rendered in one format (see render/fragments.ts). */
export interface EntrySlot {
  readonly entry: string;
  readonly format: EntryFormat;
}

/**
 * A document as written: literal text and entry slots, in order. Text may come as its UTF-8 bytes:
 * a shell rendered on a worker crosses back encoded (build/parse/shell-bytes.ts).
 */
export type DocumentPart = string | Uint8Array | EntrySlot;

/** A shell's pieces (core/render/shells.ts): text, or its UTF-8 bytes when a worker rendered it. */
export type ShellText = readonly (string | Uint8Array)[];

/** One output file, rendered, not yet written. */
export interface RenderedFile {
  /** Path relative to the output folder, forward slashes. */
  readonly path: string;
  readonly contents: string;
  /** Media type to serve it with. */
  readonly mediaType: string;
}

/**
 * An output planned but not yet rendered. `key` is a fingerprint of everything the document is
 * made from: the same key means the same bytes, so a build may skip rendering it when the file on
 * disk was written from that key. `render` gives the document's parts; the entry slots are filled
 * from the entries' fragments by whoever writes it.
 */
export interface PlannedFile {
  readonly path: string;
  readonly mediaType: string;
  readonly key: string;
  /**
   * The key in two parts (outputs.ts documentKey): a fingerprint of everything but the entries'
   * prints, and the entries whose prints complete it, by path, in order. A build that changes only
   * entry bodies recomputes the key from these (src/patch.ts).
   */
  readonly base: string;
  readonly deps: readonly string[];
  render(): readonly DocumentPart[];
  /**
   * For an RSS or Atom document and a story or tag page: the same render in two steps, so that the
   * shell (the costly part: `feed` and the DOM; a page's text) can be rendered on another thread.
   * `render()` is `fill(renderShell(job()))`.
   */
  readonly shell?: ShellRender;
}

/** A document's shell as plain data (it crosses threads), and how its rendered text completes the document. */
export interface ShellRender {
  job(): ShellJob;
  fill(shell: ShellText): readonly DocumentPart[];
}

/** What an RSS or Atom document adds around its entries (core/render/xml-format.ts). */
export interface XmlExtras {
  /** Folder of this document under the output folder ('' for the main feeds, 'tags/x/' …). */
  readonly folder?: string;
  /** Extra feed-level links (RFC 5005 archive links). */
  readonly links?: ReadonlyArray<{ rel: string; href: string; type?: string }>;
  /** Adds the RFC 5005 fh:complete / fh:archive marker. */
  readonly history?: 'complete' | 'archive';
  readonly stylesheet?: string;
  /** Render the document's shell: written without entries, ENTRIES_MARKER where they go (none for a feed without entries). */
  readonly shell?: boolean;
}

/**
 * What core/render/shells.ts renders a shell from: for RSS and Atom, only what the shell reads
 * (xml-format.ts shellFeed); for a story or tag page, its feed and options (render/page.ts).
 */
export type ShellJob = XmlShellJob | PageShellJob;

export interface XmlShellJob {
  readonly format: 'rss' | 'atom';
  readonly feed: Feed;
  readonly extras: XmlExtras;
}

/** A story or tag page (render/page.ts PageOptions): its text, and its slots in order, cross back. */
export interface PageShellJob {
  readonly format: 'page';
  readonly feed: Feed;
  readonly options: { readonly folder: string; readonly tags: ReadonlyArray<{ tag: string; slug: string }>; readonly coverageStart?: Date; readonly coverageEndAhead?: boolean };
}

/**
 * Where `updated` and `correction` stand, and the `updated` field's own instant (ms): the entry's
 * `updated` is the latest of published, updated and correction.at, so it alone cannot say whether
 * the field is ahead of the clock when a correction is further ahead.
 */
export interface DatesAt {
  readonly updated?: Position;
  readonly correction?: Position;
  readonly updatedMs?: number;
}
