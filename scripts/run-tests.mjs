#!/usr/bin/env node
// Node 20's test runner does not glob .ts files itself, so collect them and pass them explicitly.
// Usage: node scripts/run-tests.mjs [DIR|FILE]...   (default: test/)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(p) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) if (name !== 'node_modules' && name !== 'fixtures') walk(join(p, name));
  } else if (/\.test\.tsx?$/.test(p)) files.push(p);
}
for (const r of roots.length ? roots : ['test']) walk(r);
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
// baler remembers verified layer pairs in a user cache (src/pipeline/verified-diff-ids.ts): tests get a
// private one, so they neither read what earlier runs left nor fill the user's ~/.cache
const cache = process.env.BALER_CACHE_DIR ? undefined : mkdtempSync(join(tmpdir(), 'baler-test-cache-'));
const env = cache ? { ...process.env, BALER_CACHE_DIR: cache } : process.env;
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...passThrough, ...files], { stdio: 'inherit', env });
if (cache) rmSync(cache, { recursive: true, force: true });
process.exit(res.status ?? 1);
