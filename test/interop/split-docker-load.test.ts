/**
 * A split set is an ordinary archive once its parts are concatenated (`cat set.tar.0* > set.tar`):
 * real Docker 20.10 loads it with the same image IDs and tags as the fixture itself.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { allTags, dockerImageFacts } from '../helpers/docker-facts.js';
import { withDockerd } from '../helpers/dockerd.js';
import { fixture } from '../helpers/paths.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const dockerd = withDockerd('vfs');
const tmp = new TempDirs();
after(() => tmp.removeAll());

test('docker load accepts the concatenated parts of baler save --split', { skip: dockerd.skip }, async () => {
  const dir = await tmp.make('baler-interop-split-');
  const images = ['imga:1', 'imgb:1', 'imgb:latest', 'imgo:1', 'bbbase:1'];
  await balerOk(['save', '--from', `docker-archive:${fixture('docker20-multi.tar')}`, '--split', '256K', '-o', join(dir, 'set.tar'), ...images]);
  const parts = (await readdir(dir)).filter((n) => /^set\.tar\.\d{3}$/.test(n)).sort();
  assert.ok(parts.length > 2);
  const joined = join(dir, 'joined.tar');
  await writeFile(joined, Buffer.concat(await Promise.all(parts.map((p) => readFile(join(dir, p))))));

  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', fixture('docker20-multi.tar')]);
  const want = await dockerImageFacts(dockerd);
  await dockerd.reset();
  await dockerd.dockerChecked(['load', '-i', joined]);
  const got = await dockerImageFacts(dockerd);
  assert.deepEqual(allTags(got), allTags(want));
  assert.deepEqual(got.map((f) => f.id).sort(), want.map((f) => f.id).sort());
});
