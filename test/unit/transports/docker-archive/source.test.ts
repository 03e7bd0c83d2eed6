import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { sha256Of } from '../../../../src/model/digest.js';
import { fullName } from '../../../../src/model/image-name.js';
import { parseImageManifest } from '../../../../src/model/manifest.js';
import { DockerArchiveSource } from '../../../../src/transports/docker-archive/source.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { chunked, configFor, DOCKER20_SAVE, layerTar, readStream, rehashAll, SKOPEO_FLAVOUR, writeTar } from './archive-builder.js';

// Facts of the fixtures, read with the system tar (see formats.md §10 for their provenance).
const CONFIG_ID = 'sha256:73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710';
const DIFF_IDS = [
  'sha256:087c2e7180acbefb35b4f45e7079767ff5b9e8d7e39a61ad0ff9810c84d6d0d7',
  'sha256:56080fc075a6c300c4695f5356a7d3a69b276073f3535bf84110ef1a532841e8',
  'sha256:f5b1bae49479b9c6e18859642de440c22c80432c98ffb5b1aa409cfd39496fc1',
];
const LAYER_SIZES = [20480, 20480, 10240];

/** formats.md §1.2 "Generated OCI manifest", written out by hand. */
function expectedDocker25Manifest(): string {
  const layers = DIFF_IDS.map((d, i) => `{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"${d}","size":${LAYER_SIZES[i]}}`);
  return (
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
    `"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${CONFIG_ID}","size":700},` +
    `"layers":[${layers.join(',')}]}`
  );
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-src-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function openDA(spec: string, stdin?: NodeJS.ReadableStream): Promise<DockerArchiveSource> {
  const ref = dockerArchiveTransport.parse(spec);
  return DockerArchiveSource.open(ref, stdin ? { stdin: stdin as import('node:stream').Readable } : {});
}

describe('DockerArchiveSource on real saves', () => {
  for (const [label, file] of [
    ['docker 20.10 legacy save', DOCKER20_SAVE],
    ['skopeo/podman flavour', SKOPEO_FLAVOUR],
  ] as const) {
    test(`${label}: names, ID and the Docker-25 manifest byte for byte`, async () => {
      await using src = await openDA(`docker-archive:${file}`);
      const list = await src.list();
      assert.equal(list.length, 1);
      const e = list[0]!;
      assert.deepEqual(e.names.map(fullName), ['docker.io/fixture/layers:3']);
      assert.equal(e.created, '2023-11-14T22:13:20Z');
      const bytes = Buffer.from(await src.fetchManifest(e.descriptor));
      assert.equal(bytes.toString(), expectedDocker25Manifest());
      assert.equal(e.descriptor.digest, sha256Of(expectedDocker25Manifest()));
      assert.equal(e.descriptor.size, bytes.length);
      assert.equal(e.descriptor.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      const m = parseImageManifest(bytes);
      assert.equal(m.config.digest, CONFIG_ID);
    });

    test(`${label}: every blob re-hashes to its descriptor`, async () => {
      await using src = await openDA(`docker-archive:${file}`);
      const rows = await rehashAll(src);
      assert.equal(rows.length, 5); // manifest, config, 3 layers
      for (const r of rows) {
        assert.equal(r.got, r.digest);
        assert.equal(r.gotSize, r.size);
      }
    });
  }

  test('the symlinked layer.tar of a legacy save is followed inside the archive', async () => {
    // rebuild the Docker 20.10 save with its third layer stored once and referenced by a symlink
    const layers = await Promise.all([layerTar({ 'a.txt': 'a' }), layerTar({ 'b.txt': 'b' })]);
    const diffIds = layers.map((l) => sha256Of(l));
    const cfgA = configFor([diffIds[0]!, diffIds[1]!]);
    const cfgB = configFor([diffIds[0]!], '2024-02-02T00:00:00Z');
    const file = join(dir, 'legacy-symlink.tar');
    await writeTar(file, [
      { name: '1111/', type: 'dir' },
      { name: '1111/layer.tar', body: layers[0] },
      { name: '2222/', type: 'dir' },
      { name: '2222/layer.tar', body: layers[1] },
      { name: '3333/', type: 'dir' },
      { name: '3333/layer.tar', type: 'symlink', linkname: '../1111/layer.tar' },
      { name: `${sha256Of(cfgA).slice(7)}.json`, body: cfgA },
      { name: `${sha256Of(cfgB).slice(7)}.json`, body: cfgB },
      {
        name: 'manifest.json',
        body: JSON.stringify([
          { Config: `${sha256Of(cfgA).slice(7)}.json`, RepoTags: ['imga:1'], Layers: ['1111/layer.tar', '2222/layer.tar'] },
          { Config: `./${sha256Of(cfgB).slice(7)}.json`, RepoTags: ['localhost/imgb:2', 'imgb:latest'], Layers: ['3333/layer.tar'] },
        ]),
      },
    ]);
    await using src = await openDA(`docker-archive:${file}`);
    const list = await src.list();
    assert.deepEqual(list.map((e) => e.names.map(fullName)), [['docker.io/library/imga:1'], ['localhost/imgb:2', 'docker.io/library/imgb:latest']]);
    const mB = parseImageManifest(await src.fetchManifest(list[1]!.descriptor));
    assert.equal(mB.config.digest, sha256Of(cfgB));
    assert.equal(mB.layers[0]!.digest, diffIds[0]);
    assert.deepEqual(await readStream(await src.fetchBlob(mB.layers[0]!)), layers[0]);
    for (const r of await rehashAll(src)) assert.equal(r.got, r.digest);
  });

  test('compressed layer files get +gzip media types and the hash of their bytes', async () => {
    const layer = await layerTar({ 'g.txt': 'gzip me' });
    const gz = gzipSync(layer);
    const cfg = configFor([sha256Of(layer)]);
    const file = join(dir, 'gz-layer.tar');
    await writeTar(file, [
      { name: 'layer.bin', body: gz }, // the name says nothing; the magic bytes decide
      { name: 'c.json', body: cfg },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['layer.bin'] }]) },
    ]);
    await using src = await openDA(`docker-archive:${file}`);
    const [e] = await src.list();
    assert.deepEqual(e!.names, []);
    const m = parseImageManifest(await src.fetchManifest(e!.descriptor));
    assert.deepEqual(m.layers, [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256Of(gz), size: gz.length }]);
    for (const r of await rehashAll(src)) assert.equal(r.got, r.digest);
  });

  test('xz and bzip2 layer files (Docker loads them) are served decompressed under their diff_id', async () => {
    const layer = await layerTar({ 'x.txt': 'xz me '.repeat(100) });
    const xz = execFileSync('xz', ['-c'], { input: layer });
    const bz = execFileSync('bzip2', ['-c'], { input: layer });
    const cfg = configFor([sha256Of(layer), sha256Of(layer)]);
    const file = join(dir, 'xz-layer.tar');
    await writeTar(file, [
      { name: 'l.xz', body: xz },
      { name: 'l.bz2', body: bz },
      { name: 'c.json', body: cfg },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: ['xz:1'], Layers: ['l.xz', 'l.bz2'] }]) },
    ]);
    await using src = await openDA(`docker-archive:${file}`);
    const [e] = await src.list();
    const m = parseImageManifest(await src.fetchManifest(e!.descriptor));
    const plain = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Of(layer), size: layer.length };
    assert.deepEqual(m.layers, [plain, plain]);
    assert.deepEqual(await readStream(await src.fetchBlob(m.layers[0]!)), layer);
    for (const r of await rehashAll(src)) assert.equal(r.got, r.digest);
  });

  test('podman save -m style: several images, one item each, shared layers listed once per item', async () => {
    const l0 = await layerTar({ base: 'x' });
    const l1 = await layerTar({ top: 'y' });
    const [d0, d1] = [sha256Of(l0), sha256Of(l1)];
    const c1 = configFor([d0]);
    const c2 = configFor([d0, d1]);
    const file = join(dir, 'multi.tar');
    await writeTar(file, [
      { name: `${d0.slice(7)}.tar`, body: l0 },
      { name: `${d1.slice(7)}.tar`, body: l1 },
      { name: `${sha256Of(c1).slice(7)}.json`, body: c1 },
      { name: `${sha256Of(c2).slice(7)}.json`, body: c2 },
      {
        name: 'manifest.json',
        body: JSON.stringify([
          { Config: `${sha256Of(c1).slice(7)}.json`, RepoTags: ['localhost/one:1'], Layers: [`${d0.slice(7)}.tar`] },
          { Config: `${sha256Of(c2).slice(7)}.json`, RepoTags: ['localhost/two:1'], Layers: [`${d0.slice(7)}.tar`, `${d1.slice(7)}.tar`] },
        ]),
      },
    ]);
    await using src = await openDA(`docker-archive:${file}`);
    const list = await src.list();
    assert.equal(list.length, 2);
    const ids = await Promise.all(list.map(async (e) => parseImageManifest(await src.fetchManifest(e.descriptor)).config.digest));
    assert.deepEqual(ids, [sha256Of(c1), sha256Of(c2)]);
    // docker-archive:FILE:IMAGE narrows the listing
    await using one = await openDA(`docker-archive:${file}:localhost/two:1`);
    assert.deepEqual((await one.list()).map((e) => e.names.map(fullName)), [['localhost/two:1']]);
    await using byIndex = await openDA(`docker-archive:${file}:@0`);
    assert.deepEqual((await byIndex.list()).map((e) => e.names.map(fullName)), [['localhost/one:1']]);
  });
});

describe('DockerArchiveSource on wrapped and streamed input', () => {
  const reference = async (): Promise<string[]> => {
    await using src = await openDA(`docker-archive:${DOCKER20_SAVE}`);
    return (await rehashAll(src)).map((r) => r.digest);
  };

  test('.gz and .zst wrappers (detected by magic, not by name) read the same', async () => {
    const want = await reference();
    const gz = join(dir, 'wrapped-gzip.tar'); // misleading name on purpose
    writeFileSync(gz, gzipSync(readFileSync(DOCKER20_SAVE)));
    const zst = join(dir, 'wrapped.bin');
    execFileSync('zstd', ['-q', '-f', DOCKER20_SAVE, '-o', zst]);
    for (const f of [gz, zst]) {
      await using src = await openDA(`docker-archive:${f}`);
      assert.deepEqual((await rehashAll(src)).map((r) => r.digest), want, f);
      assert.deepEqual((await src.list()).map((e) => e.names.map(fullName)), [['docker.io/fixture/layers:3']]);
    }
  });

  test('stdin (-), gzip-wrapped, fed in 321-byte chunks, is spooled once and reads the same', async () => {
    const want = await reference();
    await using src = await openDA('docker-archive:-', chunked(gzipSync(readFileSync(DOCKER20_SAVE))));
    assert.deepEqual((await rehashAll(src)).map((r) => r.digest), want);
  });

  test('stdin plain tar in 321-byte chunks', async () => {
    const want = await reference();
    await using src = await openDA('docker-archive:-', chunked(readFileSync(SKOPEO_FLAVOUR)));
    assert.deepEqual((await rehashAll(src)).map((r) => r.digest), want);
  });

  test('a copy of the fixture under another name still lists its image', async () => {
    const f = join(dir, 'copy.tar');
    copyFileSync(DOCKER20_SAVE, f);
    await using src = await openDA(`docker-archive:${f}:fixture/layers:3`);
    assert.equal((await src.list()).length, 1);
  });
});
