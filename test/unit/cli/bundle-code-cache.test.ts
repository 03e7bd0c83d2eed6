import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../helpers/paths.js';
import { runBaler } from '../../helpers/run-baler.js';
import { runProcess, type ProcessResult } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

/**
 * What `npm run build` ships, built into a scratch install (bin/, dist/bundle/, node_modules): bin/baler.js
 * runs verbs from dist/bundle/cli.cjs with the V8 code cache recorded by scripts/bundle.ts, which must
 * only ever make baler start faster: a damaged, stale, truncated, unreadable or V8-rejected cache is
 * ignored (BALER_DEBUG=1 says why) and the command does what the source CLI does.
 */
const tmp = new TempDirs();
after(() => tmp.removeAll());

let install = '';
let bundleDir = '';
let cacheFile = '';
let goodCache: Buffer;

function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of ['BALER_STORE', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT']) delete env[k];
  if (extra.BALER_DEBUG === undefined) delete env.BALER_DEBUG;
  return env;
}

/** `baler ARGS` as a user runs it: node bin/baler.js, no TTY. */
function installed(args: readonly string[], opts: { debug?: boolean; nodeFlags?: readonly string[] } = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, [...(opts.nodeFlags ?? []), join(install, 'bin', 'baler.js'), ...args], {
    env: childEnv(opts.debug ? { BALER_DEBUG: '1' } : {}),
    cwd: install,
    timeoutMs: 120_000,
  });
}

const cacheNote = /V8 code cache .* not used: (.*)/;

async function versionWith(cache: Buffer | undefined, nodeFlags: readonly string[] = []): Promise<ProcessResult> {
  await rm(cacheFile, { recursive: true, force: true });
  if (cache) await writeFile(cacheFile, cache);
  return installed(['--version'], { debug: true, nodeFlags });
}

before(async () => {
  install = await tmp.make('baler-bundle-');
  bundleDir = join(install, 'dist', 'bundle');
  cacheFile = join(bundleDir, 'cli.cjs.v8cache');
  await mkdir(join(install, 'bin'));
  for (const f of ['baler.js', 'run-cached-bundle.js', 'package.json']) await copyFile(join(repoRoot, 'bin', f), join(install, 'bin', f));
  await copyFile(join(repoRoot, 'package.json'), join(install, 'package.json'));
  await symlink(join(repoRoot, 'node_modules'), join(install, 'node_modules'));
  const built = await runProcess(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'bundle.ts'), '--outdir', bundleDir], {
    cwd: repoRoot,
    env: childEnv(),
    timeoutMs: 300_000,
  });
  assert.equal(built.code, 0, `bundle.ts failed:\n${built.stderr}`);
  goodCache = await readFile(cacheFile);
});

describe('bin/baler.js with the CommonJS bundle and its V8 code cache', () => {
  it('uses the cache the build recorded', async () => {
    const r = await versionWith(goodCache);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'baler 0.1.0\n');
    assert.doesNotMatch(r.stderr, cacheNote);
  });

  it('runs verbs from the bundle as the source CLI runs them', async () => {
    const work = await tmp.make();
    const rootfs = join(work, 'rootfs');
    await mkdir(rootfs);
    await writeFile(join(rootfs, 'a.txt'), 'bundle check\n');
    const store = join(work, 'store');
    const imported = await installed(['import', '-q', '--store', store, rootfs, 'bundled/img:1']);
    assert.equal(imported.code, 0, imported.stderr);
    const archive = join(work, 'img.tar.zst'); // zstd: the native addon loads through the bundle's own require
    const saved = await installed(['save', '-q', '--store', store, '-o', archive, 'bundled/img:1']);
    assert.equal(saved.code, 0, saved.stderr);
    const verified = await runBaler(['verify', archive]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /OK \(1 image/);
    for (const args of [['--help'], ['save', '--help'], ['inspect', '--json', '--store', store, 'bundled/img:1'], ['nosuch'], ['inspect', '--store', store, 'missing:1']]) {
      const [fromBundle, fromSource] = await Promise.all([installed(args), runBaler(args, { cwd: install })]);
      assert.deepEqual({ code: fromBundle.code, stdout: fromBundle.stdout, stderr: fromBundle.stderr }, { code: fromSource.code, stdout: fromSource.stdout, stderr: fromSource.stderr }, args.join(' '));
    }
  });

  it('starts the ES module bundle when no verb is given (the TUI path; top help without a terminal)', async () => {
    const [fromBundle, fromSource] = await Promise.all([installed(['--no-tui']), runBaler(['--no-tui'])]);
    assert.equal(fromBundle.code, 0, fromBundle.stderr);
    assert.equal(fromBundle.stdout, fromSource.stdout);
    assert.match(fromBundle.stdout, /^Usage: baler COMMAND/);
  });

  const damaged: [string, () => Buffer, RegExp][] = [
    ['a flipped byte in the V8 data (V8 would crash on it)', () => flip(goodCache, goodCache.length - 4096), /damaged/],
    ['a flipped byte in the middle', () => flip(goodCache, goodCache.length >> 1), /damaged/],
    ['a truncated file', () => goodCache.subarray(0, goodCache.length >> 1), /damaged/],
    ['a header only', () => goodCache.subarray(0, 40), /not a baler code cache/],
    ['an empty file', () => Buffer.alloc(0), /not a baler code cache/],
    ['raw V8 data without baler header', () => goodCache.subarray(86), /not a baler code cache/],
  ];
  for (const [what, bytes, reason] of damaged) {
    it(`ignores a cache with ${what}`, async () => {
      const r = await versionWith(bytes());
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'baler 0.1.0\n');
      assert.match(r.stderr, cacheNote);
      assert.match(r.stderr, reason);
    });
  }

  it('ignores a missing or unreadable cache', async () => {
    const missing = await versionWith(undefined);
    assert.equal(missing.stdout, 'baler 0.1.0\n');
    assert.match(missing.stderr, /not used: missing/);
    await mkdir(cacheFile); // EISDIR when read
    const r = await installed(['--version'], { debug: true });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'baler 0.1.0\n');
    assert.match(r.stderr, /not used: unreadable \(EISDIR\)/);
  });

  it('ignores a cache V8 rejects (recorded under other V8 flags)', async () => {
    const r = await versionWith(goodCache, ['--stack-size=900']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'baler 0.1.0\n');
    assert.match(r.stderr, /not used: rejected by V8/);
  });

  it('ignores a cache recorded for another build of the bundle, even of the same length', async () => {
    const bundle = join(bundleDir, 'cli.cjs');
    const original = await readFile(bundle);
    // same length, other code: V8 alone would take the cache (it checks the source length only)
    const changed = Buffer.from(original.toString('latin1').replace('Usage: baler COMMAND', 'Usage: BALER COMMAND'), 'latin1');
    assert.equal(changed.length, original.length);
    assert.ok(!changed.equals(original), 'the top help text is in cli.cjs');
    try {
      await writeFile(bundle, changed);
      const r = await versionWith(goodCache);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'baler 0.1.0\n');
      assert.match(r.stderr, /not used: recorded for another build of the bundle/);
      const help = await installed(['--help']);
      assert.match(help.stdout, /^Usage: BALER COMMAND/, 'the edited bundle is what ran');
    } finally {
      await writeFile(bundle, original);
    }
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x5a;
  return copy;
}
