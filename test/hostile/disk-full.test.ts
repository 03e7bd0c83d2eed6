/**
 * A full disk is the user's to fix, so it gets one line naming where the bytes were going, exit status
 * E_IO, and no partial file: for `-o FILE` (a small tmpfs, when this runs as root) and for a redirected
 * stdout (`> /dev/full`, whose every write fails with ENOSPC).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { runProcess } from '../helpers/run-process.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { fixture } from '../helpers/paths.js';

const FIXTURE = fixture('fixture-3layers.docker20-save.tar');
const NAME = 'fixture/layers:3';
const tmp = new TempDirs();
let small = '';
after(async () => {
  if (small) spawnSync('umount', [small]);
  await tmp.removeAll();
});

describe('a full disk', () => {
  let dir = '';
  let store = '';
  before(async () => {
    dir = await tmp.make('baler-disk-full-');
    store = join(dir, 'store');
    await balerOk(['load', '-q', '-i', FIXTURE, '--store', store]);
  });

  for (const verb of ['save', 'export'] as const) {
    test(`${verb} > /dev/full: one line about stdout, exit E_IO`, { skip: existsSync('/dev/full') ? false : 'no /dev/full' }, async () => {
      const args = [verb, '-q', '--store', store, NAME];
      const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
      const r = await runProcess('bash', ['-c', 'exec "$@" > /dev/full', 'sh', process.execPath, '--import', import.meta.resolve('tsx'), main, ...args]);
      assert.equal(r.code, ExitCode.io, describeRun(args, r));
      assert.equal(r.stderr, 'baler: stdout: no space left on device\n');
    });
  }

  const canMount = process.getuid?.() === 0 ? false : 'needs root to mount a small tmpfs';
  test('save -o and export -o on a full file system: one line naming the file, nothing left there', { skip: canMount }, async (t) => {
    small = join(dir, 'small');
    await mkdir(small);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', small]);
    if (m.status !== 0) {
      small = '';
      t.skip('mount failed here');
      return;
    }
    for (const verb of ['save', 'export']) {
      const out = join(small, `${verb}.tar`);
      const args = [verb, '-q', '--store', store, '-o', out, NAME];
      const r = await runBaler(args);
      assert.equal(r.code, ExitCode.io, describeRun(args, r));
      assert.equal(r.stderr, `baler: ${out}: no space left on device\n`);
      assert.deepEqual(await readdir(small), [], 'no partial or temp file left');
    }
  });
});
