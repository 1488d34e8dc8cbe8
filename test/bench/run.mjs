// npm run bench — build times and memory on a generated corpus, next to the floor (node start-up,
// reading every file), a naive script with the same packages, and, when Debian's `hugo` is
// installed, Hugo on the same corpus. Not a test: it asserts nothing, it measures.
// Sizes: BENCH_SIZES=1000,10000 (the default; add 100000 for the memory target, ~10 min; 0 for none).
// Runs per figure: BENCH_RUNS (default 3, medians). Results: test-results/bench.json and a table.
// Plus a tag-heavy row, BENCH_TAGS=<entries>x<tags per entry> (default 100x50; 0 skips it), and the
// newsroom-shaped rows against Hugo writing the same three formats (newsroom-bench.mjs,
// BENCH_NEWSROOM_SIZES, default 1000,10000; 0 skips them), and a newsroom of story folders beside
// one story of the same entries (newsroom-stories.mjs, BENCH_NEWSROOM_STORIES, default 200x50; 0 skips it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './corpus.mjs';
import { benchNewsroom, printNewsroomTable } from './newsroom-bench.mjs';
import { benchNewsroomStories, printNewsroomStoriesTable } from './newsroom-stories.mjs';
import { removeTree, setAside } from './settle.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(root, 'dist/storyfeed.cjs');
const sizes = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const work = path.join(os.tmpdir(), `storyfeed-bench-${process.pid}`);
// A bench stopped part-way (Ctrl-C: its runs are synchronous, so no handler gets a turn) leaves its
// folder behind, with the outputs its cold series set aside (gigabytes): the next bench removes
// each such folder whose process is gone.
for (const name of readdirSync(os.tmpdir())) {
  const pid = Number(/^storyfeed-bench-(\d+)$/.exec(name)?.[1]);
  if (pid && pid !== process.pid && !isRunning(pid)) removeTree(path.join(os.tmpdir(), name));
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
const NOW = '2026-06-01T00:00:00Z';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Run a command, return wall seconds and peak RSS (MB, via /usr/bin/time -f %M). */
function measure(cmd, args, options = {}) {
  const t0 = process.hrtime.bigint();
  const r = TIME
    ? spawnSync(TIME, ['-f', '%M', cmd, ...args], { encoding: 'utf8', ...options })
    : spawnSync(cmd, args, { encoding: 'utf8', ...options });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const rssKb = TIME ? Number((r.stderr.trim().split('\n').pop() ?? '').trim()) : NaN;
  return { seconds, rssMb: rssKb / 1024, stdout: r.stdout };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function repeat(n, fn) {
  const results = Array.from({ length: n }, (_, i) => fn(i));
  return { seconds: median(results.map((r) => r.seconds)), rssMb: Math.max(...results.map((r) => r.rssMb)) };
}

const READ_ALL = `const fs=require('fs'),p=require('path');const d=process.argv[1];let n=0;for(const f of fs.readdirSync(d))n+=fs.readFileSync(p.join(d,f)).length;`;

/** The same corpus as a Hugo site: RSS output only, every entry rendered in full. */
function layOutHugo(entriesDir, siteDir, limit) {
  rmSync(siteDir, { recursive: true, force: true });
  mkdirSync(path.join(siteDir, 'content/posts'), { recursive: true });
  mkdirSync(path.join(siteDir, 'layouts/_default'), { recursive: true });
  writeFileSync(
    path.join(siteDir, 'config.toml'),
    // Pages are listed (so the feed can range over them) but not rendered: RSS output only.
    `baseURL = "https://newsroom.example.org/bench/"\ntitle = "Benchmark story"\ndisableKinds = ["section", "taxonomy", "term", "sitemap", "robotsTXT", "404"]\n[outputs]\nhome = ["RSS"]\npage = []\n[services.rss]\nlimit = ${limit}\n[[cascade]]\n[cascade._build]\nrender = "never"\nlist = "always"\n[cascade._target]\nkind = "page"\n`,
  );
  writeFileSync(
    path.join(siteDir, 'layouts/_default/rss.xml'),
    `<rss version="2.0"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link><description>bench</description>{{ range first ${limit === -1 ? 1000000 : limit} (where .Site.RegularPages "Section" "posts") }}<item><title>{{ .Title }}</title><guid>{{ .Params.storyid }}</guid><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate><description>{{ .Content | html }}</description></item>{{ end }}</channel></rss>`,
  );
  for (const name of readdirSync(entriesDir)) {
    if (name === '_story.md') continue;
    const text = readFileSync(path.join(entriesDir, name), 'utf8');
    const [, fm, body] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
    const get = (k) => new RegExp(`^${k}: (.*)$`, 'm').exec(fm)?.[1] ?? '';
    const draft = /^draft: true$/m.test(fm);
    writeFileSync(
      path.join(siteDir, 'content/posts', name),
      `---\ntitle: ${get('title')}\ndate: ${get('published')}\nstoryid: ${get('id')}\ntags: ${get('tags')}\ndraft: ${draft}\n---\n${body}`,
    );
  }
}

const NAIVE = path.join(root, 'test/bench/naive.mjs');

/** Items in Hugo's feed, counted on the bytes (at 100,000 entries it is longer than a JS string may be). */
function countItems(file) {
  const bytes = readFileSync(file);
  let count = 0;
  for (let at = bytes.indexOf('<item>'); at >= 0; at = bytes.indexOf('<item>', at + 6)) count += 1;
  return count;
}
const rows = [];
const DIGITS = { s: 3, '×': 2, MB: 0 };
const print = (label, value, unit = 's') => console.log(`  ${label.padEnd(58)} ${typeof value === 'number' ? value.toFixed(DIGITS[unit] ?? 0) : value} ${unit}`);

console.log(`storyfeed benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${runs} runs each (median)`);
mkdirSync(work, { recursive: true });
try {
  for (const n of sizes) {
    const entries = path.join(work, `entries-${n}`);
    const out = path.join(work, `out-${n}`);
    console.log(`\nN = ${n}`);
    generateCorpus(entries, n, 42);
    const nodeStart = repeat(runs, () => measure(process.execPath, ['-e', '0']));
    const readAll = repeat(runs, () => measure(process.execPath, ['-e', READ_ALL, entries]));
    const floor = readAll.seconds;
    print('floor: node start-up', nodeStart.seconds);
    print('floor: node start-up + reading all files', floor);
    const cold = repeat(runs, () => {
      setAside(out); // not removed until the bench ends (settle.mjs)
      return measure(process.execPath, [CLI, 'build', '--entries', entries, '--out', out, '--now', NOW]);
    });
    print('cold build (3 formats, archives, tags, page)', cold.seconds);
    print('  peak RSS', cold.rssMb, 'MB');
    const noChange = repeat(runs, () => measure(process.execPath, [CLI, 'build', '--entries', entries, '--out', out, '--now', NOW]));
    print('no-change rebuild', noChange.seconds);
    print('  ratio to floor (target ≤ 1.5)', noChange.seconds / floor, '×');
    // The same, without the stat-only fast path: every stamp checked against the build cache.
    const noChangeFull = repeat(runs, () => {
      rmSync(path.join(out, '.storyfeed/manifest.json'), { force: true });
      return measure(process.execPath, [CLI, 'build', '--entries', entries, '--out', out, '--now', NOW]);
    });
    print('  without the fast path (manifest removed)', noChangeFull.seconds);
    const oneChanged = repeat(runs, (i) => {
      const file = path.join(entries, `entry-${String(Math.floor(n / 2) + i).padStart(6, '0')}.md`);
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nOne more sentence (${i}).\n`);
      return measure(process.execPath, [CLI, 'build', '--entries', entries, '--out', out, '--now', NOW]);
    });
    print('one-entry-changed rebuild', oneChanged.seconds);
    print('  peak RSS', oneChanged.rssMb, 'MB');
    print('  ratio to floor (target ≤ 2)', oneChanged.seconds / floor, '×');
    const naiveOut = path.join(work, `naive-${n}`);
    // feed builds each document as one string: past ~100,000 full entries the naive script fails.
    let naive = { seconds: undefined, rssMb: undefined };
    try {
      naive = repeat(runs, () => measure(process.execPath, [NAIVE, entries, naiveOut]));
      print('naive script: gray-matter + markdown-it + feed, RSS and Atom', naive.seconds);
      print('  peak RSS', naive.rssMb, 'MB');
    } catch (error) {
      print('naive script: gray-matter + markdown-it + feed, RSS and Atom', `failed (${/RangeError: [^\n]*/.exec(String(error))?.[0] ?? 'see stderr'})`, '');
    }
    const row = {
      n,
      nodeStart: nodeStart.seconds,
      floor,
      cold: cold.seconds,
      coldRss: cold.rssMb,
      noChange: noChange.seconds,
      noChangeFull: noChangeFull.seconds,
      oneChanged: oneChanged.seconds,
      naive: naive.seconds,
    };
    let hugoVersion;
    try {
      hugoVersion = execFileSync('hugo', ['version'], { encoding: 'utf8' }).trim();
    } catch {
      hugoVersion = undefined;
    }
    if (hugoVersion) {
      for (const [label, limit] of [['all items', -1], ['newest 50', 50]]) {
        const site = path.join(work, `hugo-${n}-${limit}`);
        layOutHugo(entries, site, limit);
        const hugo = repeat(runs, () => {
          rmSync(path.join(site, 'public'), { recursive: true, force: true });
          rmSync(path.join(site, 'resources'), { recursive: true, force: true });
          return measure('hugo', ['--quiet', '--source', site]);
        });
        const items = countItems(path.join(site, 'public/index.xml'));
        print(`Hugo, RSS with ${label} (${items} items)`, hugo.seconds);
        row[limit === -1 ? 'hugoAll' : 'hugo50'] = hugo.seconds;
      }
      print('storyfeed cold / Hugo all items (target ≤ 0.25)', row.cold / row.hugoAll, '×');
      print('storyfeed cold / Hugo newest 50', row.cold / row.hugo50, '×');
      console.log(`  (${hugoVersion})`);
    } else {
      console.log('  Hugo not installed (apt-get install hugo): comparison skipped');
    }
    rows.push(row);
  }
  const tagRow = tagHeavy();
  const newsroomRows = benchNewsroom({ work, cli: CLI, now: NOW, measure, repeat, runs, print, hugoVersion: hugoVersionOf() });
  const storiesRow = benchNewsroomStories({ work, cli: CLI, now: NOW, measure, repeat, runs, print });
  // A fresh clone has no test-results/ yet (vitest's reporter and .ci/run make it).
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  writeFileSync(path.join(root, 'test-results', 'bench.json'), `${JSON.stringify([...rows, ...(tagRow ? [tagRow] : []), ...newsroomRows, ...(storiesRow ? [storiesRow] : [])], null, 2)}\n`);
  const f = (x, unit = 's') => (x === undefined ? '—' : unit === 's' ? `${x.toFixed(2)} s` : `${Math.round(x)} MB`);
  const ratio = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
  if (rows.length) console.log('\n| N | floor | cold build | peak RSS | no-change | (no fast path) | one changed | naive script | Hugo all items | Hugo newest 50 | cold / Hugo all | no-change / floor | one changed / floor |');
  if (rows.length) console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.n.toLocaleString('en')} | ${f(r.floor)} | ${f(r.cold)} | ${f(r.coldRss, 'MB')} | ${f(r.noChange)} | ${f(r.noChangeFull)} | ${f(r.oneChanged)} | ${f(r.naive)} | ${f(r.hugoAll)} | ${f(r.hugo50)} | ${ratio(r.cold, r.hugoAll)} | ${ratio(r.noChange, r.floor)} | ${ratio(r.oneChanged, r.floor)} |`);
  }
  if (tagRow) {
    console.log('\n| entries × tags each | tags | outputs | cold build | of it planning | one title changed (full build) | of it planning |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(`| ${tagRow.n} × ${tagRow.tagsPerEntry} | ${tagRow.tags.toLocaleString('en')} | ${tagRow.outputs.toLocaleString('en')} | ${f(tagRow.cold)} | ${f(tagRow.coldPlan)} | ${f(tagRow.oneChanged)} | ${f(tagRow.oneChangedPlan)} |`);
  }
  printNewsroomTable(newsroomRows);
  printNewsroomStoriesTable(storiesRow);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function hugoVersionOf() {
  try {
    return execFileSync('hugo', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The tag-heavy row (BENCH_TAGS=<entries>x<tags per entry>, default 100x50; 0 skips it): every
 * entry with that many tags of its own, so the story has entries × tags tag streams (each with its
 * feeds and page). Planning must grow with the outputs, not with outputs × tags: the row reports
 * the plan phase of `--timings` next to the whole build, cold and with one entry's title changed
 * (metadata, so a full build, not a patch).
 */
function tagHeavy() {
  const spec = process.env.BENCH_TAGS ?? '100x50';
  if (spec === '0') return undefined;
  const [n, perEntry] = spec.split('x').map(Number);
  const entries = path.join(work, 'entries-tags');
  const out = path.join(work, 'out-tags');
  console.log(`\n${n} entries × ${perEntry} tags each`);
  // A pool far larger than the draws: nearly every tag is an entry's own.
  generateCorpus(entries, n, 7, { tagsPerEntry: perEntry, tagPool: 1_000_000, embargo: false });
  const timed = () => {
    const r = measure(process.execPath, [CLI, 'build', '--entries', entries, '--out', out, '--now', NOW, '--timings']);
    const plan = Number(/plan (\d+) ms/.exec(r.stdout)?.[1]) / 1000;
    const outputs = Number(/rendered \d+ of (\d+) outputs/.exec(r.stdout)?.[1]);
    return { ...r, plan, outputs };
  };
  const colds = Array.from({ length: runs }, () => {
    setAside(out);
    return timed();
  });
  const published = readdirSync(entries).filter((name) => name !== '_story.md' && !/^draft: true$/m.test(readFileSync(path.join(entries, name), 'utf8')));
  const changed = Array.from({ length: runs }, (_, i) => {
    const file = path.join(entries, published[(Math.floor(published.length / 2) + i) % published.length]);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: "/m, `title: "Changed ${i} `));
    return timed();
  });
  const tags = readdirSync(path.join(out, 'tags'), { withFileTypes: true }).filter((d) => d.isDirectory()).length;
  const row = {
    n,
    tagsPerEntry: perEntry,
    tags,
    outputs: colds[0].outputs,
    cold: median(colds.map((r) => r.seconds)),
    coldPlan: median(colds.map((r) => r.plan)),
    oneChanged: median(changed.map((r) => r.seconds)),
    oneChangedPlan: median(changed.map((r) => r.plan)),
  };
  print(`cold build (${tags.toLocaleString('en')} tags, ${row.outputs.toLocaleString('en')} outputs)`, row.cold);
  print('  of it planning (--timings: plan)', row.coldPlan);
  print('one title changed (a full build)', row.oneChanged);
  print('  of it planning (--timings: plan)', row.oneChangedPlan);
  return row;
}
