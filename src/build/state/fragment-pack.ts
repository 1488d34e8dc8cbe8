// The fragment pack (`.storyfeed/fragments.pack`): every published entry's fragments, one blob per
// entry, so that a build re-renders a document from its entries' stored fragments instead of
// reading, parsing and rendering every entry in it again. Part of the build cache: safe to delete,
// never trusted — its header names the build that wrote it, the cache index records its size, and
// every blob read back is checked against its CRC-32. A mismatch is CacheCorruptError, and the
// build starts over without the cache.
//
// A run's new blobs stay in memory (up to a budget, then they spill to a temporary pack) and reach
// the pack only when the run publishes: appended when they are few, or written as a new pack
// (with every blob still in use) when the pack would be mostly garbage or the run spilled. A run
// that fails or is abandoned leaves the pack as it was.

import { readSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { BlobLocation, PackInfo } from './cache.js';
import type { FragmentBlob } from '../../core/render/fragments.js';
import { tempPath } from '../../io/paths.js';

import { newGeneration, PACK_PATH } from '../../io/state-folder.js';
const MAGIC = 'storyfeed-pack 1 ';
// MAGIC + 16 hex digits of id + newline
const HEADER_BYTES = MAGIC.length + 17;

export class CacheCorruptError extends Error {}

export function blobCrc(bytes: Uint8Array): number {
  return crc32(bytes);
}

function blobLength(loc: BlobLocation): number {
  return loc.ends[loc.ends.length - 1] ?? 0;
}

interface Fresh {
  // Both keys from the start, never deleted: a `delete` turns an object into a dictionary of its
  // own (~430 bytes more per entry, 43 MB at 100,000 entries).
  /** The bytes, while in memory. */
  bytes: Uint8Array | undefined;
  /** Offset in the spill file once spilled. */
  spilled: number | undefined;
  readonly ends: readonly number[];
  readonly crc: number;
  readonly length: number;
}

export interface StoreOptions {
  /** Bytes of new blobs held in memory before they spill to disk. */
  readonly memoryBudget?: number;
}

/** How many blobs read back the store remembers. */
const RECENT_BLOBS = 512;

/** A run's new blobs held in memory before they spill: up to 128 MiB, as long as they may all fit. */
export const MEMORY_BUDGET = 128 * 2 ** 20;
/** From this many entry files a run's blobs cannot fit (~16 KB each): they spill as they come. */
export const SPILLING_RUN_FROM = 20_000;
/** The budget of a run that spills: enough to batch the spill file's writes. */
export const SPILLING_BUDGET = 16 * 2 ** 20;

/**
 * The budget of a run of `entries` entry files. One whose blobs overflow it spills them all when
 * parsing ends (parsed()): more than a write's worth serves nothing, and cost more than its size,
 * as glibc kept the parse workers' freed buffers resident (src/build/README.md, eighth pass).
 */
export function memoryBudgetFor(entries: number): number {
  return entries >= SPILLING_RUN_FROM ? SPILLING_BUDGET : MEMORY_BUDGET;
}

export class FragmentStore {
  private readonly fresh = new Map<string, Fresh>();
  private freshBytes = 0;
  private spill: { handle: FileHandle; file: string; size: number } | undefined;
  private readonly recent = new Map<string, FragmentBlob>();
  private readonly budget: number;

  private constructor(
    private readonly outDir: string,
    private readonly base: { handle: FileHandle; info: PackInfo } | undefined,
    private readonly locations: ReadonlyMap<string, BlobLocation>,
    options: StoreOptions,
  ) {
    this.budget = options.memoryBudget ?? MEMORY_BUDGET;
  }

  /**
   * Open the pack the cache index names. Anything unexpected (missing, other id, shorter than
   * recorded) gives a store without a base: every entry is then rendered anew.
   */
  static async open(outDir: string, info: PackInfo | undefined, locations: ReadonlyMap<string, BlobLocation>, options: StoreOptions = {}): Promise<FragmentStore> {
    const empty = () => new FragmentStore(outDir, undefined, new Map(), options);
    if (!info) return empty();
    let handle: FileHandle | undefined;
    try {
      handle = await open(path.join(outDir, PACK_PATH), 'r');
      const header = Buffer.alloc(HEADER_BYTES);
      await handle.read(header, 0, HEADER_BYTES, 0);
      const { size } = await handle.stat();
      if (header.toString('latin1') !== headerText(info.id) || size < info.size) throw new CacheCorruptError('pack does not match the cache index');
      for (const loc of locations.values()) if (loc.offset < HEADER_BYTES || loc.offset + blobLength(loc) > info.size) throw new CacheCorruptError('blob outside the pack');
      return new FragmentStore(outDir, { handle, info }, locations, options);
    } catch {
      await handle?.close().catch(() => undefined);
      return empty();
    }
  }

  /** Is the pack the cache index names open (and as the index says)? */
  get opened(): boolean {
    return this.base !== undefined;
  }

  /** Has the pack a blob for this entry (as the cache index says)? */
  has(entry: string): boolean {
    return this.base !== undefined && this.locations.has(entry);
  }

  /** A new blob for this entry (replacing what the pack holds for it). */
  async add(entry: string, blob: FragmentBlob, crc: number): Promise<void> {
    const length = blob.bytes.byteLength;
    const old = this.fresh.get(entry);
    if (old?.bytes && old.spilled === undefined) this.freshBytes -= old.length;
    this.fresh.set(entry, { bytes: blob.bytes, spilled: undefined, ends: blob.ends, crc, length });
    this.freshBytes += length;
    // Spill the oldest down to half the budget, not everything: what stays is read back from memory
    // (a cold 10k build's 162 MB of fragments once spilled all but the last 34 MB, and read nearly
    // every slot of every document back from the spill file).
    if (this.freshBytes > this.budget) await this.spillAll(this.budget / 2);
  }

  /** Spills run one after another: each reserves its offsets before it writes. */
  private spilling: Promise<void> = Promise.resolve();

  /** Spill the oldest blobs still in memory until at most `keep` bytes of them are left (0: all of them). */
  private spillAll(keep = 0): Promise<void> {
    const run = this.spilling.then(() => this.spillNow(keep));
    // A failed spill fails the add() that asked for it (and so the build); later spills still run.
    this.spilling = run.catch(() => undefined);
    return run;
  }

  private async spillNow(keep: number): Promise<void> {
    if (!this.spill) {
      const dir = path.join(this.outDir, path.dirname(PACK_PATH));
      await mkdir(dir, { recursive: true });
      const file = tempPath(dir);
      const handle = await open(file, 'wx+', 0o600);
      this.spill = { handle, file, size: 0 };
      await this.appendTo(this.spill, [Buffer.from(headerText(newGeneration()), 'latin1')]);
    }
    const spill = this.spill;
    const pending: Buffer[] = [];
    const written: Fresh[] = [];
    let end = spill.size;
    for (const f of this.fresh.values()) {
      if (this.freshBytes <= keep) break;
      if (!f.bytes || f.spilled !== undefined) continue;
      // The offset is the blob's from now on; its bytes stay readable in memory until they are on disk.
      f.spilled = end;
      end += f.length;
      pending.push(asBuffer(f.bytes));
      written.push(f);
      this.freshBytes -= f.length;
    }
    await this.appendTo(spill, pending);
    for (const f of written) f.bytes = undefined;
  }

  /** Append at the end; the end moves before the write starts, so appends never overlap. */
  private async appendTo(target: { handle: FileHandle; size: number }, buffers: Buffer[]): Promise<void> {
    let total = 0;
    for (const b of buffers) total += b.length;
    if (total === 0) return;
    const at = target.size;
    target.size += total;
    let written = 0;
    while (written < total) {
      const { bytesWritten } = await target.handle.writev(written === 0 ? buffers : sliceBuffers(buffers, written), at + written);
      written += bytesWritten;
    }
  }

  /**
   * Parsing is over. When blobs have spilled already (more than the budget was parsed), spill the
   * rest too: rendering reads them back from the page cache (a pread each, documents that share
   * entries staged together), while up to the budget of them held in memory sat beside the plan of
   * every document through render and write — at 100,000 entries, 64–128 MiB of the peak. A store
   * that has not spilled keeps its blobs (the next commit may then append them to the pack).
   */
  async parsed(): Promise<void> {
    if (this.spill && this.freshBytes > 0) await this.spillAll(0);
  }

  /** The entry's blob: this run's, or the pack's (checked). Synchronous: a pread from the page cache, no promise per slot. */
  read(entry: string): FragmentBlob {
    const f = this.fresh.get(entry);
    if (f?.bytes) return { bytes: f.bytes, ends: f.ends };
    const hit = this.recent.get(entry);
    if (hit) return hit;
    let blob: FragmentBlob;
    if (f && f.spilled !== undefined && this.spill) {
      blob = { bytes: readBytes(this.spill.handle, f.spilled, f.length, f.crc), ends: f.ends };
    } else {
      const loc = this.locations.get(entry);
      if (!this.base || !loc) throw new Error(`no fragments for ${entry}`);
      blob = { bytes: readBytes(this.base.handle, loc.offset, blobLength(loc), loc.crc), ends: loc.ends };
    }
    // Documents of one stream come in order, and an entry is in a few streams: a small memory of
    // recent blobs saves most second reads. 512 (~8 MB) rather than 2,048 (~33 MB): the same
    // render and write time at 10,000 entries (settled, alternating: 6.27 / 6.53 / 6.70 s against
    // 7.04 / 5.80 / 6.62 s), and a 100,000-entry build's peak RSS 959,684 → 928,576 KB.
    if (this.recent.size >= RECENT_BLOBS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(entry, blob);
    return blob;
  }

  /** Rendering is over: nothing reads a blob back before the commit, so the recent ones (~8 MB) are let go. */
  rendered(): void {
    this.recent.clear();
  }

  /**
   * Publish this run's blobs. `live` names every entry whose blob the next cache index refers to;
   * returns the pack's new info and every live entry's location.
   */
  async commit(live: ReadonlySet<string>): Promise<{ info: PackInfo; locations: Map<string, BlobLocation> }> {
    const locations = new Map<string, BlobLocation>();
    // A blob dropped without a new one in its place (a retraction, an entry withdrawn or deleted)
    // is never kept as garbage: that body must leave the output folder now, so the pack is
    // rewritten. (An edit's old version is garbage until the pack is rewritten for size.)
    let dropped = false;
    for (const entry of this.locations.keys()) if (!live.has(entry) && !this.fresh.has(entry)) dropped = true;
    if (this.base && this.fresh.size === 0 && !dropped) {
      // Nothing new: the pack stays as it is (what is no longer used is garbage until a rewrite).
      let liveBytes = 0;
      for (const [entry, loc] of this.locations) {
        if (!live.has(entry)) continue;
        locations.set(entry, loc);
        liveBytes += blobLength(loc);
      }
      const info = { ...this.base.info, live: liveBytes };
      await this.close();
      return { info, locations };
    }
    let freshLive = 0;
    for (const [entry, f] of this.fresh) if (live.has(entry)) freshLive += f.length;
    let baseLive = 0;
    if (this.base) for (const [entry, loc] of this.locations) if (live.has(entry) && !this.fresh.has(entry)) baseLive += blobLength(loc);
    const packSize = this.base ? this.base.info.size : 0;
    // Append when the pack stays mostly live; otherwise write a new pack of what is in use.
    const append = this.base !== undefined && !this.spill && !dropped && FragmentStore.worthAppending(packSize, baseLive + freshLive, freshLive);

    await this.spilling;
    if (append && this.base) {
      const appended = await this.appendToBase((entry) => live.has(entry));
      for (const [entry, loc] of this.locations) if (live.has(entry) && !this.fresh.has(entry)) appended.locations.set(entry, loc);
      const info = { id: this.base.info.id, size: appended.size, live: baseLive + freshLive };
      await this.close();
      return { info, locations: appended.locations };
    }

    await this.spilling;
    await this.spillAll();
    const spill = this.spill!;
    const id = await readHeaderId(spill.handle);
    for (const [entry, f] of this.fresh) {
      if (live.has(entry) && f.spilled !== undefined) locations.set(entry, { offset: f.spilled, ends: f.ends, crc: f.crc });
    }
    if (this.base) {
      for (const [entry, loc] of this.locations) {
        if (!live.has(entry) || this.fresh.has(entry)) continue;
        const bytes = readBytes(this.base.handle, loc.offset, blobLength(loc), loc.crc);
        locations.set(entry, { offset: spill.size, ends: loc.ends, crc: loc.crc });
        await this.appendTo(spill, [asBuffer(bytes)]);
      }
    }
    let liveBytes = 0;
    for (const loc of locations.values()) liveBytes += blobLength(loc);
    const info = { id, size: spill.size, live: liveBytes };
    await spill.handle.close();
    await rename(spill.file, path.join(this.outDir, PACK_PATH));
    this.spill = undefined;
    await this.close();
    return { info, locations };
  }

  /**
   * A patch run's commit (src/patch.ts): this run's blobs appended to the pack as it is, every
   * other blob left where it is. The store was opened with the locations of the entries it
   * replaces only; their old blobs stop counting as live. Returns the new blobs' locations.
   */
  async commitAppended(): Promise<{ info: PackInfo; locations: Map<string, BlobLocation> }> {
    if (!this.base || this.spill) throw new Error('commitAppended needs the pack and nothing spilled');
    let replaced = 0;
    let added = 0;
    for (const [entry, f] of this.fresh) {
      const old = this.locations.get(entry);
      if (old) replaced += blobLength(old);
      added += f.length;
    }
    const appended = await this.appendToBase(() => true);
    const info = { id: this.base.info.id, size: appended.size, live: this.base.info.live - replaced + added };
    await this.close();
    return { info, locations: appended.locations };
  }

  /** Would a pack of `packSize` bytes, with `added` appended, still be at least half live? (Otherwise it is rewritten.) */
  static worthAppending(packSize: number, liveAfter: number, added: number): boolean {
    return liveAfter * 2 >= packSize - HEADER_BYTES + added;
  }

  /** Append the fresh blobs `include` picks at the pack's recorded end (past it: a torn earlier append). */
  private async appendToBase(include: (entry: string) => boolean): Promise<{ size: number; locations: Map<string, BlobLocation> }> {
    const base = this.base!;
    const locations = new Map<string, BlobLocation>();
    const handle = await open(path.join(this.outDir, PACK_PATH), 'r+');
    try {
      const target = { handle, size: base.info.size };
      await handle.truncate(target.size);
      const buffers: Buffer[] = [];
      let at = target.size;
      for (const [entry, f] of this.fresh) {
        if (!include(entry) || !f.bytes) continue;
        locations.set(entry, { offset: at, ends: f.ends, crc: f.crc });
        buffers.push(asBuffer(f.bytes));
        at += f.length;
      }
      await this.appendTo(target, buffers);
      return { size: target.size, locations };
    } finally {
      await handle.close();
    }
  }

  /** Drop this run's blobs (the build failed or was abandoned); the pack stays as it was. */
  async discard(): Promise<void> {
    await this.spilling;
    if (this.spill) {
      await this.spill.handle.close().catch(() => undefined);
      await rm(this.spill.file, { force: true });
      this.spill = undefined;
    }
    await this.close();
  }

  /** Done: the pack's handle closed, and this run's blobs let go (they are in the pack now, or not wanted). */
  private async close(): Promise<void> {
    this.fresh.clear();
    this.recent.clear();
    this.freshBytes = 0;
    await this.base?.handle.close().catch(() => undefined);
  }
}

function headerText(id: string): string {
  return `${MAGIC}${id}\n`;
}

async function readHeaderId(handle: FileHandle): Promise<string> {
  const header = Buffer.alloc(HEADER_BYTES);
  await handle.read(header, 0, HEADER_BYTES, 0);
  return header.toString('latin1').slice(MAGIC.length, -1);
}

/**
 * A blob read back and checked. Synchronous on purpose: the pack and the spill file are in the page
 * cache (the spill was written this run), so a pread is a copy of microseconds; a promise read waits
 * in libuv's thread pool behind the writer's opens, writes and fsyncs, and a cold build that spilled
 * read its fragments back that way for 6 of its 15 s of rendering and writing (issue 17). */
function readBytes(handle: FileHandle, offset: number, length: number, crc: number): Uint8Array {
  const bytes = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const bytesRead = readSync(handle.fd, bytes, got, length - got, offset + got);
    if (bytesRead === 0) throw new CacheCorruptError('the fragment pack is shorter than its index says');
    got += bytesRead;
  }
  if (blobCrc(bytes) !== crc) throw new CacheCorruptError('a blob in the fragment pack does not match its checksum');
  return bytes;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sliceBuffers(buffers: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
