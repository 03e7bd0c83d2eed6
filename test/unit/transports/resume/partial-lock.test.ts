/**
 * Two `save --resume -o FILE` runs cannot write one partial file at once: the second, a real process,
 * fails with one line naming the first one's pid (exit 7) while the first (paused with SIGSTOP while it
 * holds the lock, so the overlap is certain) then finishes to the same bytes as a clean save. A lock
 * left by a process that no longer runs is taken over.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownerTag } from '../../../../src/io/owner.js';
import { lockPartial, lockPathFor } from '../../../../src/transports/resume/partial-lock.js';
import { balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { dockerArchiveParts, writeTar } from '../../../helpers/image-archives.js';
import { repoRoot } from '../../../helpers/paths.js';
import { describeRun, runBaler } from '../../../helpers/run-baler.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
let dir = '';
let store = '';
before(async () => {
  dir = await tmp.make();
  store = join(dir, 'store');
  const { entries } = dockerArchiveParts('slow:1', Array.from({ length: 4 }, (_, i) => writeTar([{ name: `f${i}.bin`, data: randomBytes(2 * 1024 * 1024) }])));
  await writeFile(join(dir, 'src.tar'), writeTar(entries));
  await balerInProcessOk(['load', '--store', store, '-i', 'src.tar'], dir);
  await balerInProcessOk(['save', '--store', store, '--layers', 'gzip', '-o', 'clean.tar', 'slow:1'], dir);
});
after(() => tmp.removeAll());

/** A pid that surely does not run: a process that already exited. */
function deadPid(): number {
  const r = spawnSync('true');
  assert.equal(r.status, 0);
  return r.pid as number;
}

test('a second save --resume to the same file, while the first holds it, fails naming the first; the first completes', async () => {
  const args = ['save', '--store', store, '--resume', '--layers', 'gzip', '-o', 'k.tar', 'slow:1'];
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_TEST_CONTEXT;
  delete env.BALER_STORE;
  const first = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args], { cwd: dir, env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
  let stopped = false;
  try {
    const lock = lockPathFor(join(dir, 'k.tar'));
    for (let i = 0; i < 6000 && !existsSync(lock); i++) await sleep(5);
    assert.ok(existsSync(lock), 'the first save never took the lock');
    first.kill('SIGSTOP');
    stopped = true;
    assert.equal((await readFile(lock, 'utf8')).trim(), `${first.pid} ${ownerTag()}`);

    const second = await runBaler(args, { cwd: dir });
    assert.equal(second.code, 7, describeRun(args, second));
    assert.equal(second.stderr, `baler: ${join(dir, 'k.tar.baler-partial')}: another baler (pid ${first.pid}) is writing it; wait for it to end, or remove ${lock} if that process is not baler\n`);
    // a save without --resume must not delete the partial under the first one either
    const plain = await runBaler(['save', '--store', store, '-o', 'k.tar', 'slow:1'], { cwd: dir });
    assert.equal(plain.code, 7, describeRun(['save'], plain));

    first.kill('SIGCONT');
    stopped = false;
    assert.equal(await exited, 0, 'the first save failed');
  } finally {
    if (stopped) first.kill('SIGCONT');
    if (first.exitCode === null) first.kill('SIGKILL');
  }
  assert.ok((await readFile(join(dir, 'k.tar'))).equals(await readFile(join(dir, 'clean.tar'))), 'the archive differs from a clean save');
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('k.tar')), ['k.tar'], 'no partial, journal or lock is left');
});

test('a lock left by a process that no longer runs (or holding no pid) is taken over', async () => {
  const output = join(dir, 's.tar');
  await writeFile(lockPathFor(output), `${deadPid()} ${ownerTag()}\n`);
  await balerInProcessOk(['save', '--store', store, '--resume', '--layers', 'gzip', '-o', 's.tar', 'slow:1'], dir);
  assert.ok((await readFile(output)).equals(await readFile(join(dir, 'clean.tar'))));
  assert.ok(!existsSync(lockPathFor(output)));

  await writeFile(lockPathFor(output), 'garbage');
  const held = await lockPartial(output);
  assert.equal(await readFile(lockPathFor(output), 'utf8'), `${process.pid} ${ownerTag()}\n`);
  // held by a live process (this one): a second taker is refused, and release() lets the next one in
  await assert.rejects(lockPartial(output), (e: Error & { code?: string }) => e.code === 'E_LOCKED' && e.message.includes(`(pid ${process.pid})`));
  await held.release();
  await (await lockPartial(output)).release();
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('s.tar')), ['s.tar']);

  // a lock from a baler that wrote the pid alone is still judged by it
  await writeFile(lockPathFor(output), `${deadPid()}\n`);
  await (await lockPartial(output)).release();
});

test('a lock whose pid was taken on another host or in another pid namespace is not taken over, however dead the pid looks here', async () => {
  const output = join(dir, 'f.tar');
  const foreign = ownerTag() === 'ffff' ? '0000' : 'ffff';
  const pid = deadPid();
  await writeFile(lockPathFor(output), `${pid} ${foreign}\n`);
  await assert.rejects(lockPartial(output), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_LOCKED');
    assert.equal(e.message, `${output}.baler-partial: another baler (pid ${pid} on another host or in another pid namespace) is writing it; wait for it to end, or remove ${lockPathFor(output)} if that process is not baler`);
    return true;
  });
  assert.equal(await readFile(lockPathFor(output), 'utf8'), `${pid} ${foreign}\n`);
});

test('a save --resume refused by the lock says only that, not what it would have re-verified', async () => {
  // what an interrupted run left, and a live process (this test) holding the partial
  const clean = await readFile(join(dir, 'clean.tar'));
  await writeFile(join(dir, 'held.tar.baler-partial'), clean.subarray(0, 1024 * 1024));
  await writeFile(lockPathFor(join(dir, 'held.tar')), `${process.pid} ${ownerTag()}\n`);
  const args = ['save', '--store', store, '--resume', '--layers', 'gzip', '-o', 'held.tar', 'slow:1'];
  const r = await runBaler(args, { cwd: dir });
  assert.equal(r.code, 7, describeRun(args, r));
  assert.equal(r.stderr.split('\n').length, 2, `one line: ${describeRun(args, r)}`);
  assert.match(r.stderr, /another baler \(pid [0-9]+\) is writing it/);
});
