import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { sha256Of, type Digest } from '../../../../src/model/digest.js';
import { fullName } from '../../../../src/model/image-name.js';
import { parseImageManifest } from '../../../../src/model/manifest.js';
import { MediaTypes } from '../../../../src/model/media-types.js';
import { DockerArchiveSink } from '../../../../src/transports/docker-archive/sink.js';
import { DockerArchiveSource } from '../../../../src/transports/docker-archive/source.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { OciArchiveSource } from '../../../../src/transports/oci-archive/source.js';
import { ociArchiveTransport } from '../../../../src/transports/oci-archive/transport.js';
import type { ImageSource } from '../../../../src/transports/types.js';
import { chunked, configFor, copyAll, DOCKER20_SAVE, layerTar, rehashAll, tarList, tarMember, tarVerbose, writeTar } from './archive-builder.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-sink-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const chunkedFrom = (b: Buffer): Readable => chunked(b, 321);

const openDA = (spec: string): Promise<DockerArchiveSource> => DockerArchiveSource.open(dockerArchiveTransport.parse(spec));

/** What a reader sees of every image: names, config digest, layer digests, manifest digest. */
async function summary(src: ImageSource): Promise<Array<{ names: string[]; id: Digest; layers: Digest[]; digest: Digest }>> {
  const out = [];
  for (const e of await src.list()) {
    const m = parseImageManifest(await src.fetchManifest(e.descriptor));
    out.push({ names: e.names.map(fullName).sort(), id: m.config.digest, layers: m.layers.map((l) => l.digest), digest: e.descriptor.digest });
  }
  return out;
}

async function writeHybrid(from: string, to: string): Promise<void> {
  await using src = await openDA(`docker-archive:${from}`);
  await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${to}`));
  await copyAll(src, sink);
  await sink.commit();
}

/** Two images sharing their base layer, one of them with two tags, one unnamed. */
async function multiImageArchive(file: string): Promise<{ shared: Digest }> {
  const l0 = await layerTar({ base: 'shared base' });
  const l1 = await layerTar({ top: 'only in two' });
  const l2 = await layerTar({ other: 'only in three' });
  const [d0, d1, d2] = [sha256Of(l0), sha256Of(l1), sha256Of(l2)];
  const c1 = configFor([d0]);
  const c2 = configFor([d0, d1]);
  const c3 = configFor([d2]);
  await writeTar(file, [
    { name: 'a.tar', body: l0 },
    { name: 'b.tar', body: l1 },
    { name: 'c.tar', body: l2 },
    { name: 'c1.json', body: c1 },
    { name: 'c2.json', body: c2 },
    { name: 'c3.json', body: c3 },
    {
      name: 'manifest.json',
      body: JSON.stringify([
        { Config: 'c1.json', RepoTags: ['one:1', 'one:latest'], Layers: ['a.tar'] },
        { Config: 'c2.json', RepoTags: ['localhost:5000/ns/two:2'], Layers: ['a.tar', 'b.tar'] },
        { Config: 'c3.json', RepoTags: null, Layers: ['c.tar'] },
      ]),
    },
  ]);
  return { shared: d0 };
}

describe('DockerArchiveSink writes the Docker >=25 hybrid', () => {
  test('from the Docker 20.10 save: files, headers, manifest.json, index.json, repositories', async () => {
    const out = join(dir, 'hybrid.tar');
    await writeHybrid(DOCKER20_SAVE, out);
    await using back = await openDA(`docker-archive:${out}`);
    await using orig = await openDA(`docker-archive:${DOCKER20_SAVE}`);
    const [want] = await summary(orig);
    const [got] = await summary(back);
    assert.deepEqual(got, want);

    const names = tarList(out);
    assert.deepEqual(names.slice(0, 3), ['blobs/', 'blobs/sha256/', 'oci-layout']);
    assert.deepEqual(names.slice(-3), ['index.json', 'manifest.json', 'repositories']);
    const blobNames = names.filter((n) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(n));
    assert.equal(blobNames.length, 5);
    assert.equal(new Set(blobNames).size, blobNames.length);
    for (const line of tarVerbose(out)) {
      assert.match(line, /^(-rw-r--r--|drwxr-xr-x) 0\/0 .* 1970-01-01 00:00 /, line);
    }
    for (const b of blobNames) assert.equal(sha256Of(tarMember(out, b)), `sha256:${b.slice('blobs/sha256/'.length)}`);

    assert.equal(tarMember(out, 'oci-layout').toString(), '{"imageLayoutVersion": "1.0.0"}');
    const manifestJson = JSON.parse(tarMember(out, 'manifest.json').toString());
    assert.deepEqual(manifestJson, [
      {
        Config: `blobs/sha256/${want!.id.slice(7)}`,
        RepoTags: ['fixture/layers:3'],
        Layers: want!.layers.map((l) => `blobs/sha256/${l.slice(7)}`),
      },
    ]);
    const index = JSON.parse(tarMember(out, 'index.json').toString());
    assert.deepEqual(index, {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        {
          mediaType: MediaTypes.ociManifest,
          digest: want!.digest,
          size: (await orig.fetchManifest((await orig.list())[0]!.descriptor)).length,
          annotations: { 'io.containerd.image.name': 'docker.io/fixture/layers:3', 'org.opencontainers.image.ref.name': 'fixture/layers:3' },
        },
      ],
    });
    assert.deepEqual(JSON.parse(tarMember(out, 'repositories').toString()), { 'fixture/layers': { '3': want!.layers[2]!.slice(7) } });

    // the same file is an oci-archive too
    await using asOci = await OciArchiveSource.open(ociArchiveTransport.parse(`oci-archive:${out}`));
    assert.deepEqual(await summary(asOci), [want]);
  });

  test('skopeo accepts the written archive as docker-archive and as oci-archive', async () => {
    const out = join(dir, 'for-skopeo.tar');
    await writeHybrid(DOCKER20_SAVE, out);
    await using src = await openDA(`docker-archive:${out}`);
    const [want] = await summary(src);
    const da = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${out}`], { encoding: 'utf8' }));
    assert.deepEqual(da.Layers, want!.layers);
    const oci = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci-archive:${out}`], { encoding: 'utf8' }));
    assert.equal(oci.config.digest, want!.id);
    const ociCfg = JSON.parse(execFileSync('skopeo', ['inspect', '--config', '--raw', `oci-archive:${out}`], { encoding: 'utf8' }));
    assert.deepEqual(ociCfg.rootfs.diff_ids, want!.layers);
  });

  test('several images: shared blobs stored once, names kept, unnamed image has a bare index entry', async () => {
    const input = join(dir, 'multi-in.tar');
    const { shared } = await multiImageArchive(input);
    const out = join(dir, 'multi-out.tar');
    await writeHybrid(input, out);
    const blobs = tarList(out).filter((n) => n.startsWith('blobs/sha256/') && n.length > 'blobs/sha256/'.length);
    assert.equal(blobs.filter((n) => n.endsWith(shared.slice(7))).length, 1);
    assert.equal(new Set(blobs).size, blobs.length);
    assert.equal(blobs.length, 3 + 3 + 3); // 3 layers, 3 configs, 3 manifests

    await using a = await openDA(`docker-archive:${input}`);
    await using b = await openDA(`docker-archive:${out}`);
    assert.deepEqual(await summary(b), await summary(a));
    const manifestJson = JSON.parse(tarMember(out, 'manifest.json').toString());
    assert.deepEqual(
      manifestJson.map((i: { RepoTags: unknown }) => i.RepoTags),
      [['one:1', 'one:latest'], ['localhost:5000/ns/two:2'], null],
    );
    const index = JSON.parse(tarMember(out, 'index.json').toString());
    assert.deepEqual(
      index.manifests.map((m: { annotations?: Record<string, string> }) => m.annotations?.['io.containerd.image.name'] ?? null),
      ['docker.io/library/one:1', 'docker.io/library/one:latest', 'localhost:5000/ns/two:2', null],
    );
    assert.equal(index.manifests[3].annotations, undefined);
    const da = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${out}:localhost:5000/ns/two:2`], { encoding: 'utf8' }));
    assert.equal(da.Layers.length, 2);
  });

  test('a wrong digest fails the whole sink and leaves nothing at the target', async () => {
    const out = join(dir, 'mismatch.tar');
    const sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}`));
    const body = Buffer.from('not what the digest says');
    await assert.rejects(
      sink.putBlob(Readable.from([body]), { mediaType: MediaTypes.ociLayer, digest: sha256Of('something else'), size: body.length }),
      (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH',
    );
    await assert.rejects(sink.commit(), (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH');
    await sink[Symbol.asyncDispose]();
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('mismatch')), []);
  });

  test('dispose without commit leaves nothing; an existing target needs overwrite', async () => {
    const out = join(dir, 'rollback.tar');
    {
      await using src = await openDA(`docker-archive:${DOCKER20_SAVE}`);
      await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}`));
      await copyAll(src, sink);
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('rollback')), []);
    writeFileSync(out, 'old');
    await assert.rejects(DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}`)), (err: unknown) => err instanceof BalerError && err.code === 'E_CONFLICT');
    await using src = await openDA(`docker-archive:${DOCKER20_SAVE}`);
    await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}`), { overwrite: true });
    await copyAll(src, sink);
    await sink.commit();
    assert.equal(tarList(out).includes('manifest.json'), true);
  });

  test('to stdout with outer gzip, read back from stdin in 321-byte chunks', async () => {
    const chunks: Buffer[] = [];
    const stdout = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    {
      await using src = await openDA(`docker-archive:${DOCKER20_SAVE}`);
      await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse('docker-archive:-'), { outerCompression: 'gzip', stdout });
      await copyAll(src, sink);
      assert.deepEqual(await sink.commit(), { moved: [], location: 'stdout' });
    }
    const bytes = Buffer.concat(chunks);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b]);
    await using back = await DockerArchiveSource.open(dockerArchiveTransport.parse('docker-archive:-'), { stdin: chunked(bytes) });
    await using orig = await openDA(`docker-archive:${DOCKER20_SAVE}`);
    assert.deepEqual(await summary(back), await summary(orig));
  });

  test('outer zstd to a file reads back the same', async () => {
    const out = join(dir, 'outer.tar.zst');
    {
      await using src = await openDA(`docker-archive:${DOCKER20_SAVE}`);
      await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}`), { outerCompression: 'zstd' });
      await copyAll(src, sink);
      await sink.commit();
    }
    assert.deepEqual([...readFileSync(out).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
    await using back = await openDA(`docker-archive:${out}`);
    for (const r of await rehashAll(back)) assert.equal(r.got, r.digest);
    execFileSync('zstd', ['-q', '-t', out]);
  });

  test('a name in the destination reference names what is written', async () => {
    const out = join(dir, 'renamed.tar');
    {
      await using src = await openDA(`docker-archive:${DOCKER20_SAVE}`);
      await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}:app:9`));
      await copyAll(src, sink);
      await sink.commit();
    }
    await using back = await openDA(`docker-archive:${out}`);
    assert.deepEqual((await back.list()).map((e) => e.names.map(fullName)), [['docker.io/library/app:9']]);
  });

  test('unknown digest or size is learned by spooling; concurrent puts are serialised; mismatches still caught', async () => {
    const out = join(dir, 'spooled.tar');
    const a = Buffer.from('blob a '.repeat(1000));
    const b = Buffer.from('blob b '.repeat(700));
    {
      await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}`));
      const [da, db] = await Promise.all([
        sink.putBlob(chunkedFrom(a), { mediaType: MediaTypes.ociLayer }),
        sink.putBlob(chunkedFrom(b), { mediaType: MediaTypes.ociLayer, digest: sha256Of(b) }),
      ]);
      assert.deepEqual([da.digest, da.size, db.digest, db.size], [sha256Of(a), a.length, sha256Of(b), b.length]);
      assert.equal(await sink.hasBlob(sha256Of(a)), true);
      // the same blob again is drained, not written twice
      await sink.putBlob(chunkedFrom(a), { mediaType: MediaTypes.ociLayer, digest: sha256Of(a), size: a.length });
      const cfg = configFor([sha256Of(a), sha256Of(b)]);
      await sink.putBlob(Readable.from([cfg]), { mediaType: MediaTypes.ociConfig, digest: sha256Of(cfg), size: cfg.length });
      const m = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaTypes.ociManifest,
          config: { mediaType: MediaTypes.ociConfig, digest: sha256Of(cfg), size: cfg.length },
          layers: [a, b].map((x) => ({ mediaType: MediaTypes.ociLayer, digest: sha256Of(x), size: x.length })),
        }),
      );
      const md = { mediaType: MediaTypes.ociManifest, digest: sha256Of(m), size: m.length };
      await sink.putManifest(m, md);
      await sink.addImage(md);
      await sink.commit();
    }
    const blobs = tarList(out).filter((n) => /^blobs\/sha256\/./.test(n));
    const manifestDigest = JSON.parse(tarMember(out, 'index.json').toString()).manifests[0].digest as Digest;
    const cfgDigest = sha256Of(configFor([sha256Of(a), sha256Of(b)]));
    assert.deepEqual(blobs.sort(), [sha256Of(a), sha256Of(b), cfgDigest, manifestDigest].map((d) => `blobs/sha256/${d.slice(7)}`).sort());
    assert.deepEqual(JSON.parse(tarMember(out, 'manifest.json').toString())[0].RepoTags, null);
    assert.equal(tarList(out).includes('repositories'), false);

    const bad = join(dir, 'spooled-bad.tar');
    await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${bad}`));
    await assert.rejects(sink.putBlob(chunkedFrom(a), { mediaType: MediaTypes.ociLayer, digest: sha256Of(b) }), (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH');
    assert.equal(existsSync(bad), false);
  });

  test('refuses zstd layers and indexes (Docker <=24 cannot load them)', async () => {
    const out = join(dir, 'zstd.tar');
    await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${out}`));
    const cfg = configFor([sha256Of('x')]);
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: sha256Of(cfg), size: cfg.length },
        layers: [{ mediaType: MediaTypes.ociLayerZstd, digest: sha256Of('x'), size: 1 }],
      }),
    );
    await assert.rejects(sink.putManifest(m, { mediaType: MediaTypes.ociManifest, digest: sha256Of(m), size: m.length }), (err: unknown) => err instanceof BalerError && err.code === 'E_UNSUPPORTED' && /zstd/.test(err.message));
    assert.equal(existsSync(out), false);
  });
});
