// The house plan, held by reading the sources: every import (static, dynamic, and the worker files a
// module starts by URL) goes bin → cli → service → build → io → core and never back, with no circles
// (publish, issue 16, sits beside build: under service and the CLI, on io and core only); the
// core does no I/O, reads no clock, draws no randomness and knows nothing of the build's state
// folder; only io/read-sources reads entries and only io/write-outputs (and build/state for the
// build's own bookkeeping) writes — reads (stat and existence checks included) are held as
// strictly as writes, and each rule is tried on samples it must catch, so that a rule that
// quietly matches nothing fails. The rules are the (#13); README "How it works" draws them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const srcDir = path.join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const sources = files(srcDir).map((f) => path.relative(srcDir, f).split(path.sep).join('/')).sort();
/** Source text without comments, so that prose about a rule does not count as breaking it. */
const code = new Map(sources.map((rel) => [rel, readFileSync(path.join(srcDir, rel), 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, '$1')]));

/** Lower layers first: a module may import its own layer and the ones below, never one above. */
// bin/: the command itself (its launcher sizes libuv's pool, then loads the CLI).
const LAYERS = ['core', 'io', 'build', 'publish', 'service', 'cli', 'bin'] as const;
type Layer = (typeof LAYERS)[number] | 'errors' | 'unplaced';
function layerOf(rel: string): Layer {
  if (rel === 'cli.ts' || rel === 'cli-help.ts') return 'cli';
  if (rel === 'errors.ts') return 'errors';
  const top = rel.split('/')[0]!;
  return (LAYERS as readonly string[]).includes(top) ? (top as Layer) : 'unplaced';
}
/** errors.ts is below every layer but the core (the core reports diagnostics; it throws no user errors). */
function rank(layer: Layer): number {
  return layer === 'errors' ? 0.5 : LAYERS.indexOf(layer as (typeof LAYERS)[number]);
}

/** The bundles' named entry points (esbuild.config.mjs, every build): dist/<name>.js or .cjs is built from src/<file>. */
function entryPoints(): Map<string, string> {
  const config = readFileSync(path.join(root, 'esbuild.config.mjs'), 'utf8');
  const blocks = [...config.matchAll(/entryPoints:\s*\{([^}]*)\}/g)].map((m) => m[1]!);
  return new Map(blocks.flatMap((block) => [...block.matchAll(/'?([\w-]+)'?\s*:\s*'src\/([^']+)'/g)].flatMap((m) => [[`${m[1]}.js`, m[2]!] as const, [`${m[1]}.cjs`, m[2]!] as const])));
}
const ENTRY_POINTS = entryPoints();

interface Edge {
  from: string;
  to: string;
  how: 'import' | 'dynamic import' | 'worker';
}

function edgesOf(rel: string, text: string): Edge[] {
  const edges: Edge[] = [];
  const resolve = (spec: string) => path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|(?:^|[\s;])import\s+'(\.[^']+)'/g)) edges.push({ from: rel, to: resolve((m[1] ?? m[2])!), how: 'import' });
  for (const m of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) edges.push({ from: rel, to: resolve(m[1]!), how: 'dynamic import' });
  // A worker file is named as the bundle has it (dist/ is flat): map it back through the entry points.
  for (const m of text.matchAll(/new URL\(\s*'\.\/([^']+\.c?js)'\s*,\s*import\.meta\.url\s*\)/g)) edges.push({ from: rel, to: ENTRY_POINTS.get(m[1]!) ?? `(no entry point named ${m[1]})`, how: 'worker' });
  return edges;
}
const EDGES = sources.flatMap((rel) => edgesOf(rel, code.get(rel)!));

/** Files that read from disk, and why; each names what it reads (the entries are read-sources' alone). */
const READERS: Record<string, string> = {
  'io/read-sources.ts': 'the entries',
  'io/write-outputs.ts': 'an output before replacing it (unchanged bytes are not rewritten)',
  'io/output-folder.ts': 'the record of what was published, and whether the folder is ours (its bookkeeping, or its listing when it has none)',
  'io/sweep-outputs.ts': 'folder listings for temps of our exact form; folders to fsync',
  'io/file-calls.ts': 'output folders: resolved (a link in them must not lead outside), opened to fsync them',
  'io/file-system-flush.ts': 'whether coreutils’ sync is there (existsSync), to flush the output folder’s file system',
  'io/output-lock.ts': 'the lock file: who holds it, and its heartbeat (its own file, beside the published ones)',
  'build/index.ts': 'whether the last build left a manifest (without one, temps are swept first)',
  'build/parse/pool.ts': 'whether the parse worker is the bundled file or the source beside it',
  'build/patch.ts': 'the published documents it splices',
  'build/state/read-bookkeeping.ts': 'the build state files',
  'build/parse/code-cache.ts': 'the parse worker’s bundle and its V8 code cache (dist/: the program’s own files)',
  'build/state/fragment-pack.ts': 'the fragment pack',
  'build/fast-path.ts': 'the manifest and the entries’ stamps (stat only; the listing is read-sources’)',
  'service/serve.ts': 'the published files it serves',
  'service/hub-targets.ts': 'a newsroom story’s JSON Feed, for the self URL and hub it advertises (WebSub pings)',
  'service/connections.ts': 'the soft limit on open files (/proc/self/limits), for the default connection cap',
  'publish/local-files.ts': 'the published files it uploads (hidden bookkeeping skipped)',
  'io/write-skeleton.ts': 'where the entries folder and a story folder really are (realpath, lstat), to keep the one new file inside',
};
/** Files that write, remove or rename on disk, and why. */
const WRITERS: Record<string, string> = {
  'io/write-outputs.ts': 'every published file, and the build state through it',
  'io/sweep-outputs.ts': 'removes temps of runs that did not finish, and the files a run no longer plans (named by the record)',
  'io/file-calls.ts': "the writer's own calls for write-outputs and sweep-outputs: a temp file's bytes (removed when they cannot all be written), and fsync",
  'io/folder-thread.ts': "the folders a large run of write-outputs plans, made on a thread of its own (and by the writer's thread when that one is behind)",
  'io/output-lock.ts': 'the lock file: takes it (link), beats it, hands it over (rename), removes it',
  'build/state/fragment-pack.ts': 'the fragment pack (the build cache’s own file)',
  'build/state/cache-lines.ts': 'removes a stale overlay',
  'build/parse/code-cache.ts': 'the parse worker’s V8 code cache in dist/, when `npm run build` runs the worker’s entry as a program (never at run time)',
  'io/write-skeleton.ts': '`storyfeed new`: one new file (and its story folder) in the entries folder, never replacing one',
};
/** Calls count only in modules that import the file system. */
const usesFs = (text: string) => /from 'node:fs(\/promises)?'/.test(text);
const READ_CALL = /(?<![.\w])(readFile|readFileSync|createReadStream|openSync|readSync|readdir|readdirSync|opendir|opendirSync|readlink|readlinkSync|open|stat|statSync|lstat|lstatSync|realpath|realpathSync|existsSync|access|accessSync)\(/;
const WRITE_CALL = /(?<![.\w])(writeFile|writeFileSync|appendFile|appendFileSync|writev|writevSync|writeSync|link|linkSync|copyFileSync|createWriteStream|rename|renameSync|unlink|unlinkSync|rm|rmSync|rmdir|rmdirSync|copyFile|cp|truncate|mkdir|mkdirSync|symlink|utimes)\(/;

describe('architecture: layers', () => {
  it('src/ holds at most 3 files beside its folders, and every source file is in a layer', () => {
    const loose = readdirSync(srcDir).filter((n) => !statSync(path.join(srcDir, n)).isDirectory());
    expect(loose.length, loose.join(', ')).toBeLessThanOrEqual(3);
    // src/ holds cli.ts, errors.ts and the folders of the layers; nothing else.
    expect(sources.filter((rel) => layerOf(rel) === 'unplaced')).toEqual([]);
  });

  it('every import names a file that exists, and every worker URL names a bundle entry point', () => {
    const missing = EDGES.filter((e) => !sources.includes(e.to)).map((e) => `${e.from} → ${e.to} (${e.how})`);
    expect(missing).toEqual([]);
    expect(EDGES.filter((e) => e.how === 'worker').length).toBeGreaterThanOrEqual(2);
  });

  it('arrows go bin → cli → service → build → io → core, never back', () => {
    const back = EDGES.filter((e) => sources.includes(e.to) && rank(layerOf(e.to)) > rank(layerOf(e.from))).map((e) => `${e.from} → ${e.to} (${e.how})`);
    expect(back).toEqual([]);
  });

  it('publish imports only the core, io and errors (never build or service)', () => {
    const out = EDGES.filter((e) => layerOf(e.from) === 'publish' && !['publish', 'core', 'io', 'errors'].includes(layerOf(e.to))).map((e) => `${e.from} → ${e.to}`);
    expect(out).toEqual([]);
    expect(sources.filter((rel) => layerOf(rel) === 'publish').length).toBeGreaterThan(0);
  });

  it('only publish/s3-store.ts talks to S3', () => {
    expect(sources.filter((rel) => /from '@aws-sdk\//.test(code.get(rel)!))).toEqual(['publish/s3-store.ts']);
  });

  it('the core imports nothing but the core', () => {
    const out = EDGES.filter((e) => layerOf(e.from) === 'core' && layerOf(e.to) !== 'core').map((e) => `${e.from} → ${e.to}`);
    expect(out).toEqual([]);
  });

  it('no circles among the modules', () => {
    const next = new Map<string, string[]>();
    for (const e of EDGES) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        circles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const to of next.get(node) ?? []) visit(to, [...trail, node]);
      state.set(node, 'done');
    };
    for (const rel of sources) visit(rel, []);
    expect(circles).toEqual([]);
  });
});

describe('architecture: the core is pure', () => {
  const core = sources.filter((rel) => layerOf(rel) === 'core');
  const IMPURE = {
    'I/O': /from '(node:)?(fs|fs\/promises|child_process|net|http|https|http2|os|worker_threads|dgram|dns|tls|cluster|readline|process)'|\bprocess\.|\bconsole\.|\bfetch\(/,
    clock: /Date\.now\(|new Date\(\s*\)|(?<![\w.])Date\(\s*\)|performance\.now|process\.hrtime/,
    randomness: /randomBytes|randomUUID|randomInt|randomFill|Math\.random|getRandomValues|from '(node:)?crypto'[^;]*\brandom/,
    'the state folder': /\.storyfeed\b(?!-)/,
  };
  it.each(core)('%s does no I/O, reads no clock, draws no randomness, knows no state folder', (rel) => {
    const text = code.get(rel)!;
    for (const [what, rule] of Object.entries(IMPURE)) expect([what, rule.exec(text)?.[0]]).toEqual([what, undefined]);
  });

  it.each([
    ["import { randomBytes } from 'node:crypto'; randomBytes(8)", 'randomness'],
    ['const id = crypto.randomUUID();', 'randomness'],
    ['const n = Math.random();', 'randomness'],
    ['const t = Date.now();', 'clock'],
    ['const t = new Date();', 'clock'],
    ['const s = Date();', 'clock'],
    ['const t = performance.now();', 'clock'],
    ['const t = process.hrtime();', 'clock'],
    ["import { readFileSync } from 'node:fs';", 'I/O'],
    ["const p = '.storyfeed/cache.json';", 'the state folder'],
  ] as const)('the purity rules catch %s', (sample, what) => {
    expect(IMPURE[what].test(sample)).toBe(true);
  });

  it('the purity rules let the core build dates from its inputs and hash', () => {
    for (const sample of ['new Date(e.p)', 'new Date(now.getTime() + 1)', "import { createHash } from 'node:crypto'", 'Date.parse(text)', '.storyfeed-tmp']) {
      expect(Object.values(IMPURE).filter((rule) => rule.test(sample))).toEqual([]);
    }
  });
});

describe('architecture: one registry of formats', () => {
  // Any quoted media type (feeds, pages, JSON, images, the server's plain text, the hub's form) or
  // output file name.
  const NAMED = /['"`](application|text|image|audio|video)\/[\w.+-]+|['"`](rss\.xml|atom\.xml|feed\.json|feed\.xsl|style\.css|index\.html|sitemap\.xml|news-sitemap\.xml)['"`]/;

  it('only core/formats.ts names the output files and media types', () => {
    expect(sources.filter((rel) => rel !== 'core/formats.ts' && NAMED.test(code.get(rel)!))).toEqual([]);
    expect(NAMED.test(code.get('core/formats.ts')!)).toBe(true);
  });

  it.each([
    ["mediaType: 'application/json'"],
    ["res.setHeader('Content-Type', 'text/plain; charset=utf-8')"],
    ["{ 'Content-Type': 'application/x-www-form-urlencoded' }"],
    ["jpg: 'image/jpeg'"],
    ["path.join(dir, 'index.html')"],
    ['`${folder}/feed.json`'.replace('${folder}/', '')],
    ["const file = 'news-sitemap.xml';"],
    ["{ file: 'sitemap.xml' }"],
  ])('the rule catches %s', (sample) => {
    expect(NAMED.test(sample)).toBe(true);
  });
});

describe('architecture: who touches the disk', () => {
  it('only the CLI prints or sets the exit code', () => {
    // …and the parse worker's entry run as a program by `npm run build` (--check: whether V8 takes its code cache).
    const printers = ['cli.ts', 'build/parse/worker-boot.ts'];
    const offenders = sources.filter((rel) => !printers.includes(rel) && /process\.(stdout|stderr)|console\.|process\.exit/.test(code.get(rel)!));
    expect(offenders).toEqual([]);
    expect(printers.filter((rel) => !/process\.(stdout|stderr)|process\.exit/.test(code.get(rel)!))).toEqual([]);
  });

  it('only io/read-sources reads the entries folder; every other reader is listed with what it reads', () => {
    const readers = sources.filter((rel) => usesFs(code.get(rel)!) && READ_CALL.test(code.get(rel)!));
    expect(readers.filter((rel) => !(rel in READERS))).toEqual([]);
    // …and every listed reader still reads (the list says who does, not who once did).
    expect(Object.keys(READERS).filter((rel) => !readers.includes(rel))).toEqual([]);
    // The entries folder is handed to the readers as `entriesDir`: no one else may pass it to a read.
    // write-skeleton resolves the folder (realpath) only to keep its one new file inside it; it reads no entry.
    const entryReaders = sources.filter((rel) => rel !== 'io/read-sources.ts' && rel !== 'io/write-skeleton.ts' && /\b(readFile|readFileSync|createReadStream|open|openSync|readdir|readdirSync|opendir|opendirSync|stat|statSync|lstat|lstatSync|realpath|realpathSync)\([^)]*entriesDir/.test(code.get(rel)!));
    expect(entryReaders).toEqual([]);
  });

  it('only io/write-outputs writes outputs; build/state writes the bookkeeping', () => {
    const writers = sources.filter((rel) => usesFs(code.get(rel)!) && WRITE_CALL.test(code.get(rel)!));
    expect(writers.filter((rel) => !(rel in WRITERS))).toEqual([]);
    expect(Object.keys(WRITERS).filter((rel) => !writers.includes(rel))).toEqual([]);
  });

  it.each([
    ["import { statSync } from 'node:fs'; statSync(file)", 'read'],
    ["import { readdir } from 'node:fs/promises'; await readdir(dir)", 'read'],
    ["import { realpath } from 'node:fs/promises'; await realpath(p)", 'read'],
    ["import { existsSync } from 'node:fs'; existsSync(p)", 'read'],
    ["import { rename } from 'node:fs/promises'; await rename(a, b)", 'write'],
    ["import { writevSync } from 'node:fs'; writevSync(fd, buffers)", 'write'],
    ["import { linkSync } from 'node:fs'; linkSync(a, b)", 'write'],
    ["import { mkdir } from 'node:fs/promises'; await mkdir(d)", 'write'],
  ])('the disk rules catch %s', (sample, kind) => {
    expect(usesFs(sample) && (kind === 'read' ? READ_CALL : WRITE_CALL).test(sample)).toBe(true);
  });
});

describe('architecture: size', () => {
  it('no source file over 400 lines', () => {
    const long = sources.map((rel) => [rel, code.get(rel) === undefined ? 0 : readFileSync(path.join(srcDir, rel), 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});

describe('architecture: the project stands alone', () => {
  it('no file in src/ or test/ names the workspace folder beside the repository (a fresh clone has none)', () => {
    const outside = ['..', 'shared'].join('/');
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.name === 'node_modules' ? [] : d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
    const root = path.dirname(srcDir);
    const named = [...walk(srcDir), ...walk(path.join(root, 'test'))].filter((f) => /\.(ts|mjs|js|json|md|sh)$/.test(f) && readFileSync(f, 'utf8').includes(outside));
    expect(named.map((f) => path.relative(root, f))).toEqual([]);
  });
});
