/**
 * `baler save` of a store layer big enough to be hashed on a worker thread (pipeline/checked-blob-file.ts:
 * the worker reads the same file while the main thread copies it). A byte changed on disk after the load
 * must still fail the save (and an export, which reads the layer the same way) with one line naming the
 * layer, exit 5 and nothing at -o; an interrupted save must stop the worker and exit.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { dockerArchiveParts, sha256Hex } from '../helpers/image-archives.js';
import { interruptedSave } from '../helpers/interrupted-save.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { listFilesRecursive, TempDirs } from '../helpers/temp-dirs.js';
import { writeTar } from '../helpers/tiny-tar.js';

const NAME = 'hostile/big:1';
const tmp = new TempDirs();
after(() => tmp.removeAll());

describe('save of a damaged big store layer', () => {
  let dir = '';
  let store = '';
  let blob = '';
  let layerHex = '';

  before(async () => {
    dir = await tmp.make('baler-save-big-');
    const layer = writeTar([{ name: 'big.bin', data: randomBytes(6 * 1024 * 1024) }]);
    layerHex = sha256Hex(layer);
    const archive = join(dir, 'big.tar');
    await writeFile(archive, writeTar(dockerArchiveParts(NAME, [layer]).entries));
    store = join(dir, 'store');
    await balerOk(['load', '-q', '-i', archive, '--store', store]);
    blob = join(store, 'blobs', 'sha256', layerHex);
  });

  test('the undamaged layer saves to the same bytes it was loaded from', async () => {
    const out = join(await tmp.make('baler-save-big-out-'), 'ok.tar');
    await balerOk(['save', '-q', '--store', store, '-o', out, NAME]);
    const r = await runBaler(['verify', '-q', out]);
    assert.equal(r.code, ExitCode.ok, describeRun(['verify', '-q', out], r));
  });

  test('one flipped byte: exit 5, one line naming the layer, nothing at -o (both formats and stdout)', async () => {
    const good = await readFile(blob);
    const bad = Buffer.from(good);
    bad[good.length - 4000] = (bad[good.length - 4000] ?? 0) ^ 0x01;
    await writeFile(blob, bad);
    try {
      const line = new RegExp(`^baler: .*${NAME}: layer 0: digest mismatch, expected sha256:${layerHex}, got sha256:[0-9a-f]{64}\\n$`);
      for (const format of ['docker', 'oci']) {
        const outDir = await tmp.make('baler-save-big-bad-');
        const args = ['save', '-q', '--format', format, '--store', store, '-o', join(outDir, 'x.tar'), NAME];
        const r = await runBaler(args);
        assert.equal(r.code, ExitCode.integrity, describeRun(args, r));
        assert.match(r.stderr, line);
        assert.deepEqual(await listFilesRecursive(outDir), []);
      }
      const args = ['save', '-q', '--store', store, NAME];
      const r = await runBaler(args);
      assert.equal(r.code, ExitCode.integrity, describeRun(args, r));
      assert.match(r.stderr, line);
      // export (and squash) read a stored layer the same way: hashed on a worker while it is flattened
      const outDir = await tmp.make('baler-export-big-bad-');
      const exportArgs = ['export', '-q', '--store', store, '-o', join(outDir, 'rootfs.tar'), NAME];
      const e = await runBaler(exportArgs);
      assert.equal(e.code, ExitCode.integrity, describeRun(exportArgs, e));
      assert.match(e.stderr, new RegExp(`^baler: .*${layerHex.slice(0, 12)}.*digest mismatch, expected sha256:${layerHex}, got sha256:[0-9a-f]{64}\\n$`));
      assert.deepEqual(await listFilesRecursive(outDir), []);
    } finally {
      await writeFile(blob, good);
    }
  });

  test('interrupted while the layer streams to stdout: exit 130 and the process ends', async () => {
    const { code, stderr } = await interruptedSave(['-q', '--store', store, NAME], dir);
    assert.equal(code, ExitCode.cancelled, stderr);
  });
});
