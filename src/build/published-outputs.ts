// What the last build wrote, from its manifest: publish uploads these (and any assets) and leaves
// out any other feed or page on disk (see publish/local-files.ts); the story it was built from gives
// the default Cache-Control (its ttl), the WebSub hub and the `publish:` address.
import type { Story } from '../core/types.js';
import type { MaxAgeByFolder } from './types.js';
import { MANIFEST_PATH } from '../io/state-folder.js';
import { parseManifest } from './state/manifest.js';
import { readBookkeeping } from './state/read-bookkeeping.js';

export interface LastBuild {
  readonly outputs: ReadonlySet<string>;
  readonly story?: Story;
  /** A newsroom's stories whose ttl is their own (publish's Cache-Control for their files). */
  readonly maxAgeByFolder?: MaxAgeByFolder;
}

export function lastBuild(outDir: string): LastBuild | undefined {
  const manifest = parseManifest(readBookkeeping(outDir, MANIFEST_PATH));
  if (!manifest) return undefined;
  const { story } = manifest;
  // Seconds, whole and not negative: a hand-edited manifest must not put anything else in a header.
  const ages = Object.entries(manifest.maxAgeByFolder ?? {}).filter(([, v]) => Number.isSafeInteger(v) && v >= 0);
  const maxAgeByFolder = ages.length > 0 ? Object.fromEntries(ages) : undefined;
  return { outputs: new Set(Object.keys(manifest.outputs)), ...(story ? { story } : {}), ...(maxAgeByFolder ? { maxAgeByFolder } : {}) };
}

export function lastBuildOutputs(outDir: string): ReadonlySet<string> | undefined {
  return lastBuild(outDir)?.outputs;
}

/** publish's default Cache-Control: the story's ttl, and a newsroom story's own where it sets one. */
export function maxAgesOf(built: LastBuild): { maxAgeSeconds?: number; maxAgeByFolder?: MaxAgeByFolder } {
  return { ...(built.story ? { maxAgeSeconds: built.story.ttl * 60 } : {}), ...(built.maxAgeByFolder ? { maxAgeByFolder: built.maxAgeByFolder } : {}) };
}
