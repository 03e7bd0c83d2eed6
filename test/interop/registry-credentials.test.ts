/**
 * Registry credentials end to end, against real registries (Debian's docker-registry 2.8):
 * - Bearer token auth: the registry verifies RS256 JWTs from a test token server (token-server.ts) that
 *   issues them for an identity token (docker's `identitytoken`, or a helper's `<token>` answer) through
 *   the OAuth2 POST, or through GET with Basic when the realm has no OAuth2 (405);
 * - Basic auth with a real credential-helper process (credsStore) and a missing helper;
 * - inventory, verify and export reading a registry with --creds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathWith, writeCredentialHelper } from '../helpers/credential-helper-script.js';
import { fixture } from '../helpers/paths.js';
import { startRegistry, withRegistry, type RunningRegistry } from '../helpers/registry.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar } from '../helpers/tiny-tar.js';
import { startTokenServer, type TokenServer } from '../helpers/token-server.js';
import { skipUnlessTools } from '../helpers/tools.js';

const skip = skipUnlessTools('docker-registry', 'openssl', 'perl');
const tmp = new TempDirs();
const REFRESH = 'refresh-token-7f3a';
let tokens: TokenServer | undefined;
let tokenReg: RunningRegistry | undefined;
before(async () => {
  if (skip) return;
  tokens = await startTokenServer(await tmp.make('baler-token-'), { refreshToken: REFRESH, oauth: true });
  tokenReg = await startRegistry({ tokenAuth: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile } });
}, { timeout: 60_000 });
after(async () => {
  await tokenReg?.stop();
  await tokens?.close();
  await tmp.removeAll();
}, { timeout: 30_000 });

const basicUser = { user: 'mirror', password: 'helper pw' };
const basicReg = withRegistry({ basicAuth: basicUser });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** The config digest of each image in a docker-archive with its tags (manifest.json's Config names it). */
function archiveConfigs(file: string): Array<{ config: string; tags: string[] }> {
  const entries = readTar(readFileSync(file));
  const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.data.toString() ?? '[]') as Array<{ Config: string; RepoTags: string[] | null }>;
  return manifest.map((m) => ({ config: `sha256:${m.Config.replace(/^blobs\/sha256\//, '').replace(/\.json$/, '')}`, tags: m.RepoTags ?? [] }));
}

/** The config digest of `tag` in the fixture the tests push. */
function fixtureConfig(tag: string): string | undefined {
  return archiveConfigs(fixture('docker20-multi.tar')).find((i) => i.tags.includes(tag))?.config;
}

async function dockerConfigDir(dir: string, name: string, config: unknown): Promise<string> {
  const cfg = join(dir, name);
  await mkdir(cfg, { recursive: true });
  await writeFile(join(cfg, 'config.json'), JSON.stringify(config));
  return cfg;
}

test('an identity token is exchanged with the OAuth2 POST; the registry accepts the JWTs, refuses untrusted ones', { skip }, async () => {
  const reg = tokenReg as RunningRegistry;
  const ts = tokens as TokenServer;
  const dir = await tmp.make();
  const cfg = await dockerConfigDir(dir, 'docker', { auths: { [`http://${reg.host}`]: { auth: b64('someone:'), identitytoken: REFRESH } } });
  const ref = `registry://${reg.host}/tok/imga:1`;
  ts.requests.length = 0;
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), 'imga:1', '--into', ref], { env: { DOCKER_CONFIG: cfg } });
  const posts = ts.requests.filter((r) => r.method === 'POST');
  assert.ok(posts.length > 0, 'no OAuth2 POST was made');
  assert.deepEqual(ts.requests.filter((r) => r.method !== 'POST'), [], 'a realm that speaks OAuth2 gets no GET');
  for (const p of posts) {
    assert.deepEqual({ ...p.form, scope: undefined }, { grant_type: 'refresh_token', refresh_token: REFRESH, client_id: 'baler', service: ts.service, scope: undefined });
  }
  assert.ok(posts.some((p) => (p.form.scope ?? '').split(' ').includes('repository:tok/imga:pull,push')), JSON.stringify(posts.map((p) => p.form.scope)));

  const out = join(dir, 'back.tar');
  await balerOk(['save', '-o', out, ref], { env: { DOCKER_CONFIG: cfg } });
  assert.deepEqual(archiveConfigs(out).map((i) => i.config), [fixtureConfig('imga:1')]);

  // the same image, read anonymously: the token server refuses, the user sees UNAUTHORIZED
  const anonymous = await runBaler(['save', '-o', join(dir, 'anon.tar'), ref], { env: { DOCKER_CONFIG: join(dir, 'none') } });
  assert.equal(anonymous.code, 6, describeRun(['save'], anonymous));
  assert.match(anonymous.stderr, /^baler: registry:\/\/127\.0\.0\.1:[0-9]+\/tok\/imga: UNAUTHORIZED: /m);

  // tokens signed by a key the registry does not trust are refused by the registry itself
  ts.signWithUntrustedKey(true);
  try {
    const forged = await runBaler(['save', '-o', join(dir, 'forged.tar'), ref], { env: { DOCKER_CONFIG: cfg } });
    assert.equal(forged.code, 6, describeRun(['save'], forged));
    assert.match(forged.stderr, /UNAUTHORIZED/);
  } finally {
    ts.signWithUntrustedKey(false);
  }
});

test('a token server that rotates refresh tokens: each exchange uses the newest one, and a many-repository push succeeds', { skip }, async () => {
  const reg = tokenReg as RunningRegistry;
  const ts = tokens as TokenServer;
  const dir = await tmp.make();
  const cfg = await dockerConfigDir(dir, 'docker', { auths: { [reg.host]: { identitytoken: REFRESH } } });
  ts.requests.length = 0;
  ts.rotateRefreshTokens(true);
  try {
    // every image goes to its own repository, so each needs its own token: several exchanges in one run
    const r = await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--into', `registry://${reg.host}/rot`, '--json'], { env: { DOCKER_CONFIG: cfg } });
    assert.ok((JSON.parse(r.stdout) as { images: unknown[] }).images.length >= 3, r.stdout);
  } finally {
    ts.rotateRefreshTokens(false);
  }
  const sent = ts.requests.filter((q) => q.method === 'POST').map((q) => q.form.refresh_token);
  assert.ok(sent.length >= 3, `expected one exchange per repository, saw ${sent.length}`);
  // the configured token once, then each rotated one in the order the server issued them
  assert.deepEqual(sent, [REFRESH, ...sent.slice(1).map((_, i) => `${REFRESH}-rotated-${i + 1}`)]);
  // the user's config is never rewritten
  assert.deepEqual(JSON.parse(readFileSync(join(cfg, 'config.json'), 'utf8')), { auths: { [reg.host]: { identitytoken: REFRESH } } });
});

test('a credsStore helper answering <token> gives an identity token; a realm without OAuth2 (405) gets GET with Basic', { skip }, async () => {
  const reg = tokenReg as RunningRegistry;
  const ts = tokens as TokenServer;
  const dir = await tmp.make();
  const bin = join(dir, 'bin');
  const { log } = await writeCredentialHelper(bin, 'vault', { known: { [reg.host]: { Username: '<token>', Secret: REFRESH } } });
  const cfg = await dockerConfigDir(dir, 'docker', { auths: { [reg.host]: {} }, credsStore: 'vault' });
  const env = { DOCKER_CONFIG: cfg, PATH: pathWith(bin) };
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${reg.host}/helper/imgb:1`], { env });
  assert.equal(readFileSync(log, 'utf8'), `${reg.host}\n`, 'the helper is run once, for the registry host');

  ts.requests.length = 0;
  ts.setOAuth(false);
  try {
    const out = join(dir, 'get.tar');
    await balerOk(['save', '-o', out, `registry://${reg.host}/helper/imgb:1`], { env });
    assert.deepEqual(archiveConfigs(out).map((i) => i.config), [fixtureConfig('imgb:1')]);
  } finally {
    ts.setOAuth(true);
  }
  const methods = [...new Set(ts.requests.map((r) => r.method))].sort();
  assert.deepEqual(methods, ['GET', 'POST'], 'POST answered 405, then GET');
  const get = ts.requests.find((r) => r.method === 'GET');
  assert.equal(get?.authorization, `Basic ${b64(`:${REFRESH}`)}`);
  assert.deepEqual(get?.query.service, [ts.service]);
  assert.deepEqual(get?.query.scope, ['repository:helper/imgb:pull']);
});

test('Basic auth through a credsStore helper; inventory, verify and export read the registry with --creds; a missing helper is named', { skip: basicReg.skip || skip }, async () => {
  const dir = await tmp.make();
  const bin = join(dir, 'bin');
  const { log } = await writeCredentialHelper(bin, 'pass', { known: { [`https://${basicReg.host}`]: { Username: basicUser.user, Secret: basicUser.password } } });
  const cfg = await dockerConfigDir(dir, 'docker', { credsStore: 'pass' });
  const env = { DOCKER_CONFIG: cfg, PATH: pathWith(bin) };
  const ref = `registry://${basicReg.host}/sec/imga:1`;
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), 'imga:1', '--into', ref], { env });
  // the host first, then https://host, which is where this helper keeps it
  assert.equal(readFileSync(log, 'utf8'), `${basicReg.host}\nhttps://${basicReg.host}\n`);

  const none = { DOCKER_CONFIG: join(dir, 'none') };
  const creds = ['--creds', `${basicUser.user}:${basicUser.password}`];
  const inv = await balerOk(['inventory', '--from', ref, ...creds], { env: none });
  const inventory = JSON.parse(inv.stdout) as { kind: string; images: unknown[] };
  assert.equal(inventory.kind, 'baler-inventory');
  assert.equal(inventory.images.length, 1);
  const verified = await balerOk(['verify', ref, ...creds], { env: none });
  assert.match(verified.stdout, /: OK \(1 image, /);
  const rootfs = join(dir, 'rootfs.tar');
  await balerOk(['export', '-o', rootfs, ref, ...creds], { env: none });
  assert.ok(readTar(readFileSync(rootfs)).length > 0, 'export wrote no entries');

  // without --creds these verbs are anonymous and the registry says so
  const refused = await runBaler(['verify', ref], { env: none });
  assert.equal(refused.code, 6, describeRun(['verify', ref], refused));
  assert.match(refused.stdout, /UNAUTHORIZED/);

  const missing = await dockerConfigDir(dir, 'desktop', { credsStore: 'desktop' });
  const r = await runBaler(['save', '-o', join(dir, 'x.tar'), ref], { env: { DOCKER_CONFIG: missing, PATH: '/usr/bin:/bin' } });
  assert.equal(r.code, 3, describeRun(['save'], r));
  assert.equal(r.stderr.trim(), `baler: registry://${basicReg.host}: credential helper docker-credential-desktop (credsStore in ${join(missing, 'config.json')}): not found on PATH`);
});
