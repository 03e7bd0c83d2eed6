// A real image (skopeo's imga:1) in an index with a buildkit attestation, through the store and back out
// as oci-archive and docker-archive: the index digest never changes, the attestation's blobs travel with
// it, verify and fsck are clean, ls shows one image, and manifest.json lists the platform manifest.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MediaTypes } from '../../../src/model/media-types.js';
import { writeAttestedLayout, type AttestedLayout } from '../../helpers/attested-layout.js';
import { balerInProcessOk } from '../../helpers/cli-in-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { tarList, tarMember } from '../transports/docker-archive/archive-builder.js';

const tmp = new TempDirs();
const blob = (d: string): string => `blobs/sha256/${d.slice(7)}`;

interface VerifyJson {
  ok: boolean;
  images: Array<{ names: string[]; ids: string[]; digest: string }>;
  unreferenced: string[];
}

describe('an image index with a buildkit attestation, loaded and saved again', () => {
  let dir = '';
  let store = '';
  let layout: AttestedLayout;
  before(async () => {
    dir = await tmp.make('baler-attest-');
    layout = await writeAttestedLayout(join(dir, 'layout'));
    store = join(dir, 'store');
    const r = await balerInProcessOk(['load', '-i', layout.dir, '--store', store], dir);
    assert.doesNotMatch(r.stderr, /warning/);
  });
  after(() => tmp.removeAll());

  const attestationBlobs = (): string[] => [layout.attestation, layout.attestationConfig, layout.statement];
  const everyBlob = (): string[] => [layout.index, layout.manifest, layout.config, ...layout.layers, ...attestationBlobs()].map(blob).sort();

  test('the store keeps the index byte for byte; ls shows one image; fsck is clean', async () => {
    const ls = JSON.parse((await balerInProcessOk(['ls', '--json', '--store', store], dir)).stdout) as Array<{ Id: string; Digest: string; RepoTags: string[]; Platforms: string[] }>;
    assert.deepEqual(ls.map((i) => [i.RepoTags, i.Id, i.Digest, i.Platforms]), [[['imga:1'], layout.index, layout.index, ['linux/amd64']]]);
    const fsck = await balerInProcessOk(['fsck', '--store', store], dir);
    assert.match(fsck.stdout, new RegExp(`: OK \\(1 image, ${everyBlob().length} blobs`));
    assert.doesNotMatch(fsck.stdout, /note:/);
  });

  for (const format of ['oci', 'docker'] as const) {
    test(`save --format ${format}: the same index digest, the attestation's blobs present, verify OK`, async () => {
      const out = join(dir, `imga-${format}.tar`);
      const r = await balerInProcessOk(['save', '--store', store, '--format', format, '-o', out, 'imga:1'], dir);
      assert.doesNotMatch(r.stderr, /warning/);
      const index = JSON.parse(tarMember(out, 'index.json').toString()) as { manifests: Array<{ mediaType: string; digest: string }> };
      assert.deepEqual(index.manifests.map((m) => [m.mediaType, m.digest]), [[MediaTypes.ociIndex, layout.index]]);
      assert.deepEqual(tarMember(out, blob(layout.index)), layout.indexBytes);
      assert.deepEqual(tarList(out).filter((n) => /^blobs\/sha256\/./.test(n)).sort(), everyBlob());
      const verify = JSON.parse((await balerInProcessOk(['verify', '--json', out], dir)).stdout) as VerifyJson;
      assert.equal(verify.ok, true);
      assert.deepEqual(verify.images.map((i) => [i.digest, i.ids]), [[layout.index, [layout.config]]]);
      assert.deepEqual(verify.unreferenced, []);
      if (format === 'docker') {
        // Docker <= 24 and the graphdriver store read manifest.json only: the platform manifest, never the attestation
        const items = JSON.parse(tarMember(out, 'manifest.json').toString()) as Array<{ Config: string; Layers: string[]; RepoTags: string[] }>;
        assert.deepEqual(items, [{ Config: blob(layout.config), RepoTags: ['imga:1'], Layers: layout.layers.map(blob) }]);
      }
      // and it loads back as the same image
      const again = join(dir, `store-${format}`);
      await balerInProcessOk(['load', '-q', '-i', out, '--store', again], dir);
      const ls = JSON.parse((await balerInProcessOk(['ls', '--json', '--store', again], dir)).stdout) as Array<{ Id: string }>;
      assert.deepEqual(ls.map((i) => i.Id), [layout.index]);
    });
  }

  test('prune keeps the attestation blobs: they are referenced', async () => {
    const prune = await balerInProcessOk(['prune', '--store', store], dir);
    assert.equal(prune.stdout, 'Total reclaimed space: 0B (0 files)\n');
    assert.match((await balerInProcessOk(['fsck', '--store', store], dir)).stdout, new RegExp(`: OK \\(1 image, ${everyBlob().length} blobs`));
  });

  test('a delta (--have) leaves out the layers the destination has and always carries the attestation', async () => {
    const base = join(dir, 'store-base');
    await balerInProcessOk(['load', '-q', '-i', layout.dir, '--platform', 'linux/amd64', '--store', base], dir);
    await balerInProcessOk(['inventory', '--store', base, '-o', join(dir, 'have.json')], dir);
    const delta = join(dir, 'delta.tar');
    await balerInProcessOk(['save', '--store', store, '--have', join(dir, 'have.json'), '-o', delta, 'imga:1'], dir);
    const names = tarList(delta);
    for (const d of layout.layers) assert.ok(!names.includes(blob(d)), `layer ${d} left out`);
    for (const d of [layout.index, ...attestationBlobs()]) assert.ok(names.includes(blob(d)), `${d} carried`);
    const verify = JSON.parse((await balerInProcessOk(['verify', '--json', delta], dir)).stdout) as VerifyJson;
    assert.deepEqual([verify.ok, verify.images.map((i) => i.digest)], [true, [layout.index]]);
    await balerInProcessOk(['load', '-q', '-i', delta, '--store', base], dir);
    const ls = JSON.parse((await balerInProcessOk(['ls', '--json', '--store', base], dir)).stdout) as Array<{ Id: string; RepoTags: string[] }>;
    assert.deepEqual(ls.find((i) => i.RepoTags.includes('imga:1'))?.Id, layout.index);
    assert.match((await balerInProcessOk(['fsck', '--store', base], dir)).stdout, /: OK /);
  });

  test('verify of the layout itself counts the attestation blobs as referenced', async () => {
    const verify = JSON.parse((await balerInProcessOk(['verify', '--json', layout.dir], dir)).stdout) as VerifyJson;
    assert.equal(verify.ok, true);
    assert.deepEqual(verify.unreferenced, []);
  });

  test('--layers zstd rewrites the platform manifest: the attestation is left out with a warning', async () => {
    const out = join(dir, 'imga-zstd.tar');
    const r = await balerInProcessOk(['save', '--store', store, '--format', 'oci', '--layers', 'zstd', '-o', out, 'imga:1'], dir);
    assert.match(r.stderr, /^baler: warning: .*imga:1: left out 1 attestation manifest\(s\) of the index$/m);
    const index = JSON.parse(tarMember(out, 'index.json').toString()) as { manifests: Array<{ digest: string }> };
    const written = index.manifests[0]?.digest as string;
    assert.notEqual(written, layout.index);
    const inner = JSON.parse(tarMember(out, blob(written)).toString()) as { manifests: Array<{ platform?: { os: string } }> };
    assert.deepEqual(inner.manifests.map((m) => m.platform?.os), ['linux']);
    const names = tarList(out);
    for (const d of attestationBlobs()) assert.ok(!names.includes(blob(d)), `${d} left out`);
  });
});
