import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { parseDeltaManifest } from '../../../src/model/delta-manifest.js';
import { InventoryIndex, parseInventory, serializeInventory, type Inventory } from '../../../src/model/inventory.js';
import type { Digest } from '../../../src/model/digest.js';
import { ensureLayout } from '../../../src/store/layout.js';
import { balerInProcess, balerInProcessOk } from '../../helpers/cli-in-process.js';
import { sha256Hex } from '../../helpers/image-archives.js';
import { fixture } from '../../helpers/paths.js';
import { storeState } from '../../helpers/store-state.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { readTar } from '../../helpers/tiny-tar.js';

const MULTI = fixture('docker20-multi.tar');
const tmp = new TempDirs();
after(() => tmp.removeAll());

interface LsRow {
  Id: string;
  Digest: string;
  RepoTags: string[];
}

async function tarFiles(file: string): Promise<Map<string, Buffer>> {
  return new Map(readTar(await readFile(file)).filter((e) => e.type === 'file').map((e) => [e.name, e.data]));
}

async function lsRows(store: string, cwd: string, only: readonly string[]): Promise<LsRow[]> {
  const rows = JSON.parse((await balerInProcessOk(['ls', '--store', store, '--json'], cwd)).stdout) as LsRow[];
  return rows
    .filter((r) => r.RepoTags.some((t) => only.includes(t)))
    .map((r) => ({ Id: r.Id, Digest: r.Digest, RepoTags: [...r.RepoTags].sort() }))
    .sort((a, b) => a.Id.localeCompare(b.Id));
}

describe('delta archives: inventory, save --have/--since, load', () => {
  let dir = '';
  let storeA = '';
  let baseLayer = '';
  let deltaFile = '';

  before(async () => {
    dir = await tmp.make('baler-delta-');
    storeA = join(dir, 'A');
    // Given a destination store holding only the shared base image
    await balerInProcessOk(['load', '--store', storeA, '-i', MULTI, 'bbbase:1'], dir);
    const inv = parseInventory(Buffer.from((await balerInProcessOk(['inventory', '--store', storeA], dir)).stdout), 'stdout');
    assert.equal(inv.images.length, 1);
    baseLayer = inv.images[0]?.diffIds[0] as string;
    assert.ok(baseLayer);
    await balerInProcessOk(['inventory', '--store', storeA, '-o', 'have.json'], dir);
    deltaFile = join(dir, 'delta.tar');
    await balerInProcessOk(['save', '--from', `docker-archive:${MULTI}`, '--have', 'have.json', '-o', deltaFile, 'imga:1', 'imgb:1'], dir);
  });

  test('inventory of a store lists its blobs, layers, diff_ids and images', async () => {
    const inv = parseInventory(await readFile(join(dir, 'have.json')), 'have.json');
    assert.equal(inv.kind, 'baler-inventory');
    assert.equal(inv.version, 1);
    assert.equal(inv.holds, 'blobs');
    assert.equal(inv.source, `store:${storeA}`);
    assert.deepEqual(inv.diffIds, [baseLayer]);
    assert.ok(inv.blobs.includes(baseLayer as Digest), 'the uncompressed base layer is stored under its diff_id');
    assert.ok(inv.blobs.includes(inv.images[0]?.id as Digest), 'the config is a blob too');
    assert.deepEqual(inv.images[0]?.names, ['bbbase:1']);
  });

  test('the delta leaves out exactly the base layer and says so', async () => {
    const files = await tarFiles(deltaFile);
    const hex = baseLayer.slice('sha256:'.length);
    assert.equal(files.has(`blobs/sha256/${hex}`), false, 'shared base layer must not be in the delta');
    assert.ok(files.has('baler-delta.json'));
    const delta = parseDeltaManifest(files.get('baler-delta.json') as Buffer, 'baler-delta.json');
    assert.deepEqual(
      delta.expected.map((e) => ({ digest: e.digest, diffId: e.diffId, images: [...e.images].sort() })),
      [{ digest: baseLayer, diffId: baseLayer, images: ['imga:1', 'imgb:1'] }],
    );
    assert.equal(delta.base.source, `store:${storeA}`);
    const index = JSON.parse((files.get('index.json') as Buffer).toString()) as { annotations?: Record<string, string> };
    assert.equal(index.annotations?.['io.baler.delta'], 'baler-delta.json');
    // manifest.json still names every layer, so docker load of a delta fails instead of loading a broken image
    const manifest = JSON.parse((files.get('manifest.json') as Buffer).toString()) as Array<{ Layers: string[] }>;
    assert.ok(manifest.every((m) => m.Layers.includes(`blobs/sha256/${hex}`)));
    // every other layer blob of the two images is present
    await balerInProcessOk(['save', '--from', `docker-archive:${MULTI}`, '-o', join(dir, 'full.tar'), 'imga:1', 'imgb:1'], dir);
    const fullFiles = await tarFiles(join(dir, 'full.tar'));
    const missing = [...fullFiles.keys()].filter((n) => !files.has(n));
    assert.deepEqual(missing, [`blobs/sha256/${hex}`]);
    assert.ok((await readFile(deltaFile)).length < (await readFile(join(dir, 'full.tar'))).length / 10);
  });

  test('loading the delta on top of its base gives the images a full load gives', async () => {
    const storeB = join(dir, 'B');
    await balerInProcessOk(['load', '--store', storeA, '-i', deltaFile], dir);
    await balerInProcessOk(['load', '--store', storeB, '-i', MULTI, 'imga:1', 'imgb:1'], dir);
    const names = ['imga:1', 'imgb:1'];
    const fromDelta = await lsRows(storeA, dir, names);
    assert.equal(fromDelta.length, 2);
    assert.deepEqual(fromDelta, await lsRows(storeB, dir, names));
    const fsck = await balerInProcess(['fsck', '--store', storeA], dir);
    assert.equal(fsck.code, 0, fsck.stdout);
  });

  test('a delta into a store without its base fails, names the missing blob and writes nothing', async () => {
    const storeE = join(dir, 'E');
    await ensureLayout(storeE);
    const beforeState = await storeState(storeE);
    const r = await balerInProcess(['load', '--store', storeE, '-i', deltaFile], dir);
    assert.equal(r.code, ExitCode.notFound, r.stderr);
    const line = r.stderr.trim();
    assert.equal(line.split('\n').length, 1, line);
    assert.match(line, /is a delta against store:.*, but 1 layer blob it leaves out is not in store:/);
    assert.ok(line.includes(baseLayer), line);
    assert.match(line, /\(imga:1, imgb:1\)/);
    assert.deepEqual(await storeState(storeE), beforeState);
  });

  test('a refused delta creates nothing: no store, no oci:DIR, no archive, and an empty directory stays empty', async () => {
    const newStore = join(dir, 'never-store');
    const emptyDir = join(dir, 'empty-store');
    await mkdir(emptyDir);
    const newLayout = join(dir, 'never-layout');
    const newArchive = join(dir, 'never.tar');
    const runs: Array<[string[], string]> = [
      [['--store', newStore], `store:${newStore}`],
      [['--store', emptyDir], `store:${emptyDir}`],
      [['--store', storeA, '--into', `oci:${newLayout}`], `oci:${newLayout}`],
      [['--store', storeA, '--into', `docker-archive:${newArchive}`], `docker-archive:${newArchive}`],
    ];
    for (const [where, shown] of runs) {
      const r = await balerInProcess(['load', ...where, '-i', deltaFile], dir);
      assert.equal(r.code, ExitCode.notFound, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(`leaves out is not in ${shown}: ${baseLayer} (imga:1, imgb:1); load the base images there first (nothing was written)`), r.stderr);
    }
    assert.deepEqual(
      [newStore, newLayout, newArchive].filter((p) => existsSync(p)),
      [],
      'nothing is created for a refused delta',
    );
    assert.deepEqual(await readdir(emptyDir), []);
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('baler-tmp') || n.includes('never')), []);
  });

  test('the base check covers only the images being loaded', async () => {
    // a delta made against a store holding imgb:1 leaves out imgb's own layer too
    const storeH = join(dir, 'H');
    await balerInProcessOk(['load', '--store', storeH, '-i', MULTI, 'imgb:1'], dir);
    await balerInProcessOk(['inventory', '--store', storeH, '-o', 'have-b.json'], dir);
    const deltaB = join(dir, 'delta-b.tar');
    await balerInProcessOk(['save', '--from', `docker-archive:${MULTI}`, '--have', 'have-b.json', '-o', deltaB, 'imga:1', 'imgb:1'], dir);
    const expected = parseDeltaManifest((await tarFiles(deltaB)).get('baler-delta.json') as Buffer, 'delta-b');
    assert.equal(expected.expected.length, 2);
    const onlyB = expected.expected.find((e) => e.digest !== baseLayer);
    assert.deepEqual(onlyB?.images, ['imgb:1']);
    // Given a store with only the base: all images need imgb's layer, imga:1 alone does not
    const storeP = join(dir, 'P');
    await balerInProcessOk(['load', '--store', storeP, '-i', MULTI, 'bbbase:1'], dir);
    const all = await balerInProcess(['load', '--store', storeP, '-i', deltaB], dir);
    assert.equal(all.code, ExitCode.notFound, all.stderr);
    assert.match(all.stderr, new RegExp(`1 layer blob it leaves out is not in store:.*: ${onlyB?.digest} \\(imgb:1\\);`));
    await balerInProcessOk(['load', '--store', storeP, '-i', deltaB, 'imga:1'], dir);
    assert.deepEqual(await lsRows(storeP, dir, ['imga:1']), await lsRows(storeA, dir, ['imga:1']));
  });

  test('--since an earlier archive gives the same delta as --have', async () => {
    const old = join(dir, 'old.tar');
    await balerInProcessOk(['save', '--from', `docker-archive:${MULTI}`, '-o', old, 'bbbase:1'], dir);
    const since = join(dir, 'since.tar');
    await balerInProcessOk(['save', '--from', `docker-archive:${MULTI}`, '--since', old, '-o', since, 'imga:1', 'imgb:1'], dir);
    const a = await tarFiles(deltaFile);
    const b = await tarFiles(since);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const name of ['index.json', 'manifest.json', 'repositories']) assert.deepEqual(b.get(name), a.get(name), name);
    const da = parseDeltaManifest(a.get('baler-delta.json') as Buffer, 'a');
    const db = parseDeltaManifest(b.get('baler-delta.json') as Buffer, 'b');
    assert.deepEqual(db.expected, da.expected);
    assert.equal(db.base.source, `docker-archive:${old}`);
    // derived inventories are stable: the same old archive gives the same base digest
    const again = join(dir, 'since2.tar');
    await balerInProcessOk(['save', '--from', `docker-archive:${MULTI}`, '--since', old, '-o', again, 'imga:1', 'imgb:1'], dir);
    assert.deepEqual(await readFile(again), await readFile(since));
  });

  test('save --json says what the delta leaves out; the text output says it is a delta', async () => {
    const r = await balerInProcessOk(['save', '--json', '--from', `docker-archive:${MULTI}`, '--have', 'have.json', '-o', join(dir, 'j.tar'), 'imgb:1'], dir);
    const report = JSON.parse(r.stdout) as { delta?: { base: string; leftOut: number; leftOutBytes: number; leftOutBecause: string }; blobsSkipped: number };
    const baseBytes = readTar(await readFile(MULTI)).find((e) => e.type === 'file' && `sha256:${sha256Hex(e.data)}` === baseLayer)?.data.length;
    assert.deepEqual(report.delta, { base: `store:${storeA}`, leftOut: 1, leftOutBytes: baseBytes, leftOutBecause: 'at destination' });
    assert.equal(report.blobsSkipped, 1, 'blobsSkipped still counts the left-out layer (backward compatible)');
    const text = await balerInProcessOk(['save', '--from', `docker-archive:${MULTI}`, '--have', 'have.json', '-o', join(dir, 't.tar'), 'imgb:1'], dir);
    assert.match(text.stderr, /Delta against store:.*: 1 layer \([\d.]+[kM]B\) left out; load it with baler load where its base is/);
    // the progress says why the layer is not in the archive: the destination has it (not "already present")
    assert.match(text.stderr, new RegExp(`^Left out layer ${baseLayer.slice(7, 19)}: at destination$`, 'm'));
    assert.doesNotMatch(text.stderr, /already present/);
  });

  test('verify reports the left-out layers as expected, not as failures', async () => {
    const r = await balerInProcess(['verify', deltaFile], dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /imga:1 +\S+ +3 layers OK \(1 expected at the destination\)/);
    assert.match(r.stdout, /1 layer blob expected at the destination, not in the archive/);
  });

  test('a delta cannot be written where it cannot say it is one', async () => {
    const r = await balerInProcess(['save', '--from', `docker-archive:${MULTI}`, '--have', 'have.json', '--format', 'oci-dir', '-o', join(dir, 'layout'), 'imga:1'], dir);
    assert.equal(r.code, ExitCode.usage, r.stderr);
    assert.equal(r.stderr, 'baler: save: --have writes a delta, which is an archive file (--format docker or oci), not --format oci-dir\n');
  });

  test('--have and --since together are a usage error; a bad inventory is bad input', async () => {
    const both = await balerInProcess(['save', '--from', `docker-archive:${MULTI}`, '--have', 'have.json', '--since', MULTI, '-o', join(dir, 'x.tar'), 'imga:1'], dir);
    assert.equal(both.code, ExitCode.usage);
    const r = await balerInProcess(['save', '--from', `docker-archive:${MULTI}`, '--have', MULTI, '-o', join(dir, 'y.tar'), 'imga:1'], dir);
    assert.equal(r.code, ExitCode.badInput, r.stderr);
    assert.match(r.stderr, /invalid JSON/);
  });
});

describe('inventory matching rules', () => {
  const d = (c: string): Digest => `sha256:${c.repeat(64)}` as Digest;
  const base = (holds: Inventory['holds']): Inventory => ({
    kind: 'baler-inventory',
    version: 1,
    created: '2026-01-01T00:00:00.000Z',
    source: 'x',
    holds,
    blobs: holds === 'blobs' ? [d('a')] : [],
    layers: [{ digest: d('a'), diffId: d('b') }],
    diffIds: [d('b')],
    images: [],
  });

  test('a blob store has a layer by blob digest only (another compression of the same content is not there)', () => {
    const idx = new InventoryIndex(base('blobs'));
    assert.equal(idx.hasLayer({ digest: d('a'), diffId: d('b') }), true);
    assert.equal(idx.hasLayer({ digest: d('c'), diffId: d('b') }), false);
  });

  test('a layer store (docker) has a layer by diff_id, whatever its compression', () => {
    const idx = new InventoryIndex(base('layers'));
    assert.equal(idx.hasLayer({ digest: d('c'), diffId: d('b') }), true);
    assert.equal(idx.hasLayer({ digest: d('a'), diffId: d('c') }), false);
  });

  test('the document round-trips and rejects other kinds and versions', () => {
    const inv = base('layers');
    assert.deepEqual(parseInventory(serializeInventory(inv), 'x'), inv);
    assert.throws(() => parseInventory(Buffer.from(JSON.stringify({ ...inv, kind: 'other' })), 'have.json'), /have.json: not a baler inventory/);
    assert.throws(() => parseInventory(Buffer.from(JSON.stringify({ ...inv, version: 2 })), 'have.json'), /inventory version 2 is not supported/);
  });
});
