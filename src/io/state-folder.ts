// The build's state folder in the output folder: every file in it, named once. Each has exactly
// one module that reads and writes it: the ledger (core/ledger.ts makes its text), the cache index
// and its overlay (cache.ts, cache-lines.ts), the fragment pack (fragment-pack.ts) and the manifest
// (manifest.ts), a newsroom's last settings (last-settings.ts), the record of what a run published
// (io/output-folder.ts). The server refuses dotfiles, so none of them is ever served.

import { randomBytes } from 'node:crypto';

export const STATE_FOLDER = '.storyfeed';
/** Ids ever published, with their first publication time, anchor and tags (README "Identity"). */
export const LEDGER_PATH = `${STATE_FOLDER}/ledger.json`;
/** The cache index: what each entry parsed to and each output was written from. */
export const CACHE_PATH = `${STATE_FOLDER}/cache.json`;
/** Records a patch run replaced, on top of the index it names (cache-lines.ts). */
export const OVERLAY_PATH = `${STATE_FOLDER}/cache-patch.json`;
/** Entry fragments, the bytes the documents are spliced from. */
export const PACK_PATH = `${STATE_FOLDER}/fragments.pack`;
/** What the last build published and when it is due again (the CLI's fast path reads it). */
export const MANIFEST_PATH = `${STATE_FOLDER}/manifest.json`;
/** The sorted list of files the last run published (its plan): the only files a run ever deletes (output-folder.ts). */
export const PUBLISHED_PATH = `${STATE_FOLDER}/published.json`;
/** A newsroom's settings files as its last run built with them, for a service started while one is broken (build/state/last-settings.ts). */
export const SETTINGS_PATH = `${STATE_FOLDER}/settings.json`;
/** Says what the folder is; its presence (or that of the other bookkeeping) marks the folder as storyfeed's. */
export const FOLDER_README_PATH = `${STATE_FOLDER}/README.md`;

/** The output folder's lock, beside the state folder (io/output-lock.ts); named here so that the fast path can look for it without loading the lock. */
export const LOCK_NAME = '.storyfeed.lock';

/** A fresh id for a generation of the index or of the pack: which files belong together. */
export function newGeneration(): string {
  return randomBytes(8).toString('hex');
}
