/**
 * Delta archives against a real Docker 20.10: an inventory of the daemon (image list + inspect), a
 * delta made against it, `baler load --into docker` of that delta (left-out layers read back from the
 * daemon), and the refusal, before anything reaches the daemon, when the base is not there.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { parseInventory } from '../../src/model/inventory.js';
import { dockerImageFacts } from '../helpers/docker-facts.js';
import { withDockerd } from '../helpers/dockerd.js';
import { fixture } from '../helpers/paths.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar } from '../helpers/tiny-tar.js';

const d = withDockerd('vfs');
const skip = d.skip;
const tmp = new TempDirs();
after(() => tmp.removeAll());

const MULTI = fixture('docker20-multi.tar');

test('a delta against a daemon holding the base loads into it with the same IDs and layers as a full load', { skip }, async () => {
  const dir = await tmp.make('baler-docker-delta-');
  const env = { DOCKER_HOST: d.host };
  // the full result, for comparison
  await d.reset();
  await d.dockerChecked(['load', '-i', MULTI]);
  await d.dockerChecked(['rmi', 'bbbase:1', 'imgb:latest', 'imgo:1']);
  const full = await dockerImageFacts(d);
  // Given a daemon holding only the base image
  await d.reset();
  await d.dockerChecked(['load', '-i', MULTI]);
  await d.dockerChecked(['rmi', 'imga:1', 'imgb:1', 'imgb:latest', 'imgo:1']);
  const have = join(dir, 'have.json');
  const inv = await runBaler(['inventory', '--from', 'docker', '-o', have], { env });
  assert.equal(inv.code, 0, describeRun(['inventory'], inv));
  const inventory = parseInventory(await readFile(have), have);
  assert.equal(inventory.holds, 'layers');
  assert.equal(inventory.images.length, 1);
  const baseLayer = inventory.diffIds[0] as string;

  const delta = join(dir, 'delta.tar');
  const save = ['save', '--from', `docker-archive:${MULTI}`, '--have', have, '-o', delta, 'imga:1', 'imgb:1'];
  const s = await runBaler(save, { env });
  assert.equal(s.code, 0, describeRun(save, s));
  const names = readTar(await readFile(delta)).map((e) => e.name);
  assert.equal(names.includes(`blobs/sha256/${baseLayer.slice(7)}`), false);

  const load = ['load', '-i', delta, '--into', 'docker'];
  const l = await runBaler(load, { env });
  assert.equal(l.code, 0, describeRun(load, l));
  const facts = (await dockerImageFacts(d)).filter((f) => f.tags.some((t) => t !== 'bbbase:1'));
  assert.deepEqual(facts, full);
});

test('a delta into a daemon without its base fails before loading anything', { skip }, async () => {
  const dir = await tmp.make('baler-docker-delta-');
  const env = { DOCKER_HOST: d.host };
  const store = join(dir, 'store');
  const have = join(dir, 'have.json');
  const delta = join(dir, 'delta.tar');
  const steps = [
    ['load', '--store', store, '-i', MULTI, 'bbbase:1'],
    ['inventory', '--store', store, '-o', have],
    ['save', '--from', `docker-archive:${MULTI}`, '--have', have, '-o', delta, 'imga:1'],
  ];
  for (const args of steps) {
    const r = await runBaler(args, { env });
    assert.equal(r.code, 0, describeRun(args, r));
  }
  await d.reset();
  const load = ['load', '-i', delta, '--into', 'docker'];
  const r = await runBaler(load, { env });
  assert.equal(r.code, ExitCode.notFound, describeRun(load, r));
  assert.match(r.stderr, /is a delta against store:.*, but 1 layer blob it leaves out is not in docker: sha256:[0-9a-f]{64} \(imga:1\)/);
  assert.deepEqual(await dockerImageFacts(d), []);
  // docker itself cannot load it either: the layer is not in the tar
  assert.notEqual((await d.docker(['load', '-i', delta])).code, 0);
});

test('a delta whose left-out layers are compressed is refused by a daemon, with the way out', { skip }, async () => {
  const dir = await tmp.make('baler-docker-delta-');
  const env = { DOCKER_HOST: d.host };
  // the daemon holds imga:1's layers (uncompressed); skopeo's copy of imga:1 carries them gzip-compressed
  await d.reset();
  await d.dockerChecked(['load', '-i', MULTI]);
  const have = join(dir, 'have.json');
  const delta = join(dir, 'delta.tar');
  for (const args of [
    ['inventory', '--from', 'docker', '-o', have],
    ['save', '--from', `oci-archive:${fixture('skopeo-gzip.oci-archive.tar')}`, '--have', have, '-o', delta, 'imga:1'],
  ]) {
    const r = await runBaler(args, { env });
    assert.equal(r.code, 0, describeRun(args, r));
  }
  const blobs = readTar(await readFile(delta)).filter((e) => e.type === 'file' && e.name.startsWith('blobs/sha256/'));
  assert.equal(blobs.length, 2, 'only the manifest and the config: every gzip layer is left out by diff_id');
  const before = await dockerImageFacts(d);
  const load = ['load', '-i', delta, '--into', 'docker'];
  const r = await runBaler(load, { env });
  assert.equal(r.code, ExitCode.badInput, describeRun(load, r));
  assert.match(r.stderr, /a docker daemon cannot take this delta: layer sha256:[0-9a-f]{64} is compressed.*load the delta into the store .*then baler save a full archive for docker/);
  assert.deepEqual(await dockerImageFacts(d), before);
});
