/**
 * baler against a real Docker Engine 20.10: whatever docker can load from a fixture, baler must carry through
 * `baler load` + `baler save` so that `docker load` ends with the SAME image IDs, tags and layer diff_ids,
 * and the images still run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { allTags, dockerImageFacts, type ImageFacts } from '../helpers/docker-facts.js';
import { withDockerd } from '../helpers/dockerd.js';
import { ociArchiveFacts } from '../helpers/oci-facts.js';
import { fixture } from '../helpers/paths.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const dockerd = withDockerd('vfs');
const tmp = new TempDirs();
after(() => tmp.removeAll());
const skip = dockerd.skip;

/** What `docker load` of `file` produces in an empty daemon. */
async function dockerLoadFacts(file: string): Promise<ImageFacts[]> {
  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', file]);
  return dockerImageFacts(dockerd);
}

/** baler load FILE into a fresh store, baler save NAMES as a docker-archive, docker load that into an empty daemon. */
async function throughBaler(file: string, names: readonly string[]): Promise<{ facts: ImageFacts[]; saved: string }> {
  const dir = await tmp.make('baler-interop-docker-');
  const store = join(dir, 'store');
  const saved = join(dir, 'saved.tar');
  await balerOk(['load', '-i', file, '--store', store]);
  await balerOk(['save', '-o', saved, '--format', 'docker', '--store', store, ...names]);
  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', saved]);
  return { facts: await dockerImageFacts(dockerd), saved };
}

async function assertRuns(tags: readonly string[]): Promise<void> {
  for (const tag of tags) {
    const r = await dockerd.docker(['run', '--rm', '--network', 'none', tag, '/bin/busybox', 'true']);
    assert.equal(r.code, 0, `docker run ${tag} /bin/busybox true: ${r.stderr}`);
  }
}

// name, the file baler reads, the file docker reads for the expected result (dockerd 20.10 cannot read zstd).
const dockerArchives: Array<[string, string, string]> = [
  ['docker save (legacy layout, symlinked layer.tar)', 'docker20-multi.tar', 'docker20-multi.tar'],
  ['docker save wrapped in gzip', 'docker20-multi.tar.gz', 'docker20-multi.tar.gz'],
  ['docker save wrapped in zstd', 'docker20-multi.tar.zst', 'docker20-multi.tar'],
  ['docker save of dockerd 26 (OCI layout + manifest.json)', 'docker26-save.tar', 'docker26-save.tar'],
  ['podman save -m (multi-image docker-archive)', 'podman-multi.docker-archive.tar', 'podman-multi.docker-archive.tar'],
];

for (const [what, input, oracle] of dockerArchives) {
  test(`${what}: baler load + save keeps every image ID, tag and layer for docker load`, { skip }, async () => {
    const expected = await dockerLoadFacts(fixture(oracle));
    assert.ok(expected.length >= 2, `the fixture holds several images (${expected.length})`);
    const { facts } = await throughBaler(fixture(input), allTags(expected));
    assert.deepEqual(facts, expected);
    await assertRuns(allTags(expected));
  });
}

test('docker save -> baler load -> baler save -> docker load keeps IDs, tags and layer digests', { skip }, async () => {
  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', fixture('docker20-multi.tar')]);
  const expected = await dockerImageFacts(dockerd);
  const dir = await tmp.make('baler-interop-docker-rt-');
  const fromDocker = join(dir, 'from-docker.tar');
  await dockerd.dockerChecked(['save', '-o', fromDocker, ...allTags(expected)]);
  const { facts, saved } = await throughBaler(fromDocker, allTags(expected));
  assert.deepEqual(facts, expected);
  // And once more: baler's own output read back by baler must not drift.
  const again = await throughBaler(saved, allTags(expected));
  assert.deepEqual(again.facts, expected);
  await assertRuns(['imga:1']);
});

test('baler save of two tags of one image writes just that image, with both tags', { skip }, async () => {
  const expected = (await dockerLoadFacts(fixture('docker20-multi.tar'))).filter((f) => f.tags.includes('imgb:1'));
  const { facts } = await throughBaler(fixture('docker20-multi.tar'), ['imgb:1', 'imgb:latest']);
  assert.deepEqual(facts, expected);
});

for (const name of ['skopeo-gzip.oci-archive.tar', 'skopeo-zstd.oci-archive.tar']) {
  test(`${name}: baler load + save --format docker gives docker the OCI config's ID and diff_ids`, { skip }, async () => {
    const [oci] = ociArchiveFacts(fixture(name));
    assert.ok(oci?.refName, 'fixture has a named image');
    const { facts } = await throughBaler(fixture(name), [oci.refName]);
    assert.deepEqual(facts, [{ id: oci.configDigest, tags: [oci.refName], layers: oci.diffIds }]);
    await assertRuns([oci.refName]);
  });
}

interface LsJson {
  Id: string;
  RepoTags: string[];
}

for (const [what, input, oracle] of dockerArchives) {
  test(`${what}: baler ls --json after baler load shows docker's image IDs and tags`, { skip }, async () => {
    const expected = (await dockerLoadFacts(fixture(oracle))).map((f) => ({ id: f.id, tags: f.tags }));
    const store = join(await tmp.make('baler-interop-ls-'), 'store');
    await balerOk(['load', '-i', fixture(input), '--store', store]);
    const ls = JSON.parse((await balerOk(['ls', '--json', '--store', store])).stdout) as LsJson[];
    // podman writes localhost/ names; docker shows those in full, baler in familiar form (same thing).
    const got = ls.map((i) => ({ id: i.Id, tags: [...i.RepoTags].sort() })).sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(got, expected);
    const inspect = await balerOk(['inspect', '--json', '--store', store, expected[0]?.tags[0] ?? '']);
    assert.ok(inspect.stdout.includes(expected[0]?.id ?? '?'), 'inspect --json names the image ID');
  });
}
