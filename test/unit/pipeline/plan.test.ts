import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256Of } from '../../../src/model/digest.js';
import { familiarName, parseImageName } from '../../../src/model/image-name.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { parsePlatform } from '../../../src/model/platform.js';
import { decideIndex, decideLayer, decideManifestType, plannedBytes, selectImages, type ListedImage } from '../../../src/pipeline/plan.js';

const d = (s: string) => sha256Of(s);
function listed(tag: string, names: string[], kind: 'image' | 'index' = 'image'): ListedImage {
  return { descriptor: { mediaType: MediaTypes.ociManifest, digest: d(tag), size: 1 }, digest: d(tag), id: d(`cfg ${tag}`), names: names.map((n) => parseImageName(n)), kind };
}

describe('plan', () => {
  test('shared bytes count each extra use of a blob once per image', () => {
    const base = { digest: d('base'), size: 100, role: 'layer' as const };
    const r = plannedBytes([
      [base, { digest: d('a'), size: 10, role: 'layer' }],
      [base, base, { digest: d('b'), size: 20, role: 'layer' }],
      [base, { digest: d('c'), size: 30, role: 'layer' }],
    ]);
    assert.deepEqual(r, { totalBytes: 160, sharedBytes: 200, blobs: 4 });
  });

  test('a repository without a tag selects all its tags when it has no latest', () => {
    const images = [listed('1', ['imgb:1']), listed('2', ['imgb:2', 'other:1']), listed('3', ['imgc:1'])];
    const sel = selectImages(images, { kind: 'refs', refs: ['imgb'] }, 'x.tar');
    assert.deepEqual(sel.map((s) => s.names.map(familiarName)), [['imgb:1'], ['imgb:2']]);
    assert.throws(() => selectImages(images, { kind: 'refs', refs: ['imgd'] }, 'x.tar'), /^BalerError: no such image: imgd in x\.tar$/);
  });

  test('duplicate entries of one digest are one image with the union of names', () => {
    const sel = selectImages([listed('1', ['a:1']), listed('1', ['a:2'])], { kind: 'all' }, 'x');
    assert.equal(sel.length, 1);
    assert.deepEqual(sel[0]?.names.map(familiarName), ['a:1', 'a:2']);
  });

  test('layers: keep what the sink takes, convert the rest to its first choice, obey --layers', () => {
    const caps = { layerCompressions: ['none', 'gzip'] as const };
    assert.deepEqual(decideLayer('gzip', caps, 'keep'), { kind: 'keep' });
    assert.deepEqual(decideLayer('zstd', caps, undefined), { kind: 'convert', to: 'none' });
    assert.deepEqual(decideLayer('xz', caps, undefined), { kind: 'convert', to: 'none' });
    assert.deepEqual(decideLayer('none', caps, 'gzip'), { kind: 'convert', to: 'gzip' });
    assert.deepEqual(decideLayer('gzip', caps, 'gzip'), { kind: 'keep' });
  });

  test('zstd layers force an OCI manifest; a docker-only sink refuses them', () => {
    assert.equal(decideManifestType(MediaTypes.dockerManifest, { manifestTypes: [MediaTypes.dockerManifest, MediaTypes.ociManifest] }, ['zstd'], 'i'), MediaTypes.ociManifest);
    assert.equal(decideManifestType(MediaTypes.dockerManifest, { manifestTypes: [MediaTypes.dockerManifest, MediaTypes.ociManifest] }, ['gzip'], 'i'), MediaTypes.dockerManifest);
    assert.throws(() => decideManifestType(MediaTypes.ociManifest, { manifestTypes: [MediaTypes.dockerManifest] }, ['zstd'], 'img:1'), /img:1: the destination only takes Docker manifests/);
  });

  test('index: attestations are never picked; the host platform is the default pick', () => {
    const m = (arch: string, os = 'linux') => ({ mediaType: MediaTypes.ociManifest, digest: d(arch + os), size: 1, platform: { os, architecture: arch } });
    const index = { manifests: [m('arm64'), m('unknown', 'unknown'), m('amd64')] };
    const keep = decideIndex(index, { keepsIndexes: true }, undefined, parsePlatform('linux/amd64'), 'x');
    assert.equal(keep.keep === 'index' && keep.children.length, 2);
    const pick = decideIndex(index, { keepsIndexes: false }, undefined, parsePlatform('linux/arm64'), 'x');
    assert.equal(pick.keep === 'child' && pick.child.platform?.architecture, 'arm64');
    assert.throws(() => decideIndex(index, { keepsIndexes: true }, parsePlatform('linux/ppc64le'), parsePlatform('linux/amd64'), 'multi:1'), /multi:1: no manifest for platform linux\/ppc64le; available: linux\/arm64, linux\/amd64$/);
  });
});
