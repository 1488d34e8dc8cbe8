// Content fingerprints: the same value gives the same key on every machine and run (JSON text of
// plain data, SHA-256). Keys of outputs and entries are built from these.

import { createHash } from 'node:crypto';

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/**
 * An output's key: its path, the fingerprint of its other inputs, and the prints of the entries it
 * is made from, in order. A document's parts depend on its entries' metadata only (their bodies
 * fill its slots), so a change to entry bodies alone changes the key, never the parts.
 */
export function documentKey(path: string, base: string, prints: readonly string[]): string {
  return fingerprint([path, base, prints]);
}
