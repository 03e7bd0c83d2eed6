/**
 * The upload paths the CLI's small fixture blobs do not reach, against the real docker-registry 2.8:
 * chunked PATCH uploads (tiny chunks), an unknown digest computed while uploading, a digest mismatch that
 * leaves nothing, a manifest whose blob is missing (the registry's error code in one line), and the
 * PREFIX naming rule of the sink.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { BalerError } from '../../src/errors.js';
import { VerifyingStream, vouchFor } from '../../src/io/hashing.js';
import type { Descriptor } from '../../src/model/descriptor.js';
import type { Digest } from '../../src/model/digest.js';
import { MediaTypes } from '../../src/model/media-types.js';
import { uploadBlob } from '../../src/transports/oci-registry/blob-upload.js';
import { RegistryClient } from '../../src/transports/oci-registry/client.js';
import { MANIFEST_ACCEPT } from '../../src/transports/oci-registry/manifests.js';
import { registryRef } from '../../src/transports/oci-registry/transport.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configFor, dockerArchiveParts, replaceData, sha256Hex, smallLayer } from '../helpers/image-archives.js';
import { fixture } from '../helpers/paths.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { writeTar } from '../helpers/tiny-tar.js';
import { cuttingProxy, withRegistry } from '../helpers/registry.js';
import { runBaler } from '../helpers/run-baler.js';

const reg = withRegistry();
const tmp = new TempDirs();
after(() => tmp.removeAll());

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const pieces = (b: Buffer, size: number): Readable => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));
/** Pieces of 321 bytes, as the stream tests feed parsers. */
const tinyPieces = (b: Buffer): Readable => pieces(b, 321);

async function blobInRegistry(host: string, repo: string, d: Digest): Promise<Buffer | undefined> {
  const res = await fetch(`http://${host}/v2/${repo}/blobs/${d}`);
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : undefined;
}

test('chunked uploads (sequential PATCH with Content-Range) store the exact blob; an unknown digest is computed', { skip: reg.skip }, async () => {
  const client = new RegistryClient(reg.host, reg.host);
  try {
    const data = randomBytes(300_001);
    const stored = await uploadBlob(client, 'chunks/app', tinyPieces(data), { mediaType: MediaTypes.ociLayerGzip, digest: sha(data), size: data.length }, { chunkSize: 64 * 1024 });
    assert.deepEqual(stored, { mediaType: MediaTypes.ociLayerGzip, digest: sha(data), size: data.length });
    assert.ok((await blobInRegistry(reg.host, 'chunks/app', sha(data)))?.equals(data));

    const other = randomBytes(70_000);
    const computed = await uploadBlob(client, 'chunks/app', tinyPieces(other), { mediaType: MediaTypes.ociLayerGzip }, { chunkSize: 32 * 1024 });
    assert.equal(computed.digest, sha(other));
    assert.ok((await blobInRegistry(reg.host, 'chunks/app', sha(other)))?.equals(other));
  } finally {
    client.close();
  }
});

test('a blob that does not match its digest is refused and nothing is stored under either digest', { skip: reg.skip }, async () => {
  const client = new RegistryClient(reg.host, reg.host);
  try {
    const data = randomBytes(100_000);
    const claimed = sha(Buffer.from('something else'));
    for (const chunkSize of [1 << 20, 16 * 1024]) {
      await assert.rejects(
        uploadBlob(client, 'bad/app', tinyPieces(data), { mediaType: MediaTypes.ociLayer, digest: claimed, size: data.length }, { chunkSize }),
        (e: unknown) => e instanceof BalerError && e.code === 'E_DIGEST_MISMATCH' && e.message.includes(`expected ${claimed}, got ${sha(data)}`),
      );
    }
    assert.equal(await blobInRegistry(reg.host, 'bad/app', claimed), undefined);
    assert.equal(await blobInRegistry(reg.host, 'bad/app', sha(data)), undefined);
  } finally {
    client.close();
  }
});

test('a body the pipeline vouches for goes in overlapped chunks unhashed; its verifier failing at the end stores nothing', { skip: reg.skip }, async () => {
  const client = new RegistryClient(reg.host, reg.host);
  try {
    // what copyLayer hands a sink: the bytes behind a VerifyingStream, vouched for with the same digest
    const vouchedBody = (data: Buffer, digest: Digest): Readable => vouchFor(pieces(data, 321).pipe(new VerifyingStream(digest, data.length, 'layer 0')), digest, data.length);
    const data = randomBytes(300_001);
    const stored = await uploadBlob(client, 'vouched/app', vouchedBody(data, sha(data)), { mediaType: MediaTypes.ociLayer, digest: sha(data), size: data.length }, { chunkSize: 64 * 1024 });
    assert.deepEqual(stored, { mediaType: MediaTypes.ociLayer, digest: sha(data), size: data.length });
    assert.ok((await blobInRegistry(reg.host, 'vouched/app', sha(data)))?.equals(data), 'five chunks, in order');

    // the verifier upstream fails at the end: the error is its own, and no PUT closes the session
    const other = randomBytes(300_001);
    const claimed = sha(Buffer.from('something else'));
    await assert.rejects(
      uploadBlob(client, 'vouched/app', vouchedBody(other, claimed), { mediaType: MediaTypes.ociLayer, digest: claimed, size: other.length }, { chunkSize: 64 * 1024 }),
      (e: unknown) => e instanceof BalerError && e.code === 'E_DIGEST_MISMATCH' && e.message === `layer 0: digest mismatch, expected ${claimed}, got ${sha(other)}`,
    );
    assert.equal(await blobInRegistry(reg.host, 'vouched/app', claimed), undefined);
    assert.equal(await blobInRegistry(reg.host, 'vouched/app', sha(other)), undefined);
  } finally {
    client.close();
  }
});

test('a manifest whose blob is missing fails with the registry code, naming registry and repository', { skip: reg.skip }, async () => {
  const sink = await registryRef(`registry://${reg.host}/app:v1`).openSink();
  try {
    const missing = `sha256:${'1'.repeat(64)}`;
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: missing, size: 2 }, layers: [] }));
    await assert.rejects(sink.putManifest(bytes, { mediaType: MediaTypes.ociManifest, digest: sha(bytes), size: bytes.length }), (e: unknown) => {
      assert.ok(e instanceof BalerError);
      assert.equal(e.message, `registry://${reg.host}/app: MANIFEST_BLOB_UNKNOWN: blob unknown to registry (${missing})`);
      return true;
    });
  } finally {
    await sink[Symbol.asyncDispose]();
  }
});

test('a PREFIX sink finds a blob under the prefix before any image starts, then mounts it into the image repository', { skip: reg.skip }, async () => {
  const pushed = await runBaler(['load', '-i', fixture('docker20-multi.tar'), 'imga:1', '--into', `registry://${reg.host}/pre`]);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(pushed.stdout, `Pushed image: imga:1 -> ${reg.host}/pre/library/imga:1\n`, 'the output says where the image went');
  const tags = (await (await fetch(`http://${reg.host}/v2/pre/library/imga/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(tags.tags, ['1']);
  const manifest = (await (await fetch(`http://${reg.host}/v2/pre/library/imga/manifests/1`, { headers: { Accept: MANIFEST_ACCEPT } })).json()) as { layers: Array<{ digest: Digest }> };
  const base = manifest.layers[0]?.digest as Digest;

  const sink = await registryRef(`registry://${reg.host}/pre`).openSink();
  try {
    assert.equal(await sink.hasBlob(base), true, 'found under the prefix');
    assert.equal(await sink.hasBlob(sha(Buffer.from('not pushed'))), false);
    assert.equal(await blobInRegistry(reg.host, 'pre/library/imgb', base), undefined);
    await sink.startImage?.([{ domain: 'docker.io', path: 'library/imgb', tag: '1' }]);
    assert.equal(await sink.hasBlob(base), true, 'mounted into pre/library/imgb');
    assert.ok(await blobInRegistry(reg.host, 'pre/library/imgb', base));
  } finally {
    await sink[Symbol.asyncDispose]();
  }
});

test('a sink at the registry root pushes each image to its own repository path; an unnamed image is refused', { skip: reg.skip }, async () => {
  const r = await runBaler(['load', '-i', fixture('docker20-multi.tar'), 'imgo:1', '--into', `registry://${reg.host}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(((await (await fetch(`http://${reg.host}/v2/library/imgo/tags/list`)).json()) as { tags: string[] }).tags, ['1']);

  const sink = await registryRef(`registry://${reg.host}/unnamed`).openSink();
  try {
    await assert.rejects(sink.startImage?.([]) ?? Promise.resolve(), /an image without a name cannot be pushed under a prefix; name it \(load --tag NAME\)/);
  } finally {
    await sink[Symbol.asyncDispose]();
  }
});

test('an upload whose answer is lost: a one-chunk blob goes again in a new session, a later chunk says to run again', { skip: reg.skip }, async () => {
  // the registry handled the request but the client saw a reset and retried it; registry 2.8 then
  // answers BLOB_UPLOAD_UNKNOWN (finished session) or BLOB_UPLOAD_INVALID (moved on) and drops the session
  const attempt = async (repo: string, data: Buffer, chunkSize: number, cutAfter: number): Promise<Descriptor> => {
    const proxy = await cuttingProxy(reg.host, cutAfter, 'lose-response');
    const client = new RegistryClient(proxy.host, proxy.host, { retry: { attempts: 4, baseDelayMs: 10 } });
    try {
      return await uploadBlob(client, repo, tinyPieces(data), { mediaType: MediaTypes.ociLayer, digest: sha(data), size: data.length }, { chunkSize });
    } finally {
      assert.equal(proxy.cuts, 1, `${repo}: the proxy lost one answer`);
      client.close();
      await proxy.close();
    }
  };
  const one = randomBytes(400_000);
  assert.equal((await attempt('lost/put', one, 1 << 20, 150_000)).digest, sha(one));
  assert.ok((await blobInRegistry(reg.host, 'lost/put', sha(one)))?.equals(one));

  const three = randomBytes(400_000);
  await assert.rejects(
    attempt('lost/patch', three, 100_000, 250_000),
    /lost\/patch: upload blob sha256:[0-9a-f]{64}: the registry dropped the upload session after a broken connection and cannot resume it; run the command again/,
  );
  assert.equal(await blobInRegistry(reg.host, 'lost/patch', sha(three)), undefined);
});

test('images pushed at the same time: one whose layer lies about its content fails the push with its own error, and no tag is written', { skip: reg.skip }, async () => {
  const good = dockerArchiveParts('good:1', [smallLayer('good base'), smallLayer('good top')]);
  // image bad:1 has a layer whose bytes are not the content its config's diff_id names
  const bad = dockerArchiveParts('bad:1', [smallLayer('bad real')]);
  const config = configFor([smallLayer('bad claimed')]);
  const cfg = bad.entries.find((e) => e.name === `${bad.configHex}.json`);
  if (!cfg) throw new Error('no config entry');
  cfg.name = `${sha256Hex(config)}.json`;
  cfg.data = config;
  const manifest = [
    { Config: `${good.configHex}.json`, RepoTags: ['good:1'], Layers: good.layerNames },
    { Config: cfg.name, RepoTags: ['bad:1'], Layers: bad.layerNames },
  ];
  const entries = [...good.entries, ...bad.entries].filter((e) => e.name !== 'manifest.json');
  entries.push({ name: 'manifest.json', data: '[]' });
  replaceData(entries, 'manifest.json', JSON.stringify(manifest));
  const file = join(await tmp.make('push-concurrent-'), 'two.tar');
  await writeFile(file, writeTar(entries));

  const r = await runBaler(['load', '-i', file, '--into', `registry://${reg.host}/together`]);
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /bad:1: layer 0: .*(diff_ids|digest mismatch)/);
  for (const repo of ['together/library/good', 'together/library/bad']) {
    const tags = await fetch(`http://${reg.host}/v2/${repo}/tags/list`);
    const listed = tags.status === 200 ? ((await tags.json()) as { tags: string[] | null }).tags : null;
    assert.ok(listed === null || listed.length === 0, `${repo}: no tag written (${JSON.stringify(listed)})`);
  }
});
