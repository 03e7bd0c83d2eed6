/** skopeo (containers/image) reads baler's oci-archive and OCI layout output; diff_ids must survive every hop. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ociArchiveFacts } from '../helpers/oci-facts.js';
import { fixture } from '../helpers/paths.js';
import { runChecked } from '../helpers/run-process.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { skipUnlessTools } from '../helpers/tools.js';
import { readTar } from '../helpers/tiny-tar.js';

const skip = skipUnlessTools('skopeo');
const tmp = new TempDirs();
after(() => tmp.removeAll());

/** diff_ids per familiar tag, from the docker save fixture's configs. */
function dockerDiffIds(file: string): Map<string, string[]> {
  const entries = readTar(readFileSync(file));
  const read = (n: string): string => entries.find((e) => e.name === n)?.data.toString() ?? '';
  const manifest = JSON.parse(read('manifest.json')) as Array<{ Config: string; RepoTags: string[] }>;
  const out = new Map<string, string[]>();
  for (const m of manifest) {
    const diffIds = (JSON.parse(read(m.Config)) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    for (const t of m.RepoTags) out.set(t, diffIds);
  }
  return out;
}

async function skopeoConfig(ref: string): Promise<{ rootfs: { diff_ids: string[] } }> {
  return JSON.parse((await runChecked('skopeo', ['inspect', '--config', '--raw', ref])).stdout) as { rootfs: { diff_ids: string[] } };
}

const src = (): string => fixture('docker20-multi.tar');

test('skopeo inspect and copy read every image of baler save --format oci (oci-archive)', { skip }, async () => {
  const want = dockerDiffIds(src());
  const dir = await tmp.make('baler-interop-skopeo-');
  const store = join(dir, 'store');
  const out = join(dir, 'images.oci.tar');
  await balerOk(['load', '-i', src(), '--store', store]);
  await balerOk(['save', '-o', out, '--format', 'oci', '--store', store, 'imga:1', 'imgb:1']);
  for (const tag of ['imga:1', 'imgb:1']) {
    const inspect = JSON.parse((await runChecked('skopeo', ['inspect', `oci-archive:${out}:${tag}`])).stdout) as { Layers: string[] };
    assert.equal(inspect.Layers.length, want.get(tag)?.length, `${tag} layer count`);
    assert.deepEqual((await skopeoConfig(`oci-archive:${out}:${tag}`)).rootfs.diff_ids, want.get(tag), `${tag} diff_ids`);
    await runChecked('skopeo', ['copy', '-q', `oci-archive:${out}:${tag}`, `dir:${join(dir, `copy-${tag}`)}`]);
  }
  // Every blob baler wrote hashes to its name (checked by the independent reader).
  assert.equal(ociArchiveFacts(out).length >= 2, true);
});

test('skopeo reads the OCI layout written by baler load --into oci:DIR', { skip }, async () => {
  const want = dockerDiffIds(src());
  const dir = await tmp.make('baler-interop-skopeo-layout-');
  const layout = join(dir, 'layout');
  await balerOk(['load', '-i', src(), '--into', `oci:${layout}`]);
  for (const tag of ['bbbase:1', 'imga:1', 'imgb:latest', 'imgo:1']) {
    assert.deepEqual((await skopeoConfig(`oci:${layout}:${tag}`)).rootfs.diff_ids, want.get(tag), `${tag} diff_ids`);
  }
  await runChecked('skopeo', ['copy', '-q', `oci:${layout}:imga:1`, `oci:${join(dir, 'copy')}:imga-copy`]);
  const copied = await skopeoConfig(`oci:${join(dir, 'copy')}:imga-copy`);
  assert.deepEqual(copied.rootfs.diff_ids, want.get('imga:1'));
});

test('baler loads what skopeo wrote (gzip and zstd oci-archives) and skopeo reads it back', { skip }, async () => {
  for (const name of ['skopeo-gzip.oci-archive.tar', 'skopeo-zstd.oci-archive.tar']) {
    const [facts] = ociArchiveFacts(fixture(name));
    assert.ok(facts?.refName);
    const dir = await tmp.make('baler-interop-skopeo-back-');
    const layout = join(dir, 'layout');
    await balerOk(['load', '-i', fixture(name), '--into', `oci:${layout}`]);
    assert.deepEqual((await skopeoConfig(`oci:${layout}:${facts.refName}`)).rootfs.diff_ids, facts.diffIds, name);
  }
});
