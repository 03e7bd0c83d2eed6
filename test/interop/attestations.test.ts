/**
 * A registry mirror of an image with a buildkit attestation (formats.md §2.4), against the real
 * docker-registry 2.8 and skopeo: skopeo pushes the index (`copy --all --preserve-digests`), baler pulls it
 * into an archive and pushes that to another repository, and the index there is skopeo's, byte for byte —
 * so `image@sha256:<index>` references keep working — and skopeo copies baler's push back out whole.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeAttestedLayout } from '../helpers/attested-layout.js';
import { sha256Hex } from '../helpers/image-archives.js';
import { withRegistry } from '../helpers/registry.js';
import { balerOk } from '../helpers/run-baler.js';
import { runChecked } from '../helpers/run-process.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { skipUnlessTools } from '../helpers/tools.js';

const reg = withRegistry();
const skip = reg.skip || skipUnlessTools('skopeo');
const tmp = new TempDirs();
after(() => tmp.removeAll());

const rawIndex = async (ref: string): Promise<string> => (await runChecked('skopeo', ['inspect', '--tls-verify=false', '--raw', ref])).stdout;

test('pull and push through baler keep the index and its attestation as skopeo pushed them', { skip }, async () => {
  const dir = await tmp.make('baler-attest-reg-');
  const layout = await writeAttestedLayout(join(dir, 'layout'));
  const upstream = `${reg.host}/upstream/imga:1`;
  await runChecked('skopeo', ['copy', '-q', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout.dir}`, `docker://${upstream}`]);
  const skopeoIndex = await rawIndex(`docker://${upstream}`);
  assert.equal(`sha256:${sha256Hex(skopeoIndex)}`, layout.index, 'skopeo pushed the index unchanged');

  // pull into an archive (the connected side), push from it (the air-gapped side)
  const archive = join(dir, 'pulled.tar');
  const pulled = await balerOk(['save', '-o', archive, `registry://${upstream}`]);
  assert.doesNotMatch(pulled.stderr, /warning/);
  const verify = JSON.parse((await balerOk(['verify', '--json', archive])).stdout) as { ok: boolean; images: Array<{ digest: string }>; unreferenced: string[] };
  assert.deepEqual([verify.ok, verify.images.map((i) => i.digest), verify.unreferenced], [true, [layout.index], []]);
  const mirror = `${reg.host}/mirror/imga:1`;
  const pushed = await balerOk(['load', '-i', archive, '--into', `registry://${mirror}`]);
  assert.doesNotMatch(pushed.stderr, /warning/);

  assert.equal(await rawIndex(`docker://${mirror}`), skopeoIndex);
  assert.equal(await rawIndex(`docker://${reg.host}/mirror/imga@${layout.index}`), skopeoIndex, 'the digest reference resolves');
  const attestation = await rawIndex(`docker://${reg.host}/mirror/imga@${layout.attestation}`);
  assert.equal(`sha256:${sha256Hex(attestation)}`, layout.attestation);

  // skopeo copies baler's push out whole: every blob, the attestation's included
  const back = join(dir, 'back');
  await runChecked('skopeo', ['copy', '-q', '--all', '--preserve-digests', '--src-tls-verify=false', `docker://${mirror}`, `oci:${back}`]);
  for (const d of [layout.index, layout.manifest, layout.config, ...layout.layers, layout.attestation, layout.attestationConfig, layout.statement]) {
    const bytes = await readFile(join(back, 'blobs', 'sha256', d.slice(7)));
    assert.equal(`sha256:${sha256Hex(bytes)}`, d);
  }

  // load -i registry://… straight into the store: one image, the index digest as its ID
  const store = join(dir, 'store');
  await balerOk(['load', '-q', '-i', `registry://${mirror}`, '--store', store]);
  const ls = JSON.parse((await balerOk(['ls', '--json', '--store', store])).stdout) as Array<{ Id: string }>;
  assert.deepEqual(ls.map((i) => i.Id), [layout.index]);
  assert.match((await balerOk(['fsck', '--store', store])).stdout, /: OK \(1 image, 9 blobs/);
});
