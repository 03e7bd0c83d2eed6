import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { TempDirs, listFilesRecursive } from '../../helpers/temp-dirs.js';
import { fixture } from '../../helpers/paths.js';
import { biggestBlob } from '../../helpers/store-blobs.js';

/**
 * The copy pipeline hashes each byte once and sinks trust that check instead of hashing again
 * (io/hashing.ts vouchFor). These make sure a bad byte is still caught on every path that relies on it.
 */
const FIXTURE = fixture('fixture-3layers.docker20-save.tar');
const NAME = 'fixture/layers:3';

const tmp = new TempDirs();
after(() => tmp.removeAll());

describe('one hash per byte, still verified', () => {
  let dir: string;
  let store: string;
  before(async () => {
    dir = await tmp.make();
    store = join(dir, 'store');
    await balerInProcessOk(['load', '-q', '-i', FIXTURE, '--store', store], dir);
  });

  test('save from a store whose layer was changed on disk exits 5 naming the layer, and writes no archive', async () => {
    const blob = await biggestBlob(store);
    const good = await readFile(blob);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0x20;
    await writeFile(blob, bad);
    try {
      for (const format of ['docker', 'oci']) {
        const outDir = await tmp.make();
        const r = await balerInProcess(['save', '-q', '--format', format, '-o', join(outDir, 'x.tar'), '--store', store, NAME], dir);
        assert.equal(r.code, ExitCode.integrity, r.stderr);
        assert.match(r.stderr, /layer \d+: digest mismatch, expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}/);
        assert.deepEqual(await listFilesRecursive(outDir), []);
      }
      const into = join(await tmp.make(), 'oci');
      const r = await balerInProcess(['save', '-q', '--format', 'oci-dir', '-o', into, '--store', store, NAME], dir);
      assert.equal(r.code, ExitCode.integrity, r.stderr);
      // no blob file holds the bad bytes under the good name
      const blobs = await listFilesRecursive(join(into, 'blobs'));
      assert.ok(!blobs.some((b) => b.endsWith(blob.slice(blob.lastIndexOf('/') + 1))), blobs.join(', '));
    } finally {
      await writeFile(blob, good);
    }
  });

  test('a truncated layer in the store is a size mismatch, not a short archive', async () => {
    const blob = await biggestBlob(store);
    const good = await readFile(blob);
    await writeFile(blob, good.subarray(0, good.length - 100));
    try {
      const outDir = await tmp.make();
      const r = await balerInProcess(['save', '-q', '-o', join(outDir, 'x.tar'), '--store', store, NAME], dir);
      assert.equal(r.code, ExitCode.integrity, r.stderr);
      assert.match(r.stderr, /layer \d+: size mismatch, expected \d+ bytes, got \d+/);
      assert.deepEqual(await listFilesRecursive(outDir), []);
    } finally {
      await writeFile(blob, good);
    }
  });

  test('after a rejected load into oci:DIR no blob file carries a digest its bytes do not have', async () => {
    const tar = Buffer.from(await readFile(FIXTURE));
    // flip a byte well inside the biggest member (a layer)
    tar[tar.length >> 1] = (tar[tar.length >> 1] ?? 0) ^ 0x01;
    const bad = join(dir, 'bad.tar');
    await writeFile(bad, tar);
    const into = join(await tmp.make(), 'oci');
    const r = await balerInProcess(['load', '-q', '-i', bad, '--into', `oci:${into}`], dir);
    assert.equal(r.code, ExitCode.integrity, r.stderr);
    for (const b of await listFilesRecursive(join(into, 'blobs', 'sha256'))) {
      if (b.startsWith('.')) continue;
      const bytes = await readFile(join(into, 'blobs', 'sha256', b));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), b);
    }
  });
});
