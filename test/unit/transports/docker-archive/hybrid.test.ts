import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { sha256Of, type Digest } from '../../../../src/model/digest.js';
import { fullName } from '../../../../src/model/image-name.js';
import { MediaTypes } from '../../../../src/model/media-types.js';
import { DockerArchiveSource } from '../../../../src/transports/docker-archive/source.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { configFor, layerTar, rehashAll, writeTar } from './archive-builder.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-hybrid-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const blob = (d: Digest): string => `blobs/sha256/${d.slice(7)}`;

describe('hybrid docker-archives (manifest.json + OCI layout)', () => {
  test("the layout's own manifest is used (its digest kept) and names come from both files", async () => {
    const layer = await layerTar({ 'h.txt': 'hybrid' });
    const gz = gzipSync(layer);
    const cfg = configFor([sha256Of(layer)]);
    // a manifest synthesis could never produce: gzip layer plus an annotation
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: sha256Of(cfg), size: cfg.length },
        layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: sha256Of(gz), size: gz.length }],
        annotations: { 'org.opencontainers.image.title': 'x' },
      }),
    );
    const md = sha256Of(manifest);
    const file = join(dir, 'containerd-style.tar');
    await writeTar(file, [
      { name: 'blobs/', type: 'dir' },
      { name: 'blobs/sha256/', type: 'dir' },
      { name: blob(sha256Of(gz)), body: gz },
      { name: blob(sha256Of(cfg)), body: cfg },
      { name: blob(md), body: manifest },
      { name: 'oci-layout', body: '{"imageLayoutVersion": "1.0.0"}' },
      {
        name: 'index.json',
        body: JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaTypes.ociIndex,
          manifests: [{ mediaType: MediaTypes.ociManifest, digest: md, size: manifest.length, annotations: { 'io.containerd.image.name': 'docker.io/library/fromindex:1', 'org.opencontainers.image.ref.name': '1' } }],
        }),
      },
      { name: 'manifest.json', body: JSON.stringify([{ Config: blob(sha256Of(cfg)), RepoTags: ['fromrepotags:2'], Layers: [blob(sha256Of(gz))] }]) },
    ]);
    await using src = await DockerArchiveSource.open(dockerArchiveTransport.parse(`docker-archive:${file}`));
    const [e, ...rest] = await src.list();
    assert.equal(rest.length, 0);
    assert.deepEqual(e!.descriptor, { mediaType: MediaTypes.ociManifest, digest: md, size: manifest.length });
    assert.deepEqual(e!.names.map(fullName), ['docker.io/library/fromrepotags:2', 'docker.io/library/fromindex:1']);
    assert.deepEqual(Buffer.from(await src.fetchManifest(e!.descriptor)), manifest);
    for (const r of await rehashAll(src)) assert.equal(r.got, r.digest);
  });

  test('an index entry that is a multi-platform index: the image is that index, its absent platform not held', async () => {
    const layer = await layerTar({ 'p.txt': 'platform' });
    const cfg = configFor([sha256Of(layer)]);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: sha256Of(cfg), size: cfg.length },
        layers: [{ mediaType: MediaTypes.ociLayer, digest: sha256Of(layer), size: layer.length }],
      }),
    );
    const absent = sha256Of('arm64 manifest that was never pulled');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [
          { mediaType: MediaTypes.ociManifest, digest: absent, size: 500, platform: { architecture: 'arm64', os: 'linux' } },
          { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
        ],
      }),
    );
    const file = join(dir, 'multi-platform.tar');
    await writeTar(file, [
      { name: blob(sha256Of(layer)), body: layer },
      { name: blob(sha256Of(cfg)), body: cfg },
      { name: blob(sha256Of(manifest)), body: manifest },
      { name: blob(sha256Of(index)), body: index },
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      {
        name: 'index.json',
        body: JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: MediaTypes.ociIndex, digest: sha256Of(index), size: index.length, annotations: { 'io.containerd.image.name': 'docker.io/library/mp:1' } }],
        }),
      },
      { name: 'manifest.json', body: JSON.stringify([{ Config: blob(sha256Of(cfg)), RepoTags: ['mp:1'], Layers: [blob(sha256Of(layer))] }]) },
    ]);
    await using src = await DockerArchiveSource.open(dockerArchiveTransport.parse(`docker-archive:${file}`));
    const list = await src.list();
    assert.deepEqual(
      list.map((e) => [e.descriptor, e.names.map(fullName)]),
      [[{ mediaType: MediaTypes.ociIndex, digest: sha256Of(index), size: index.length }, ['docker.io/library/mp:1']]],
    );
    assert.deepEqual(Buffer.from(await src.fetchManifest(list[0]!.descriptor)), index);
    assert.equal(await src.holdsBlob(sha256Of(manifest)), true);
    assert.equal(await src.holdsBlob(absent), false, 'the arm64 platform is not included');
  });
});
