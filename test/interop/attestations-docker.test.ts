/**
 * baler's docker-archive of an image index with a buildkit attestation (formats.md §2.4), loaded by real
 * Docker engines: 20.10 reads manifest.json (the platform manifest: image ID = its config digest), Docker 26
 * with the containerd image store imports index.json (image ID = the index digest, which baler kept).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeAttestedLayout, type AttestedLayout } from '../helpers/attested-layout.js';
import { dockerdSkipReason, withDockerd, type PrivateDockerd } from '../helpers/dockerd.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** The attested layout, loaded into a store and saved as a docker-archive by baler. */
async function balerArchive(): Promise<{ layout: AttestedLayout; archive: string }> {
  const dir = await tmp.make('baler-attest-docker-');
  const layout = await writeAttestedLayout(join(dir, 'layout'));
  const store = join(dir, 'store');
  await balerOk(['load', '-q', '-i', layout.dir, '--store', store]);
  const archive = join(dir, 'imga.tar');
  await balerOk(['save', '--store', store, '--format', 'docker', '-o', archive, 'imga:1']);
  return { layout, archive };
}

async function loadAndInspect(d: PrivateDockerd, archive: string): Promise<{ Id: string; RepoTags: string[] }> {
  await d.reset();
  await d.dockerChecked(['load', '-i', archive]);
  const [img] = JSON.parse((await d.dockerChecked(['image', 'inspect', 'imga:1'])).stdout) as Array<{ Id: string; RepoTags: string[] }>;
  assert.ok(img);
  assert.equal((await d.dockerChecked(['run', '--rm', '--network', 'none', 'imga:1'])).stdout, 'new\n');
  return img;
}

describe('Docker 20.10', () => {
  const d = withDockerd('vfs');
  test('loads the platform manifest manifest.json lists: image ID = its config digest, and it runs', { skip: d.skip }, async () => {
    const { layout, archive } = await balerArchive();
    const img = await loadAndInspect(d, archive);
    assert.deepEqual([img.Id, img.RepoTags], [layout.config, ['imga:1']]);
  });
});

describe('Docker 26 with the containerd image store', { skip: dockerdSkipReason('docker26', 'containerd') }, () => {
  const d = withDockerd('overlay2', { engine: 'docker26', imageStore: 'containerd' });
  let built: { layout: AttestedLayout; archive: string };
  before(async () => {
    built = await balerArchive();
  });
  test('imports the index whole: image ID = the index digest baler kept, and it runs', async () => {
    const img = await loadAndInspect(d, built.archive);
    assert.deepEqual([img.Id, img.RepoTags], [built.layout.index, ['imga:1']]);
  });
});
