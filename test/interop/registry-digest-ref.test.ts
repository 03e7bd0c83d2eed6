/**
 * `load --into registry://HOST/REPO@sha256:…` pushes one image whose manifest must have that digest: a
 * different one is refused as a usage error before any blob is pushed (a pushed blob cannot be taken
 * back), and the right one is pushed with no tag. Against a real docker-registry 2.8 and skopeo.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { skipUnlessTools } from '../helpers/tools.js';

const reg = withRegistry();
const skip = reg.skip || skipUnlessTools('skopeo');
const MULTI = fixture('docker20-multi.tar');

test('a digest the image does not have is refused before any blob is pushed; the right one is pushed untagged', { skip }, async () => {
  const wrong = `sha256:${'0'.repeat(64)}`;
  const refusedArgs = ['load', '-i', MULTI, 'imgb:1', '--into', `registry://${reg.host}/one/img@${wrong}`];
  const refused = await runBaler(refusedArgs);
  assert.equal(refused.code, ExitCode.usage, describeRun(refusedArgs, refused));
  assert.match(refused.stderr, new RegExp(`^baler: registry://${reg.host.replace(/\./g, '\\.')}/one/img@${wrong}: the image's manifest digest is sha256:[0-9a-f]{64}, not the one in the reference\\n$`));
  assert.doesNotMatch(refused.stderr, /Copied layer/);
  // the registry holds nothing of it: no repository at all
  assert.equal(existsSync(join(reg.dir, 'data', 'docker', 'registry', 'v2', 'repositories', 'one')), false);

  // the digest baler's push of the same image gives (load --json: the manifest as written)
  const probe = await balerOk(['load', '--json', '-i', MULTI, 'imgb:1', '--into', `registry://${reg.host}/probe/img:1`]);
  const digest = (JSON.parse(probe.stdout) as { images: Array<{ digest: string }> }).images[0]!.digest;
  const exact = await balerOk(['load', '-i', MULTI, 'imgb:1', '--into', `registry://${reg.host}/one/img@${digest}`]);
  assert.equal(exact.code, 0);
  const tagsDir = join(reg.dir, 'data', 'docker', 'registry', 'v2', 'repositories', 'one', 'img', '_manifests', 'tags');
  assert.deepEqual(existsSync(tagsDir) ? readdirSync(tagsDir) : [], [], 'pushed by digest, so no tag');
  const inspect = spawnSync('skopeo', ['inspect', '--no-tags', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${reg.host}/one/img@${digest}`], { encoding: 'utf8' });
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.equal(inspect.stdout.trim(), digest);
});
