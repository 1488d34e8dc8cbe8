// What the last build wrote, from its manifest: publish uploads these (and any assets) and treats
// a feed or page still on disk but no longer written as gone (README "Publishing to object storage").
import { MANIFEST_PATH } from './state/layout.js';
import { parseManifest } from './state/manifest.js';
import { readBookkeeping } from './state/read-bookkeeping.js';

export function lastBuildOutputs(outDir: string): ReadonlySet<string> | undefined {
  const manifest = parseManifest(readBookkeeping(outDir, MANIFEST_PATH));
  return manifest ? new Set(Object.keys(manifest.outputs)) : undefined;
}
