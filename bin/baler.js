#!/usr/bin/env node
// The esbuild bundle (scripts/bundle.ts) starts faster; it is used unless plain tsc output is newer.
import { statSync } from 'node:fs';
const mtime = (p) => statSync(new URL(p, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = mtime('../dist/bundle/main.js') >= mtime('../dist/cli/main.js');
import(bundled ? '../dist/bundle/main.js' : '../dist/cli/main.js');
