/**
 * Delta archives against a real registry (distribution 2.8): the air-gapped mirror holds the base, an
 * inventory of it drives `save --have`, and `load --into registry://HOST/PREFIX` of the delta checks the
 * left-out layers with HEAD requests (under the prefix) before pushing anything.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { parseInventory } from '../../src/model/inventory.js';
import { fixture } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';

const reg = withRegistry();
const skip = reg.skip;
const tmp = new TempDirs();
after(() => tmp.removeAll());

const MULTI = fixture('docker20-multi.tar');

test('a delta made against a registry inventory loads into it, with the digests a full push gives', { skip }, async () => {
  const dir = await tmp.make('baler-registry-delta-');
  // Given a mirror holding the base image
  await balerOk(['load', '-i', MULTI, 'bbbase:1', '--into', `registry://${reg.host}/mirror`]);
  const have = join(dir, 'have.json');
  await balerOk(['inventory', '--from', `registry://${reg.host}/mirror/library/bbbase:1`, '-o', have]);
  const inventory = parseInventory(await readFile(have), have);
  assert.equal(inventory.holds, 'blobs');
  const delta = join(dir, 'delta.tar');
  await balerOk(['save', '--from', `docker-archive:${MULTI}`, '--have', have, '-o', delta, 'imga:1']);

  // an empty prefix lacks the base: refused before anything is pushed
  const empty = ['load', '-i', delta, '--into', `registry://${reg.host}/empty`];
  const refused = await runBaler(empty);
  assert.equal(refused.code, ExitCode.notFound, describeRun(empty, refused));
  assert.match(refused.stderr, /1 layer blob it leaves out is not in registry:\/\/.*\(imga:1\)/);

  const into = ['load', '-i', delta, '--into', `registry://${reg.host}/mirror`, '--json'];
  const loaded = await runBaler(into);
  assert.equal(loaded.code, 0, describeRun(into, loaded));
  const viaDelta = JSON.parse(loaded.stdout) as { images: Array<{ id: string; digest: string }> };
  // the same image pushed in full elsewhere has the same config and manifest digests
  const full = JSON.parse((await balerOk(['load', '-i', MULTI, 'imga:1', '--into', `registry://${reg.host}/full`, '--json'])).stdout) as typeof viaDelta;
  assert.deepEqual(viaDelta.images.map((i) => [i.id, i.digest]), full.images.map((i) => [i.id, i.digest]));
  // and it reads back from the mirror completely
  const check = await runBaler(['verify', `registry://${reg.host}/mirror/library/imga:1`]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
});
