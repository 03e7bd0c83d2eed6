#!/usr/bin/env node
// Starts baler from the fastest build that is up to date (scripts/bundle.ts makes both bundles):
// - a verb or option first (`baler save …`, `baler --version`): dist/bundle/cli.cjs, one CommonJS file
//   compiled with the V8 code cache recorded by the build (run-cached-bundle.js);
// - no verb (the TUI, or the top help), or no cli.cjs: the ES module bundle dist/bundle/main.js, whose
//   TUI chunk (Ink, React) loads only when the TUI opens;
// - the plain tsc output dist/cli/main.js when it is newer than the bundle.
// CommonJS (bin/package.json): node starts a CommonJS main ~15 ms sooner than an ES module one.
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { runCachedBundle } = require('./run-cached-bundle.js');

const dist = join(__dirname, '..', 'dist');
const mtime = (p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = mtime(join(dist, 'bundle', 'main.js')) >= mtime(join(dist, 'cli', 'main.js'));
// With anything but --no-tui or --store first, main-process.ts's noVerbInvocation finds a verb and never
// opens the TUI, which cli.cjs leaves out.
const first = process.argv[2];
const verbFirst = first !== undefined && first !== '--no-tui' && first !== '--store' && !first.startsWith('--store=');
if (!(bundled && verbFirst && runCachedBundle(join(dist, 'bundle', 'cli.cjs')))) {
  import(pathToFileURL(join(dist, bundled ? 'bundle' : 'cli', 'main.js')).href);
}
