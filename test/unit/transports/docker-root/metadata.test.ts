import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { familiarName, parseImageName } from '../../../../src/model/image-name.js';
import { findContainer, parseContainerConfig } from '../../../../src/transports/docker-root/containers.js';
import { imageMatches } from '../../../../src/transports/docker-root/image-select.js';
import { splitDockerRootSpec } from '../../../../src/transports/docker-root/ref.js';
import { parseRepositoriesJson } from '../../../../src/transports/docker-root/repositories.js';
import type { Digest } from '../../../../src/model/digest.js';

const ID_A = `sha256:${'0d4f230074ed49b2ca67b76bf6c4de8271a3a7ac93401758602be2a9ceceef19'}` as Digest;
const ID_B = `sha256:${'e1170a09d5a25032ed112914e4bf9c2cabd4950926626d9d219c4897717bfa78'}` as Digest;

test('repositories.json: tags become names, digest refs are skipped (real 20.10 shape)', () => {
  const json = JSON.stringify({
    Repositories: {
      '127.0.0.1:5055/t/imga': {
        '127.0.0.1:5055/t/imga:1': ID_A,
        '127.0.0.1:5055/t/imga@sha256:2957b129574f129f657ddc03ffce50417fe906c43c5d2313ad151538f4b1d16a': ID_A,
      },
      imga: { 'imga:1': ID_A },
      imgb: { 'imgb:1': ID_B, 'imgb:latest': ID_B },
    },
  });
  const m = parseRepositoriesJson(Buffer.from(json), 'repositories.json');
  assert.deepEqual(m.get(ID_A)?.map(familiarName).sort(), ['127.0.0.1:5055/t/imga:1', 'imga:1']);
  assert.deepEqual(m.get(ID_B)?.map(familiarName).sort(), ['imgb:1', 'imgb:latest']);
  assert.throws(() => parseRepositoriesJson(Buffer.from('{"Repositories": 3}'), 'r.json'), (e: unknown) => e instanceof BalerError && e.code === 'E_FORMAT');
  assert.equal(parseRepositoriesJson(Buffer.from('{}'), 'r.json').size, 0);
});

test('image selection by familiar, full and default-tag names, and by ID prefix', () => {
  const names = [parseImageName('imgb:latest'), parseImageName('imgb:1')];
  for (const yes of ['imgb', 'imgb:1', 'docker.io/library/imgb:latest', 'e1170a09', `sha256:e1170a09d5a2`, ID_B]) assert.ok(imageMatches(yes, ID_B, names), yes);
  for (const no of ['imgb:2', 'imga', 'e11', 'zzz', '0d4f2300']) assert.ok(!imageMatches(no, ID_B, names), no);
});

test('docker-root spec: default root, relative dir, optional image after the first colon', () => {
  assert.deepEqual(splitDockerRootSpec('docker-root:', '/w'), { location: '/var/lib/docker' });
  assert.deepEqual(splitDockerRootSpec('docker-root', '/w'), { location: '/var/lib/docker' });
  assert.deepEqual(splitDockerRootSpec('docker-root:data', '/w'), { location: '/w/data' });
  assert.deepEqual(splitDockerRootSpec('docker-root:/srv/docker:app:1', '/w'), { location: '/srv/docker', image: 'app:1' });
  assert.deepEqual(splitDockerRootSpec('docker-root::app', '/w'), { location: '/var/lib/docker', image: 'app' });
  assert.throws(() => splitDockerRootSpec('docker-root:/x:', '/w'), (e: unknown) => e instanceof BalerError && e.code === 'E_USAGE');
});

const config = (o: Record<string, unknown>): Buffer =>
  Buffer.from(JSON.stringify({ ID: 'b84a0f3b1dd05e4dc4b783f64182e9f98b4014360f76cd8d1cf5a3fba05f6523', Name: '/c2', Image: ID_A, Config: { Image: 'feat:1' }, Created: '2026-11-23T09:17:00.563073253Z', ...o }));

test('container status as docker ps shows it, from the recorded State', () => {
  const state = (s: Record<string, unknown>): string => parseContainerConfig(config({ State: { StartedAt: '2026-11-23T09:17:01Z', ExitCode: 0, ...s } }), 'c').status;
  assert.equal(state({ StartedAt: '0001-01-01T00:00:00Z' }), 'Created');
  assert.equal(state({ ExitCode: 137 }), 'Exited (137)');
  assert.equal(state({ Running: true }), 'Up');
  assert.equal(state({ Running: true, Paused: true }), 'Up (Paused)');
  assert.equal(state({ Dead: true }), 'Dead');
  const c = parseContainerConfig(config({}), 'c');
  assert.deepEqual([c.name, c.imageRef, c.imageId], ['c2', 'feat:1', ID_A]);
  assert.throws(() => parseContainerConfig(Buffer.from('{"Name":"/x"}'), 'cfg.json'), (e: unknown) => e instanceof BalerError && e.code === 'E_FORMAT' && e.message.startsWith('cfg.json'));
});

test('containers are found by name, full ID or unique prefix; ambiguity and absence are errors', () => {
  const a = parseContainerConfig(config({ ID: `ab${'1'.repeat(62)}`, Name: '/one' }), 'a');
  const b = parseContainerConfig(config({ ID: `ac${'2'.repeat(62)}`, Name: '/two' }), 'b');
  assert.equal(findContainer([a, b], 'two', '/r').id, b.id);
  assert.equal(findContainer([a, b], '/one', '/r').id, a.id);
  assert.equal(findContainer([a, b], 'ab1', '/r').id, a.id);
  assert.throws(() => findContainer([a, b], 'a', '/r'), (e: unknown) => e instanceof BalerError && e.code === 'E_CONFLICT');
  assert.throws(() => findContainer([a, b], 'three', '/r'), (e: unknown) => e instanceof BalerError && e.code === 'E_NOT_FOUND' && e.message.includes('"three"'));
});
