/**
 * baler against a real registry (Debian's docker-registry 2.8) and skopeo as the independent client:
 * baler pushes, skopeo reads the same config digests and diff_ids; skopeo pushes, baler pulls the same
 * digests and the archive loads back; a pull broken mid-blob resumes; auth; errors name registry and code.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha256Hex } from '../helpers/image-archives.js';
import { fixture } from '../helpers/paths.js';
import { cuttingProxy, withRegistry } from '../helpers/registry.js';
import { runChecked } from '../helpers/run-process.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar } from '../helpers/tiny-tar.js';
import { skipUnlessTools } from '../helpers/tools.js';

const reg = withRegistry();
const authUser = { user: 'mirror', password: 'pa:ss word' };
const authReg = withRegistry({ basicAuth: authUser });
const skip = reg.skip || skipUnlessTools('skopeo');
const tmp = new TempDirs();
after(() => tmp.removeAll());

interface ArchiveImage {
  config: string;
  tags: string[];
  diffIds: string[];
}

/** Config digest, tags and diff_ids of every image in a docker-archive, read with the test's own tar reader. */
function archiveImages(file: string): ArchiveImage[] {
  const entries = readTar(readFileSync(file));
  const read = (n: string): string => entries.find((e) => e.name === n)?.data.toString() ?? '';
  const manifest = JSON.parse(read('manifest.json')) as Array<{ Config: string; RepoTags: string[] | null }>;
  return manifest.map((m) => {
    const hex = m.Config.replace(/^blobs\/sha256\//, '').replace(/\.json$/, '');
    return { config: `sha256:${hex}`, tags: m.RepoTags ?? [], diffIds: (JSON.parse(read(m.Config)) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids };
  });
}

async function skopeoFacts(ref: string): Promise<{ config: string; diffIds: string[] }> {
  const config = (await runChecked('skopeo', ['inspect', '--tls-verify=false', '--config', '--raw', ref])).stdout;
  return { config: `sha256:${sha256Hex(config)}`, diffIds: (JSON.parse(config) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids };
}

const fixtureImages = (): ArchiveImage[] => archiveImages(fixture('docker20-multi.tar'));

test('load --into registry://HOST/PREFIX pushes every image; skopeo reads the same config digests and diff_ids', { skip }, async () => {
  const into = `registry://${reg.host}/mirror`;
  const r = await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--into', into, '--json']);
  const report = JSON.parse(r.stdout) as { blobsCopied: number; blobsSkipped: number };
  assert.ok(report.blobsCopied > 0);
  for (const img of fixtureImages()) {
    for (const tag of img.tags) {
      const [name, t] = tag.split(':');
      const ref = `docker://${reg.host}/mirror/library/${name}:${t}`;
      assert.deepEqual(await skopeoFacts(ref), { config: img.config, diffIds: img.diffIds }, ref);
    }
  }
  // every layer of imgo is readable from its own repository: the shared base was mounted, not left out
  const copy = join(await tmp.make('baler-reg-skopeo-'), 'imgo');
  await runChecked('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/mirror/library/imgo:1`, `oci:${copy}:imgo`]);
  const base = fixtureImages()[1]?.diffIds[0] as string;
  const link = join(reg.dir, 'data/docker/registry/v2/repositories/mirror/library/imgo/_layers/sha256', base.slice(7), 'link');
  assert.ok(existsSync(link), 'the shared base layer is linked into mirror/library/imgo');

  // a second push finds everything present and sends no blob
  const again = JSON.parse((await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--into', into, '--json'])).stdout) as { blobsCopied: number; blobsSkipped: number };
  assert.equal(again.blobsCopied, 0);
  assert.ok(again.blobsSkipped > 0);
});

test('save registry://… pulls what skopeo pushed, with the same digests, and the archive loads back', { skip }, async () => {
  const dir = await tmp.make('baler-reg-pull-');
  const imgb = fixtureImages().find((i) => i.tags.includes('imgb:1')) as ArchiveImage;
  await runChecked('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${fixture('docker20-multi.tar')}:imgb:1`, `docker://${reg.host}/from-skopeo/imgb:1`]);
  await runChecked('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${fixture('docker20-multi.tar')}:imgb:1`, `docker://${reg.host}/from-skopeo/imgb:2`]);
  const pushed = await skopeoFacts(`docker://${reg.host}/from-skopeo/imgb:1`);
  assert.equal(pushed.config, imgb.config);

  const out = join(dir, 'pulled.tar');
  await balerOk(['save', '-o', out, `registry://${reg.host}/from-skopeo/imgb:1`]);
  assert.deepEqual(archiveImages(out), [{ config: imgb.config, tags: [`${reg.host}/from-skopeo/imgb:1`], diffIds: imgb.diffIds }]);

  // a repository without a tag is every tag of it
  const all = join(dir, 'all-tags.tar');
  await balerOk(['save', '-o', all, `registry://${reg.host}/from-skopeo/imgb`]);
  assert.deepEqual(archiveImages(all).map((i) => [i.config, [...i.tags].sort()]), [[imgb.config, [`${reg.host}/from-skopeo/imgb:1`, `${reg.host}/from-skopeo/imgb:2`]]]);

  // and it loads back: the store lists the image under its registry name with the same ID
  const store = join(dir, 'store');
  await balerOk(['load', '-i', out, '--store', store]);
  const ls = await balerOk(['ls', '--json', '--store', store]);
  assert.match(ls.stdout, new RegExp(imgb.config.slice(7, 19)));
  assert.match(ls.stdout, /from-skopeo\/imgb/);

  // load -i registry://… pulls straight into the store (docker pull), under the same name and ID
  const pulledStore = join(dir, 'pulled-store');
  const pulled = await balerOk(['load', '-i', `registry://${reg.host}/from-skopeo/imgb:2`, '--store', pulledStore]);
  assert.equal(pulled.stdout, `Loaded image: ${reg.host}/from-skopeo/imgb:2\n`);
  assert.match((await balerOk(['ls', '--json', '--store', pulledStore])).stdout, new RegExp(imgb.config.slice(7, 19)));
});

test('a pull whose connection breaks in the middle of a layer resumes with Range and verifies', { skip }, async () => {
  const dir = await tmp.make('baler-reg-resume-');
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), 'imga:1', '--into', `registry://${reg.host}/resume/imga:1`]);
  // the 2 MB base layer is the only response that carries this much: the cut lands inside it
  const proxy = await cuttingProxy(reg.host, 600_000);
  try {
    const out = join(dir, 'imga.tar');
    await balerOk(['save', '-o', out, `registry://${proxy.host}/resume/imga:1`]);
    assert.equal(proxy.cuts, 1, 'the proxy cut one connection');
    const imga = fixtureImages().find((i) => i.tags.includes('imga:1')) as ArchiveImage;
    const [got] = archiveImages(out);
    assert.deepEqual([got?.config, got?.diffIds], [imga.config, imga.diffIds]);
  } finally {
    await proxy.close();
  }
});

test('errors name the registry, the repository and the registry error code', { skip }, async () => {
  const dir = await tmp.make('baler-reg-err-');
  const missing = await runBaler(['save', '-o', join(dir, 'x.tar'), `registry://${reg.host}/nothing/here:1`]);
  assert.equal(missing.code, 3, describeRun(['save'], missing));
  assert.match(missing.stderr, new RegExp(`^baler: registry://${reg.host.replace(/\./g, '\\.')}/nothing/here: (MANIFEST_UNKNOWN|NAME_UNKNOWN): `, 'm'));
  assert.ok(!existsSync(join(dir, 'x.tar')));

  const tooMany = await runBaler(['load', '-i', fixture('docker20-multi.tar'), '--into', `registry://${reg.host}/one/app:1`]);
  assert.equal(tooMany.code, 2, describeRun(['load'], tooMany));
  assert.match(tooMany.stderr, /can hold only one image/);

  const closed = await runBaler(['save', '-o', join(dir, 'y.tar'), 'registry://127.0.0.1:1/app:1']);
  assert.equal(closed.code, 6, describeRun(['save'], closed));
  assert.match(closed.stderr, /^baler: registry:\/\/127\.0\.0\.1:1: cannot reach the registry: ECONNREFUSED/m);
});

test('Basic auth: --creds and the docker config work, no credentials is UNAUTHORIZED', { skip: authReg.skip || skip }, async () => {
  const dir = await tmp.make('baler-reg-auth-');
  const into = `registry://${authReg.host}/secure/imga:1`;
  const args = ['load', '-i', fixture('docker20-multi.tar'), 'imga:1', '--into', into];
  const anonymous = await runBaler(args, { env: { DOCKER_CONFIG: join(dir, 'empty') } });
  assert.equal(anonymous.code, 6, describeRun(args, anonymous));
  assert.match(anonymous.stderr, new RegExp(`registry://${authReg.host.replace(/\./g, '\\.')}/secure/imga: UNAUTHORIZED: `));
  // the line says there were no credentials, and how to give some
  assert.match(anonymous.stderr, new RegExp(`\\(no credentials for ${authReg.host.replace(/\./g, '\\.')}: give --creds USER:PASS, or docker login ${authReg.host.replace(/\./g, '\\.')}\\)\\n$`));

  const wrong = await runBaler([...args, '--creds', 'mirror:nope'], { env: { DOCKER_CONFIG: join(dir, 'empty') } });
  assert.equal(wrong.code, 6);
  assert.match(wrong.stderr, /UNAUTHORIZED: .*\(the registry refused the credentials from --creds\)\n$/);

  await balerOk([...args, '--creds', `${authUser.user}:${authUser.password}`], { env: { DOCKER_CONFIG: join(dir, 'empty') } });

  const cfg = join(dir, 'docker-config');
  await mkdir(cfg);
  const auth = Buffer.from(`${authUser.user}:${authUser.password}`).toString('base64');
  await writeFile(join(cfg, 'config.json'), JSON.stringify({ auths: { [`http://${authReg.host}`]: { auth } } }));
  const out = join(dir, 'back.tar');
  await balerOk(['save', '-o', out, `registry://${authReg.host}/secure/imga:1`], { env: { DOCKER_CONFIG: cfg } });
  // a stale password in config.json: the line names the file it came from
  const staleCfg = join(dir, 'stale-config');
  await mkdir(staleCfg);
  await writeFile(join(staleCfg, 'config.json'), JSON.stringify({ auths: { [authReg.host]: { auth: Buffer.from(`${authUser.user}:stale`).toString('base64') } } }));
  const stale = await runBaler(['save', '-o', join(dir, 'stale.tar'), `registry://${authReg.host}/secure/imga:1`], { env: { DOCKER_CONFIG: staleCfg } });
  assert.equal(stale.code, 6, describeRun(['save'], stale));
  assert.ok(stale.stderr.endsWith(`(the registry refused the credentials from auths in ${join(staleCfg, 'config.json')})\n`), stale.stderr);
  const imga = fixtureImages().find((i) => i.tags.includes('imga:1')) as ArchiveImage;
  assert.equal(archiveImages(out)[0]?.config, imga.config);
});

const tlsReg = withRegistry({ selfSignedTls: true });

test('an HTTPS registry with a self-signed certificate needs --insecure, which skips the check', { skip: tlsReg.skip || skip }, async () => {
  const args = ['load', '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${tlsReg.host}/tls/imgb:1`];
  const refused = await runBaler(args);
  assert.equal(refused.code, 6, describeRun(args, refused));
  assert.match(refused.stderr, /TLS certificate not trusted \(put the registry's CA in \/etc\/containers\/certs\.d\/127\.0\.0\.1:[0-9]+\/ca\.crt or NODE_EXTRA_CA_CERTS; --insecure skips the check\): (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED)/);
  await balerOk([...args, '--insecure']);
  const imgb = fixtureImages().find((i) => i.tags.includes('imgb:1')) as ArchiveImage;
  assert.deepEqual(await skopeoFacts(`docker://${tlsReg.host}/tls/imgb:1`), { config: imgb.config, diffIds: imgb.diffIds });
});
