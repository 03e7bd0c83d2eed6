import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { hexOf, sha256Of } from '../../../src/model/digest.js';
import { familiarName, parseImageName } from '../../../src/model/image-name.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { annotationsForName } from '../../../src/model/layout-names.js';
import { ownerTag } from '../../../src/io/owner.js';
import { readAtMost } from '../../../src/io/read-all.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { fixtureBytes, putImage, testImage } from './fixture-images.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baler-store-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function freshStore(): Promise<Store> {
  return openStore(join(root, `s${n++}`));
}

async function blobFiles(store: Store): Promise<string[]> {
  return (await readdir(join(store.root, 'blobs', 'sha256'))).sort();
}

/** Splits bytes into 321-byte chunks, the brief's tiny-chunk feed. */
function chunked(b: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += 321) parts.push(b.subarray(i, i + 321));
  return Readable.from(parts);
}

describe('store layout', () => {
  test('a new store is a valid empty OCI layout', async () => {
    const s = await freshStore();
    assert.deepEqual(JSON.parse(await readFile(join(s.root, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    const idx = JSON.parse(await readFile(join(s.root, 'index.json'), 'utf8')) as { schemaVersion: number; manifests: unknown[] };
    assert.equal(idx.schemaVersion, 2);
    assert.deepEqual(idx.manifests, []);
    assert.deepEqual(await s.images(), []);
  });

  test('put, commit, list and read back an image', async () => {
    const s = await freshStore();
    const img = testImage();
    const w = s.writer();
    await putImage(w, img, parseImageName('fixture/layers:3'));
    const result = await w.commit();
    assert.deepEqual(result.moved, []);
    const images = await s.images();
    assert.equal(images.length, 1);
    const [i] = images;
    assert.ok(i);
    // the fixture's config digest is the image ID docker showed for it
    assert.equal(i.id, 'sha256:73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710');
    assert.equal(i.digest, img.manifest.descriptor.digest);
    assert.deepEqual(i.names.map(familiarName), ['fixture/layers:3']);
    assert.equal(i.created, '2023-11-14T22:13:20Z');
    assert.deepEqual(i.platforms, [{ os: 'linux', architecture: 'amd64' }]);
    assert.equal(i.size, img.manifest.bytes.length + img.config.bytes.length + 20480 + 20480 + 10240);
    const idx = JSON.parse(await readFile(join(s.root, 'index.json'), 'utf8')) as { manifests: { annotations: Record<string, string> }[] };
    assert.deepEqual(idx.manifests[0]?.annotations, annotationsForName(parseImageName('fixture/layers:3')));
    const layer = await readAtMost(await s.openBlob(img.layers[1]!.descriptor.digest), 1 << 20, 'layer');
    assert.ok(layer.equals(fixtureBytes().layers[1]!));
    assert.equal(sha256Of(await s.readManifest(img.manifest.descriptor.digest)), img.manifest.descriptor.digest);
    assert.deepEqual(await blobFiles(s), [img.manifest, img.config, ...img.layers].map((b) => hexOf(b.descriptor.digest)).sort());
    const report = await s.fsck();
    assert.deepEqual(report.problems, []);
    assert.equal(report.blobsChecked, 5);
  });

  test('a blob fed in 321-byte chunks with unknown digest is stored under its real digest', async () => {
    const s = await freshStore();
    const bytes = fixtureBytes().layers[0]!;
    const w = s.writer();
    const d = await w.putBlob(chunked(bytes), { mediaType: MediaTypes.ociLayer });
    assert.equal(d.digest, sha256Of(bytes));
    assert.equal(d.size, bytes.length);
    await w.dispose();
    assert.deepEqual(await blobFiles(s), [hexOf(d.digest)]);
  });

  test('a digest or size mismatch keeps nothing, not even a temp file', async () => {
    const s = await freshStore();
    const [good, other] = fixtureBytes().layers;
    const w = s.writer();
    await assert.rejects(
      w.putBlob(chunked(good!), { mediaType: MediaTypes.ociLayer, digest: sha256Of(other!), size: good!.length }),
      (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH' && err.message.includes(`expected ${sha256Of(other!)}, got ${sha256Of(good!)}`),
    );
    await assert.rejects(
      w.putBlob(chunked(good!), { mediaType: MediaTypes.ociLayer, digest: sha256Of(good!), size: good!.length - 1 }),
      (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH' && /size mismatch/.test(err.message),
    );
    await assert.rejects(
      w.putBlob(chunked(good!), { mediaType: MediaTypes.ociLayer, size: good!.length + 5 }),
      (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH',
    );
    await w.dispose();
    assert.deepEqual(await blobFiles(s), []);
  });

  test('a body that fails midway or an abort leaves no file', async () => {
    const s = await freshStore();
    const w = s.writer();
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 1));
        this.destroy(new Error('source went away'));
      },
    });
    await assert.rejects(w.putBlob(failing, { mediaType: MediaTypes.ociLayer }));
    const ac = new AbortController();
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 2));
        ac.abort(new BalerError('E_CANCELLED', 'interrupted'));
      },
    });
    await assert.rejects(w.putBlob(endless, { mediaType: MediaTypes.ociLayer }, ac.signal), (err: unknown) => err instanceof BalerError && err.code === 'E_CANCELLED');
    await w.dispose();
    assert.deepEqual(await blobFiles(s), []);
  });

  test('a manifest whose bytes do not match its descriptor is refused', async () => {
    const s = await freshStore();
    const img = testImage();
    const w = s.writer();
    await assert.rejects(
      w.putManifest(Buffer.concat([img.manifest.bytes, Buffer.from(' ')]), img.manifest.descriptor),
      (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH',
    );
    await w.dispose();
    assert.deepEqual(await blobFiles(s), []);
  });

  test('dropping a writer without commit leaves the index untouched', async () => {
    const s = await freshStore();
    const before = await readFile(join(s.root, 'index.json'));
    const w = s.writer();
    await putImage(w, testImage(), parseImageName('imga:1'));
    await w.dispose();
    assert.ok((await readFile(join(s.root, 'index.json'))).equals(before));
    assert.deepEqual(await s.images(), []);
    assert.deepEqual((await s.fsck()).problems, []);
  });

  test('abandoning a writer takes back the blobs it added, but none that were there before, that another writer counts on, or that an image committed meanwhile reaches', async () => {
    const s = await freshStore();
    const hexBlobs = async (): Promise<string[]> => (await blobFiles(s)).filter((f) => /^[0-9a-f]{64}$/.test(f));
    const earlier = testImage(31);
    const w0 = s.writer();
    await putImage(w0, earlier); // left unreferenced, as an interrupted load --resume leaves its blobs
    await w0.dispose();
    const before = await hexBlobs();
    // the same layers as `earlier` (present before), each with its own config and manifest
    const mine = testImage(32);
    const counted = testImage(33);
    const published = testImage(34);
    const w = s.writer();
    for (const img of [mine, counted, published]) await putImage(w, img, parseImageName(`img${img.id.slice(7, 12)}:1`));
    const w2 = s.writer();
    assert.equal(await w2.hasBlob(counted.config.descriptor.digest), true);
    const w3 = s.writer();
    await putImage(w3, published, parseImageName('published:1'));
    await w3.commit();

    assert.equal(await w.abandon(), 3, "mine's config and manifest, counted's manifest");
    const kept = [counted.config, published.config, published.manifest].map((b) => hexOf(b.descriptor.digest));
    assert.deepEqual(await hexBlobs(), [...before, ...kept].sort());
    assert.deepEqual((await s.images()).map((i) => i.names.map(familiarName)), [['published:1']]);
    await w2.dispose();
    assert.deepEqual((await blobFiles(s)).filter((f) => f.startsWith('.')), [], 'no lease left');
    assert.deepEqual((await s.fsck()).problems, []);
  });

  test('a name moved to another image leaves the old one unnamed, reported as moved', async () => {
    const s = await freshStore();
    const a = testImage(1);
    const b = testImage(2);
    let w = s.writer();
    await putImage(w, a, parseImageName('imga:1'));
    await w.commit();
    w = s.writer();
    await putImage(w, b, parseImageName('imga:1'));
    const { moved } = await w.commit();
    assert.deepEqual(
      moved.map((m) => [familiarName(m.name), m.from, m.to]),
      [['imga:1', a.manifest.descriptor.digest, b.manifest.descriptor.digest]],
    );
    const byId = new Map((await s.images()).map((i) => [i.id, i.names.map(familiarName)]));
    assert.deepEqual(byId.get(b.id), ['imga:1']);
    assert.deepEqual(byId.get(a.id), []);
  });

  test('a moved name leaves no unnamed entry when the old image keeps another name', async () => {
    const s = await freshStore();
    const a = testImage(1);
    const b = testImage(2);
    let w = s.writer();
    await putImage(w, a, parseImageName('imga:1'));
    w.addImage({ descriptor: a.manifest.descriptor, name: parseImageName('imga:keep') });
    await w.commit();
    w = s.writer();
    await putImage(w, b, parseImageName('imga:1'));
    await w.commit();
    const idx = JSON.parse(await readFile(join(s.root, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(idx.manifests.length, 2);
    const names = (await s.images()).map((i) => `${i.id.slice(7, 19)} ${i.names.map(familiarName).join(',')}`).sort();
    assert.deepEqual(names, [`${a.id.slice(7, 19)} imga:keep`, `${b.id.slice(7, 19)} imga:1`].sort());
  });

  test('foreign index.json fields and annotations survive a commit', async () => {
    const s = await freshStore();
    const a = testImage(3);
    const w0 = s.writer();
    await putImage(w0, a);
    await w0.dispose();
    const foreign = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [{ ...a.manifest.descriptor, annotations: { 'org.opencontainers.image.ref.name': 'latest', 'com.example.x': 'y' }, 'x-extra': 1 }],
      annotations: { 'com.example.top': 'kept' },
    };
    await writeFile(join(s.root, 'index.json'), JSON.stringify(foreign));
    const w = s.writer();
    await putImage(w, testImage(4), parseImageName('imgb:2'));
    await w.commit();
    const idx = JSON.parse(await readFile(join(s.root, 'index.json'), 'utf8')) as typeof foreign;
    assert.deepEqual(idx.annotations, { 'com.example.top': 'kept' });
    assert.deepEqual(idx.manifests[0], foreign.manifests[0]);
    assert.equal(idx.manifests.length, 2);
  });

  test('tag, then rm by name and by ID follow docker rules', async () => {
    const s = await freshStore();
    const a = testImage(5);
    const w = s.writer();
    await putImage(w, a, parseImageName('imga:1'));
    await w.commit();
    await s.tag('imga:1', parseImageName('imgb:latest'));
    assert.deepEqual((await s.resolve('imgb')).image.id, a.id);
    await assert.rejects(s.remove([hexOf(a.id).slice(0, 12)], { force: false }), (err: unknown) => err instanceof BalerError && err.code === 'E_CONFLICT' && /must be forced/.test(err.message));
    const [r1] = await s.remove(['imgb'], { force: false });
    assert.deepEqual(r1?.untagged.map(familiarName), ['imgb:latest']);
    assert.equal(r1?.deleted, undefined);
    const [r2] = await s.remove([hexOf(a.id).slice(0, 6)], { force: false });
    assert.deepEqual(r2?.untagged.map(familiarName), ['imga:1']);
    assert.equal(r2?.deleted, a.id);
    assert.deepEqual(await s.images(), []);
    await assert.rejects(s.remove(['imga:1'], { force: false }), (err: unknown) => err instanceof BalerError && err.code === 'E_NOT_FOUND' && err.message === 'no such image: imga:1');
  });

  test('prune keeps what the index reaches and removes the rest and stale temp files', async () => {
    const s = await freshStore();
    const kept = testImage(6);
    const dropped = testImage(7);
    let w = s.writer();
    await putImage(w, kept, parseImageName('kept:1'));
    await w.commit();
    w = s.writer();
    await putImage(w, dropped);
    await w.dispose(); // never committed: its config and manifest are unreachable; the layers are shared
    const deadPid = 2 ** 22 + 12345; // above pid_max, so never alive
    const deadName = `.baler-tmp-${deadPid}-${ownerTag()}ef012345`;
    await writeFile(join(s.root, 'blobs', 'sha256', deadName), 'partial');
    const liveName = `.baler-tmp-${process.pid}-${ownerTag()}ef012345`;
    await writeFile(join(s.root, 'blobs', 'sha256', liveName), 'in progress');
    // the same dead pid, taken on another host or in another pid namespace (io/owner.ts): not judged by it
    const foreignName = `.baler-tmp-${deadPid}-${ownerTag() === 'ffff' ? '0000' : 'ffff'}ef012345`;
    await writeFile(join(s.root, 'blobs', 'sha256', foreignName), 'another host writes it');

    const dry = await s.prune({ dryRun: true });
    const expected = [dropped.config, dropped.manifest].map((b) => b.descriptor.digest).sort();
    assert.deepEqual(dry.blobs.map((b) => b.digest).sort(), expected);
    assert.deepEqual(dry.temps.map((t) => t.name), [`blobs/sha256/${deadName}`]);
    assert.equal(dry.bytes, dropped.config.bytes.length + dropped.manifest.bytes.length + 'partial'.length);
    assert.equal((await blobFiles(s)).length, 5 + 2 + 3);

    const real = await s.prune({ dryRun: false });
    assert.deepEqual(real.blobs.map((b) => b.digest).sort(), expected);
    const left = await blobFiles(s);
    assert.deepEqual(left, [...[kept.manifest, kept.config, ...kept.layers].map((b) => hexOf(b.descriptor.digest)), liveName, foreignName].sort());
    assert.deepEqual((await s.fsck()).problems, []);
    assert.equal((await s.prune({ dryRun: false })).bytes, 0);
  });

  test('prune spares blobs a live writer holds; a blob that vanishes anyway fails the commit cleanly', async () => {
    const s = await freshStore();
    const img = testImage(9);
    const w = s.writer();
    await putImage(w, img, parseImageName('leased:1'));
    const pruned = await s.prune({ dryRun: false });
    assert.deepEqual(pruned.blobs, []);
    await w.commit();
    assert.deepEqual((await blobFiles(s)).filter((n) => n.startsWith('.')), [], 'the lease is gone after commit');
    assert.deepEqual((await s.images()).map((i) => i.names.map(familiarName)), [['leased:1']]);

    const other = testImage(10);
    const w2 = s.writer();
    await putImage(w2, other, parseImageName('vanished:1'));
    const indexBefore = await readFile(join(s.root, 'index.json'));
    await rm(join(s.root, 'blobs', 'sha256', hexOf(other.config.descriptor.digest)));
    await assert.rejects(w2.commit(), (err: unknown) => err instanceof BalerError && err.code === 'E_CONFLICT' && err.message.includes(`blob ${other.config.descriptor.digest} vanished before commit`));
    assert.ok((await readFile(join(s.root, 'index.json'))).equals(indexBefore));
    await w2.dispose();
    assert.deepEqual((await s.fsck()).problems, []);
  });

  test('fsck reports a corrupt blob, a missing blob and a bad oci-layout, one problem each', async () => {
    const s = await freshStore();
    const img = testImage(8);
    const w = s.writer();
    await putImage(w, img, parseImageName('broken:1'));
    await w.commit();
    const layerFile = join(s.root, 'blobs', 'sha256', hexOf(img.layers[0]!.descriptor.digest));
    const bytes = await readFile(layerFile);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await writeFile(layerFile, bytes);
    await rm(join(s.root, 'blobs', 'sha256', hexOf(img.layers[2]!.descriptor.digest)));
    await writeFile(join(s.root, 'oci-layout'), '{"imageLayoutVersion": 1}');
    const report = await s.fsck();
    const msgs = report.problems.map((p) => p.message);
    assert.equal(msgs.length, 3, msgs.join('\n'));
    assert.match(msgs[0]!, /not an OCI image layout \(oci-layout has no imageLayoutVersion\)/);
    assert.ok(msgs.some((m) => m === `blob ${img.layers[0]!.descriptor.digest}: content hashes to ${sha256Of(bytes)} (corrupt)`));
    assert.ok(msgs.some((m) => m.startsWith(`blob ${img.layers[2]!.descriptor.digest} is missing (referenced by manifest `)));
  });
});
