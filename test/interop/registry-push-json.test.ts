/**
 * `load --json --into registry://…` says where each image went: images[].pushedAs holds the references it
 * was pushed to (the PREFIX rule applied, or the exact REPO:TAG), and images[].digest is the manifest digest
 * the registry (docker-registry 2.8) serves under each of them. Other destinations print no pushedAs.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const reg = withRegistry();
const skip = reg.skip;
const tmp = new TempDirs();
after(() => tmp.removeAll());

interface LoadJson {
  images: Array<{ names: string[]; id: string; digest: string; pushedAs?: string[] }>;
  location: string;
}

/** The digest the registry serves for HOST/REPO:TAG (Docker-Content-Digest of a manifest HEAD). */
async function servedDigest(reference: string): Promise<string | null> {
  const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(reference);
  assert.ok(m, reference);
  const [, host, repo, tag] = m;
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' },
  });
  assert.equal(res.status, 200, reference);
  return res.headers.get('docker-content-digest');
}

test('load --json into registry://HOST/PREFIX gives each image the references it was pushed to and the digest served there', { skip }, async () => {
  const store = await tmp.make();
  const r = await balerOk(['load', '--store', store, '-i', fixture('docker20-multi.tar'), '--into', `registry://${reg.host}/jsonpfx`, '--json']);
  const doc = JSON.parse(r.stdout) as LoadJson;
  const byName = new Map(doc.images.map((i) => [i.names.join(','), i]));
  assert.deepEqual(byName.get('imga:1')?.pushedAs, [`${reg.host}/jsonpfx/library/imga:1`]);
  assert.deepEqual(byName.get('imgb:1,imgb:latest')?.pushedAs, [`${reg.host}/jsonpfx/library/imgb:1`, `${reg.host}/jsonpfx/library/imgb:latest`]);
  for (const image of doc.images) {
    // the source names stay as they were (the field is additive)
    assert.deepEqual(image.pushedAs, image.names.map((n) => `${reg.host}/jsonpfx/library/${n}`));
    for (const ref of image.pushedAs ?? []) assert.equal(await servedDigest(ref), image.digest, ref);
  }
  assert.equal(doc.location, `registry://${reg.host}/jsonpfx`);
});

test('load --json into registry://HOST/REPO:TAG gives the image that exact reference and the digest served there', { skip }, async () => {
  const store = await tmp.make();
  const r = await balerOk(['load', '--store', store, '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${reg.host}/team/app:7`, '--json']);
  const doc = JSON.parse(r.stdout) as LoadJson;
  assert.equal(doc.images.length, 1);
  const [image] = doc.images;
  assert.deepEqual(image?.names, ['imgb:1']);
  assert.deepEqual(image?.pushedAs, [`${reg.host}/team/app:7`]);
  assert.equal(await servedDigest(`${reg.host}/team/app:7`), image?.digest);
});

test('load --json into the store prints no pushedAs', { skip }, async () => {
  const store = await tmp.make();
  const r = await balerOk(['load', '--store', store, '-i', fixture('docker20-multi.tar'), 'imga:1', '--json']);
  const doc = JSON.parse(r.stdout) as LoadJson;
  assert.deepEqual(Object.keys(doc.images[0] ?? {}), ['names', 'id', 'digest']);
});
