// The pages' one stylesheet, written once as `style.css` beside index.html. Light and dark schemes
// (prefers-color-scheme); every colour pair meets WCAG 2.2 AA contrast (axe-core checks both).
// Headings shrink with their level (h1 > h2 > h3 > h4), so the outline reads the same as it looks.

export const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fdfdfc; --muted: #595959; --rule: #d6d6d6; --accent: #0b57d0; --live: #b3261e; --panel: #f1f1ef; --warn-bg: #fff4ce; --warn-fg: #4d3800; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececec; --bg: #141414; --muted: #b3b3b3; --rule: #3a3a3a; --accent: #8ab4f8; --live: #ff8a80; --panel: #232323; --warn-bg: #3d3200; --warn-fg: #ffe7a3; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 44rem; margin: 0 auto; padding: .5rem 1.25rem; }
h1 { font-size: 1.85rem; line-height: 1.2; margin: .25rem 0 .5rem; }
h2 { font-size: 1.4rem; line-height: 1.3; margin: 1.75rem 0 .75rem; }
h3 { font-size: 1.2rem; line-height: 1.3; margin: 0 0 .25rem; }
h4, h5, h6 { font-size: 1.05rem; margin: 1rem 0 .25rem; }
main > h2:first-child { margin-top: .75rem; }
a { color: var(--accent); }
img { max-width: 100%; height: auto; }
.crumbs { margin: .5rem 0 0; font-size: .95rem; }
.status { margin: .5rem 0 0; color: var(--muted); font-size: .95rem; }
.status strong { color: var(--live); text-transform: uppercase; letter-spacing: .04em; font-size: .85rem; }
.status strong::before { content: ""; display: inline-block; width: .55rem; height: .55rem; margin-right: .4rem; border-radius: 50%; background: currentColor; }
.status strong.ended { color: var(--muted); }
.status strong.ended::before { display: none; }
.lede { margin: 0 0 .5rem; }
.follow { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 .75rem; margin: .25rem 0 .5rem; font-size: .95rem; color: var(--muted); }
.follow > a { font-weight: 600; }
.follow details { flex-basis: 100%; }
.follow summary { cursor: pointer; color: var(--accent); width: max-content; }
.follow ul { list-style: none; margin: .25rem 0 .5rem; padding: 0; }
.follow li { display: grid; grid-template-columns: 5.5rem minmax(0, 1fr) auto; gap: .5rem; align-items: center; margin: .3rem 0; }
.follow input { min-width: 0; font: inherit; font-size: .9rem; padding: .25rem .4rem; color: var(--fg); background: var(--bg); border: 1px solid var(--rule); border-radius: .25rem; }
.follow button { font: inherit; font-size: .9rem; padding: .25rem .75rem; border-radius: .25rem; border: 1px solid var(--accent); background: var(--accent); color: var(--bg); cursor: pointer; }
.follow button[hidden] { display: none; }
.summary { border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); padding-bottom: .5rem; }
ol.timeline { list-style: none; margin: 0; padding: 0; }
ol.timeline > li { border-left: 3px solid var(--rule); padding: 0 0 1.5rem 1rem; margin: 0 0 0 .25rem; }
ol.timeline > li:first-child { border-left-color: var(--accent); }
.meta { color: var(--muted); font-size: .95rem; margin: 0 0 .5rem; }
.byline { color: var(--fg); }
.tags { list-style: none; display: flex; flex-wrap: wrap; gap: .4rem; padding: 0; margin: .5rem 0 0; }
.tags li { border: 1px solid var(--rule); border-radius: 1rem; padding: 0 .6rem; font-size: .875rem; }
.retracted { color: var(--muted); }
.notice { background: var(--warn-bg); color: var(--warn-fg); padding: .5rem .75rem; border-radius: .25rem; }
figure { margin: .75rem 0; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .25rem; }
.credit { font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; }
table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; margin: 1rem 0; font-size: .95rem; }
th, td { border: 1px solid var(--rule); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
code { background: var(--panel); padding: .1em .3em; border-radius: .2rem; }
pre { background: var(--panel); padding: .75rem 1rem; overflow-x: auto; border-radius: .25rem; }
pre code { background: none; padding: 0; }
blockquote { margin: 1rem 0; padding: .25rem 1rem; border-left: 4px solid var(--accent); background: var(--panel); }
footer { color: var(--muted); font-size: .9rem; border-top: 1px solid var(--rule); margin-top: 1rem; }
`.trimStart();
