/**
 * Protocol unit tests against a tiny node:http stand-in (NOT a real registry; the real one is in
 * test/interop/registry.test.ts): the Bearer token flow, retries after 503, and a blob body that is cut
 * once and resumed with Range — things docker-registry 2.8 cannot be made to do on demand.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { readAtMost } from '../../../../src/io/read-all.js';
import type { Digest } from '../../../../src/model/digest.js';
import { MediaTypes } from '../../../../src/model/media-types.js';
import { registryRef } from '../../../../src/transports/oci-registry/transport.js';

const blob = randomBytes(300_000);
const blobDigest = `sha256:${createHash('sha256').update(blob).digest('hex')}` as Digest;
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: blobDigest, size: blob.length }, layers: [] }));
const seen = { tokenQueries: [] as string[], tokenAuth: [] as string[], manifest503: 0, rangeRequests: [] as string[], cuts: 0 };
let host = '';
/** Tokens of older generations are refused, as an expired token is. */
let generation = 1;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', `http://${host}`);
  if (url.pathname === '/token') {
    seen.tokenQueries.push(url.search);
    seen.tokenAuth.push(req.headers.authorization ?? '');
    if (req.headers.authorization !== `Basic ${Buffer.from('alice:pw').toString('base64')}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: `tok-${generation}` }));
    return;
  }
  if (req.headers.authorization !== `Bearer tok-${generation}`) {
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fake-registry",scope="repository:app:pull"`, 'Content-Type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    return;
  }
  if (url.pathname === '/v2/') {
    res.writeHead(200).end('{}');
  } else if (url.pathname === '/v2/app/manifests/1') {
    if (seen.manifest503++ === 0) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': MediaTypes.ociManifest, 'Content-Length': manifest.length }).end(manifest);
  } else if (url.pathname === `/v2/app/blobs/${blobDigest}`) {
    const range = req.headers.range;
    if (range) {
      seen.rangeRequests.push(range);
      const from = Number(/^bytes=([0-9]+)-$/.exec(range)?.[1]);
      res.writeHead(206, { 'Content-Range': `bytes ${from}-${blob.length - 1}/${blob.length}`, 'Content-Length': blob.length - from }).end(blob.subarray(from));
      return;
    }
    res.writeHead(200, { 'Content-Length': blob.length, 'Accept-Ranges': 'bytes' });
    if (seen.cuts++ === 0) {
      res.write(blob.subarray(0, 100_000), () => res.socket?.destroy());
      return;
    }
    res.end(blob);
  } else {
    res.writeHead(404).end();
  }
}

const server = createServer(handle);
before(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => {
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  resolve();
})));
after(() => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
}));

test('token auth, a 503 retry and a cut blob body resumed with Range give the exact bytes', async () => {
  const ref = registryRef(`registry://${host}/app:1`, { creds: 'alice:pw', env: {} }, { retry: { attempts: 3, baseDelayMs: 1 } });
  const source = await ref.openSource();
  try {
    const [entry] = await source.list();
    assert.equal(entry?.descriptor.digest, `sha256:${createHash('sha256').update(manifest).digest('hex')}`);
    assert.deepEqual(entry?.names, [{ domain: host, path: 'app', tag: '1' }]);
    assert.equal(seen.manifest503, 2, 'the manifest GET was retried once after 503');
    const got = await readAtMost(await source.fetchBlob({ mediaType: MediaTypes.ociConfig, digest: blobDigest, size: blob.length }), 1 << 20, 'blob');
    assert.equal(got.length, blob.length);
    assert.ok(got.equals(blob), 'resumed bytes are the blob');
    assert.deepEqual(seen.rangeRequests, ['bytes=100000-']);
  } finally {
    await source[Symbol.asyncDispose]();
  }
  assert.ok(seen.tokenQueries.length >= 1);
  const q = new URLSearchParams(seen.tokenQueries[0]);
  assert.deepEqual([q.get('service'), q.getAll('scope')], ['fake-registry', ['repository:app:pull']]);
  assert.equal(seen.tokenAuth[0], `Basic ${Buffer.from('alice:pw').toString('base64')}`);
});

test('an expired token is renewed once; wrong credentials end in the token service\'s UNAUTHORIZED', async () => {
  const ref = registryRef(`registry://${host}/app:1`, { creds: 'alice:pw', env: {} }, { retry: { attempts: 3, baseDelayMs: 1 } });
  const source = await ref.openSource();
  try {
    await source.list();
    const before = seen.tokenQueries.length;
    generation++;
    const [entry] = await source.list();
    assert.ok(entry);
    assert.equal(seen.tokenQueries.length, before + 1, 'one new token after the old one was refused');
  } finally {
    await source[Symbol.asyncDispose]();
  }
  const wrong = await registryRef(`registry://${host}/app:1`, { creds: 'alice:nope', env: {} }).openSource();
  try {
    await assert.rejects(wrong.list(), (e: unknown) => e instanceof Error && /^registry:\/\/127\.0\.0\.1:[0-9]+: UNAUTHORIZED: bad credentials$/.test(e.message));
  } finally {
    await wrong[Symbol.asyncDispose]();
  }
});
