import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { inventoryDigest, mergeInventories, parseInventory, type Inventory } from '../../../src/model/inventory.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { readTar } from '../../helpers/tiny-tar.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

describe('baler inventory', () => {
  let dir = '';
  before(async () => {
    dir = await tmp.make('baler-inventory-');
  });

  test('of a docker-archive: every image, its diff_ids, and the layer digests a load would store', async () => {
    const r = await balerInProcessOk(['inventory', '--from', `docker-archive:${fixture('docker20-multi.tar')}`], dir);
    const inv = parseInventory(Buffer.from(r.stdout), 'stdout');
    assert.equal(inv.holds, 'blobs');
    assert.deepEqual(inv.images.flatMap((i) => i.names).sort(), ['bbbase:1', 'imga:1', 'imgb:1', 'imgb:latest', 'imgo:1']);
    // the config of each image in manifest.json is a blob of the inventory, and its ID
    const entries = readTar(await readFile(fixture('docker20-multi.tar')));
    const manifest = JSON.parse((entries.find((e) => e.name === 'manifest.json')?.data as Buffer).toString()) as Array<{ Config: string }>;
    for (const m of manifest) {
      const id = `sha256:${m.Config.replace(/\.json$/, '')}`;
      assert.ok(inv.images.some((i) => i.id === id), id);
      assert.ok((inv.blobs as string[]).includes(id), id);
    }
    // uncompressed layers: blob digest = diff_id, and all diff_ids are listed once
    const allDiffIds = [...new Set(inv.images.flatMap((i) => i.diffIds))].sort();
    assert.deepEqual(inv.diffIds, allDiffIds);
    for (const l of inv.layers) assert.equal(l.digest, l.diffId);
  });

  test('of a gzip OCI archive: layer blobs differ from their diff_ids and both are recorded', async () => {
    const r = await balerInProcessOk(['inventory', '--from', `oci-archive:${fixture('skopeo-gzip.oci-archive.tar')}`], dir);
    const inv = parseInventory(Buffer.from(r.stdout), 'stdout');
    assert.equal(inv.layers.length, 3);
    for (const l of inv.layers) {
      assert.notEqual(l.digest, l.diffId);
      assert.ok(inv.blobs.includes(l.digest));
      assert.ok(inv.diffIds.includes(l.diffId));
    }
  });

  test('-o writes the file atomically; --json prints a summary with the document digest', async () => {
    const out = join(dir, 'have.json');
    const r = await balerInProcessOk(['inventory', '--json', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '-o', out], dir);
    const summary = JSON.parse(r.stdout) as { file: string; digest: string; images: number; holds: string };
    const bytes = await readFile(out);
    assert.equal(summary.file, out);
    assert.equal(summary.digest, inventoryDigest(bytes));
    assert.equal(summary.images, 4);
    assert.equal(parseInventory(bytes, out).images.length, 4);
  });

  test('--from twice merges two parts of one destination', async () => {
    const a = `oci-archive:${fixture('skopeo-gzip.oci-archive.tar')}`;
    const b = `oci-archive:${fixture('skopeo-zstd.oci-archive.tar')}`;
    const one = parseInventory(Buffer.from((await balerInProcessOk(['inventory', '--from', a], dir)).stdout), 'a');
    const two = parseInventory(Buffer.from((await balerInProcessOk(['inventory', '--from', b], dir)).stdout), 'b');
    const both = parseInventory(Buffer.from((await balerInProcessOk(['inventory', '--from', a, '--from', b], dir)).stdout), 'both');
    assert.equal(both.source, `${one.source} ${two.source}`);
    assert.deepEqual(both.blobs, [...new Set([...one.blobs, ...two.blobs])].sort());
    assert.deepEqual(both.diffIds, [...new Set([...one.diffIds, ...two.diffIds])].sort());
    assert.deepEqual(both.images.map((i) => i.names), [['imga:1'], ['imgb:1']]);
  });

  test('parts that hold layers differently cannot be merged', () => {
    const part = (holds: 'blobs' | 'layers', source: string): Inventory => ({ kind: 'baler-inventory', version: 1, created: '', source, holds, blobs: [], layers: [], diffIds: [], images: [] });
    assert.throws(() => mergeInventories([part('blobs', 'store:/s'), part('layers', 'docker')]), /store:\/s holds blobs but docker holds layers/);
  });

  test('a source that does not exist: exit 3, naming it', async () => {
    const r = await balerInProcess(['inventory', '--from', `docker-archive:${join(dir, 'nope.tar')}`], dir);
    assert.equal(r.code, ExitCode.notFound);
    assert.match(r.stderr, /nope\.tar: no such file or directory/);
  });
});
