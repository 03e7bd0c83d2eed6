/**
 * Where registry credentials come from, with real credential-helper processes (sh scripts speaking
 * docker's helper protocol): credHelpers over credsStore, the server-URL spellings tried, identity
 * tokens, "not found" as anonymous, and one-line errors for missing, broken and hung helpers.
 */
import assert from 'node:assert/strict';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { helperCredentials } from '../../../../src/transports/oci-registry/credential-helper.js';
import { credentialLoader, helperServerUrls } from '../../../../src/transports/oci-registry/credentials.js';
import { pathWith, writeCredentialHelper } from '../../../helpers/credential-helper-script.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());
const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function dockerConfig(dir: string, config: unknown): Promise<string> {
  const cfg = join(dir, 'docker');
  await mkdir(cfg, { recursive: true });
  await writeFile(join(cfg, 'config.json'), JSON.stringify(config));
  return cfg;
}

test('credsStore: the helper is asked for the host, then https://host; Username <token> is an identity token', async () => {
  const dir = await tmp.make();
  const bin = join(dir, 'bin');
  const { log } = await writeCredentialHelper(bin, 'store', {
    known: { 'https://reg.example.com:5000': { Username: 'alice', Secret: 's3cret' }, 'tok.example.com': { Username: '<token>', Secret: 'refresh-me' } },
  });
  const env = { DOCKER_CONFIG: await dockerConfig(dir, { auths: {}, credsStore: 'store' }), PATH: pathWith(bin) };
  const origin = `docker-credential-store (credsStore in ${join(env.DOCKER_CONFIG, 'config.json')})`;
  assert.deepEqual(await credentialLoader('reg.example.com:5000', { env })(), { username: 'alice', password: 's3cret', origin });
  assert.deepEqual(await credentialLoader('tok.example.com', { env })(), { username: '', password: '', identityToken: 'refresh-me', origin });
  assert.deepEqual((await readFile(log, 'utf8')).split('\n').filter(Boolean), ['reg.example.com:5000', 'https://reg.example.com:5000', 'tok.example.com']);
  assert.deepEqual(helperServerUrls('docker.io'), ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io']);
});

test('credHelpers wins over credsStore for its registry; a helper that knows nothing falls back to auths, else anonymous', async () => {
  const dir = await tmp.make();
  const bin = join(dir, 'bin');
  await writeCredentialHelper(bin, 'per-reg', { known: { 'ecr.example.com': { Username: 'AWS', Secret: 'ecr-pw' } } });
  const store = await writeCredentialHelper(bin, 'store', {});
  const env = {
    DOCKER_CONFIG: await dockerConfig(dir, { credsStore: 'store', credHelpers: { 'ecr.example.com': 'per-reg' }, auths: { 'https://file.example.com': { auth: b64('bob:pw'), identitytoken: 'idt' } } }),
    PATH: pathWith(bin),
  };
  const config = join(env.DOCKER_CONFIG, 'config.json');
  assert.deepEqual(await credentialLoader('ecr.example.com', { env })(), { username: 'AWS', password: 'ecr-pw', origin: `docker-credential-per-reg (credHelpers in ${config})` });
  assert.deepEqual(await credentialLoader('file.example.com', { env })(), { username: 'bob', password: 'pw', identityToken: 'idt', origin: `auths in ${config}` });
  assert.equal(await credentialLoader('nobody.example.com', { env })(), undefined);
  // the per-registry helper is not asked about other registries; credsStore is
  assert.match(await readFile(store.log, 'utf8'), /^file\.example\.com\n.*nobody\.example\.com/s);
  // --creds wins without running any helper
  assert.deepEqual(await credentialLoader('ecr.example.com', { env, creds: 'x:y' })(), { username: 'x', password: 'y', origin: '--creds' });
});

test('containers auth.json ($REGISTRY_AUTH_FILE) is read when docker config has nothing for the host', async () => {
  const dir = await tmp.make();
  const authFile = join(dir, 'auth.json');
  await writeFile(authFile, JSON.stringify({ auths: { 'quay.example.com/org': { auth: b64('carol:pw') } } }));
  const env = { DOCKER_CONFIG: await dockerConfig(dir, { auths: { 'other.example.com': { auth: b64('dave:pw') } } }), REGISTRY_AUTH_FILE: authFile, PATH: process.env.PATH ?? '' };
  assert.deepEqual(await credentialLoader('quay.example.com', { env })(), { username: 'carol', password: 'pw', origin: `auths in ${authFile}` });
  assert.deepEqual(await credentialLoader('other.example.com', { env })(), { username: 'dave', password: 'pw', origin: `auths in ${join(env.DOCKER_CONFIG, 'config.json')}` });
  const xdg = join(dir, 'run');
  await mkdir(join(xdg, 'containers'), { recursive: true });
  await writeFile(join(xdg, 'containers', 'auth.json'), JSON.stringify({ auths: { 'podman.example.com': { auth: b64('erin:pw') } } }));
  assert.deepEqual(await credentialLoader('podman.example.com', { env: { DOCKER_CONFIG: join(dir, 'none'), XDG_RUNTIME_DIR: xdg } })(), { username: 'erin', password: 'pw', origin: `auths in ${join(xdg, 'containers', 'auth.json')}` });
});

async function helperError(p: Promise<unknown>): Promise<BalerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof BalerError, `expected a BalerError, got ${String(err)}`);
  return err;
}

test('a missing, broken or hung helper is a one-line error naming the helper and where it was configured', async () => {
  const dir = await tmp.make();
  const bin = join(dir, 'bin');
  await writeCredentialHelper(bin, 'broken', { brokenWith: 'error reading keychain: locked' });
  await writeCredentialHelper(bin, 'hung', { sleepSeconds: 5 });
  const cfg = await dockerConfig(dir, { credsStore: 'desktop' });
  const missing = await helperError(credentialLoader('reg.example.com', { env: { DOCKER_CONFIG: cfg, PATH: bin } })());
  assert.equal(missing.code, 'E_NOT_FOUND');
  assert.equal(missing.message, `registry://reg.example.com: credential helper docker-credential-desktop (credsStore in ${join(cfg, 'config.json')}): not found on PATH`);

  const env = { PATH: pathWith(bin) };
  const broken = await helperError(helperCredentials({ name: 'broken', origin: 'credHelpers in X' }, ['reg.example.com'], env));
  assert.equal(broken.code, 'E_PEER');
  assert.equal(broken.message, 'credential helper docker-credential-broken (credHelpers in X): get reg.example.com failed (exit 3): error reading keychain: locked');

  const hung = await helperError(helperCredentials({ name: 'hung', origin: 'credsStore in X' }, ['reg.example.com'], env, 500));
  assert.equal(hung.message, 'credential helper docker-credential-hung (credsStore in X): no answer within 1 s');
});
