// Bundle-time stand-in for js-yaml (esbuild.config.mjs). gray-matter requires js-yaml when it loads,
// for its default YAML engine, which storyfeed replaces (src/core/front-matter.ts): loading and
// compiling it cost every run ~10 ms for code that never runs. Should anything call it, the real
// package is loaded then.
'use strict';
const load = (name) => require(name);
const real = () => load(['js', 'yaml'].join('-'));
exports.safeLoad = (...args) => real().safeLoad(...args);
exports.safeDump = (...args) => real().safeDump(...args);
