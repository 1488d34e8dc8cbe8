// What the last build wrote, from its manifest: publish uploads these (and any assets) and leaves
// out any other feed or page on disk (see publish/local-files.ts); the story it was built from gives
// the default Cache-Control (its ttl), the WebSub hub and the `publish:` address.
import type { Story } from '../core/types.js';
import { MANIFEST_PATH } from '../io/state-folder.js';
import { parseManifest } from './state/manifest.js';
import { readBookkeeping } from './state/read-bookkeeping.js';

export interface LastBuild {
  readonly outputs: ReadonlySet<string>;
  readonly story?: Story;
}

export function lastBuild(outDir: string): LastBuild | undefined {
  const manifest = parseManifest(readBookkeeping(outDir, MANIFEST_PATH));
  return manifest ? { outputs: new Set(Object.keys(manifest.outputs)), ...(manifest.story ? { story: manifest.story } : {}) } : undefined;
}

export function lastBuildOutputs(outDir: string): ReadonlySet<string> | undefined {
  return lastBuild(outDir)?.outputs;
}
