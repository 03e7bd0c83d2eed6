/**
 * A SIGKILLed baler cannot remove its temp files: the hidden `.out.tar.gz.baler-tmp-<pid>-…` beside a
 * save's output (and its split parts), the temp dir holding a spooled stdin, temp blobs in the store.
 * The next run writing the same target (or spooling) removes those of dead processes and says so on
 * stderr; a live process's temp file is never touched, nor any other name; fsck notes the store's.
 * The killed process is stopped (SIGSTOP) first, so it cannot finish between seeing its temp and the kill.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { ownerTag } from '../../src/io/owner.js';
import { repoRoot } from '../helpers/paths.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
const started = new Set<ChildProcess>();
after(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await tmp.removeAll();
});

const escapeRe = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const REMOVED_FILES = (n: number, target: string): RegExp =>
  new RegExp(`^baler: removed ${n} leftover temp files? of an interrupted baler beside ${escapeRe(target)} \\([0-9.]+[kMG]?B\\)$`, 'm');
/** BALER_TMPDIR of the killed processes: their temp dirs stay out of the shared /tmp. */
let killedTmp = '';

/** `baler ARGS` as a child the test can stop and kill; stdin from `stdinFile` (a pipe) when given. */
function startBaler(args: readonly string[], o: { env?: NodeJS.ProcessEnv; stdinFile?: string } = {}): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', BALER_TMPDIR: killedTmp, ...o.env };
  delete env.BALER_STORE;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
    cwd: repoRoot,
    env,
    stdio: [o.stdinFile ? 'pipe' : 'ignore', 'ignore', 'ignore'],
  });
  started.add(child);
  if (o.stdinFile && child.stdin) {
    child.stdin.on('error', () => undefined); // EPIPE once it is killed
    createReadStream(o.stdinFile).pipe(child.stdin);
  }
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, child: ChildProcess): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (child.exitCode !== null) throw new Error(`${what}: baler exited (${child.exitCode}) first`);
    if (Date.now() > deadline) throw new Error(`${what}: not seen in 120s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** SIGSTOP (it cannot finish or clean up any more), then SIGKILL; resolves once it is reaped. */
async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGSTOP');
  child.kill('SIGKILL');
  await exited;
}

/** The image names an archive holds (loaded into a scratch store). */
async function imagesIn(archive: string): Promise<string[]> {
  const scratch = join(await tmp.make('baler-stale-check-'), 'store');
  await balerOk(['load', '-q', '--store', scratch, '-i', archive]);
  const ls = JSON.parse((await balerOk(['ls', '--json', '--store', scratch])).stdout) as Array<{ RepoTags: string[] }>;
  return ls.flatMap((i) => i.RepoTags).sort();
}

async function namesIn(dir: string, pattern: RegExp): Promise<string[]> {
  return (await readdir(dir)).filter((n) => pattern.test(n)).sort();
}

describe('leftovers of a SIGKILLed baler', () => {
  let store = '';
  let archive = '';

  before(async () => {
    const dir = await tmp.make('baler-stale-temp-');
    killedTmp = await tmp.make('baler-stale-killed-tmp-');
    const big = join(dir, 'big-root');
    const small = join(dir, 'small-root');
    await mkdir(big);
    await mkdir(small);
    await writeFile(join(big, 'a.bin'), randomBytes(24 * 1024 * 1024));
    await writeFile(join(big, 'b.bin'), randomBytes(24 * 1024 * 1024));
    await writeFile(join(small, 'hello.txt'), 'hello\n');
    store = join(dir, 'store');
    await balerOk(['import', '-q', '--store', store, big, 'stale/big:1']);
    await balerOk(['import', '-q', '--store', store, small, 'stale/small:1']);
    archive = join(dir, 'big.tar');
    await balerOk(['save', '-q', '--store', store, '-o', archive, 'stale/big:1']);
  });

  test("save -o: a rerun removes the killed save's temp file, says so, and writes a good archive; other names stay", async () => {
    const out = await tmp.make('baler-stale-out-');
    const target = join(out, 'out.tar.gz');
    const killed = startBaler(['save', '--store', store, '--compress', 'gzip', '-o', target, 'stale/big:1']);
    const temp = await waitFor('temp file', async () => (await namesIn(out, /^\.out\.tar\.gz\.baler-tmp-/))[0], killed);
    assert.match(temp, new RegExp(`^\\.out\\.tar\\.gz\\.baler-tmp-${killed.pid}-${ownerTag()}[0-9a-f]{8}$`), 'the temp name carries the owner pid and tag');
    await killHard(killed);
    // not baler's to remove: another target's, a name off the pattern, a symlink, a file of a live pid, and
    // a file whose (dead here) pid was taken on another host or in another pid namespace (io/owner.ts)
    const mine = ownerTag();
    const foreign = `.out.tar.gz.baler-tmp-${killed.pid}-${mine === 'ffff' ? '0000' : 'ffff'}01234567`;
    const decoys = [`.other.tar.baler-tmp-${killed.pid}-${mine}01234567`, '.out.tar.gz.baler-tmp-notapid', '.out.tar.gz.mine', `.out.tar.gz.baler-tmp-${process.pid}-${mine}01234567`, foreign];
    for (const d of decoys) await writeFile(join(out, d), 'keep');
    await symlink('/etc/hostname', join(out, `.out.tar.gz.baler-tmp-${killed.pid}-${mine}ba5eba11`));
    const args = ['save', '--store', store, '-o', target, 'stale/small:1'];
    const r = await runBaler(args);
    assert.equal(r.code, ExitCode.ok, describeRun(args, r));
    assert.match(r.stderr, REMOVED_FILES(1, target), describeRun(args, r));
    assert.match(r.stderr, /^baler: warning: 1 temp file beside .*out\.tar\.gz \(.*\) belongs to a baler on another host or in another pid namespace, which cannot be checked from here; delete it if no baler is writing out\.tar\.gz$/m, describeRun(args, r));
    assert.deepEqual(await namesIn(out, /./), [...decoys, `.out.tar.gz.baler-tmp-${killed.pid}-${mine}ba5eba11`, 'out.tar.gz'].sort());
    const v = await runBaler(['verify', '-q', target]);
    assert.equal(v.code, ExitCode.ok, describeRun(['verify', target], v));
    assert.deepEqual(await imagesIn(target), ['stale/small:1']);
  });

  test('save --split: a rerun to the same set name removes every part temp of the killed save', async () => {
    const out = await tmp.make('baler-stale-split-');
    const target = join(out, 'set.tar.gz');
    const killed = startBaler(['save', '--store', store, '--compress', 'gzip', '--split', '4M', '-o', target, 'stale/big:1']);
    await waitFor('third part temp', async () => ((await namesIn(out, /^\.set\.tar\.gz\.003\.baler-tmp-/)).length ? true : undefined), killed);
    await killHard(killed);
    const left = await namesIn(out, /baler-tmp-/);
    assert.ok(left.length >= 3, `part temps left: ${left.join(', ')}`);
    const args = ['save', '--store', store, '--compress', 'gzip', '--split', '4M', '-o', target, 'stale/small:1'];
    const r = await runBaler(args);
    assert.equal(r.code, ExitCode.ok, describeRun(args, r));
    assert.match(r.stderr, REMOVED_FILES(left.length, target), describeRun(args, r));
    assert.deepEqual(await namesIn(out, /./), ['set.baler.json', 'set.tar.gz.001']);
    const v = await runBaler(['verify', '-q', join(out, 'set.baler.json')]);
    assert.equal(v.code, ExitCode.ok, describeRun(['verify', 'set.baler.json'], v));
  });

  test("a live save's temp file is left alone by another save to the same name, and removed once that save is dead", async () => {
    const out = await tmp.make('baler-stale-live-');
    const target = join(out, 'out.tar');
    const live = startBaler(['save', '--store', store, '--compress', 'gzip', '-o', target, 'stale/big:1']);
    const temp = await waitFor('temp file', async () => (await namesIn(out, /^\.out\.tar\.baler-tmp-/))[0], live);
    live.kill('SIGSTOP'); // alive, but it cannot finish while we look
    try {
      const args = ['save', '--store', store, '-o', target, 'stale/small:1'];
      const r = await runBaler(args);
      assert.equal(r.code, ExitCode.ok, describeRun(args, r));
      assert.doesNotMatch(r.stderr, /leftover/, describeRun(args, r));
      assert.ok(await stat(join(out, temp)).then(() => true, () => false), 'the live save temp file is still there');
    } finally {
      await killHard(live);
    }
    const args = ['save', '--store', store, '-o', target, 'stale/small:1'];
    const r = await runBaler(args);
    assert.equal(r.code, ExitCode.ok, describeRun(args, r));
    assert.match(r.stderr, REMOVED_FILES(1, target), describeRun(args, r));
    assert.deepEqual(await namesIn(out, /./), ['out.tar']);
  });

  test("load -i - (spooled stdin): the next spooling baler removes a dead baler's temp dir, never a live one's", async () => {
    const balerTmp = await tmp.make('baler-stale-tmpdir-');
    const env = { BALER_TMPDIR: balerTmp };
    const spoolOf = async (child: ChildProcess): Promise<string> =>
      waitFor(
        'spooled stdin',
        async () => {
          for (const d of await readdir(balerTmp)) {
            const st = await stat(join(balerTmp, d, 'archive.tar')).catch(() => undefined);
            if (st && st.size > 1024 * 1024 && d.startsWith(`baler-archive-${child.pid}-h${ownerTag()}.`)) return d;
          }
          return undefined;
        },
        child,
      );
    const scratchStore = async (): Promise<string> => join(await tmp.make('baler-stale-load-'), 'store');
    // the live one first: a baler that spools sweeps too, so it would remove the dead one's itself
    const live = startBaler(['load', '--store', await scratchStore(), '-i', '-'], { env, stdinFile: archive });
    const alive = await spoolOf(live);
    live.kill('SIGSTOP');
    try {
      const killed = startBaler(['load', '--store', await scratchStore(), '-i', '-'], { env, stdinFile: archive });
      const dead = await spoolOf(killed);
      await killHard(killed);
      assert.deepEqual(await readdir(balerTmp).then((n) => n.sort()), [alive, dead].sort());
      // not baler's temp dirs: off the name pattern, or a symlink (its target must survive too)
      const elsewhere = await tmp.make('baler-stale-elsewhere-');
      await writeFile(join(elsewhere, 'precious'), 'keep');
      // and one whose (dead here) pid was taken on another host or in another pid namespace
      const foreignDir = `baler-archive-${killed.pid}-h${ownerTag() === 'ffff' ? '0000' : 'ffff'}.Abc123`;
      const decoys = [`baler-archive-${killed.pid}.abc`, `notbaler-${killed.pid}.abcdef`, `baler-archive-${killed.pid}`, foreignDir];
      for (const d of decoys) await mkdir(join(balerTmp, d));
      await symlink(elsewhere, join(balerTmp, `baler-archive-${killed.pid}.Sym1nk`));
      const args = ['load', '--store', await scratchStore(), '-i', '-'];
      const r = await runBaler(args, { env, input: { file: archive } });
      assert.equal(r.code, ExitCode.ok, describeRun(args, r));
      assert.match(r.stderr, new RegExp(`^baler: removed 1 leftover temp dir of an interrupted baler in ${escapeRe(balerTmp)} \\([0-9.]+MB\\)$`, 'm'), describeRun(args, r));
      assert.deepEqual((await readdir(balerTmp)).sort(), [alive, ...decoys, `baler-archive-${killed.pid}.Sym1nk`].sort(), `${dead} removed, the live ${alive} kept`);
      assert.deepEqual(await readdir(elsewhere), ['precious']);
    } finally {
      await killHard(live);
    }
  });

  test('fsck notes the temp blobs a killed load left in the store (not a failure) and points to prune', async () => {
    let scratch = '';
    // the layer's temp blob exists only while it is copied: try again should the load win the race
    for (let attempt = 0; ; attempt++) {
      scratch = join(await tmp.make('baler-stale-fsck-'), 'store');
      const blobs = join(scratch, 'blobs', 'sha256');
      const killed = startBaler(['load', '--store', scratch, '-i', archive]);
      const seen = await waitFor('temp blob', async () => ((await readdir(blobs).catch(() => [])).some((n) => n.startsWith('.baler-tmp-')) ? true : undefined), killed).catch((err: Error) => {
        if (attempt >= 4) throw err;
        return false;
      });
      if (seen) {
        await killHard(killed);
        break;
      }
    }
    const r = await runBaler(['fsck', '--store', scratch]);
    assert.equal(r.code, ExitCode.ok, describeRun(['fsck'], r));
    assert.match(r.stdout, /^note: \d+ temp files? \([0-9.]+[kMG]?B\) left in blobs\/sha256 by interrupted writes; 'baler prune' removes them$/m, describeRun(['fsck'], r));
    assert.match(r.stdout, /: OK \(/);
    const json = JSON.parse((await balerOk(['fsck', '--json', '--store', scratch])).stdout) as { Ok: boolean; StaleTempFiles: number };
    assert.equal(json.Ok, true);
    assert.ok(json.StaleTempFiles > 0);
    await balerOk(['prune', '--store', scratch]);
    const after = await runBaler(['fsck', '--store', scratch]);
    assert.doesNotMatch(after.stdout, /note: .*temp/, describeRun(['fsck'], after));
  });
});
