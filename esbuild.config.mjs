// `npm run build`: type-check (tsc), then bundle the program into dist/ with esbuild. One bundle
// loads in half the time of the same code as hundreds of ES modules, which is most of what a
// no-change or one-change build costs. Entry points: the CLI and the two worker threads; code they
// share sits in chunks beside them. The entries are named, so that dist/ stays flat whatever the
// folders in src/ are: `new URL('./parse-worker.js', import.meta.url)` resolves from any chunk.
import { build } from 'esbuild';
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
/** What both builds share: Node 20, everything bundled, into dist/. */
const forNode = { outdir: 'dist', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
await build({
  ...forNode,
  entryPoints: { cli: 'src/cli.ts', 'build-worker': 'src/service/build-thread-worker.ts', 'parse-worker': 'src/build/parse/worker.ts' },
  splitting: true,
  format: 'esm',
  sourcemap: true,
  plugins: [markdownItFields],
  // `storyfeed --version` (src/cli.ts): the bundle carries the version it was built from.
  define: { STORYFEED_VERSION: JSON.stringify(version) },
  // Two dependencies of mandated packages that storyfeed never calls are loaded only if called (see
  // each stand-in); the bundle is what every cron tick loads, so its start-up is the product.
  alias: { 'js-yaml': './src/bundle/lazy-js-yaml.cjs', postcss: './src/bundle/lazy-postcss.cjs' },
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
