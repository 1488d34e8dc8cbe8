// The newsroom-of-stories rows of `npm run bench` (issue 14, "Scale"): the newsroom corpus
// (newsroom-corpus.mjs, ~600 words, 4 of 8 tags) split into story folders — BENCH_NEWSROOM_STORIES
// = <stories>x<entries each>, default 200x50 (10,000 entries; 0 skips the rows) — beside the same
// entries as one story. Timed, as medians of BENCH_RUNS: the floor (node start-up + reading every
// entry file, every story folder), the single story's cold build, the newsroom's cold build, a
// newsroom run with nothing changed (the fast path), and one with one entry's body changed in a
// story in the middle (a patch run: build/patch.ts), with the files that run wrote. The floor is
// timed in alternation with the no-change and one-change runs, each ratio against its own.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateNewsroomCorpus } from './newsroom-corpus.mjs';
import { removeTree, setAside, settle } from './settle.mjs';

/** Node start-up + reading every file of the folder and of its story folders. */
const READ_TREE = `const fs=require('fs'),p=require('path');const d=process.argv[1];let n=0;for(const f of fs.readdirSync(d)){const q=p.join(d,f);if(fs.statSync(q).isDirectory()){for(const g of fs.readdirSync(q))n+=fs.readFileSync(p.join(q,g)).length}else n+=fs.readFileSync(q).length}`;

/** How many files a build wrote, from its summary line (`wrote nothing`, a list, or `N files`). */
function filesWritten(stdout) {
  const wrote = /wrote (.*?) in /.exec(stdout)?.[1] ?? '';
  if (wrote.startsWith('nothing')) return 0;
  const many = /^(\d+) files$/.exec(wrote);
  return many ? Number(many[1]) : wrote.split(', ').length;
}

export function benchNewsroomStories({ work, cli, now, measure, repeat, runs, print }) {
  const spec = process.env.BENCH_NEWSROOM_STORIES ?? '200x50';
  if (spec === '0') return undefined;
  const [stories, perStory] = spec.split('x').map(Number);
  const n = stories * perStory;
  const single = path.join(work, 'stories-single');
  const newsroom = path.join(work, 'stories-newsroom');
  const outSingle = path.join(work, 'stories-single-out');
  const out = path.join(work, 'stories-newsroom-out');
  console.log(`\nA newsroom of ${stories} stories × ${perStory} entries (${n.toLocaleString('en')}), beside one story of the same entries`);
  generateNewsroomCorpus(single, n, 23);
  generateNewsroomCorpus(newsroom, n, 23, { stories });
  const build = (entries, to, extra = []) => measure(process.execPath, [cli, 'build', '--entries', entries, '--out', to, '--now', now, ...extra]);
  // Every series starts from a settled disk (`sync`, untimed): the corpus just generated, or the
  // cache and pack a cold build wrote without fsync, would otherwise be written back during the
  // first runs of the next series (a cron tick comes a minute after the build before it).
  // The floor is timed beside each run it is compared with, alternating (below): this machine's
  // speed drifts by ±25% within a bench, and a floor timed minutes before, ahead of the cold builds
  // and their writeback, was measured on another machine (2026-12-06: 0.49 s and 0.42 s in two
  // benches a minute apart, against no-change runs of 0.53 and 0.63 s).
  const floorRun = () => measure(process.execPath, ['-e', READ_TREE, newsroom]);
  // The two cold builds alternate, each from a settled machine (settle.mjs: the disk queue flushed,
  // the page cache dropped where allowed, the corpus read back in): a cold build leaves ~1 GB being
  // written back, which ran on into the next build (medians, 2026-12-04 19:35: 1.31x with every
  // single-story run first). The writeback of the build's own files (an fsync per file) is its own.
  // Which goes first alternates pair by pair, so that neither build always follows the other's
  // writeback. The last build's output is set aside, not removed, until the series is over
  // (settle.mjs: on this disk a removal slows the next build's every new file).
  const singles = [];
  const newsrooms = [];
  const coldSingleRun = () => {
    setAside(outSingle);
    settle([process.execPath, path.dirname(cli), single]);
    singles.push(build(single, outSingle));
  };
  const coldNewsroomRun = () => {
    setAside(out);
    settle([process.execPath, path.dirname(cli), newsroom]);
    newsrooms.push(build(newsroom, out));
  };
  for (let i = 0; i < runs; i += 1) {
    for (const run of i % 2 === 0 ? [coldSingleRun, coldNewsroomRun] : [coldNewsroomRun, coldSingleRun]) run();
  }
  setAside(outSingle);
  const coldSingle = repeat(runs, (i) => singles[i]);
  const cold = repeat(runs, (i) => newsrooms[i]);
  print('single story: cold build', coldSingle.seconds);
  print('newsroom: cold build', cold.seconds);
  print('  peak RSS', cold.rssMb, 'MB');
  print('  ratio to the single story (target ≤ 1.2)', cold.seconds / coldSingle.seconds, '×');
  // Each pair as run, side by side: this machine's speed drifts within a bench (2026-12-06: the
  // same code gave 1.22× and 1.37× in two benches minutes apart), so the spread is shown too.
  const pairs = singles.map((s, i) => [s.seconds, newsrooms[i].seconds]);
  print('  each pair, single / newsroom', pairs.map(([a, b]) => `${a.toFixed(2)} / ${b.toFixed(2)} (${(b / a).toFixed(2)}×)`).join(', '), '');
  const pairRatios = pairs.map(([a, b]) => b / a).sort((x, y) => x - y);
  print('  median of the pairs\' ratios', pairRatios[Math.floor(pairRatios.length / 2)], '×');
  spawnSync('sync');
  const floors = [];
  /** `runs` of `run`, each right after a floor run; the medians of both. */
  const besideFloor = (run) => {
    const pairs = Array.from({ length: runs }, (_, i) => [floorRun(), run(i)]);
    floors.push(...pairs.map(([f]) => f));
    return { floor: repeat(runs, (i) => pairs[i][0]).seconds, result: repeat(runs, (i) => pairs[i][1]) };
  };
  const noChangeBeside = besideFloor(() => build(newsroom, out));
  const noChange = noChangeBeside.result;
  print('newsroom: no change', noChange.seconds);
  print('  floor beside it: node start-up + reading every entry file', noChangeBeside.floor);
  print('  ratio to floor (target ≤ 1.5)', noChange.seconds / noChangeBeside.floor, '×');
  // One entry's body in a story in the middle: that story's files and the newsroom's are rewritten.
  const middle = `story-${String(Math.floor(stories / 2)).padStart(3, '0')}`;
  const names = readdirSync(path.join(newsroom, middle)).filter((f) => f !== '_story.md');
  let written = 0;
  let parsed = 0;
  let patched = false;
  spawnSync('sync');
  const oneChangedBeside = besideFloor((i) => {
    const file = path.join(newsroom, middle, names[i % names.length]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nOne more sentence (${i}).\n`);
    const r = build(newsroom, out);
    written = filesWritten(r.stdout);
    parsed = Number(/parsed (\d+)/.exec(r.stdout)?.[1]);
    patched = /patched \d+ of \d+ outputs in place/.test(r.stdout);
    return r;
  });
  const oneChanged = oneChangedBeside.result;
  print('newsroom: one entry changed', oneChanged.seconds);
  print('  peak RSS', oneChanged.rssMb, 'MB');
  print('  floor beside it', oneChangedBeside.floor);
  print('  ratio to floor (target ≤ 2)', oneChanged.seconds / oneChangedBeside.floor, '×');
  const floor = repeat(floors.length, (i) => floors[i]).seconds;
  const storyFiles = readdirSync(path.join(out, middle), { recursive: true }).filter((f) => statSync(path.join(out, middle, f)).isFile()).length;
  print(`  files written (of its story's ${storyFiles} and the newsroom's), files parsed`, `${written}, ${parsed}${patched ? ', patched in place' : ''}`, '');
  for (const dir of [single, newsroom, out, outSingle]) removeTree(dir);
  return { shape: 'newsroom-stories', stories, perStory, n, floor, floorNoChange: noChangeBeside.floor, floorOneChanged: oneChangedBeside.floor, coldSingle: coldSingle.seconds, cold: cold.seconds, coldPairs: pairs, coldRss: cold.rssMb, noChange: noChange.seconds, oneChanged: oneChanged.seconds, oneChangedWritten: written, oneChangedParsed: parsed, oneChangedPatched: patched };
}

export function printNewsroomStoriesTable(row) {
  if (!row) return;
  const f = (x) => `${x.toFixed(2)} s`;
  const r = (a, b) => `${(a / b).toFixed(2)}×`;
  console.log('\n| stories × entries | floor | single story cold | newsroom cold | cold / single | no change | no change / floor | one changed | one changed / floor | files written |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  console.log(`| ${row.stories} × ${row.perStory} | ${f(row.floor)} | ${f(row.coldSingle)} | ${f(row.cold)} | ${r(row.cold, row.coldSingle)} | ${f(row.noChange)} | ${r(row.noChange, row.floorNoChange)} | ${f(row.oneChanged)} | ${r(row.oneChanged, row.floorOneChanged)} | ${row.oneChangedWritten} |`);
}
