// The remote manifest, `PREFIX.storyfeed/publish.json`: what storyfeed uploaded under the prefix,
// and nothing else. It is the only proof that an object is storyfeed's: a publish deletes only
// keys listed here, so an object the newsroom put beside the feeds is never touched.
//
// `pending` lists keys a publish was about to write when it recorded the manifest before
// uploading (index.ts): they are storyfeed's whatever their bytes, and the next publish uploads
// or deletes them, so that a publish cut off half-way leaves nothing it cannot finish.

/** A key relative to the prefix (an output file's path, `/`-separated). */
export type RelativeKey = string;

export interface ManifestObject {
  /** Hex SHA-256 of the bytes uploaded. */
  readonly sha256: string;
  readonly size: number;
  /** The ETag S3 answered the upload with (quotes included, as S3 sends it). */
  readonly etag: string;
  /** The Cache-Control it was uploaded with (a record without one was written before it was kept). */
  readonly cacheControl?: string;
}

export interface RemoteManifest {
  readonly version: 1;
  readonly objects: Readonly<Record<RelativeKey, ManifestObject>>;
  readonly pending: readonly RelativeKey[];
  /** Who wrote it and when, for people reading the bucket. */
  readonly writtenBy?: string;
  readonly writtenAt?: string;
}

export const MANIFEST_KEY = '.storyfeed/publish.json';
export const LEASE_KEY = '.storyfeed/lease';

export const EMPTY_MANIFEST: RemoteManifest = { version: 1, objects: {}, pending: [] };

const HEX64 = /^[0-9a-f]{64}$/;

/** Parse the manifest's text; a problem is one sentence (the bucket holds something storyfeed did not write). */
export function parseManifest(text: string): { ok: true; manifest: RemoteManifest } | { ok: false; problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'it is not JSON' };
  }
  if (typeof data !== 'object' || data === null) return { ok: false, problem: 'it is not a JSON object' };
  const d = data as Record<string, unknown>;
  if (d['version'] === undefined) return { ok: false, problem: 'it has no `version`' };
  if (d['version'] !== 1) return { ok: false, problem: `its version ${JSON.stringify(d['version'])} is not 1 (written by a newer storyfeed?)` };
  const objects: Record<string, ManifestObject> = {};
  const rawObjects = d['objects'];
  if (typeof rawObjects !== 'object' || rawObjects === null || Array.isArray(rawObjects)) return { ok: false, problem: '`objects` is not an object' };
  for (const [key, value] of Object.entries(rawObjects as Record<string, unknown>)) {
    const o = value as Record<string, unknown> | null;
    if (!validKey(key) || typeof o !== 'object' || o === null || typeof o['sha256'] !== 'string' || !HEX64.test(o['sha256']) || typeof o['size'] !== 'number' || typeof o['etag'] !== 'string') {
      return { ok: false, problem: `its record of \`${key}\` is not {sha256, size, etag}` };
    }
    objects[key] = { sha256: o['sha256'], size: o['size'], etag: o['etag'], ...(typeof o['cacheControl'] === 'string' ? { cacheControl: o['cacheControl'] } : {}) };
  }
  const rawPending = d['pending'] ?? [];
  if (!Array.isArray(rawPending) || rawPending.some((k) => typeof k !== 'string' || !validKey(k))) return { ok: false, problem: '`pending` is not a list of keys' };
  return {
    ok: true,
    manifest: {
      version: 1,
      objects,
      pending: rawPending as string[],
      ...(typeof d['writtenBy'] === 'string' ? { writtenBy: d['writtenBy'] } : {}),
      ...(typeof d['writtenAt'] === 'string' ? { writtenAt: d['writtenAt'] } : {}),
    },
  };
}

/** Stable text: keys sorted, so equal manifests are equal bytes. */
export function renderManifest(manifest: RemoteManifest): string {
  const objects = Object.fromEntries(Object.keys(manifest.objects).sort().map((k) => [k, manifest.objects[k]!]));
  return `${JSON.stringify({ version: 1, writtenBy: manifest.writtenBy, writtenAt: manifest.writtenAt, objects, pending: [...new Set(manifest.pending)].sort() }, null, 1)}\n`;
}

/** A relative key storyfeed could have written: no hidden segment, no `..`, no empty segment. */
export function validKey(key: string): boolean {
  return key !== '' && key.split('/').every((s) => s !== '' && !s.startsWith('.'));
}
