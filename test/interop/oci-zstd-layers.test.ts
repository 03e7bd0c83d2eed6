/**
 * Issue #6 "Compression": layers in OCI output as `application/vnd.oci.image.layer.v1.tar+zstd` must be
 * readable by containers/image. `baler save --format oci --layers zstd`, then `skopeo copy` into an OCI
 * layout and `podman load`; the diff_ids (hashes of the decompressed layers) must stay docker's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ociArchiveFacts } from '../helpers/oci-facts.js';
import { fixture } from '../helpers/paths.js';
import { withPodman } from '../helpers/podman.js';
import { runChecked } from '../helpers/run-process.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar } from '../helpers/tiny-tar.js';
import { skipUnlessTools } from '../helpers/tools.js';

const pod = withPodman();
const tmp = new TempDirs();
after(() => tmp.removeAll());

const IMAGE = 'imga:1';

/** imga:1's diff_ids as docker wrote them in the fixture. */
function dockerDiffIds(): string[] {
  const entries = readTar(readFileSync(fixture('docker20-multi.tar')));
  const read = (n: string): string => entries.find((e) => e.name === n)?.data.toString() ?? '';
  const manifest = JSON.parse(read('manifest.json')) as Array<{ Config: string; RepoTags: string[] }>;
  const m = manifest.find((x) => x.RepoTags.includes(IMAGE));
  assert.ok(m, `${IMAGE} in the fixture`);
  return (JSON.parse(read(m.Config)) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
}

async function zstdArchive(): Promise<string> {
  const dir = await tmp.make('baler-interop-zstd-');
  const store = join(dir, 'store');
  const out = join(dir, 'zstd.oci.tar');
  await balerOk(['load', '-q', '-i', fixture('docker20-multi.tar'), '--store', store]);
  await balerOk(['save', '-q', '-o', out, '--format', 'oci', '--layers', 'zstd', '--store', store, IMAGE]);
  const [facts] = ociArchiveFacts(out);
  assert.ok(facts && facts.layerMediaTypes.length > 0);
  assert.ok(facts.layerMediaTypes.every((t) => t === 'application/vnd.oci.image.layer.v1.tar+zstd'), facts.layerMediaTypes.join(', '));
  assert.deepEqual(facts.diffIds, dockerDiffIds());
  return out;
}

test('skopeo copies baler\'s zstd-layer oci-archive into an OCI layout, diff_ids intact', { skip: skipUnlessTools('skopeo') }, async () => {
  const archive = await zstdArchive();
  const layout = join(await tmp.make('baler-interop-zstd-layout-'), 'layout');
  await runChecked('skopeo', ['copy', '-q', `oci-archive:${archive}:${IMAGE}`, `oci:${layout}:copy`]);
  const config = JSON.parse((await runChecked('skopeo', ['inspect', '--config', '--raw', `oci:${layout}:copy`])).stdout) as { rootfs: { diff_ids: string[] } };
  assert.deepEqual(config.rootfs.diff_ids, dockerDiffIds());
  // and baler reads skopeo's copy back (verifying every digest and diff_id on the way)
  const back = join(await tmp.make('baler-interop-zstd-back-'), 'store');
  await balerOk(['load', '-q', '-i', layout, '--store', back]);
});

test('podman loads baler\'s zstd-layer oci-archive', { skip: pod.skip }, async () => {
  const archive = await zstdArchive();
  await pod.podmanChecked(['load', '-i', archive]);
  const inspect = JSON.parse((await pod.podmanChecked(['image', 'inspect', IMAGE])).stdout) as Array<{ RootFS: { Layers: string[] } }>;
  assert.deepEqual(inspect[0]?.RootFS.Layers, dockerDiffIds());
});
