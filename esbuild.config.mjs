// `npm run build`: type-check (tsc), then bundle the program into dist/ with esbuild. One bundle
// loads in half the time of the same code as hundreds of ES modules, which is most of what a
// no-change or one-change build costs. Entry points: the CLI and the service's build thread; code
// they share sits in chunks beside them. The entries are named, so that dist/ stays flat whatever
// the folders in src/ are: `new URL('./parse-worker.cjs', import.meta.url)` resolves from any chunk.
// The parse worker is one CommonJS bundle run with a V8 code cache made here (src/build/parse/code-cache.ts).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync, rmSync } from 'node:fs';

// markdown-it 15's bundle initializes every field of its classes through a Babel helper,
// `_defineProperty(this, "map", null)` — a dozen per Token, and it makes tens of tokens per entry.
// On a fresh instance (none of its classes has accessors) the helper is a plain assignment, so it is
// written as one: the same objects, ~50 µs less per 600-word entry (issue 17). A markdown-it that no
// longer has the pattern is bundled as it is.
const FIELD_INIT = /_defineProperty\(\s*this,\s*(?:\/\*\*[\s\S]*?\*\/\s*)?"(\w+)",\s*([\s\S]*?)\s*\);/g;
const markdownItFields = {
  name: 'markdown-it-fields',
  setup(b) {
    b.onLoad({ filter: /[\\/]markdown-it[\\/]dist[\\/]markdown-it\.mjs$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      return { contents: source.replace(FIELD_INIT, (_, field, value) => `this.${field} = ${value};`), loader: 'js' };
    });
  },
};

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

rmSync(new URL('./dist/', import.meta.url), { recursive: true, force: true });
/** What every build shares: Node 20, everything bundled, into dist/. */
const forNode = { outdir: 'dist', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
/** What the program's own code needs, in the CLI's bundle and the parse worker's. */
const program = {
  plugins: [markdownItFields],
  // `storyfeed --version` (src/cli.ts): the bundle carries the version it was built from.
  define: { STORYFEED_VERSION: JSON.stringify(version) },
  // Two dependencies of mandated packages that storyfeed never calls are loaded only if called (see
  // each stand-in); the bundle is what every cron tick loads, so its start-up is the product.
  alias: { 'js-yaml': './src/bundle/lazy-js-yaml.cjs', postcss: './src/bundle/lazy-postcss.cjs' },
};
await build({
  ...forNode,
  ...program,
  entryPoints: { cli: 'src/cli.ts', 'build-worker': 'src/service/build-thread-worker.ts' },
  splitting: true,
  format: 'esm',
  sourcemap: true,
  // CommonJS dependencies bundled into ES modules call require(): give every chunk a real one.
  banner: { js: "import { createRequire as __storyfeedCreateRequire } from 'node:module'; const require = __storyfeedCreateRequire(import.meta.url);" },
});
// The command itself (package.json "bin"): a CommonJS launcher, so that it sets libuv's pool size
// before Node's ES module loader starts the pool (src/io/thread-pool.ts), then loads cli.js.
await build({
  ...forNode,
  entryPoints: { storyfeed: 'src/bin/storyfeed.ts' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // The CLI stays its own bundle, loaded as an ES module: src/cli.ts is dist/cli.js, beside this file.
  plugins: [{ name: 'cli-beside', setup: (b) => b.onResolve({ filter: /^\.\.\/cli\.js$/ }, () => ({ path: './cli.js', external: true })) }],
});
// The parse worker (src/build/parse/worker-boot.ts → dist/parse-worker.cjs) runs its code
// (dist/parse-worker-code.cjs) with the V8 code cache that running the entry as a program writes
// (dist/parse-worker-code.cache), made by this Node, as it will run it.
// node-cron (which checks a schedule's syntax) reads import.meta.url at its top level: given the bundle's own.
const selfUrl = "const __storyfeedSelfUrl = require('node:url').pathToFileURL(__filename).href;";
await build({
  ...forNode,
  ...program,
  define: { ...program.define, 'import.meta.url': '__storyfeedSelfUrl' },
  banner: { js: selfUrl },
  entryPoints: { 'parse-worker-code': 'src/build/parse/worker.ts' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  sourcemap: true,
});
await build({ ...forNode, entryPoints: { 'parse-worker': 'src/build/parse/worker-boot.ts' }, outExtension: { '.js': '.cjs' }, format: 'cjs' });
execFileSync(process.execPath, [fileURLToPath(new URL('./dist/parse-worker.cjs', import.meta.url))], { stdio: 'inherit' });
