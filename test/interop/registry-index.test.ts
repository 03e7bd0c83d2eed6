/**
 * A multi-platform OCI index through the real docker-registry 2.8: pushed with the pipeline into the
 * registry sink (children before the index, gzip layers kept), read back by skopeo (raw index bytes) and
 * pulled again through the registry source with the same digests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Of } from '../../src/model/digest.js';
import { copyImages } from '../../src/pipeline/copy.js';
import { registryRef } from '../../src/transports/oci-registry/transport.js';
import { withRegistry } from '../helpers/registry.js';
import { runChecked } from '../helpers/run-process.js';
import { skipUnlessTools } from '../helpers/tools.js';
import { MemorySink, MemorySource, makeImage, makeIndex, makeLayer } from '../unit/pipeline/memory-transports.js';

const reg = withRegistry();
const skip = reg.skip || skipUnlessTools('skopeo');

test('a two-platform index is pushed whole and pulled back with the same index, manifest and blob digests', { skip }, async () => {
  const base = makeLayer('shared base layer '.repeat(500), 'gzip');
  const amd = makeImage([base, makeLayer('amd64 app', 'gzip')], { arch: 'amd64' });
  const arm = makeImage([base, makeLayer('arm64 app', 'gzip')], { arch: 'arm64' });
  const index = makeIndex([
    { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
    { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  const src = new MemorySource().addIndex(index, [amd, arm], ['example.com/multi/app:2']);

  const sink = await registryRef(`registry://${reg.host}/multi`).openSink();
  try {
    const report = await copyImages({ from: src, to: sink, select: { kind: 'all' } });
    assert.equal(report.images[0]?.digest, index.descriptor.digest, 'the index is kept byte for byte');
  } finally {
    await sink[Symbol.asyncDispose]();
  }
  const raw = (await runChecked('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/multi/multi/app:2`])).stdout;
  assert.equal(sha256Of(raw), index.descriptor.digest);

  const source = await registryRef(`registry://${reg.host}/multi/multi/app:2`).openSource();
  const back = new MemorySink();
  try {
    const report = await copyImages({ from: source, to: back, select: { kind: 'all' } });
    assert.equal(report.images[0]?.digest, index.descriptor.digest);
    const blobs = [...(back.committed?.blobs.keys() ?? [])].sort();
    const want = [...new Set([amd.configDigest, arm.configDigest, ...[...amd.layers, ...arm.layers].map((l) => l.descriptor.digest)])].sort();
    assert.deepEqual(blobs.filter((d) => want.includes(d as never)), want);
  } finally {
    await source[Symbol.asyncDispose]();
  }
});
