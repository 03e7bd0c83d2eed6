import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { parseTransportRef, type RefContext } from '../../../src/transports/registry.js';

const ctx: RefContext = { storePath: '/data/store', cwd: '/work/here' };

test('transport references resolve relative paths against the working directory', () => {
  const cases: Array<[string, string, string, string | undefined]> = [
    ['store', 'store', '/data/store', undefined],
    ['store:other', 'store', '/work/here/other', undefined],
    ['docker-archive:x.tar', 'docker-archive', '/work/here/x.tar', undefined],
    ['docker-archive:/abs/x.tar:app:1', 'docker-archive', '/abs/x.tar', 'app:1'],
    ['docker-archive:-', 'docker-archive', '-', undefined],
    ['oci-archive:../y.tar:docker.io/library/app:2', 'oci-archive', '/work/y.tar', 'docker.io/library/app:2'],
    ['oci:layout:app', 'oci', '/work/here/layout', 'app'],
    ['docker-root:/var/lib/docker:nginx:1', 'docker-root', '/var/lib/docker', 'nginx:1'],
    ['docker-root', 'docker-root', '/var/lib/docker', undefined],
  ];
  for (const [spec, transport, location, image] of cases) {
    const ref = parseTransportRef(spec, ctx);
    assert.deepEqual([ref.transport.name, ref.location, ref.image], [transport, location, image], spec);
  }
});

test('unknown transports and empty paths are usage errors naming the spec', () => {
  for (const [spec, text] of [
    ['dir:/x', /"dir:\/x": unknown transport "dir"; expected one of store, /],
    ['docker-archive:', /"docker-archive:": missing the path/],
    ['oci:-', /an OCI layout is a directory/],
  ] as const) {
    assert.throws(() => parseTransportRef(spec, ctx), (err: unknown) => err instanceof BalerError && err.code === 'E_USAGE' && text.test(err.message), spec);
  }
});
