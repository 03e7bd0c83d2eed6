// buildkit attestation manifests of an image index (formats.md §2.4) through the copy pipeline: an index
// kept whole keeps them byte for byte (same index digest), a rewritten platform manifest leaves its
// attestation out with W_ATTESTATION, --platform never carries them, and one the source does not hold is
// "not included" without a word.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Descriptor } from '../../../src/model/descriptor.js';
import { parseDigest, sha256Of, type Digest } from '../../../src/model/digest.js';
import { parseIndexManifest } from '../../../src/model/index-manifest.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import { parsePlatform } from '../../../src/model/platform.js';
import { copyImages } from '../../../src/pipeline/copy.js';
import type { CopyEvent } from '../../../src/pipeline/events.js';
import { rejectsWith } from '../../helpers/baler-error.js';
import { buildkitAttestation, ociIndexBytes } from '../../helpers/image-index.js';
import { MemorySink, MemorySource, makeImage, makeLayer, type BuiltImage } from './memory-transports.js';

interface Attestation {
  manifest: Buffer;
  descriptor: Descriptor;
  config: Buffer;
  statement: Buffer;
}

/** An attestation manifest as buildkit writes it, describing `image`. */
function attestationFor(image: BuiltImage): Attestation {
  const { manifest, config, statement, entry } = buildkitAttestation(image.descriptor.digest, 'pkg:docker/app');
  return { manifest, config, statement, descriptor: { ...entry, digest: parseDigest(entry.digest) } };
}

const amd = makeImage([makeLayer('base '.repeat(200), 'gzip'), makeLayer('amd64 app', 'gzip')], { arch: 'amd64' });
const arm = makeImage([makeLayer('base '.repeat(200), 'gzip'), makeLayer('arm64 app', 'gzip')], { arch: 'arm64' });
const amdAtt = attestationFor(amd);
const armAtt = attestationFor(arm);
const indexBytes = ociIndexBytes([
  { ...amd.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
  { ...arm.descriptor, platform: { architecture: 'arm64', os: 'linux' } },
  amdAtt.descriptor,
  armAtt.descriptor,
]);
const index: Descriptor = { mediaType: MediaTypes.ociIndex, digest: sha256Of(indexBytes), size: indexBytes.length };

/** A source that says which blobs it holds, so an absent child is "not included" (included-children.ts). */
class HoldingSource extends MemorySource {
  async holdsBlob(d: Digest): Promise<boolean> {
    return this.blobs.has(d);
  }
}

function source(leaveOut: readonly Digest[] = []): HoldingSource {
  const src = new HoldingSource();
  src.addIndex({ bytes: indexBytes, descriptor: index }, [amd, arm], ['example.com/app:1']);
  for (const a of [amdAtt, armAtt]) {
    src.blobs.set(a.descriptor.digest, a.manifest);
    src.blobs.set(sha256Of(a.config), a.config);
    src.blobs.set(sha256Of(a.statement), a.statement);
  }
  for (const d of leaveOut) src.blobs.delete(d);
  return src;
}

const attestationBlobs = (a: Attestation): Digest[] => [a.descriptor.digest, sha256Of(a.config), sha256Of(a.statement)];

describe('attestation manifests of a multi-platform index', () => {
  test('an index kept whole keeps them byte for byte: same index digest, their blobs copied, no warning', async () => {
    const sink = new MemorySink();
    const events: CopyEvent[] = [];
    const report = await copyImages({ from: source(), to: sink, select: { kind: 'all' }, onEvent: (e) => events.push(e) });
    assert.equal(report.images[0]?.digest, index.digest);
    assert.deepEqual(report.warnings, []);
    const blobs = sink.committed?.blobs;
    assert.ok(blobs);
    assert.deepEqual(blobs.get(index.digest), indexBytes);
    for (const a of [amdAtt, armAtt]) for (const d of attestationBlobs(a)) assert.ok(blobs.has(d), `${d} copied`);
    assert.deepEqual(blobs.get(amdAtt.descriptor.digest), amdAtt.manifest);
    // the plan shows one image with its two platforms; attestations are no images
    const plan = events.find((e) => e.kind === 'plan');
    assert.ok(plan?.kind === 'plan');
    assert.deepEqual(plan.images.map((i) => [i.ids, i.platforms]), [[[amd.configDigest, arm.configDigest], ['linux/amd64', 'linux/arm64']]]);
  });

  test('a platform manifest rewritten (--layers zstd) leaves the attestations out with W_ATTESTATION', async () => {
    const sink = new MemorySink();
    const events: CopyEvent[] = [];
    const report = await copyImages({ from: source(), to: sink, select: { kind: 'all' }, layers: 'zstd', onEvent: (e) => events.push(e) });
    const written = report.images[0]?.digest as Digest;
    assert.notEqual(written, index.digest);
    const warning = events.find((e) => e.kind === 'warning');
    assert.deepEqual(warning?.kind === 'warning' && [warning.code, warning.message], ['W_ATTESTATION', 'mem:src: example.com/app:1: left out 2 attestation manifest(s) of the index']);
    const out = parseIndexManifest(sink.committed?.blobs.get(written) as Buffer, 'index');
    assert.deepEqual(out.manifests.map((m) => m.platform?.architecture), ['amd64', 'arm64']);
    for (const d of [...attestationBlobs(amdAtt), ...attestationBlobs(armAtt)]) assert.equal(sink.committed?.blobs.has(d), false, `${d} not copied`);
  });

  test('--platform copies one manifest and no attestation, without a warning', async () => {
    const sink = new MemorySink();
    const report = await copyImages({ from: source(), to: sink, select: { kind: 'all' }, platform: parsePlatform('linux/arm64') });
    assert.equal(report.images[0]?.digest, arm.descriptor.digest);
    assert.deepEqual(report.warnings, []);
    for (const d of attestationBlobs(armAtt)) assert.equal(sink.committed?.blobs.has(d), false);
  });

  test('an attestation the source does not hold is not included: no warning, the index bytes stay', async () => {
    const sink = new MemorySink();
    const report = await copyImages({ from: source([armAtt.descriptor.digest]), to: sink, select: { kind: 'all' } });
    assert.equal(report.images[0]?.digest, index.digest);
    assert.deepEqual(report.warnings, []);
    for (const d of attestationBlobs(amdAtt)) assert.ok(sink.committed?.blobs.has(d));
    assert.equal(sink.committed?.blobs.has(armAtt.descriptor.digest), false);
  });

  test('an attestation of a platform not included is not included either: the index bytes stay', async () => {
    const sink = new MemorySink();
    const report = await copyImages({ from: source([arm.descriptor.digest]), to: sink, select: { kind: 'all' } });
    assert.equal(report.images[0]?.digest, index.digest);
    assert.deepEqual(report.warnings, ['mem:src: example.com/app:1: platform(s) linux/arm64 of the index not included (kept in the index, not copied)']);
    assert.deepEqual(sink.committed?.blobs.get(index.digest), indexBytes);
    for (const d of attestationBlobs(amdAtt)) assert.ok(sink.committed?.blobs.has(d), `${d} copied`);
    for (const d of attestationBlobs(armAtt)) assert.equal(sink.committed?.blobs.has(d), false, `${d} not copied`);
  });

  test('an attestation whose statement the source lacks is not included: no warning, the index bytes stay', async () => {
    const sink = new MemorySink();
    const report = await copyImages({ from: source([sha256Of(armAtt.statement)]), to: sink, select: { kind: 'all' } });
    assert.equal(report.images[0]?.digest, index.digest);
    assert.deepEqual(report.warnings, []);
    assert.deepEqual(sink.committed?.blobs.get(index.digest), indexBytes);
    assert.equal(sink.committed?.blobs.has(armAtt.descriptor.digest), false);
    for (const d of attestationBlobs(amdAtt)) assert.ok(sink.committed?.blobs.has(d), `${d} copied`);
  });

  test('a damaged in-toto statement fails the copy naming the attestation and both digests; nothing is committed', async () => {
    const src = source();
    const bad = Buffer.from(amdAtt.statement);
    bad[3] = (bad[3] ?? 0) ^ 0xff;
    src.blobs.set(sha256Of(amdAtt.statement), bad);
    const sink = new MemorySink();
    const what = `example\\.com/app:1 \\(attestation ${amdAtt.descriptor.digest.slice(7, 19)}\\): layer 0`;
    await rejectsWith(copyImages({ from: src, to: sink, select: { kind: 'all' } }), 'E_DIGEST_MISMATCH', new RegExp(`${what}: digest mismatch, expected ${sha256Of(amdAtt.statement)}, got ${sha256Of(bad)}$`));
    assert.equal(sink.committed, undefined);
  });
});
