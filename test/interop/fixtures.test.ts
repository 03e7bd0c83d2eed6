/**
 * The committed fixtures are what fixtures/README.md says they are, checked with the real tools and an
 * independent tar reader: these are the premises every other interop test builds on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { dockerImageFacts } from '../helpers/docker-facts.js';
import { withDockerd } from '../helpers/dockerd.js';
import { ociArchiveFacts } from '../helpers/oci-facts.js';
import { fixture } from '../helpers/paths.js';
import { runChecked } from '../helpers/run-process.js';
import { readTar } from '../helpers/tiny-tar.js';
import { skipUnlessTools } from '../helpers/tools.js';

const dockerd = withDockerd('vfs');

const entriesOf = (name: string) => readTar(readFileSync(fixture(name)));

test('docker20-multi.tar is a legacy docker save with a symlinked layer.tar and five tags', () => {
  const entries = entriesOf('docker20-multi.tar');
  const links = entries.filter((e) => e.type === 'symlink' && e.name.endsWith('/layer.tar'));
  assert.ok(links.length >= 1, 'a layer.tar symlink');
  for (const l of links) assert.match(l.linkname, /^\.\.\/[0-9a-f]{64}\/layer\.tar$/);
  const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.data.toString() ?? '') as Array<{ RepoTags: string[] }>;
  assert.deepEqual(manifest.flatMap((m) => m.RepoTags).sort(), ['bbbase:1', 'imga:1', 'imgb:1', 'imgb:latest', 'imgo:1']);
  assert.equal(entries.some((e) => e.name === 'index.json'), false);
});

test('the layers carry whiteouts, an opaque marker, a hard link, a long and a non-ASCII name', () => {
  const names = entriesOf('docker20-multi.tar')
    .filter((e) => e.type === 'file' && e.name.endsWith('/layer.tar'))
    .flatMap((e) => readTar(e.data));
  const has = (pred: (n: { name: string; type: string }) => boolean): boolean => names.some(pred);
  assert.ok(has((e) => e.name === 'etc/.wh.motd'), 'whiteout of a base file');
  assert.ok(has((e) => e.name === 'data/.wh..wh..opq'), 'overlay2 opaque marker');
  assert.ok(has((e) => e.name === 'data/.wh.sub'), 'vfs per-file whiteout of a recreated dir');
  assert.ok(has((e) => e.type === 'hardlink' && e.name.startsWith('hl/')), 'hard link');
  assert.ok(has((e) => Buffer.byteLength(e.name) > 100), 'name over 100 bytes');
  assert.ok(has((e) => e.name === 'utf8/grüße-日本語-ñ.txt'), 'non-ASCII name');
});

test('the gzip and zstd wrappers hold exactly docker20-multi.tar', { skip: skipUnlessTools('zstd') }, async () => {
  const plain = readFileSync(fixture('docker20-multi.tar'));
  assert.ok(gunzipSync(readFileSync(fixture('docker20-multi.tar.gz'))).equals(plain), 'gzip');
  const unz = await runChecked('zstd', ['-d', '-c', fixture('docker20-multi.tar.zst')]);
  assert.ok(unz.stdoutBytes.equals(plain), 'zstd');
});

test('the skopeo oci-archives have valid blobs with gzip and zstd layers', () => {
  const gz = ociArchiveFacts(fixture('skopeo-gzip.oci-archive.tar'));
  const zst = ociArchiveFacts(fixture('skopeo-zstd.oci-archive.tar'));
  assert.deepEqual(gz.map((f) => f.refName), ['imga:1']);
  assert.deepEqual(zst.map((f) => f.refName), ['imgb:1']);
  assert.ok(gz[0]?.layerMediaTypes.every((m) => m.endsWith('+gzip')));
  assert.ok(zst[0]?.layerMediaTypes.every((m) => m.endsWith('+zstd')));
});

test('docker26-save.tar is the Docker >= 25 layout: an OCI index (one entry per tag) and manifest.json over the same blobs', () => {
  const facts = ociArchiveFacts(fixture('docker26-save.tar'));
  assert.deepEqual(facts.map((f) => f.containerdName).sort(), ['bbbase:1', 'imga:1', 'imgb:1', 'imgb:latest', 'imgo:1'].map((n) => `docker.io/library/${n}`));
  const entries = entriesOf('docker26-save.tar');
  assert.equal(entries.some((e) => e.name.endsWith('layer.tar')), false, 'no legacy <v1id>/layer.tar dirs');
  const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.data.toString() ?? '') as Array<{
    Config: string;
    RepoTags: string[];
    Layers: string[];
    LayerSources: Record<string, { digest: string }>;
  }>;
  for (const item of manifest) {
    const fact = facts.find((f) => f.configDigest === `sha256:${item.Config.replace('blobs/sha256/', '')}`);
    assert.ok(fact, `${item.RepoTags.join(',')}: manifest.json and index.json name the same config`);
    assert.deepEqual(item.Layers.map((l) => `sha256:${l.replace('blobs/sha256/', '')}`), fact.diffIds, 'layers are stored uncompressed, blob digest = diff_id');
    assert.deepEqual(Object.keys(item.LayerSources).sort(), [...fact.diffIds].sort(), 'LayerSources for every layer');
  }
  assert.ok(entries.some((e) => e.name === 'repositories'));
});

test('docker 20.10 loads the Docker 26 save, the wrappers and the podman archive with the same image IDs as docker20-multi.tar', { skip: dockerd.skip }, async () => {
  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', fixture('docker20-multi.tar')]);
  const reference = await dockerImageFacts(dockerd);
  assert.equal(reference.length, 4);
  for (const name of ['docker26-save.tar', 'docker20-multi.tar.gz']) {
    await dockerd.reset();
    await dockerd.dockerChecked(['load', '-i', fixture(name)]);
    assert.deepEqual(await dockerImageFacts(dockerd), reference, name);
  }
  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', fixture('podman-multi.docker-archive.tar')]);
  const podman = await dockerImageFacts(dockerd);
  const byId = new Map(reference.map((f) => [f.id, f]));
  assert.equal(podman.length, 2);
  for (const f of podman) assert.deepEqual(f.layers, byId.get(f.id)?.layers, `podman image ${f.id} has docker's layers`);
});

test('skopeo reads every fixture', { skip: skipUnlessTools('skopeo') }, async () => {
  for (const ref of [
    `docker-archive:${fixture('docker20-multi.tar')}:imga:1`,
    `docker-archive:${fixture('docker26-save.tar')}:imgb:latest`,
    `oci-archive:${fixture('docker26-save.tar')}:latest`,
    `docker-archive:${fixture('podman-multi.docker-archive.tar')}:localhost/imgb:1`,
    `oci-archive:${fixture('skopeo-gzip.oci-archive.tar')}:imga:1`,
    `oci-archive:${fixture('skopeo-zstd.oci-archive.tar')}:imgb:1`,
  ]) {
    await runChecked('skopeo', ['inspect', ref]);
  }
});
