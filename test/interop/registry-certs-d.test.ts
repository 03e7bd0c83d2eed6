/**
 * Per-registry TLS files in the certs.d layout Docker, podman and skopeo read (DIR/HOST:PORT/ca.crt,
 * client.cert + client.key), against real HTTPS docker-registry 2.8 instances with fresh certificates:
 * one that only its own CA vouches for, one that also demands a client certificate. BALER_CERT_DIRS points
 * baler at a temp certs.d instead of /etc, and skopeo reads the same directory with --cert-dir.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { skipUnlessTools } from '../helpers/tools.js';

const skip = skipUnlessTools('docker-registry', 'openssl', 'skopeo');
const tmp = new TempDirs();
let dir = '';
let serverOnly: RunningRegistry | undefined;
let mutual: RunningRegistry | undefined;

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

before(async () => {
  if (skip) return;
  dir = await tmp.make('baler-certs-d-');
  // a CA for client certificates, and one client certificate it signs
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=baler test client CA', '-keyout', join(dir, 'client-ca.key'), '-out', join(dir, 'client-ca.pem')]);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=baler client', '-keyout', join(dir, 'client.key'), '-out', join(dir, 'client.csr')]);
  openssl(['x509', '-req', '-in', join(dir, 'client.csr'), '-CA', join(dir, 'client-ca.pem'), '-CAkey', join(dir, 'client-ca.key'), '-CAcreateserial', '-days', '1', '-out', join(dir, 'client.cert')]);
  serverOnly = await startRegistry({ selfSignedTls: true });
  mutual = await startRegistry({ selfSignedTls: true, clientCa: join(dir, 'client-ca.pem') });
}, { timeout: 60_000 });
after(async () => {
  await serverOnly?.stop();
  await mutual?.stop();
  await tmp.removeAll();
}, { timeout: 30_000 });

/** A certs.d tree with the given files for `host`; returns the tree's root. */
function certsD(name: string, host: string, files: Record<string, string>): string {
  const root = join(dir, name);
  mkdirSync(join(root, host), { recursive: true });
  for (const [to, from] of Object.entries(files)) copyFileSync(from, join(root, host, to));
  return root;
}

const env = (certDirs: string): NodeJS.ProcessEnv => ({ BALER_CERT_DIRS: certDirs, BALER_STORE: join(dir, 'store'), NODE_EXTRA_CA_CERTS: '' });

test("a registry's CA in certs.d/HOST:PORT/ca.crt is trusted for it; without it the error says where to put it", { skip }, async () => {
  const reg = serverOnly!;
  const trusted = certsD('certs-ca', reg.host, { 'ca.crt': join(reg.dir, 'cert.pem') });
  const push = ['load', '-q', '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${reg.host}/certs/imgb:1`];
  const pushed = await runBaler(push, { env: env(trusted) });
  assert.equal(pushed.code, 0, describeRun(push, pushed));
  // skopeo, given the same directory, reads what baler pushed
  const inspect = spawnSync('skopeo', ['inspect', '--cert-dir', join(trusted, reg.host), `docker://${reg.host}/certs/imgb:1`], { encoding: 'utf8' });
  assert.equal(inspect.status, 0, inspect.stderr);

  const out = join(dir, 'pulled.tar');
  const pull = ['save', '-q', '-o', out, `registry://${reg.host}/certs/imgb:1`];
  const empty = join(dir, 'certs-empty');
  mkdirSync(empty, { recursive: true });
  const refused = await runBaler(pull, { env: env(empty) });
  assert.equal(refused.code, 6, describeRun(pull, refused));
  assert.match(refused.stderr, new RegExp(`TLS certificate not trusted \\(put the registry's CA in ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${reg.host}/ca\\.crt or NODE_EXTRA_CA_CERTS; --insecure skips the check\\)`));
  assert.equal(existsSync(out), false);
  const pulled = await runBaler(pull, { env: env(trusted) });
  assert.equal(pulled.code, 0, describeRun(pull, pulled));
  assert.ok(existsSync(out));
});

test('a registry that demands a client certificate gets the one in certs.d/HOST:PORT/client.cert and client.key', { skip }, async () => {
  const reg = mutual!;
  const push = ['load', '-q', '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${reg.host}/mtls/imgb:1`];
  const caOnly = certsD('certs-mtls-ca-only', reg.host, { 'ca.crt': join(reg.dir, 'cert.pem') });
  const refused = await runBaler(push, { env: env(caOnly) });
  assert.equal(refused.code, 6, describeRun(push, refused));
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, /the registry refused the TLS connection: it wants a client certificate it trusts \(put client\.cert and client\.key in .*certs-mtls-ca-only\/127\.0\.0\.1:[0-9]+\/\)/);

  const withClient = certsD('certs-mtls', reg.host, { 'ca.crt': join(reg.dir, 'cert.pem'), 'client.cert': join(dir, 'client.cert'), 'client.key': join(dir, 'client.key') });
  const pushed = await runBaler(push, { env: env(withClient) });
  assert.equal(pushed.code, 0, describeRun(push, pushed));
  const inspect = spawnSync('skopeo', ['inspect', '--cert-dir', join(withClient, reg.host), `docker://${reg.host}/mtls/imgb:1`], { encoding: 'utf8' });
  assert.equal(inspect.status, 0, inspect.stderr);

  // a client certificate without its key is a one-line usage error naming the file
  const noKey = certsD('certs-mtls-nokey', reg.host, { 'ca.crt': join(reg.dir, 'cert.pem'), 'client.cert': join(dir, 'client.cert') });
  const broken = await runBaler(push, { env: env(noKey) });
  assert.equal(broken.code, 2, describeRun(push, broken));
  assert.match(broken.stderr, /client\.cert: client certificate without its key client\.key/);

  // a key that is not the certificate's (another real key) is named as unusable, not an internal error
  openssl(['genrsa', '-out', join(dir, 'other.key'), '2048']);
  const mismatch = certsD('certs-mtls-mismatch', reg.host, { 'ca.crt': join(reg.dir, 'cert.pem'), 'client.cert': join(dir, 'client.cert'), 'client.key': join(dir, 'other.key') });
  const wrongKey = await runBaler(push, { env: env(mismatch) });
  assert.equal(wrongKey.code, 2, describeRun(push, wrongKey));
  assert.equal(wrongKey.stderr.trim().split('\n').length, 1, wrongKey.stderr);
  assert.match(wrongKey.stderr, /the TLS files in .*certs-mtls-mismatch\/127\.0\.0\.1:[0-9]+ cannot be used: .*key values mismatch/);
  writeFileSync(join(dir, 'done'), '');
});
