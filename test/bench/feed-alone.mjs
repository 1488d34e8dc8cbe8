// The mandated `feed` package alone (issue 17): its cost per entry when it writes what storyfeed
// asks of it — items with a title, link, id, dates, summary, author, 4 categories and the body as
// a short token (the real body is put in afterwards, src/core/render/fragments.ts) — in batches of
// BATCH items, one fresh Feed per batch as createWriter does. No DOM pass, no Markdown: the floor
// storyfeed accepts for its RSS and Atom fragments.
// Usage: node test/bench/feed-alone.mjs [entries=20000] [batch=32]
import { Feed } from 'feed';

const N = Number(process.argv[2] ?? 20000);
const BATCH = Number(process.argv[3] ?? 32);
const TAGS = ['politics', 'economy', 'world', 'climate', 'health', 'technology', 'courts', 'elections'];
const items = Array.from({ length: N }, (_, i) => ({
  id: `tag:newsroom.example.org,2026-01-01:newsroom/${i}`,
  title: `council vote budget minister said report data (${i})`,
  link: `https://newsroom.example.org/live/#entry-${i}`,
  date: new Date(Date.UTC(2026, 3, 1) + i * 600_000),
  published: new Date(Date.UTC(2026, 3, 1) + i * 600_000),
  description: 'market turnout election turnout budget budget housing filed appeal market filed ballots vote housing.',
  content: '\u0000BODY\u0000',
  author: [{ name: 'Bench Desk' }],
  category: [0, 1, 2, 3].map((k) => ({ name: TAGS[(i + k * 3) % 8] })),
}));

function writer(batch) {
  const feed = new Feed({ id: 'tag:newsroom.example.org,2026-01-01:newsroom', title: 'Newsroom bench', description: 'bench', link: 'https://newsroom.example.org/live/', language: 'en', updated: new Date(0), generator: 'bench', copyright: '', feedLinks: { rss: 'https://newsroom.example.org/live/feeds/rss.xml', atom: 'https://newsroom.example.org/live/feeds/atom.xml' } });
  for (const item of batch) feed.addItem({ ...item });
  return feed;
}

function time(label, fn) {
  fn(Math.min(N, 2000)); // warm-up: compiled code, as in a long build
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn(N);
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / N;
  const { user, system } = process.cpuUsage(cpu0);
  console.log(`${label.padEnd(36)} ${wall.toFixed(1)} µs/entry wall, ${((user + system) / N).toFixed(1)} µs/entry CPU`);
}

const inBatches = (render) => (n) => {
  let bytes = 0;
  for (let at = 0; at < n; at += BATCH) bytes += render(items.slice(at, Math.min(n, at + BATCH))).length;
  return bytes;
};
console.log(`feed alone: ${N} entries in batches of ${BATCH}, Node ${process.version}`);
time('new Feed + addItem only', inBatches((b) => (writer(b), '')));
time('rss2()', inBatches((b) => writer(b).rss2()));
time('atom1()', inBatches((b) => writer(b).atom1()));
time('rss2() + atom1() (a fresh Feed each)', inBatches((b) => writer(b).rss2() + writer(b).atom1()));
