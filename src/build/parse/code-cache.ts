// The parse worker's code, compiled once at `npm run build` and not at every start (issue 14: a
// newsroom's patch run waits for its one warm worker). Node 20 has no module compile cache
// (module.enableCompileCache is Node 22), so the worker's bundle is CommonJS (dist/parse-worker-code.cjs)
// and is run through node:vm with the V8 code cache esbuild.config.mjs makes for it beside it: a
// worker ready to parse in ~55 ms instead of ~95 ms as ES modules (~72 ms as CommonJS without the
// cache), measured alone on the 2-vCPU machine. A cache V8 does not take (another Node, other V8
// flags, a stale file) is ignored and the code compiles as it would have: it only ever costs time.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';

/** Where a bundle's code cache lies: beside it, `.cache` for `.cjs`. */
export const codeCacheOf = (file: string): string => file.replace(/\.cjs$/, '') + '.cache';

type CommonJsBody = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

/**
 * Run a CommonJS file as `require` would (its own require, module, __filename and __dirname), with
 * its code cache when there is one and V8 takes it. `cached`: whether it did.
 */
export function runCommonJs(file: string, useCache = true): { readonly script: Script; readonly cached: boolean; readonly exports: unknown } {
  const source = readFileSync(file, 'utf8');
  const cachedData = useCache ? unsealed(readIfThere(codeCacheOf(file))) : undefined;
  // The wrapper on the file's first line, as Node's own: line numbers stay those of the file.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  (script.runInThisContext() as CommonJsBody)(module.exports, createRequire(file), module, file, path.dirname(file));
  return { script, cached: cachedData !== undefined && script.cachedDataRejected === false, exports: module.exports };
}

/**
 * Run the file once (its top level, then `warm` with its exports) and write the code cache V8 then
 * has for it: the functions compiled by then are in it.
 */
export function writeCodeCache(file: string, warm?: (exports: unknown) => void): void {
  const { script, exports } = runCommonJs(file, false);
  warm?.(exports);
  writeFileSync(codeCacheOf(file), sealed(script.createCachedData()));
}

// V8 checks a cache's version, flags, source and length, but in a release build not its bytes (its
// checksum is verified in debug builds only): a cache with two bytes flipped in the middle was
// taken, and would have run as damaged code. So the file starts with the CRC-32 of the rest,
// checked before V8 sees it.
function sealed(data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(crc32(data));
  return Buffer.concat([head, data]);
}

function unsealed(file: Buffer | undefined): Buffer | undefined {
  if (file === undefined || file.length < 4) return undefined;
  const data = file.subarray(4);
  return file.readUInt32BE(0) === crc32(data) ? data : undefined;
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
