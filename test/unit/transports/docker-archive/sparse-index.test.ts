// A Docker >= 25 hybrid archive as `docker save` writes it under the containerd image store for a pulled
// image: index.json names an image INDEX (the image ID docker shows), manifest.json lists the one platform
// manifest whose blobs were saved, and the index's other platforms (and attestations) are absent.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../../../src/errors.js';
import { sha256Of, type Digest } from '../../../../src/model/digest.js';
import { MediaTypes } from '../../../../src/model/media-types.js';
import { balerInProcess, balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { attestationEntry, ociIndexBytes } from '../../../helpers/image-index.js';
import { configFor, layerTar, tarList, tarMember, writeTar, type Member } from './archive-builder.js';

const blob = (d: Digest): string => `blobs/sha256/${d.slice(7)}`;

interface SparseArchive {
  index: Digest;
  indexBytes: Buffer;
  manifest: Digest;
  config: Digest;
  layer: Digest;
}

/** Writes the archive; `leaveOut` drops members (to damage it). */
async function writeSparseArchive(file: string, leaveOut: (m: Member) => boolean = () => false): Promise<SparseArchive> {
  const layer = await layerTar({ 'h.txt': 'only amd64 was pulled' });
  const gz = gzipSync(layer);
  const cfg = configFor([sha256Of(layer)]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: sha256Of(cfg), size: cfg.length },
      layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: sha256Of(gz), size: gz.length }],
    }),
  );
  const md = sha256Of(manifest);
  // the arm64 manifest and the attestation manifest were never pulled: listed, not saved
  const index = ociIndexBytes([
    { mediaType: MediaTypes.ociManifest, digest: md, size: manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
    { mediaType: MediaTypes.ociManifest, digest: sha256Of('arm64 manifest, never pulled'), size: 1234, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    attestationEntry({ digest: sha256Of('attestation manifest, never pulled'), size: 840 }, md),
  ]);
  const id = sha256Of(index);
  const members: Member[] = [
    { name: 'blobs/', type: 'dir' },
    { name: 'blobs/sha256/', type: 'dir' },
    { name: blob(sha256Of(gz)), body: gz },
    { name: blob(sha256Of(cfg)), body: cfg },
    { name: blob(md), body: manifest },
    { name: blob(id), body: index },
    { name: 'oci-layout', body: '{"imageLayoutVersion": "1.0.0"}' },
    {
      name: 'index.json',
      body: ociIndexBytes([{ mediaType: MediaTypes.ociIndex, digest: id, size: index.length, annotations: { 'io.containerd.image.name': 'docker.io/library/sparse:1', 'org.opencontainers.image.ref.name': '1' } }]),
    },
    { name: 'manifest.json', body: JSON.stringify([{ Config: blob(sha256Of(cfg)), RepoTags: ['sparse:1'], Layers: [blob(sha256Of(gz))] }]) },
    { name: 'repositories', body: JSON.stringify({ sparse: { '1': sha256Of(layer).slice(7) } }) },
  ];
  await writeTar(file, members.filter((m) => !leaveOut(m)));
  return { index: id, indexBytes: index, manifest: md, config: sha256Of(cfg), layer: sha256Of(gz) };
}

describe('a docker-archive whose index.json names a sparse image index (Docker >= 25, containerd image store)', () => {
  let dir = '';
  let file = '';
  let facts: SparseArchive;
  let store = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baler-sparse-index-'));
    file = join(dir, 'docker-save.tar');
    facts = await writeSparseArchive(file);
    store = join(dir, 'store');
    await balerInProcessOk(['load', '-q', '-i', file, '--store', store], dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('verify: the image is the index (its digest), nothing unreferenced, the absent platform reported', async () => {
    const r = await balerInProcessOk(['verify', '--json', file], dir);
    const report = JSON.parse(r.stdout) as { ok: boolean; images: Array<{ names: string[]; ids: string[]; digest: string }>; unreferenced: string[]; notIncluded: string[] };
    assert.equal(report.ok, true);
    assert.deepEqual(report.images.map((i) => [i.names, i.digest, i.ids]), [[['sparse:1'], facts.index, [facts.config]]]);
    assert.deepEqual(report.unreferenced, []);
    assert.equal(report.notIncluded.length, 1);
    assert.match(report.notIncluded[0] ?? '', /sparse:1: platform\(s\) linux\/arm64\/v8 of the index not included/, 'the attestation entry is not named');
    const text = (await balerInProcessOk(['verify', file], dir)).stdout;
    assert.match(text, /^note: .*sparse:1: platform\(s\) linux\/arm64\/v8 of the index not included/m);
  });

  test('load keeps the index; ls shows it with the platform it holds, inspect names the one not included', async () => {
    const ls = JSON.parse((await balerInProcessOk(['ls', '--json', '--store', store], dir)).stdout) as Array<{ Id: string; Digest: string; RepoTags: string[]; Platforms: string[] }>;
    assert.deepEqual(ls.map((i) => [i.RepoTags, i.Id, i.Digest, i.Platforms]), [[['sparse:1'], facts.index, facts.index, ['linux/amd64']]]);
    const inspect = JSON.parse((await balerInProcessOk(['inspect', '--json', '--store', store, 'sparse:1'], dir)).stdout) as Array<{ Id: string; Index: { Digest: string; Platforms: string[]; NotIncluded: string[]; Picked: string } }>;
    assert.deepEqual(inspect[0]?.Index, { Digest: facts.index, Platforms: ['linux/amd64'], NotIncluded: ['linux/arm64/v8'], Picked: 'linux/amd64' });
    assert.equal(inspect[0]?.Id, facts.config);
    const text = (await balerInProcessOk(['inspect', '--store', store, 'sparse:1'], dir)).stdout;
    assert.match(text, /Platforms: +linux\/amd64 \(not included: linux\/arm64\/v8\); showing linux\/amd64/);
  });

  test('fsck: absent child manifests are notes, not problems', async () => {
    const r = await balerInProcessOk(['fsck', '--store', store], dir);
    const notes = r.stdout.split('\n').filter((l) => l.startsWith('note: '));
    assert.equal(notes.length, 2, r.stdout);
    assert.ok(notes.every((l) => l.includes('is not included')), r.stdout);
    assert.match(r.stdout, /: OK \(1 image, 4 blobs/);
  });

  test('save to docker-archive: index.json names the same index, byte for byte; manifest.json the platform saved', async () => {
    const out = join(dir, 'back.tar');
    const r = await balerInProcessOk(['save', '--store', store, '-o', out, 'sparse:1'], dir);
    assert.match(r.stderr, /warning: .*sparse:1: platform\(s\) linux\/arm64\/v8 of the index not included/);
    const index = JSON.parse(tarMember(out, 'index.json').toString()) as { manifests: Array<{ mediaType: string; digest: string; annotations: Record<string, string> }> };
    assert.deepEqual(index.manifests.map((m) => [m.mediaType, m.digest, m.annotations['io.containerd.image.name']]), [[MediaTypes.ociIndex, facts.index, 'docker.io/library/sparse:1']]);
    assert.deepEqual(tarMember(out, blob(facts.index)), facts.indexBytes);
    assert.deepEqual(JSON.parse(tarMember(out, 'manifest.json').toString()), [{ Config: blob(facts.config), RepoTags: ['sparse:1'], Layers: [blob(facts.layer)] }]);
    assert.deepEqual(tarList(out).filter((n) => /^blobs\/sha256\/./.test(n)).sort(), [facts.config, facts.layer, facts.manifest, facts.index].map(blob).sort());
    // and it reads back as the same image
    const back = JSON.parse((await balerInProcessOk(['verify', '--json', out], dir)).stdout) as { images: Array<{ digest: string }> };
    assert.deepEqual(back.images.map((i) => i.digest), [facts.index]);
  });

  test('--platform selects the included platform; an absent one fails in one line naming what is included', async () => {
    const amd = join(dir, 'amd64.tar');
    await balerInProcessOk(['save', '--store', store, '--platform', 'linux/amd64', '-o', amd, 'sparse:1'], dir);
    const index = JSON.parse(tarMember(amd, 'index.json').toString()) as { manifests: Array<{ digest: string }> };
    assert.deepEqual(index.manifests.map((m) => m.digest), [facts.manifest]);

    for (const args of [
      ['save', '--store', store, '--platform', 'linux/arm64', '-o', join(dir, 'arm64.tar'), 'sparse:1'],
      ['load', '-i', file, '--platform', 'linux/arm64', '--store', join(dir, 'store-arm64')],
    ]) {
      const r = await balerInProcess(args, dir);
      assert.equal(r.code, ExitCode.notFound, r.stderr);
      assert.match(r.stderr, /^baler: .*sparse:1: platform linux\/arm64\/v8 is listed in the index but not included here; included: linux\/amd64\n$/);
    }
    assert.equal(existsSync(join(dir, 'arm64.tar')), false);
  });

  test('a missing blob of an included manifest stays an error (archive and store)', async () => {
    const broken = join(dir, 'no-config.tar');
    const f = await writeSparseArchive(broken, (m) => m.name === blob(facts.config));
    const r = await balerInProcess(['verify', broken], dir);
    assert.notEqual(r.code, 0, r.stdout);
    assert.ok(`${r.stdout}${r.stderr}`.includes(f.config.slice(7)), `${r.stdout}${r.stderr}`);

    const damaged = join(dir, 'store-damaged');
    await balerInProcessOk(['load', '-q', '-i', file, '--store', damaged], dir);
    await unlink(join(damaged, blob(facts.layer)));
    const fsck = await balerInProcess(['fsck', '--store', damaged], dir);
    assert.equal(fsck.code, ExitCode.integrity, fsck.stdout);
    assert.match(fsck.stdout, new RegExp(`blob ${facts.layer} is missing`));
    assert.ok(Buffer.from(await readFile(join(damaged, blob(facts.index)))).equals(facts.indexBytes));
  });
});
