// Content fingerprints: the same value gives the same key on every machine and run (JSON text of
// plain data, SHA-256). Keys of outputs and entries are built from these.

import { createHash } from 'node:crypto';

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}
