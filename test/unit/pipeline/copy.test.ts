import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { sha256Of } from '../../../src/model/digest.js';
import { familiarName, parseImageName } from '../../../src/model/image-name.js';
import { parseImageManifest } from '../../../src/model/manifest.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { parsePlatform } from '../../../src/model/platform.js';
import { copyImages } from '../../../src/pipeline/copy.js';
import type { CopyEvent } from '../../../src/pipeline/events.js';
import { MemorySink, MemorySource, dockerArchiveCaps, makeImage, makeIndex, makeLayer, ociStoreCaps } from './memory-transports.js';

const base = makeLayer('base layer '.repeat(500));
const appA = makeLayer('app a '.repeat(300));
const appB = makeLayer('app b '.repeat(300));
const imgA = makeImage([base, appA]);
const imgB = makeImage([base, appB]);

function twoImageSource(): MemorySource {
  return new MemorySource().addImage(imgA, ['imga:1', 'imga:latest']).addImage(imgB, ['imgb:1']);
}

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<BalerError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BalerError, `expected a BalerError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, text);
    return err;
  }
  assert.fail('expected the copy to fail');
}

describe('copyImages', () => {
  test('copies every image with all its names, each shared blob once, keeping manifest digests', async () => {
    const src = twoImageSource();
    const sink = new MemorySink();
    const events: CopyEvent[] = [];
    const report = await copyImages({ from: src, to: sink, select: { kind: 'all' }, onEvent: (e) => events.push(e) });
    assert.deepEqual(
      report.images.map((i) => [i.names.map(familiarName), i.id, i.digest]),
      [
        [['imga:1', 'imga:latest'], imgA.configDigest, imgA.descriptor.digest],
        [['imgb:1'], imgB.configDigest, imgB.descriptor.digest],
      ],
    );
    assert.ok(sink.committed);
    for (const d of [imgA.configDigest, imgB.configDigest, base.descriptor.digest, appA.descriptor.digest, appB.descriptor.digest]) {
      assert.ok(sink.committed.blobs.has(d), `missing ${d}`);
    }
    assert.equal(src.fetchedBlobs.filter((d) => d === base.descriptor.digest).length, 1, 'the shared base layer is read once');
    assert.equal(report.blobsCopied, 5);
    const plan = events.find((e) => e.kind === 'plan');
    assert.ok(plan && plan.kind === 'plan');
    assert.equal(plan.sharedBytes, base.descriptor.size);
    assert.equal(plan.totalBytes, imgA.config.length + imgB.config.length + base.bytes.length + appA.bytes.length + appB.bytes.length);
    assert.deepEqual(
      events.filter((e) => e.kind === 'image-done').map((e) => (e.kind === 'image-done' ? e.id : '')),
      [imgA.configDigest, imgB.configDigest],
    );
  });

  test('selects by name, short image ID and manifest digest; names only what the name selected', async () => {
    const sink = new MemorySink();
    const report = await copyImages({
      from: twoImageSource(),
      to: sink,
      select: { kind: 'refs', refs: ['imga:1', imgB.configDigest.slice(7, 19)] },
    });
    assert.deepEqual(
      report.images.map((i) => i.names.map(familiarName)),
      [['imga:1'], ['imgb:1']],
    );
    const byDigest = await copyImages({ from: twoImageSource(), to: new MemorySink(), select: { kind: 'refs', refs: [imgA.descriptor.digest] } });
    assert.deepEqual(byDigest.images[0]?.names.map(familiarName), ['imga:1', 'imga:latest']);
  });

  test('an unknown image is E_NOT_FOUND naming the source', async () => {
    await rejectsWith(copyImages({ from: twoImageSource(), to: new MemorySink(), select: { kind: 'refs', refs: ['nope:2'] } }), 'E_NOT_FOUND', /^no such image: nope:2 in mem:src$/);
  });

  test('a corrupted layer byte fails with the layer and both digests, and nothing is committed', async () => {
    const src = twoImageSource();
    const bad = Buffer.from(appA.bytes);
    bad[10] = (bad[10] ?? 0) ^ 0xff;
    src.blobs.set(appA.descriptor.digest, bad);
    const sink = new MemorySink();
    const err = await rejectsWith(copyImages({ from: src, to: sink, select: { kind: 'all' } }), 'E_DIGEST_MISMATCH', /imga:1: layer 1/);
    assert.ok(err.message.includes(appA.descriptor.digest));
    assert.ok(err.message.includes(sha256Of(bad)));
    assert.equal(sink.committed, undefined);
    assert.equal(sink.names.length, 0, 'no name was recorded for the broken image');
  });

  test('a gzip layer whose content does not match the config diff_id is rejected with both digests', async () => {
    const layer = makeLayer('real content', 'gzip');
    const claimed = sha256Of('other content');
    const img = makeImage([layer], { diffIds: [claimed] });
    const src = new MemorySource().addImage(img, ['liar:1']);
    const sink = new MemorySink();
    const err = await rejectsWith(copyImages({ from: src, to: sink, select: { kind: 'all' } }), 'E_DIGEST_MISMATCH', /liar:1: layer 0: uncompressed content does not match rootfs\.diff_ids/);
    assert.ok(err.message.includes(`expected ${claimed}`));
    assert.ok(err.message.includes(`got ${layer.diffId}`));
    assert.equal(sink.committed, undefined);
  });

  test('converts gzip layers for an uncompressed size-first sink: new manifest, same image ID', async () => {
    const gz = makeLayer('zipped '.repeat(1000), 'gzip');
    const img = makeImage([gz]);
    const sink = new MemorySink(dockerArchiveCaps);
    const report = await copyImages({ from: new MemorySource().addImage(img, ['zip:1']), to: sink, select: { kind: 'all' } });
    const copied = report.images[0];
    assert.ok(copied && sink.committed);
    assert.equal(copied.id, img.configDigest);
    assert.notEqual(copied.digest, img.descriptor.digest);
    const m = parseImageManifest(sink.committed.blobs.get(copied.digest) as Buffer);
    assert.equal(m.layers[0]?.digest, gz.diffId);
    assert.equal(m.layers[0]?.mediaType, MediaTypes.ociLayer);
    assert.equal(m.config.digest, img.configDigest);
    assert.deepEqual(sink.committed.blobs.get(gz.diffId), gunzipSync(gz.bytes));
    assert.ok(sink.infos.every((i) => i.size !== undefined), 'every blob reached the size-first sink with a size');
  });

  test('--layers gzip recompresses; the stored blob decompresses to the diff_id', async () => {
    const sink = new MemorySink();
    const report = await copyImages({ from: new MemorySource().addImage(imgA, ['imga:1']), to: sink, select: { kind: 'all' }, layers: 'gzip' });
    const copied = report.images[0];
    assert.ok(copied && sink.committed);
    const m = parseImageManifest(sink.committed.blobs.get(copied.digest) as Buffer);
    assert.deepEqual(m.layers.map((l) => l.mediaType), [MediaTypes.ociLayerGzip, MediaTypes.ociLayerGzip]);
    for (const [i, l] of m.layers.entries()) {
      assert.equal(sha256Of(gunzipSync(sink.committed.blobs.get(l.digest) as Buffer)), imgA.layers[i]?.diffId);
    }
    assert.equal(copied.id, imgA.configDigest);
  });

  test('--layers zstd into a sink without zstd is refused before anything is read', async () => {
    const src = twoImageSource();
    await rejectsWith(copyImages({ from: src, to: new MemorySink(dockerArchiveCaps), select: { kind: 'all' }, layers: 'zstd' }), 'E_UNSUPPORTED', /--layers zstd: mem:dst cannot store zstd layers/);
    assert.equal(src.fetchedBlobs.length, 0);
  });

  test('a blob the sink already has is skipped and reported as skipped-present', async () => {
    const sink = new MemorySink(ociStoreCaps, new Map([[base.descriptor.digest, base.bytes]]));
    const src = twoImageSource();
    const events: CopyEvent[] = [];
    const report = await copyImages({ from: src, to: sink, select: { kind: 'refs', refs: ['imga:1'] }, onEvent: (e) => events.push(e) });
    assert.ok(!src.fetchedBlobs.includes(base.descriptor.digest));
    assert.ok(events.some((e) => e.kind === 'blob' && e.digest === base.descriptor.digest && e.state === 'skipped-present'));
    assert.equal(report.blobsSkipped, 1);
  });

  test('a multi-platform index is kept whole by a sink that keeps indexes', async () => {
    const arm = makeImage([makeLayer('arm')], { arch: 'arm64' });
    const amd = makeImage([makeLayer('amd')], { arch: 'amd64' });
    const index = makeIndex([
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    const sink = new MemorySink();
    const report = await copyImages({ from: new MemorySource().addIndex(index, [amd, arm], ['multi:1']), to: sink, select: { kind: 'all' } });
    assert.equal(report.images[0]?.digest, index.descriptor.digest);
    assert.ok(sink.manifests.has(amd.descriptor.digest) && sink.manifests.has(arm.descriptor.digest));

    const picked = new MemorySink(dockerArchiveCaps);
    const one = await copyImages({ from: new MemorySource().addIndex(index, [amd, arm], ['multi:1']), to: picked, select: { kind: 'all' }, platform: parsePlatform('linux/arm64') });
    assert.equal(one.images[0]?.id, arm.configDigest);
    assert.equal(picked.manifests.has(amd.descriptor.digest), false);

    await rejectsWith(
      copyImages({ from: new MemorySource().addIndex(index, [amd, arm], ['multi:1']), to: new MemorySink(), select: { kind: 'all' }, platform: parsePlatform('linux/s390x') }),
      'E_NOT_FOUND',
      /multi:1: no manifest for platform linux\/s390x; available: linux\/amd64, linux\/arm64\/v8/,
    );
  });

  test('rename gives the single image the new name; with two images it is a usage error', async () => {
    const sink = new MemorySink();
    const one = await copyImages({ from: new MemorySource().addImage(imgA, ['imga:1']), to: sink, select: { kind: 'all' }, rename: parseImageName('renamed:7') });
    assert.deepEqual(one.images[0]?.names.map(familiarName), ['renamed:7']);
    await rejectsWith(copyImages({ from: twoImageSource(), to: new MemorySink(), select: { kind: 'all' }, rename: parseImageName('x:1') }), 'E_USAGE', /--tag needs exactly one image/);
  });

  test('unnamed images are added without a name; moved names come back from commit', async () => {
    const sink = new MemorySink();
    sink.existing.set('docker.io/library/imga:1', sha256Of('older'));
    const report = await copyImages({ from: new MemorySource().addImage(imgA, ['imga:1']).addImage(imgB, []), to: sink, select: { kind: 'all' } });
    assert.equal(sink.committed?.unnamed[0]?.digest, imgB.descriptor.digest);
    assert.deepEqual(report.moved.map((m) => [familiarName(m.name), m.from, m.to]), [['imga:1', sha256Of('older'), imgA.descriptor.digest]]);
  });

  test('an abort stops the copy with E_CANCELLED and commits nothing', async () => {
    const big = makeLayer(Buffer.alloc(4 * 1024 * 1024, 7));
    const img = makeImage([big]);
    const controller = new AbortController();
    const sink = new MemorySink();
    let seen = 0;
    const p = copyImages({
      from: new MemorySource('mem:src', 64 * 1024).addImage(img, ['big:1']),
      to: sink,
      select: { kind: 'all' },
      signal: controller.signal,
      onEvent: (e) => {
        if (e.kind === 'blob' && e.state === 'copying' && e.done > 0 && ++seen === 1) controller.abort(new BalerError('E_CANCELLED', 'interrupted'));
      },
    });
    await rejectsWith(p, 'E_CANCELLED', /interrupted/);
    assert.equal(sink.committed, undefined);
  });

  test('parallel puts stay bounded and a size-first sink gets one put at a time', async () => {
    const layers = Array.from({ length: 8 }, (_, i) => makeLayer(`layer ${i} `.repeat(2000)));
    const img = makeImage(layers);
    const par = new MemorySink();
    await copyImages({ from: new MemorySource().addImage(img, ['many:1']), to: par, select: { kind: 'all' } });
    assert.ok(par.maxConcurrentPuts <= 3, `max ${par.maxConcurrentPuts}`);
    const seq = new MemorySink(dockerArchiveCaps);
    await copyImages({ from: new MemorySource().addImage(img, ['many:1']), to: seq, select: { kind: 'all' } });
    assert.equal(seq.maxConcurrentPuts, 1);
  });
});

describe('copyImages and lying media types', () => {
  test('uncompressed bytes labelled gzip are verified by what they are and keep their descriptor', async () => {
    const plain = makeLayer('plain bytes '.repeat(100));
    const liar = { ...plain, descriptor: { ...plain.descriptor, mediaType: MediaTypes.ociLayerGzip } };
    const img = makeImage([liar]);
    const sink = new MemorySink();
    const first = await copyImages({ from: new MemorySource().addImage(img, ['liar:1']), to: sink, select: { kind: 'all' } });
    assert.equal(first.images[0]?.digest, img.descriptor.digest, 'the manifest is unchanged');
    // the second copy skips the present blob and must produce the same manifest
    const again = new MemorySink(ociStoreCaps, new Map(sink.pending));
    const second = await copyImages({ from: new MemorySource().addImage(img, ['liar:1']), to: again, select: { kind: 'all' } });
    assert.equal(second.images[0]?.digest, img.descriptor.digest);
    assert.equal(second.blobsSkipped, 2);
  });

  test('a gzip layer converted for an uncompressed sink of Docker manifests gets the Docker media type', async () => {
    const gz = makeLayer('docker flavour', 'gzip');
    const img = makeImage([gz]);
    const sink = new MemorySink({ ...dockerArchiveCaps, manifestTypes: [MediaTypes.dockerManifest] });
    const report = await copyImages({ from: new MemorySource().addImage(img, ['d:1']), to: sink, select: { kind: 'all' } });
    const m = parseImageManifest(sink.manifests.get(report.images[0]?.digest ?? '') as Buffer);
    assert.equal(m.mediaType, MediaTypes.dockerManifest);
    assert.equal(m.config.mediaType, MediaTypes.dockerConfig);
    assert.equal(m.config.digest, img.configDigest);
    assert.deepEqual(m.layers.map((l) => [l.mediaType, l.digest]), [[MediaTypes.dockerLayer, gz.diffId]]);
  });
});

test('a corrupted gzip layer is a digest mismatch (exit 5), not a decompression error', async () => {
  const gz = makeLayer('some gzip content '.repeat(2000), 'gzip');
  const img = makeImage([gz]);
  const src = new MemorySource().addImage(img, ['gz:1']);
  const bad = Buffer.from(gz.bytes);
  bad[Math.floor(bad.length / 2)] = (bad[Math.floor(bad.length / 2)] ?? 0) ^ 0x55;
  src.blobs.set(gz.descriptor.digest, bad);
  const sink = new MemorySink();
  await rejectsWith(copyImages({ from: src, to: sink, select: { kind: 'all' } }), 'E_DIGEST_MISMATCH', /gz:1: layer 0: digest mismatch/);
  assert.equal(sink.committed, undefined);
});

test('a corrupted gzip layer being converted is still reported as a digest mismatch', async () => {
  const gz = makeLayer('convert me '.repeat(3000), 'gzip');
  const img = makeImage([gz]);
  const src = new MemorySource().addImage(img, ['gz:2']);
  const bad = Buffer.from(gz.bytes);
  bad[Math.floor(bad.length / 2)] = (bad[Math.floor(bad.length / 2)] ?? 0) ^ 0x55;
  src.blobs.set(gz.descriptor.digest, bad);
  await rejectsWith(copyImages({ from: src, to: new MemorySink(dockerArchiveCaps), select: { kind: 'all' } }), 'E_DIGEST_MISMATCH', new RegExp(`gz:2: layer 0: digest mismatch, expected ${gz.descriptor.digest}, got ${sha256Of(bad)}`));
});
