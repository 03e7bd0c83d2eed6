// Runs the CommonJS bundle dist/bundle/cli.cjs (scripts/bundle.ts) with a V8 code cache, the way
// v8-compile-cache does for CommonJS: Node 20 has no compile cache (NODE_COMPILE_CACHE is Node 22) and
// user code cannot hand V8 cached data for an ES module, so the bundle of every verb is CommonJS and
// compiled here with vm.Script. The cache FILE.v8cache is recorded at build time (`npm run build`);
// nothing is written at run time, so a read-only install works the same.
//
// A cache is only a speed-up and must never change what runs, so it is used only when it is exactly the
// one recorded for these bundle bytes: a header holds the sha256 of the bundle it was made from and of the
// V8 data (V8 itself checks only its version, its flags and the source LENGTH, and crashes on a damaged
// cache). A missing, stale, damaged or rejected cache is ignored and the bundle is compiled from source;
// with BALER_DEBUG=1 the reason is printed on stderr.
//
// CommonJS, like every file in bin/ (bin/package.json): node starts a CommonJS main ~15 ms sooner than an
// ES module one, and then never loads its ES module loader for a verb.
'use strict';
const { isAscii } = require('node:buffer');
const { readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

const MAGIC = Buffer.from('baler-v8-code-cache-1\n');
const HASH_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 2 * HASH_BYTES;
// CommonJS's own wrapper, so the bundle sees exactly what node would give a .cjs file.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_TAIL = '\n});';

// node:crypto loads only when a cache is checked (not for the TUI path, which never gets here)
const sha256 = (bytes) => require('node:crypto').createHash('sha256').update(bytes).digest();

/** The cache file for a bundle. */
const cacheFileFor = (bundlePath) => `${bundlePath}.v8cache`;

/**
 * The V8 data in `cacheBytes` when it was recorded for exactly `bundleBytes`; else a reason it is not usable.
 * @param {Buffer} bundleBytes
 * @param {Buffer} cacheBytes
 * @returns {{ data: Buffer } | { reason: string }}
 */
function validCacheData(bundleBytes, cacheBytes) {
  if (cacheBytes.length <= HEADER_BYTES || !cacheBytes.subarray(0, MAGIC.length).equals(MAGIC)) return { reason: 'not a baler code cache, or truncated' };
  const forBundle = cacheBytes.subarray(MAGIC.length, MAGIC.length + HASH_BYTES);
  const dataHash = cacheBytes.subarray(MAGIC.length + HASH_BYTES, HEADER_BYTES);
  const data = cacheBytes.subarray(HEADER_BYTES);
  if (!forBundle.equals(sha256(bundleBytes))) return { reason: 'recorded for another build of the bundle' };
  if (!dataHash.equals(sha256(data))) return { reason: 'damaged (checksum mismatch)' };
  return { data };
}

/** A cache file's bytes for `data` recorded from `bundleBytes`. */
function cacheFileBytes(bundleBytes, data) {
  return Buffer.concat([MAGIC, sha256(bundleBytes), sha256(data), data]);
}

function compile(bundlePath, bundleBytes, cachedData) {
  const options = { filename: bundlePath, ...(cachedData ? { cachedData } : {}) };
  // import() of a real module (none in the bundle today: esbuild turns its own into require) goes to
  // node's ES module loader, as it would from a .cjs file; the constant exists from Node 20.12.
  if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER) options.importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  // an ASCII file (scripts/bundle.ts makes one) reads as latin1 several times faster than as UTF-8
  const source = isAscii(bundleBytes) ? bundleBytes.toString('latin1') : bundleBytes.toString('utf8');
  return new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, options);
}

/** Evaluates the compiled bundle as a CommonJS module; returns its module.exports. */
function evaluate(script, bundlePath) {
  const bundleModule = { exports: {}, id: bundlePath, filename: bundlePath, loaded: false };
  script.runInThisContext().call(bundleModule.exports, bundleModule.exports, createRequire(bundlePath), bundleModule, bundlePath, dirname(bundlePath));
  bundleModule.loaded = true;
  return bundleModule.exports;
}

/**
 * Runs the bundle (its entry starts baler at once, from process.argv); false when the bundle file cannot
 * be read, so the caller can start another build.
 * @param {string} bundlePath
 */
function runCachedBundle(bundlePath) {
  let bundleBytes;
  try {
    bundleBytes = readFileSync(bundlePath);
  } catch {
    return false;
  }
  let cached;
  try {
    cached = validCacheData(bundleBytes, readFileSync(cacheFileFor(bundlePath)));
  } catch (err) {
    cached = { reason: err?.code === 'ENOENT' ? 'missing' : `unreadable (${err?.code ?? err})` };
  }
  const script = compile(bundlePath, bundleBytes, 'data' in cached ? cached.data : undefined);
  const reason = 'reason' in cached ? cached.reason : script.cachedDataRejected ? 'rejected by V8 (another node version or V8 flags)' : undefined;
  if (reason !== undefined && process.env.BALER_DEBUG === '1') process.stderr.write(`baler: debug: V8 code cache ${cacheFileFor(bundlePath)} not used: ${reason}\n`);
  evaluate(script, bundlePath);
  return true;
}

/**
 * Build step (scripts/bundle.ts, in a fresh `node` so V8's flags match a user's): runs the bundle once
 * per argument list, which compiles what those commands execute, then writes the code cache atomically.
 * The bundle's entry exports `done`, the promise of one baler run. Resolves to each run's exit status.
 * @param {string} bundlePath
 * @param {readonly (readonly string[])[]} runs
 * @returns {Promise<number[]>}
 */
async function recordCodeCache(bundlePath, runs) {
  const bundleBytes = readFileSync(bundlePath);
  const script = compile(bundlePath, bundleBytes, undefined);
  const statuses = [];
  // each run is a fresh evaluation of the bundle: drop the handlers the previous one installed
  const events = ['SIGINT', 'SIGTERM'];
  const before = events.map((e) => process.listeners(e));
  for (const args of runs) {
    process.argv = [process.execPath, bundlePath, ...args];
    process.exitCode = 0;
    await evaluate(script, bundlePath).done;
    statuses.push(Number(process.exitCode ?? 0));
    events.forEach((e, i) => process.listeners(e).filter((l) => !before[i].includes(l)).forEach((l) => process.off(e, l)));
  }
  process.exitCode = 0;
  const target = cacheFileFor(bundlePath);
  const temp = `${target}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, cacheFileBytes(bundleBytes, script.createCachedData()));
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  return statuses;
}

module.exports = { runCachedBundle, recordCodeCache };
