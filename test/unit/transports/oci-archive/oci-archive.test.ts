import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { sha256Of, type Digest } from '../../../../src/model/digest.js';
import { fullName } from '../../../../src/model/image-name.js';
import { parseImageManifest } from '../../../../src/model/manifest.js';
import { MediaTypes } from '../../../../src/model/media-types.js';
import { OciArchiveSink } from '../../../../src/transports/oci-archive/sink.js';
import { OciArchiveSource } from '../../../../src/transports/oci-archive/source.js';
import { ociArchiveTransport } from '../../../../src/transports/oci-archive/transport.js';
import type { ImageSource } from '../../../../src/transports/types.js';
import { copyAll, DOCKER20_SAVE, readStream, rehashAll, tarList, tarMember, writeTar } from '../docker-archive/archive-builder.js';

let dir: string;
let gzipArchive: string;
let zstdArchive: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-oci-archive-'));
  // real skopeo output (formats.md §2.1): gzip layers by default, zstd on request
  gzipArchive = join(dir, 'skopeo-gzip.tar');
  zstdArchive = join(dir, 'skopeo-zstd.tar');
  execFileSync('skopeo', ['copy', '-q', `docker-archive:${DOCKER20_SAVE}`, `oci-archive:${gzipArchive}:fixture/layers:3`]);
  execFileSync('skopeo', ['copy', '-q', '--dest-compress-format', 'zstd', `docker-archive:${DOCKER20_SAVE}`, `oci-archive:${zstdArchive}:fixture/layers:3`]);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const openOci = (spec: string): Promise<OciArchiveSource> => OciArchiveSource.open(ociArchiveTransport.parse(spec));

async function layerTypes(src: ImageSource): Promise<string[]> {
  const [e] = await src.list();
  return parseImageManifest(await src.fetchManifest(e!.descriptor)).layers.map((l) => l.mediaType);
}

describe('OciArchiveSource on skopeo output', () => {
  for (const [label, file, mt] of [
    ['gzip', () => gzipArchive, MediaTypes.ociLayerGzip],
    ['zstd', () => zstdArchive, MediaTypes.ociLayerZstd],
  ] as const) {
    test(`${label} layers: name from ref.name, every blob re-hashes`, async () => {
      await using src = await openOci(`oci-archive:${file()}`);
      const list = await src.list();
      assert.deepEqual(list.map((e) => e.names.map(fullName)), [['docker.io/fixture/layers:3']]);
      const index = JSON.parse(tarMember(file(), 'index.json').toString());
      assert.equal(list[0]!.descriptor.digest, index.manifests[0].digest);
      assert.deepEqual(await layerTypes(src), [mt, mt, mt]);
      const rows = await rehashAll(src);
      assert.equal(rows.length, 5);
      for (const r of rows) assert.equal(r.got, r.digest);
    });
  }

  test('round trip through OciArchiveSink keeps zstd layers and digests as they are', async () => {
    const out = join(dir, 'copy-zstd.tar');
    {
      await using src = await openOci(`oci-archive:${zstdArchive}`);
      await using sink = await OciArchiveSink.open(ociArchiveTransport.parse(`oci-archive:${out}`));
      await copyAll(src, sink);
      await sink.commit();
    }
    await using a = await openOci(`oci-archive:${zstdArchive}`);
    await using b = await openOci(`oci-archive:${out}`);
    const brief = async (s: ImageSource): Promise<unknown> => (await s.list()).map((e) => [e.descriptor.digest, e.descriptor.size, e.names.map(fullName)]);
    assert.deepEqual(await brief(b), await brief(a));
    assert.deepEqual((await rehashAll(b)).map((r) => r.digest), (await rehashAll(a)).map((r) => r.digest));
    assert.equal(tarList(out).includes('manifest.json'), false);
    const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${out}`], { encoding: 'utf8' }));
    assert.equal(raw.layers[0].mediaType, MediaTypes.ociLayerZstd);
  });

  test('a nested index is listed as one entry and walked through its children', async () => {
    const out = join(dir, 'nested.tar');
    let child: { digest: Digest; size: number };
    {
      await using src = await openOci(`oci-archive:${gzipArchive}`);
      await using sink = await OciArchiveSink.open(ociArchiveTransport.parse(`oci-archive:${out}`));
      const [e] = await src.list();
      await copyAll(src, sink); // the image itself, named
      const idx = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaTypes.ociIndex,
          manifests: [{ ...e!.descriptor, annotations: undefined, platform: { architecture: 'amd64', os: 'linux' } }],
        }),
      );
      child = { digest: e!.descriptor.digest, size: e!.descriptor.size };
      const d = { mediaType: MediaTypes.ociIndex, digest: sha256Of(idx), size: idx.length };
      await sink.putManifest(idx, d);
      await sink.addImage(d, { domain: 'docker.io', path: 'library/multi', tag: '1' });
      await sink.commit();
    }
    await using back = await openOci(`oci-archive:${out}`);
    const list = await back.list();
    assert.deepEqual(list.map((e) => [e.descriptor.mediaType, e.names.map(fullName)]), [
      [MediaTypes.ociManifest, ['docker.io/fixture/layers:3']],
      [MediaTypes.ociIndex, ['docker.io/library/multi:1']],
    ]);
    const rows = await rehashAll(back);
    for (const r of rows) assert.equal(r.got, r.digest);
    assert.ok(rows.some((r) => r.digest === child.digest));
  });
});

describe('cancelling a blob stream', () => {
  test('an abort before the stream is piped anywhere is no unhandled error; a later reader gets E_CANCELLED', async () => {
    // a layer job can still be awaiting something (a cache lookup) when a sibling's failure aborts it
    await using src = await openOci(`oci-archive:${gzipArchive}`);
    const [e] = await src.list();
    const layer = parseImageManifest(await src.fetchManifest(e!.descriptor)).layers[0]!;
    const ac = new AbortController();
    const stream = await src.fetchBlob(layer, ac.signal);
    ac.abort();
    await new Promise((r) => setTimeout(r, 20)); // an unhandled 'error' event would have failed the test run by now
    await assert.rejects(readStream(stream), (err: unknown) => err instanceof BalerError && err.code === 'E_CANCELLED');
  });
});

describe('hostile oci-archives', () => {
  test('an index entry whose blob is absent is E_NOT_FOUND naming the blob', async () => {
    const f = join(dir, 'missing-blob.tar');
    const ghost = sha256Of('no such manifest');
    await writeTar(f, [
      { name: 'oci-layout', body: '{"imageLayoutVersion": "1.0.0"}' },
      { name: 'index.json', body: JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaTypes.ociManifest, digest: ghost, size: 10 }] }) },
    ]);
    await using src = await openOci(`oci-archive:${f}`);
    const [e] = await src.list();
    await assert.rejects(src.fetchManifest(e!.descriptor), (err: unknown) => err instanceof BalerError && err.code === 'E_NOT_FOUND' && err.message.includes(ghost) && err.message.includes(f));
    await assert.rejects(async () => readStream(await src.fetchBlob(e!.descriptor)), (err: unknown) => err instanceof BalerError && err.code === 'E_NOT_FOUND');
  });

  test('bad index.json and bad oci-layout are E_FORMAT; a docker-archive says what it is', async () => {
    const bad = join(dir, 'bad-index.tar');
    await writeTar(bad, [
      { name: 'oci-layout', body: '{"imageLayoutVersion": "1.0.0"}' },
      { name: 'index.json', body: '{"schemaVersion":2,"manifests":[{"digest":"sha256:zz"}]}' },
    ]);
    await using src = await openOci(`oci-archive:${bad}`);
    await assert.rejects(src.list(), (err: unknown) => err instanceof BalerError && err.code === 'E_FORMAT' && err.message.startsWith(`${bad}: index.json`));
    const badLayout = join(dir, 'bad-layout.tar');
    await writeTar(badLayout, [
      { name: 'oci-layout', body: 'nope' },
      { name: 'index.json', body: '{"schemaVersion":2,"manifests":[]}' },
    ]);
    await using src2 = await openOci(`oci-archive:${badLayout}`);
    await assert.rejects(src2.list(), (err: unknown) => err instanceof BalerError && err.code === 'E_FORMAT' && /oci-layout/.test(err.message));
    await assert.rejects(openOci(`oci-archive:${DOCKER20_SAVE}`), (err: unknown) => err instanceof BalerError && err.code === 'E_FORMAT' && /docker-archive/.test(err.message));
  });
});
