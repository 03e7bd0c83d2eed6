import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { ociArchiveTransport } from '../../../../src/transports/oci-archive/transport.js';

describe('archive references', () => {
  test('docker-archive:PATH[:IMAGE], prefix optional, first colon ends the path', () => {
    const r = dockerArchiveTransport.parse('docker-archive:/tmp/x.tar:localhost:5000/app:1');
    assert.equal(r.transport, dockerArchiveTransport);
    assert.equal(r.location, '/tmp/x.tar');
    assert.equal(r.image, 'localhost:5000/app:1');
    assert.equal(r.toString(), 'docker-archive:/tmp/x.tar:localhost:5000/app:1');
    const bare = dockerArchiveTransport.parse('x.tar');
    assert.equal(bare.location, 'x.tar');
    assert.equal(bare.image, undefined);
    assert.equal(bare.toString(), 'docker-archive:x.tar');
    assert.equal(dockerArchiveTransport.parse('docker-archive:-').location, '-');
  });

  test('oci-archive:PATH[:IMAGE]', () => {
    const r = ociArchiveTransport.parse('oci-archive:out.tar:app');
    assert.equal(r.transport.name, 'oci-archive');
    assert.deepEqual([r.location, r.image], ['out.tar', 'app']);
  });

  test('empty path or image is a usage error', () => {
    for (const spec of ['docker-archive:', 'docker-archive::app', 'docker-archive:x.tar:']) {
      assert.throws(() => dockerArchiveTransport.parse(spec), (err: unknown) => err instanceof BalerError && err.code === 'E_USAGE');
    }
  });
});
