// The reference point: a naive script with the same packages — gray-matter, a Markdown
// renderer (markdown-it, already a dependency, stands in for marked), feed — writing one RSS and
// one Atom file with every entry, no sanitizing, no archives, no tags, no validation.
// Usage: node test/bench/naive.mjs <entries> <out>
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Feed } from 'feed';
import matter from 'gray-matter';
import MarkdownIt from 'markdown-it';

const [dir, out] = process.argv.slice(2);
const md = new MarkdownIt();
const feed = new Feed({ id: 'tag:newsroom.example.org,2026:bench', title: 'Benchmark story', link: 'https://newsroom.example.org/bench/', copyright: '', updated: new Date(0) });
for (const name of readdirSync(dir).sort()) {
  if (name.startsWith('_')) continue;
  const { data, content } = matter(readFileSync(path.join(dir, name), 'utf8'), {});
  if (data.draft) continue;
  feed.addItem({ id: data.id, title: data.title, link: `https://newsroom.example.org/bench/#${name}`, date: new Date(data.published), content: md.render(content) });
}
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'rss.xml'), feed.rss2());
writeFileSync(path.join(out, 'atom.xml'), feed.atom1());
