// Sums a build's CPU time by stage from V8 CPU profiles (`node --cpu-prof`), for the per-entry
// budget in src/build/README.md (issue 17). Each sample goes to the stage of its nearest frame that
// names one, walking from the leaf up: a sample in node:fs's writeSync called from io/write-outputs
// is "writing", one in `entities` under markdown-it is "Markdown". Frames of the bundle (dist/) are
// mapped back to their source file with the bundle's source maps.
// Usage: node test/bench/profile-stages.mjs <entries> <file-or-dir.cpuprofile>...
// (every .cpuprofile of a directory is summed: the main thread's and each worker's).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// markdown.ts's own functions that serve sanitize-html (its options, URL checks, entity fix-up).
const SANITIZE_FNS = /sanitiz|^absolute$|^a$|^img$|toXmlEntities|exclusiveFilter/;

// Stage by source path (first match wins), in the order a reader of the budget wants them.
const STAGES = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['(idle: waiting, not CPU)', (f) => f.functionName === '(idle)'],
  ['V8 (program: compile, IC, runtime)', (f) => f.functionName === '(program)'],
  ['front matter (gray-matter, yaml)', (f) => /node_modules\/(gray-matter|yaml|js-yaml|section-matter|kind-of|strip-bom-string|extend-shallow)\/|src\/core\/(front-matter|plain-front-matter|field-reader)\.ts/.test(f.src)],
  ['Markdown (markdown-it)', (f) => /node_modules\/(markdown-it|linkify-it|mdurl|uc\.micro|punycode\.js)\//.test(f.src) || (f.src.endsWith('src/core/markdown.ts') && !SANITIZE_FNS.test(f.functionName))],
  ['pages (entry pages, story and tag pages, head, JSON-LD)', (f, up) => up.includes('page')],
  ['sanitizing (sanitize-html)', (f) => /src\/core\/markdown-html\.ts/.test(f.src) || /node_modules\/(sanitize-html|htmlparser2|domhandler|domutils|dom-serializer|domelementtype|parse-srcset|deepmerge|is-plain-object|escape-string-regexp)\//.test(f.src) || (f.src.endsWith('src/core/markdown.ts') && SANITIZE_FNS.test(f.functionName))],
  ['feed package: RSS', (f, up) => /node_modules\/(feed|xml-js|sax)\//.test(f.src) && up.includes('rss')],
  ['feed package: Atom', (f, up) => /node_modules\/(feed|xml-js|sax)\//.test(f.src) && up.includes('atom')],
  ['feed package: other', (f) => /node_modules\/(feed|xml-js|sax)\//.test(f.src)],
  ['RSS fragment (own code + DOM)', (f, up) => (/@xmldom|src\/core\/render\/(xml-dom|xml-format|feed-options|fragments)\.ts/.test(f.src) && up.includes('rss')) || f.src.endsWith('src/core/render/rss.ts')],
  ['Atom fragment (own code + DOM)', (f, up) => (/@xmldom|src\/core\/render\/(xml-dom|xml-format|feed-options|fragments)\.ts/.test(f.src) && up.includes('atom')) || f.src.endsWith('src/core/render/atom.ts')],
  ['JSON Feed fragment', (f) => f.src.endsWith('src/core/render/json-feed.ts')],
  ['fingerprints / hashing', (f) => f.src.endsWith('src/core/fingerprint.ts') || /^node:internal\/crypto/.test(f.src) || /^(Hash|update|digest)$/.test(f.functionName) && f.src === ''],
  ['fragments, other (DOM, shared)', (f) => /@xmldom|src\/core\/render\/(xml-dom|xml-format|feed-options|fragments|xml-chars)\.ts/.test(f.src)],
  ['parse other (normalize, model, dates, tags)', (f) => /src\/core\/(parse-sources|normalize|model|dates|tags|links|anchors|diagnostics|limits|versions)\.ts|node_modules\/date-fns\//.test(f.src)],
  ['planning (core/plan)', (f) => /src\/core\/(plan|compile|ledger|formats)\.ts/.test(f.src)],
  ['assembly (page, stylesheet, shells)', (f) => /src\/core\/render\/(page|stylesheet)\.ts/.test(f.src)],
  ['worker wire (pack, transfer)', (f) => /src\/build\/parse\//.test(f.src)],
  ['cache (save/load index, fragment pack)', (f) => /src\/build\/state\//.test(f.src)],
  ['writing outputs', (f) => /src\/io\/(write-outputs|output-folder|output-record|sweep-outputs|state-folder)\.ts/.test(f.src)],
  ['reading sources', (f) => /src\/io\/read-sources\.ts/.test(f.src)],
  ['build orchestration', (f) => /src\/build\//.test(f.src)],
  ['module loading / start-up', (f) => /^node:internal\/modules/.test(f.src)],
];

const maps = new Map();
function sourceOf(url, line, column) {
  if (!url.startsWith('file://')) return url;
  const file = fileURLToPath(url);
  if (!file.includes(`${path.sep}dist${path.sep}`)) return file;
  if (!maps.has(file)) maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : null);
  const entry = maps.get(file)?.findEntry(line, column);
  return entry?.originalSource ?? file;
}

/** Microseconds per stage in one profile. */
function stagesOf(profile, totals) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frame = new Map();
  for (const n of profile.nodes) {
    const cf = n.callFrame;
    const src = sourceOf(cf.url, cf.lineNumber, cf.columnNumber);
    frame.set(n.id, { functionName: cf.functionName, src: src.replaceAll('\\', '/') });
  }
  const stageOfNode = new Map();
  const classify = (id) => {
    if (stageOfNode.has(id)) return stageOfNode.get(id);
    // Which format's fragment this frame sits under: rss.ts / atom.ts above it.
    const up = [];
    for (let p = id; p !== undefined; p = parent.get(p)) {
      const s = frame.get(p).src;
      if (s.endsWith('src/core/render/rss.ts')) { up.push('rss'); break; }
      if (s.endsWith('src/core/render/atom.ts')) { up.push('atom'); break; }
    }
    // Whether this frame renders a page (everything under it is the page's: dates, escaping, JSON-LD).
    for (let p = id; p !== undefined; p = parent.get(p)) {
      if (/src\/core\/(entry-pages|render\/(entry-page|page|page-head))\.ts$/.test(frame.get(p).src)) { up.push('page'); break; }
    }
    let stage = 'other';
    for (let p = id; p !== undefined && stage === 'other'; p = parent.get(p)) {
      const f = frame.get(p);
      for (const [name, test] of STAGES) if (test(f, up)) { stage = name; break; }
    }
    stageOfNode.set(id, stage);
    return stage;
  };
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i += 1) {
    const stage = classify(samples[i]);
    totals.set(stage, (totals.get(stage) ?? 0) + (timeDeltas[i + 1] ?? 0));
  }
  void byId;
}

const [entriesArg, ...inputs] = process.argv.slice(2);
const entries = Number(entriesArg);
const files = inputs.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(p, f)) : [p]));
const totals = new Map();
for (const file of files) stagesOf(JSON.parse(readFileSync(file, 'utf8')), totals);
const IDLE = '(idle: waiting, not CPU)';
const idle = totals.get(IDLE) ?? 0;
totals.delete(IDLE);
const sum = [...totals.values()].reduce((a, b) => a + b, 0);
const order = new Map([...STAGES.map(([n], i) => [n, i]), ['other', STAGES.length]]);
console.log(`${files.length} profile(s) (threads), ${(sum / 1e6).toFixed(2)} s of CPU sampled (${(idle / 1e6).toFixed(2)} s idle left out), ${entries} entries\n`);
console.log('| stage | CPU | share | µs per entry |');
console.log('|---|---|---|---|');
for (const [stage, us] of [...totals].sort((a, b) => order.get(a[0]) - order.get(b[0]))) {
  console.log(`| ${stage} | ${(us / 1e6).toFixed(2)} s | ${((100 * us) / sum).toFixed(1)}% | ${Math.round(us / entries)} |`);
}
console.log(`| **total** | ${(sum / 1e6).toFixed(2)} s | 100% | ${Math.round(sum / entries)} |`);
