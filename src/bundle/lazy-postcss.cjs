// Bundle-time stand-in for postcss (esbuild.config.mjs). sanitize-html requires postcss when it
// loads, to parse style attributes, which storyfeed's allowlist never lets through
// (src/core/markdown.ts): loading postcss and source-map-js cost every run ~10 ms for code that
// never runs. Should anything call it, the real package is loaded then.
'use strict';
const load = (name) => require(name);
exports.parse = (...args) => load(['post', 'css'].join('')).parse(...args);
