// Deterministic newsroom-shaped corpus (issue 17): N entries of about 600 words of Markdown with
// headings, links, emphasis, inline code and fenced code blocks; each entry has 4 of 8 tags, so
// every tag feed and its archives are large. No drafts, embargoes or corrections: every entry is
// in every format, the same work Hugo is given in run.mjs.
// With `stories` (the newsroom layout, newsroom-stories.mjs), the same entries are split into that
// many story folders of equal size (`story-001/`…, each with a `_story.md`), with `_newsroom.md`
// at the root holding the settings the single story's `_story.md` holds.
// Usage: node test/bench/newsroom-corpus.mjs <dir> <N> [seed] [stories]
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prng } from './corpus.mjs';

export const NEWSROOM_TAGS = ['politics', 'economy', 'world', 'climate', 'health', 'technology', 'courts', 'elections'];
const WORDS = 'the council vote budget minister said report data court ruling filed appeal agency officials emissions target hospital patients waiting list software outage network update election district turnout count ballots judge hearing tariff exports inflation rate bank housing market survey residents'.split(' ');
const CODE = ['`curl -s https://api.example.org/v1/results`', '`SELECT count(*) FROM ballots`', '`npm install`', '`status: 503`', '`git log --since=2026-05-01`'];

export function generateNewsroomCorpus(dir, n, seed = 17, { stories = 0 } = {}) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const words = (count) => Array.from({ length: count }, () => pick(WORDS));
  const sentence = () => {
    const w = words(9 + Math.floor(rand() * 12));
    w[0] = w[0][0].toUpperCase() + w[0].slice(1);
    // Inline markup in about one sentence in three: emphasis, strong, a link or inline code.
    const r = rand();
    const at = 1 + Math.floor(rand() * (w.length - 2));
    if (r < 0.1) w[at] = `*${w[at]}*`;
    else if (r < 0.2) w[at] = `**${w[at]}**`;
    else if (r < 0.28) w[at] = `[${w[at]} ${w[at + 1]}](https://news.example.org/${w[at]}/${Math.floor(rand() * 1000)})`;
    else if (r < 0.33) w[at] = pick(CODE);
    return `${w.join(' ')}.`;
  };
  const paragraph = () => Array.from({ length: 3 + Math.floor(rand() * 3) }, sentence).join(' ');
  const codeBlock = () => `\`\`\`${pick(['json', 'sh', 'sql', ''])}\n${Array.from({ length: 3 + Math.floor(rand() * 4) }, () => `${pick(WORDS)} = "${words(3).join(' ')}" # ${pick(WORDS)} <${pick(WORDS)}> & co`).join('\n')}\n\`\`\``;
  const body = () => {
    const parts = [];
    let count = 0;
    const target = 540 + Math.floor(rand() * 120);
    while (count < target) {
      const kind = rand();
      let block;
      if (kind < 0.12) block = `${rand() < 0.7 ? '##' : '###'} ${words(4 + Math.floor(rand() * 4)).join(' ')}`;
      else if (kind < 0.2) block = codeBlock();
      else if (kind < 0.27) block = Array.from({ length: 3 }, () => `- ${sentence()}`).join('\n');
      else if (kind < 0.31) block = `> ${sentence()}`;
      else block = paragraph();
      parts.push(block);
      count += block.split(/\s+/).length;
    }
    return parts.join('\n\n');
  };
  const fourTags = () => {
    const chosen = new Set();
    while (chosen.size < 4) chosen.add(pick(NEWSROOM_TAGS));
    return [...chosen];
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, '_story.md'),
    `---\nid: tag:newsroom.example.org,2026-01-01:newsroom\ntitle: Newsroom bench\ndescription: A generated newsroom-shaped story for benchmarks.\nhome_page: https://newsroom.example.org/live/\nfeed_base: https://newsroom.example.org/live/feeds/\nlanguage: en\nauthors: [Bench Desk]\nitem_limit: 50\n---\nA generated story.\n`,
  );
  const start = Date.parse('2026-05-01T00:00:00Z') - n * 600_000;
  for (let i = 0; i < n; i += 1) {
    const published = new Date(start + i * 600_000 + Math.floor(rand() * 500_000));
    writeFileSync(
      path.join(dir, `entry-${String(i).padStart(6, '0')}.md`),
      `---\nid: tag:newsroom.example.org,2026-01-01:newsroom/${i}\ntitle: "${words(7).join(' ')} (${i})"\npublished: ${published.toISOString().replace(/\.\d{3}Z$/, 'Z')}\nsummary: "${words(14).join(' ')}."\ntags: [${fourTags().join(', ')}]\n---\n${body()}\n`,
    );
  }
  if (stories > 0) splitIntoStories(dir, n, stories);
}

/** The entries, in order, into `stories` folders of n / stories each; `_story.md` becomes `_newsroom.md`. */
function splitIntoStories(dir, n, stories) {
  renameSync(path.join(dir, '_story.md'), path.join(dir, '_newsroom.md'));
  const per = Math.ceil(n / stories);
  for (let s = 0; s < stories; s += 1) {
    const slug = `story-${String(s + 1).padStart(3, '0')}`;
    mkdirSync(path.join(dir, slug));
    writeFileSync(path.join(dir, slug, '_story.md'), `---\nid: tag:newsroom.example.org,2026-01-01:${slug}\ntitle: Story ${s + 1}\ndescription: Generated story ${s + 1} of the newsroom bench.\n---\nA generated story.\n`);
    for (let i = s * per; i < Math.min(n, (s + 1) * per); i += 1) {
      const name = `entry-${String(i).padStart(6, '0')}.md`;
      renameSync(path.join(dir, name), path.join(dir, slug, name));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, n, seed, stories] = process.argv.slice(2);
  generateNewsroomCorpus(dir, Number(n), Number(seed ?? 17), { stories: Number(stories ?? 0) });
}
