/** podman (containers/image) reads what baler writes: every name of a multi-image docker-archive, and an oci-archive. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { withPodman } from '../helpers/podman.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar } from '../helpers/tiny-tar.js';
import { readFileSync } from 'node:fs';

const pod = withPodman();
const tmp = new TempDirs();
after(() => tmp.removeAll());
const skip = pod.skip;

interface PodmanImage {
  Id: string;
  Names?: string[];
}

/** The fixture's images as docker wrote them: config digest hex -> familiar tags (from manifest.json). */
function dockerSaveImages(file: string): Map<string, string[]> {
  const entries = readTar(readFileSync(file));
  const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.data.toString() ?? '[]') as Array<{ Config: string; RepoTags: string[] }>;
  return new Map(manifest.map((m) => [m.Config.replace(/\.json$/, '').replace(/^.*\//, ''), m.RepoTags]));
}

async function podmanImages(): Promise<Map<string, string[]>> {
  const list = JSON.parse((await pod.podmanChecked(['images', '--format', 'json'])).stdout) as PodmanImage[];
  return new Map(list.map((i) => [i.Id, [...(i.Names ?? [])].sort()]));
}

/**
 * podman 4.3 names a short docker-archive RepoTag `imga:1` as `localhost/imga:1`, a qualified one as written;
 * either is the same image name to a user, so compare in familiar form.
 */
const familiar = (name: string): string => name.replace(/^(localhost|docker\.io)\/(library\/)?/, '');

test('podman load accepts baler save of several images and lists every name with the same image IDs', { skip }, async () => {
  const src = fixture('docker20-multi.tar');
  const expected = dockerSaveImages(src);
  const names = [...expected.values()].flat();
  const dir = await tmp.make('baler-interop-podman-');
  const store = join(dir, 'store');
  const out = join(dir, 'multi.tar');
  await balerOk(['load', '-i', src, '--store', store]);
  await balerOk(['save', '-o', out, '--format', 'docker', '--store', store, ...names]);
  await pod.podmanChecked(['load', '-i', out]);
  const got = await podmanImages();
  for (const [id, tags] of expected) {
    assert.deepEqual(got.get(id)?.map(familiar).sort(), [...tags].sort(), `image ${id.slice(0, 12)}: ${got.get(id)?.join(', ')}`);
  }
  assert.equal(got.size, expected.size, 'no extra images');
  const run = await pod.podman(['run', '--rm', '--network', 'none', 'imga:1', '/bin/busybox', 'true']);
  // Running needs a working OCI runtime inside this sandbox; loading is the contract, so only report it.
  if (run.code !== 0) console.log(`# podman run not possible here: ${run.stderr.trim().split('\n').pop()}`);
});

test('podman load accepts baler save --format oci of one image, under its name', { skip }, async () => {
  const dir = await tmp.make('baler-interop-podman-oci-');
  const store = join(dir, 'store');
  const out = join(dir, 'one.oci.tar');
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--store', store]);
  await balerOk(['save', '-o', out, '--format', 'oci', '--store', store, 'imgb:1']);
  await pod.podmanChecked(['load', '-i', out]);
  const names = [...(await podmanImages()).values()].flat();
  assert.ok(names.some((n) => /imgb:1$/.test(n)), `podman names: ${names.join(', ')}`);
});
