/**
 * `baler save -o FILE registry://A/… registry://B/…`: images from several references (two real
 * docker-registry 2.8 instances) in one archive, as the air-gap side wants them, with the digests the
 * registries hold; and the usage errors when IMAGE arguments cannot tell which reference they belong to.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { skipUnlessTools } from '../helpers/tools.js';

const one = withRegistry();
const two = withRegistry();
const skip = one.skip || two.skip || skipUnlessTools('skopeo');
const tmp = new TempDirs();
after(() => tmp.removeAll());

const MULTI = fixture('docker20-multi.tar');

function manifestDigest(ref: string): string {
  const r = spawnSync('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', ref], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('references on two registries go into one archive, each image with the manifest digest its registry holds', { skip }, async () => {
  const dir = await tmp.make('baler-multi-source-');
  await balerOk(['load', '-i', MULTI, 'imga:1', '--into', `registry://${one.host}/team/imga:1`]);
  await balerOk(['load', '-i', MULTI, 'imgb:1', '--into', `registry://${two.host}/other/imgb:1`]);
  await balerOk(['load', '-i', MULTI, 'imgb:latest', '--into', `registry://${two.host}/other/imgb:latest`]);
  const out = join(dir, 'both.tar');
  const save = ['save', '--format', 'oci', '-o', out, `registry://${one.host}/team/imga:1`, `registry://${two.host}/other/imgb`];
  const r = await balerOk(save);
  assert.match(r.stderr, /Saved 2 images to /); // imgb:1 and imgb:latest are one image with two names

  // what skopeo reads from the archive is what each registry holds, under the names the references gave
  for (const [name, ref] of [
    [`${one.host}/team/imga:1`, `docker://${one.host}/team/imga:1`],
    [`${two.host}/other/imgb:1`, `docker://${two.host}/other/imgb:1`],
    [`${two.host}/other/imgb:latest`, `docker://${two.host}/other/imgb:latest`],
  ] as const) {
    assert.equal(manifestDigest(`oci-archive:${out}:${name}`), manifestDigest(ref), name);
  }
});

test('IMAGE arguments or --from beside several references are a usage error, and nothing is written', { skip }, async () => {
  const dir = await tmp.make('baler-multi-source-');
  const out = join(dir, 'x.tar');
  const mixed = ['save', '-o', out, `registry://${one.host}/team/imga:1`, `registry://${two.host}/other/imgb`, 'imgb:1'];
  const refused = await runBaler(mixed);
  assert.equal(refused.code, ExitCode.usage, describeRun(mixed, refused));
  assert.equal(refused.stderr, 'baler: save: with several registry:// references each one names what it saves (a tag, or every tag of a repository); imgb:1 would select from all of them: give it its own registry:// reference\n');
  const withFrom = ['save', '-o', out, '--from', `docker-archive:${MULTI}`, `registry://${one.host}/team/imga:1`];
  const refused2 = await runBaler(withFrom);
  assert.equal(refused2.code, ExitCode.usage, describeRun(withFrom, refused2));
  assert.equal(refused2.stderr, 'baler: save: give the source once: registry:// arguments, or --from\n');
  assert.equal(existsSync(out), false);
});

test('a reference that does not exist fails the whole save, naming it, and writes nothing', { skip }, async () => {
  const dir = await tmp.make('baler-multi-source-');
  const out = join(dir, 'y.tar');
  const args = ['save', '-o', out, `registry://${one.host}/team/imga:1`, `registry://${two.host}/other/nosuch:9`];
  const r = await runBaler(args);
  assert.equal(r.code, ExitCode.notFound, describeRun(args, r));
  assert.match(r.stderr, new RegExp(`registry://${two.host.replace(/\./g, '\\.')}/other/nosuch`));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(existsSync(out), false);
});
