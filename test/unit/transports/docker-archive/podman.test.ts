// Real peer: podman 4.3 writes multi-image docker-archives (`save -m`, formats.md §1.5) and must load
// what DockerArchiveSink writes. Private --root/--runroot, vfs, no daemon.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fullName } from '../../../../src/model/image-name.js';
import { parseImageManifest } from '../../../../src/model/manifest.js';
import { DockerArchiveSink } from '../../../../src/transports/docker-archive/sink.js';
import { DockerArchiveSource } from '../../../../src/transports/docker-archive/source.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { withPodman, type PrivatePodman } from '../../../helpers/podman.js';
import { copyAll, DOCKER20_SAVE, rehashAll, writeTwoImageArchive } from './archive-builder.js';

/** The config digest of the Docker 20.10 fixture (its image ID). */
const FIXTURE_ID = 'sha256:73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710';

const p1 = withPodman();
const p2 = withPodman();
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-podman-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const podman = async (store: PrivatePodman, ...args: string[]): Promise<string> => (await store.podmanChecked(args)).stdout;

test('podman save -m output reads (symlinked layer.tar, several images) and podman loads our hybrid back', { skip: p1.skip }, async () => {
  const input = join(dir, 'in.tar');
  const { first, second } = await writeTwoImageArchive(input, [['localhost/one:1'], ['localhost/two:2']]);
  await podman(p1, 'load', '-q', '-i', input);
  await podman(p1, 'load', '-q', '-i', DOCKER20_SAVE);
  const saved = join(dir, 'podman-m.tar');
  await podman(p1, 'save', '-q', '-m', '-o', saved, 'localhost/one:1', 'localhost/two:2', 'fixture/layers:3');

  await using src = await DockerArchiveSource.open(dockerArchiveTransport.parse(`docker-archive:${saved}`));
  const list = await src.list();
  const ids = await Promise.all(list.map(async (e) => parseImageManifest(await src.fetchManifest(e.descriptor)).config.digest));
  assert.deepEqual(ids.sort(), [first, second, FIXTURE_ID].sort());
  assert.deepEqual(list.flatMap((e) => e.names.map(fullName)).sort(), ['localhost/fixture/layers:3', 'localhost/one:1', 'localhost/two:2']);
  for (const r of await rehashAll(src)) assert.equal(r.got, r.digest);

  const hybrid = join(dir, 'hybrid.tar');
  {
    await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${hybrid}`));
    await copyAll(src, sink);
    await sink.commit();
  }
  await podman(p2, 'load', '-q', '-i', hybrid);
  const images = (await podman(p2, 'images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).trim().split('\n').sort();
  assert.deepEqual(images, [
    `localhost/fixture/layers:3 ${FIXTURE_ID}`,
    `localhost/one:1 ${first}`,
    `localhost/two:2 ${second}`,
  ]);
});
