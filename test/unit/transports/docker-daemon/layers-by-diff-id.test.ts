/**
 * LayersByDiffId serves a layer of a saved archive by its diff_id, decompressed: what Docker's containerd
 * image store saves compressed (here skopeo's gzip oci-archive stands in for such a `docker save`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import type { Descriptor } from '../../../../src/model/descriptor.js';
import type { Digest } from '../../../../src/model/digest.js';
import { LayersByDiffId } from '../../../../src/transports/docker-daemon/layers-by-diff-id.js';
import { ociArchiveTransport } from '../../../../src/transports/oci-archive/transport.js';
import { fixture } from '../../../helpers/paths.js';

async function sha256Of(s: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of s) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

test('each gzip layer comes back uncompressed under its config diff_id; an unknown diff_id is undefined', async () => {
  await using source = await ociArchiveTransport.parse(`oci-archive:${fixture('skopeo-gzip.oci-archive.tar')}`).openSource();
  const [entry] = await source.list();
  assert.ok(entry);
  const manifest = JSON.parse(Buffer.from(await source.fetchManifest(entry.descriptor)).toString()) as { config: Descriptor; layers: Descriptor[] };
  assert.ok(manifest.layers.every((l) => l.mediaType.endsWith('+gzip')), 'the fixture stores gzip layers');
  const config = JSON.parse(await readAll(await source.fetchBlob(manifest.config))) as { rootfs: { diff_ids: Digest[] } };
  assert.equal(config.rootfs.diff_ids.length, manifest.layers.length);

  const layers = new LayersByDiffId(source, 'test archive');
  for (const [i, diffId] of config.rootfs.diff_ids.entries()) {
    assert.notEqual(diffId, manifest.layers[i]?.digest, 'stored under another digest');
    const plain = await layers.open(diffId);
    assert.ok(plain, diffId);
    assert.equal(await sha256Of(plain), diffId);
  }
  assert.equal(await layers.open(`sha256:${'0'.repeat(64)}` as Digest), undefined);
});

async function readAll(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
