/**
 * NODE_EXTRA_CA_CERTS through the launcher users run (bin/baler, what npm installs): the launcher keeps
 * node from parsing the bundle at start-up, yet a registry whose certificate only that bundle vouches for
 * is trusted, a bundle that does not vouch for it is not, and processes baler starts see the variable.
 * Against a real HTTPS docker-registry with a fresh self-signed certificate (its own CA).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixture, repoRoot } from '../helpers/paths.js';
import { withRegistry } from '../helpers/registry.js';
import { runProcess, type ProcessResult } from '../helpers/run-process.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { skipUnlessTools } from '../helpers/tools.js';

const launcher = join(repoRoot, 'bin', 'baler');
const built = existsSync(join(repoRoot, 'dist', 'cli', 'main.js'));
const reg = withRegistry({ selfSignedTls: true });
const authUser = { user: 'ca-user', password: 'ca-pass' };
const authReg = withRegistry({ selfSignedTls: true, basicAuth: authUser });
const skip = reg.skip || skipUnlessTools('openssl', 'skopeo') || (!built && 'bin/baler runs the build: run npm run build first');
const tmp = new TempDirs();
let dir = '';
before(async () => {
  dir = await tmp.make('baler-extra-ca-');
});
after(() => tmp.removeAll());

/** bin/baler as a user's shell runs it, with NODE_EXTRA_CA_CERTS (or not) and an empty store. */
function launch(args: readonly string[], extraCa: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', BALER_STORE: join(dir, 'store'), ...env };
  delete base.NODE_OPTIONS;
  delete base.NODE_TEST_CONTEXT;
  delete base.BALER_DEBUG;
  delete base.NODE_EXTRA_CA_CERTS;
  if (extraCa !== undefined) base.NODE_EXTRA_CA_CERTS = extraCa;
  return runProcess(launcher, args, { env: base, cwd: dir, timeoutMs: 300_000 });
}

const show = (args: readonly string[], r: ProcessResult): string => `bin/baler ${args.join(' ')} -> exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

test('a verb without TLS does not read NODE_EXTRA_CA_CERTS (node would warn about a missing file at start-up)', { skip: !built && 'run npm run build first' }, async () => {
  const missing = join(dir, 'no-such-bundle.pem');
  const direct = spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: missing }, encoding: 'utf8' });
  assert.match(direct.stderr, /Ignoring extra certs/, 'node itself reads the bundle at start-up');
  const r = await launch(['--version'], missing);
  assert.equal(r.code, 0, show(['--version'], r));
  assert.equal(r.stderr, '');
});

test('the registry client trusts the CAs in NODE_EXTRA_CA_CERTS, and only those', { skip }, async () => {
  const ca = join(reg.dir, 'cert.pem');
  const push = ['load', '-q', '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${reg.host}/extra-ca/imgb:1`];
  const pushed = await launch(push, ca);
  assert.equal(pushed.code, 0, show(push, pushed));
  assert.equal(pushed.stderr, '');
  // skopeo, told the same CA, reads what baler pushed
  const certDir = join(dir, 'certs');
  mkdirSync(certDir, { recursive: true });
  writeFileSync(join(certDir, 'ca.crt'), readFileSync(ca));
  const inspect = spawnSync('skopeo', ['inspect', '--cert-dir', certDir, `docker://${reg.host}/extra-ca/imgb:1`], { encoding: 'utf8' });
  assert.equal(inspect.status, 0, inspect.stderr);
  const out = join(dir, 'back.tar');
  const pull = ['save', '-q', '-o', out, `registry://${reg.host}/extra-ca/imgb:1`];
  const pulled = await launch(pull, ca);
  assert.equal(pulled.code, 0, show(pull, pulled));
  assert.ok(existsSync(out));

  // another CA's bundle does not make the registry trusted; no bundle at all neither
  const otherDir = join(dir, 'other');
  mkdirSync(otherDir, { recursive: true });
  const other = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(otherDir, 'key.pem'), '-out', join(otherDir, 'cert.pem')], { encoding: 'utf8' });
  assert.equal(other.status, 0, other.stderr);
  for (const bundle of [join(otherDir, 'cert.pem'), undefined]) {
    const refused = await launch(pull, bundle);
    assert.equal(refused.code, 6, show(pull, refused));
    assert.match(refused.stderr, /TLS certificate not trusted \(put the registry's CA in \/etc\/containers\/certs\.d\/127\.0\.0\.1:[0-9]+\/ca\.crt or NODE_EXTRA_CA_CERTS; --insecure skips the check\)/);
  }

  // a bundle that cannot be read: node's own warning, then the bundled CAs alone (so: not trusted)
  const missing = await launch(pull, join(dir, 'no-such-bundle.pem'));
  assert.equal(missing.code, 6, show(pull, missing));
  assert.match(missing.stderr, /Ignoring extra certs from `.*no-such-bundle\.pem`, load failed/);
});

test('processes baler starts see NODE_EXTRA_CA_CERTS as the user set it', { skip: skip || authReg.skip }, async () => {
  // a docker credential helper is a process baler starts; this one records its environment and answers
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = join(dir, 'helper-env.log');
  const helper = join(bin, 'docker-credential-envlog');
  writeFileSync(helper, `#!/bin/sh\necho "extra=\${NODE_EXTRA_CA_CERTS:-unset} deferred=\${BALER_DEFERRED_CA_CERTS:-unset}" >> ${JSON.stringify(log)}\ncat >/dev/null\necho '${JSON.stringify({ Username: authUser.user, Secret: authUser.password })}'\n`);
  chmodSync(helper, 0o755);
  const cfg = join(dir, 'docker-config');
  mkdirSync(cfg, { recursive: true });
  writeFileSync(join(cfg, 'config.json'), JSON.stringify({ credsStore: 'envlog' }));
  const ca = join(authReg.dir, 'cert.pem');
  const push = ['load', '-q', '-i', fixture('docker20-multi.tar'), 'imgb:1', '--into', `registry://${authReg.host}/extra-ca/imgb:1`];
  const r = await launch(push, ca, { DOCKER_CONFIG: cfg, PATH: `${bin}:${process.env.PATH ?? ''}` });
  assert.equal(r.code, 0, show(push, r));
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.ok(lines.length > 0);
  for (const line of lines) assert.equal(line, `extra=${ca} deferred=unset`);
});
