import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { Authenticator, parseChallenge } from '../../../../src/transports/oci-registry/auth.js';
import type { HttpResponse } from '../../../../src/transports/oci-registry/http.js';
import { dockerConfigCredentials, parseCredsFlag } from '../../../../src/transports/oci-registry/credentials.js';
import { formatRegistryReference, isLoopbackHost, parseRegistryReference } from '../../../../src/transports/oci-registry/reference.js';
import { registryError } from '../../../../src/transports/oci-registry/registry-error.js';
import { nextPage } from '../../../../src/transports/oci-registry/paged-list.js';
import { parseTransportRef } from '../../../../src/transports/registry.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('registry references: host, repository, tag or digest; Docker Hub names get library/', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const cases: Array<[string, Record<string, string | undefined>]> = [
    ['registry://127.0.0.1:5000/app:1', { host: '127.0.0.1:5000', apiHost: '127.0.0.1:5000', repo: 'app', tag: '1', digest: undefined }],
    ['registry://localhost/team/app', { host: 'localhost', repo: 'team/app', tag: undefined }],
    [`registry://reg.example.com/a/b/c@${digest}`, { host: 'reg.example.com', repo: 'a/b/c', digest, tag: undefined }],
    ['registry://docker.io/alpine:3', { host: 'docker.io', apiHost: 'registry-1.docker.io', repo: 'library/alpine', tag: '3' }],
    ['registry://[::1]:5000/mirror', { host: '[::1]:5000', repo: 'mirror' }],
    ['registry://10.0.0.5:5000', { host: '10.0.0.5:5000', repo: '' }],
  ];
  for (const [spec, want] of cases) {
    const got = parseRegistryReference(spec) as unknown as Record<string, string | undefined>;
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, `${spec}: ${k}`);
  }
  assert.equal(formatRegistryReference(parseRegistryReference(`registry://h:1/a/b@${digest}`)), `registry://h:1/a/b@${digest}`);
  const ref = parseTransportRef('registry://127.0.0.1:5000/app:1', { storePath: '/s', cwd: '/' });
  assert.deepEqual([ref.transport.name, ref.location, ref.image, ref.toString()], ['registry', '127.0.0.1:5000/app', '1', 'registry://127.0.0.1:5000/app:1']);
});

test('bad registry references are usage errors naming the reference', () => {
  for (const [spec, why] of [
    ['registry://', /bad registry host ""/],
    ['registry://host/App:1', /repository name must be lowercase/],
    ['registry://host/app:bad tag', /bad tag/],
    ['registry:host/app', /bad registry host|not a registry/],
  ] as const) {
    assert.throws(() => parseRegistryReference(spec), (e: unknown) => e instanceof BalerError && e.code === 'E_USAGE' && why.test(e.message) && e.message.includes(JSON.stringify(spec)), spec);
  }
});

test('loopback hosts may use plain HTTP', () => {
  for (const h of ['127.0.0.1:5000', '127.9.8.7', 'localhost:80', '[::1]:5000']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['10.0.0.5:5000', 'registry.local', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
});

test('WWW-Authenticate challenges parse with quoted commas and escapes', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' },
  });
  assert.deepEqual(parseChallenge('Basic realm="baler \\"test\\""'), { scheme: 'basic', params: { realm: 'baler "test"' } });
});

test('Basic auth: requests refused before the scheme was known are retried with credentials, refused credentials are not', async () => {
  const auth = new Authenticator('registry://r', async () => ({ username: 'u', password: 'p' }), () => Promise.reject(new Error('no token server')));
  const basic401 = { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } } as unknown as HttpResponse;
  const scopes = ['repository:a:pull,push'];
  assert.equal(await auth.headerFor(scopes), undefined, 'anonymous until a 401');
  // two blobs went out at once without credentials; both 401s lead to a retry
  assert.equal(await auth.onUnauthorized(basic401, scopes, undefined), true);
  assert.equal(await auth.onUnauthorized(basic401, scopes, undefined), true);
  const header = await auth.headerFor(scopes);
  assert.equal(header, `Basic ${Buffer.from('u:p').toString('base64')}`);
  assert.equal(await auth.onUnauthorized(basic401, scopes, header), false, 'the credentials themselves were refused');
});

test('tag list pages follow the Link header', () => {
  assert.equal(nextPage('</v2/app/tags/list?last=b&n=2>; rel="next"'), '/v2/app/tags/list?last=b&n=2');
  assert.equal(nextPage(undefined), undefined);
  assert.equal(nextPage('</x>; rel="prev"'), undefined);
});

test('credentials: --creds splits at the first colon; docker config auths match by host in any key spelling', async () => {
  assert.deepEqual(parseCredsFlag('u:p:q'), { username: 'u', password: 'p:q' });
  assert.throws(() => parseCredsFlag('nocolon'), /--creds: expected USER:PASS/);
  const dir = await mkdtemp(join(tmpdir(), 'baler-reg-cfg-'));
  dirs.push(dir);
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { 'https://reg.example.com/v2/': { auth: b64('alice:s3:cret') }, 'https://index.docker.io/v1/': { auth: b64('hub:pw') }, 'plain:5000': { username: 'bob', password: 'pw' } }, credsStore: 'desktop' }),
  );
  const env = { DOCKER_CONFIG: dir };
  assert.deepEqual(dockerConfigCredentials('reg.example.com', env), { username: 'alice', password: 's3:cret' });
  assert.deepEqual(dockerConfigCredentials('docker.io', env), { username: 'hub', password: 'pw' });
  assert.deepEqual(dockerConfigCredentials('plain:5000', env), { username: 'bob', password: 'pw' });
  assert.equal(dockerConfigCredentials('other.example.com', env), undefined);
  assert.equal(dockerConfigCredentials('x', { DOCKER_CONFIG: join(dir, 'absent') }), undefined);
});

test('registry error bodies become one line with the registry code; codes map to exit classes', () => {
  const body = Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: `sha256:${'1'.repeat(64)}` }] }));
  const e = registryError('registry://127.0.0.1:5000/app', 400, body, 'PUT manifest v1');
  assert.equal(e.message, `registry://127.0.0.1:5000/app: MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:${'1'.repeat(64)})`);
  assert.equal(e.code, 'E_PEER');
  const unknown = registryError('registry://h/app', 404, Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v1"}}]}'), 'GET manifest v1');
  assert.equal(unknown.message, 'registry://h/app: MANIFEST_UNKNOWN: manifest unknown ({"Tag":"v1"})');
  assert.equal(unknown.code, 'E_NOT_FOUND');
  const bare = registryError('registry://h/app', 401, Buffer.alloc(0), 'HEAD blob x');
  assert.equal(bare.message, 'registry://h/app: UNAUTHORIZED: HEAD blob x failed with HTTP 401');
});
