import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { resolveRegistryImage } from '../../../../src/transports/oci-registry/image-argument.js';
import { formatRegistryReference, parseRegistryReference } from '../../../../src/transports/oci-registry/reference.js';
import { imageSourcesFor, parseTransportRef } from '../../../../src/transports/registry.js';

const D = `sha256:${'ab'.repeat(32)}`;

/** What an IMAGE argument reads as, against a source: the registry reference, or `listed:` what is looked up. */
function read(from: string, arg: string): string {
  const c = resolveRegistryImage(parseRegistryReference(from), arg);
  return c.kind === 'reference' ? formatRegistryReference(c.target) : `listed:${c.selector}`;
}

test('IMAGE against registry://HOST/REPO: a tag, :tag, @digest or the full name of that repository', () => {
  const from = 'registry://127.0.0.1:5000/team/app';
  for (const [arg, want] of [
    ['1.0', 'registry://127.0.0.1:5000/team/app:1.0'],
    ['1cdb36ec4a55', 'registry://127.0.0.1:5000/team/app:1cdb36ec4a55'],
    [':1.0', 'registry://127.0.0.1:5000/team/app:1.0'],
    [`@${D}`, `registry://127.0.0.1:5000/team/app@${D}`],
    ['team/app:1.0', 'registry://127.0.0.1:5000/team/app:1.0'],
    ['127.0.0.1:5000/team/app:1.0', 'registry://127.0.0.1:5000/team/app:1.0'],
    ['registry://127.0.0.1:5000/team/app:1.0', 'registry://127.0.0.1:5000/team/app:1.0'],
    [D, `listed:${D}`],
    ['sha256:1cdb36ec', 'listed:sha256:1cdb36ec'],
  ] as const) {
    assert.equal(read(from, arg), want, arg);
  }
  // Docker Hub names keep their library/ spelling
  assert.equal(read('registry://docker.io/library/alpine', 'alpine:3'), 'registry://docker.io/library/alpine:3');
  assert.equal(read('registry://docker.io/library/alpine', 'index.docker.io/library/alpine:3'), 'registry://index.docker.io/library/alpine:3');
});

test('IMAGE against registry://HOST names a repository; against REPO:TAG only that image', () => {
  assert.equal(read('registry://reg.example:5000', 'team/app:1.0'), 'registry://reg.example:5000/team/app:1.0');
  assert.equal(read('registry://reg.example:5000', `team/app@${D}`), `registry://reg.example:5000/team/app@${D}`);
  assert.equal(read('registry://reg.example:5000', 'team/app'), 'registry://reg.example:5000/team/app');
  assert.equal(read('registry://reg.example:5000/team/app:1.0', '1.0'), 'registry://reg.example:5000/team/app:1.0');
  assert.equal(read('registry://reg.example:5000/team/app:1.0', 'reg.example:5000/team/app'), 'registry://reg.example:5000/team/app:1.0');
  assert.equal(read(`registry://reg.example:5000/team/app@${D}`, D), `listed:${D}`);
});

test('bad, foreign and conflicting IMAGE arguments are one-line usage errors naming what to write', () => {
  for (const [from, arg, why] of [
    ['registry://h:5000/team/app', ':bad tag', /^":bad tag": bad tag "bad tag"; write TAG, :TAG, @sha256:DIGEST or h:5000\/team\/app:TAG$/],
    ['registry://h:5000/team/app', '@sha256:12', /^"@sha256:12": bad digest; /],
    ['registry://h:5000/team/app', 'a b', /bad tag "a b"/],
    ['registry://h:5000/team/app', 'app:1', /^"app:1": not in registry:\/\/h:5000\/team\/app; /],
    ['registry://h:5000/team/app', 'other.example/team/app:1', /not on h:5000, where registry:\/\/h:5000\/team\/app is/],
    ['registry://h:5000/team/app', 'registry://h:5000', /names no repository/],
    ['registry://h:5000/team/app:1', ':2', /^":2": registry:\/\/h:5000\/team\/app:1 names one image already; give the repository without a tag or digest/],
    ['registry://h:5000', ':1', /^":1": registry:\/\/h:5000 names no repository; write REPO:TAG, REPO@sha256:DIGEST or h:5000\/REPO:TAG$/],
    ['registry://h:5000', D, /names no repository/],
  ] as const) {
    assert.throws(() => resolveRegistryImage(parseRegistryReference(from), arg), (e: unknown) => e instanceof BalerError && e.code === 'E_USAGE' && why.test(e.message) && !e.message.includes('\n'), `${from} ${arg}`);
  }
});

test('imageSourcesFor: registry arguments become their own references; other sources select by argument', () => {
  const ctx = { storePath: '/s', cwd: '/' };
  const reg = parseTransportRef('registry://h:5000/team/app', ctx);
  const named = imageSourcesFor(reg, ['1', ':2', '1']);
  assert.deepEqual(named.refs.map(String), ['registry://h:5000/team/app:1', 'registry://h:5000/team/app:2']);
  assert.equal(named.images, undefined, 'everything those references name');
  // an image ID is looked up in the repository's listing; the tags beside it are selected by name there
  const mixed = imageSourcesFor(reg, ['1', D, `@sha256:${'cd'.repeat(32)}`]);
  assert.deepEqual(mixed.refs.map(String), ['registry://h:5000/team/app', `registry://h:5000/team/app@sha256:${'cd'.repeat(32)}`]);
  assert.deepEqual(mixed.images, ['h:5000/team/app:1', D, `sha256:${'cd'.repeat(32)}`]);
  assert.deepEqual(imageSourcesFor(reg, []).refs.map(String), ['registry://h:5000/team/app']);
  const archive = parseTransportRef('docker-archive:/x.tar', ctx);
  assert.deepEqual(imageSourcesFor(archive, ['1.0']), { refs: [archive], images: ['1.0'] });
});
