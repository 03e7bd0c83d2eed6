import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

let dir = '';
before(async () => {
  dir = await tmp.make('baler-verify-split-');
  const store = join(dir, 'store');
  await balerInProcessOk(['load', '--store', store, '-i', fixture('docker20-multi.tar'), 'bbbase:1'], dir);
  await balerInProcessOk(['inventory', '--store', store, '-o', 'have.json'], dir);
});

test('a split set verifies from its first part or its JSON; a missing part fails naming it', async () => {
  await balerInProcessOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--split', '1M', '-o', 'full.tar', 'imga:1', 'imgb:1'], dir);
  assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('full.')).sort(), ['full.baler.json', 'full.tar.001', 'full.tar.002']);
  for (const start of ['full.tar.001', 'full.baler.json']) {
    const r = await balerInProcess(['verify', start], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /imga:1 +[0-9a-f]{12}  3 layers OK/);
  }
  await rm(join(dir, 'full.tar.002'));
  const r = await balerInProcess(['verify', 'full.tar.001'], dir);
  assert.equal(r.code, ExitCode.notFound, r.stdout);
  assert.match(r.stdout, /full\.tar\.001: FAILED: .*full\.tar\.002: missing \(part 2 of 2\)/);
});

test('a delta can be split too, and verifies with its left-out layers expected', async () => {
  await balerInProcessOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--have', 'have.json', '--split', '16k', '-o', 'delta.tar', 'imga:1'], dir);
  const parts = (await readdir(dir)).filter((n) => /^delta\.tar\.\d{3}$/.test(n));
  assert.ok(parts.length >= 2, parts.join(' '));
  const r = await balerInProcess(['verify', 'delta.tar.001'], dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /imga:1 +[0-9a-f]{12}  3 layers OK \(1 expected at the destination\)/);
});
