// Deterministic corpus generator for benchmarks: N entries of ~400–800 words of varied Markdown
// with realistic front matter (tags from a set of 20, some corrections, drafts and embargoes), or
// with `{ tagsPerEntry, tagPool }` as many tags per entry as asked (planning cost grows with tags).
// Usage: node test/bench/corpus.mjs <dir> <N> [seed]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same corpus everywhere. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAGS = ['diplomacy', 'iran', 'united-states', 'ceasefire', 'sanctions', 'analysis', 'middle-east', 'oil', 'security', 'nuclear', 'trade', 'europe', 'un', 'gulf', 'economy', 'military', 'human-rights', 'energy', 'markets', 'elections'];
const WORDS = 'the talks officials memorandum framework ceasefire sanctions relief negotiators regional tension diplomatic process agreement parties commitment security conditions economic pressure communication channel analysts caution progress weeks ahead text draft points contention verification mechanism envoys capital statement briefing sources sides gap proposal round meeting delegation'.split(' ');

export function generateCorpus(dir, n, seed = 42, options = {}) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const sentence = () => {
    const len = 8 + Math.floor(rand() * 14);
    const words = Array.from({ length: len }, () => pick(WORDS));
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    return `${words.join(' ')}.`;
  };
  const paragraph = () => Array.from({ length: 3 + Math.floor(rand() * 4) }, sentence).join(' ');
  const body = () => {
    const parts = [];
    let words = 0;
    const target = 400 + Math.floor(rand() * 400);
    while (words < target) {
      const kind = rand();
      let block;
      if (kind < 0.08) block = `## ${sentence().slice(0, -1)}`;
      else if (kind < 0.16) block = Array.from({ length: 3 }, () => `- ${sentence()}`).join('\n');
      else if (kind < 0.2) block = `> ${sentence()}`;
      else if (kind < 0.24) block = `${sentence()} See [the background](/background/${Math.floor(rand() * 100)}/) and **${pick(WORDS)}**.`;
      else block = paragraph();
      parts.push(block);
      words += block.split(/\s+/).length;
    }
    return parts.join('\n\n');
  };
  // `tagsPerEntry` distinct tags per entry, drawn from `pool` names (the tag-heavy row of run.mjs).
  const manyTags = (count, pool) => {
    const chosen = new Set();
    while (chosen.size < count) chosen.add(`topic-${Math.floor(rand() * pool)}`);
    return [...chosen];
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, '_story.md'),
    `---\nid: tag:newsroom.example.org,2026-01-01:bench\ntitle: Benchmark story\ndescription: A generated story for benchmarks.\nhome_page: https://newsroom.example.org/bench/\nfeed_base: https://newsroom.example.org/bench/feeds/\nlanguage: en\nauthors: [Bench Desk]\nitem_limit: 50\n---\nA generated story.\n`,
  );
  // One development an hour, ending before the benchmark's clock (2026-06-01) whatever N is, so
  // that only the intended 1% are embargoed.
  const start = Date.parse('2026-05-01T00:00:00Z') - n * 3_600_000;
  for (let i = 0; i < n; i += 1) {
    const published = new Date(start + i * 3_600_000 + Math.floor(rand() * 3_000_000));
    const tags = options.tagsPerEntry ? manyTags(options.tagsPerEntry, options.tagPool ?? 5000) : [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(TAGS)))];
    const extra = [];
    const pub = options.embargo !== false && rand() < 0.01 ? new Date(Date.parse('2030-01-01T00:00:00Z') + i * 60_000) : published;
    if (rand() < 0.05) extra.push(`correction:\n  at: ${new Date(pub.getTime() + 7_200_000).toISOString().replace('.000Z', 'Z')}\n  note: ${sentence()}`);
    if (rand() < 0.02) extra.push('draft: true');
    writeFileSync(
      path.join(dir, `entry-${String(i).padStart(6, '0')}.md`),
      `---\nid: tag:newsroom.example.org,2026-01-01:bench/${i}\ntitle: "${sentence().slice(0, -1)} (${i})"\npublished: ${pub.toISOString().replace('.000Z', 'Z')}\nsummary: "${sentence()}"\ntags: [${tags.join(', ')}]\n${extra.length ? `${extra.join('\n')}\n` : ''}---\n${body()}\n`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, n, seed] = process.argv.slice(2);
  generateCorpus(dir, Number(n), Number(seed ?? 42));
}
