#!/usr/bin/env node
/**
 * `npm ci`/`npm install` step (package.json "install"): builds the optional ISA-L addon (native/isal:
 * gunzip and CRC-64) with the node-gyp that ships with npm. It needs libisal's headers (Debian:
 * `apt-get install libisal-dev`) and a C compiler. When it cannot build, baler uses node's zlib and a
 * WebAssembly CRC-64 instead (src/codecs/isal-addon.ts), so this step never fails the install: it says why
 * in one line.
 * BALER_SKIP_NATIVE=1 skips it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'native', 'isal');
const say = (line) => process.stderr.write(`baler: ${line}\n`);

function nodeGyp() {
  // npm sets npm_config_node_gyp for the scripts it runs; otherwise use the copy inside npm itself
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && existsSync(c));
}

function main() {
  if (process.env.BALER_SKIP_NATIVE === '1') return say('BALER_SKIP_NATIVE=1: ISA-L addon not built; using node\'s zlib and a WebAssembly CRC-64');
  const gyp = nodeGyp();
  if (!gyp) return say('node-gyp not found: ISA-L addon not built; using node\'s zlib and a WebAssembly CRC-64');
  const args = [gyp, 'rebuild'];
  // node-gyp downloads node's headers unless told where they are; this node's own install has them
  const headers = join(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(headers, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${headers}`);
  const r = spawnSync(process.execPath, args, { cwd: addonDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return say('built the ISA-L addon (native/isal)');
  rmSync(join(addonDir, 'build'), { recursive: true, force: true });
  const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const why = /isa-l[^\s]*\.h: No such file/i.test(output)
    ? 'libisal headers missing (apt-get install libisal-dev)'
    : (output.split('\n').find((l) => /error/i.test(l)) ?? `node-gyp exit ${r.status}`).trim();
  say(`ISA-L addon not built (${why}); using node's zlib and a WebAssembly CRC-64`);
}

main();
