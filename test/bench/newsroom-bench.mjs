// The newsroom-shaped rows of `npm run bench` (issue 17): about 600 words of Markdown per entry,
// 4 of 8 tags each (newsroom-corpus.mjs). storyfeed's cold build against Hugo writing the same
// three formats of every item — RSS 2.0, Atom 1.0 and JSON Feed 1.1, custom output formats over all
// pages with the templates in test/bench/hugo/, no HTML — and, as a second row, Hugo RSS only.
// The headline ratio is storyfeed cold / Hugo three formats, taken in the same run.
// Sizes: BENCH_NEWSROOM_SIZES (default 1000,10000; 0 for none). Hugo runs up to
// BENCH_NEWSROOM_HUGO_MAX entries (default 10000); above it (100000) storyfeed is timed alone.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateNewsroomCorpus } from './newsroom-corpus.mjs';
import { removeTree, setAside, settle } from './settle.mjs';

const HUGO_SITE = fileURLToPath(new URL('./hugo', import.meta.url));
const FORMATS = { three: '["RSS", "Atom", "JSONFeed"]', rss: '["RSS"]' };

/** The corpus as a Hugo site: the templates of test/bench/hugo and one content file per entry. */
function layOutHugo(entriesDir, siteDir, outputs) {
  rmSync(siteDir, { recursive: true, force: true });
  mkdirSync(path.join(siteDir, 'content/posts'), { recursive: true });
  cpSync(path.join(HUGO_SITE, 'layouts'), path.join(siteDir, 'layouts'), { recursive: true });
  writeFileSync(path.join(siteDir, 'config.toml'), readFileSync(path.join(HUGO_SITE, 'config.toml'), 'utf8').replace('OUTPUTS', outputs));
  for (const name of readdirSync(entriesDir)) {
    if (name === '_story.md') continue;
    // Hugo reserves `id`-like keys loosely and wants `date`: the same fields, renamed.
    const text = readFileSync(path.join(entriesDir, name), 'utf8').replace(/^id: /m, 'storyid: ').replace(/^published: /m, 'date: ');
    writeFileSync(path.join(siteDir, 'content/posts', name), text);
  }
}

function count(file, needle) {
  const bytes = readFileSync(file);
  let n = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) n += 1;
  return n;
}

/** Runs the newsroom rows; returns them for bench.json. `hugoVersion` undefined: Hugo skipped. */
export function benchNewsroom({ work, cli, now, measure, repeat, runs, print, hugoVersion }) {
  const sizes = (process.env.BENCH_NEWSROOM_SIZES ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
  const hugoMax = Number(process.env.BENCH_NEWSROOM_HUGO_MAX ?? 10000);
  const rows = [];
  // Hugo's program, read back in before each of its runs as storyfeed's is (settle.mjs).
  const hugoProgram = hugoVersion ? execFileSync('sh', ['-c', 'command -v hugo'], { encoding: 'utf8' }).trim() : undefined;
  for (const n of sizes) {
    const entries = path.join(work, `newsroom-${n}`);
    const out = path.join(work, `newsroom-out-${n}`);
    console.log(`\nNewsroom shape, N = ${n} (~600 words, 4 of 8 tags)`);
    generateNewsroomCorpus(entries, n, 17);
    const cold = repeat(runs, () => {
      setAside(out); // removed after the series (settle.mjs)
      settle([process.execPath, path.dirname(cli), entries]);
      return measure(process.execPath, [cli, 'build', '--entries', entries, '--out', out, '--now', now]);
    });
    print('storyfeed cold build', cold.seconds);
    print('  peak RSS', cold.rssMb, 'MB');
    removeTree(out);
    const row = { shape: 'newsroom', n, cold: cold.seconds, coldRss: cold.rssMb };
    if (hugoVersion && n <= hugoMax) {
      for (const [key, outputs, label] of [['hugoThree', FORMATS.three, 'RSS + Atom + JSON Feed'], ['hugoRss', FORMATS.rss, 'RSS only']]) {
        const site = path.join(work, `newsroom-hugo-${n}-${key}`);
        layOutHugo(entries, site, outputs);
        const hugo = repeat(runs, () => {
          for (const dir of ['public', 'resources']) setAside(path.join(site, dir), `${site}.aside`);
          settle([hugoProgram, site]);
          return measure('hugo', ['--quiet', '--source', site]);
        });
        const items = count(path.join(site, 'public/index.xml'), '<item>');
        const extra = key === 'hugoThree' ? `, ${count(path.join(site, 'public/atom.xml'), '<entry>')} Atom entries` : '';
        print(`Hugo, ${label} (${items} items${extra})`, hugo.seconds);
        print('  peak RSS', hugo.rssMb, 'MB');
        row[key] = hugo.seconds;
        removeTree(site);
      }
      print('storyfeed cold / Hugo same three formats (issue 17: ≤ 0.5)', row.cold / row.hugoThree, '×');
      print('storyfeed cold / Hugo RSS only', row.cold / row.hugoRss, '×');
    }
    removeTree(entries);
    rows.push(row);
  }
  return rows;
}

export function printNewsroomTable(rows) {
  if (rows.length === 0) return;
  const f = (x) => (x === undefined ? '—' : `${x.toFixed(2)} s`);
  const ratio = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
  console.log('\n| N (newsroom) | storyfeed cold | peak RSS | Hugo RSS + Atom + JSON | Hugo RSS only | cold / Hugo three | cold / Hugo RSS |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.n.toLocaleString('en')} | ${f(r.cold)} | ${Math.round(r.coldRss)} MB | ${f(r.hugoThree)} | ${f(r.hugoRss)} | ${ratio(r.cold, r.hugoThree)} | ${ratio(r.cold, r.hugoRss)} |`);
  }
}
