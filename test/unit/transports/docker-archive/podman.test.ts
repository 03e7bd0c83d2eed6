// Real peer: podman 4.3 writes multi-image docker-archives (`save -m`, formats.md §1.5) and must load
// what DockerArchiveSink writes. Private --root/--runroot, vfs, no daemon.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sha256Of } from '../../../../src/model/digest.js';
import { fullName } from '../../../../src/model/image-name.js';
import { parseImageManifest } from '../../../../src/model/manifest.js';
import { DockerArchiveSink } from '../../../../src/transports/docker-archive/sink.js';
import { DockerArchiveSource } from '../../../../src/transports/docker-archive/source.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { configFor, copyAll, DOCKER20_SAVE, layerTar, rehashAll, writeTar } from './archive-builder.js';

/** The config digest of the Docker 20.10 fixture (its image ID). */
const FIXTURE_ID = 'sha256:73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-podman-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function podman(root: string, ...args: string[]): string {
  const base = ['--root', join(dir, root, 'root'), '--runroot', join(dir, root, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  return execFileSync('podman', [...base, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('podman save -m output reads (symlinked layer.tar, several images) and podman loads our hybrid back', async () => {
  const l0 = await layerTar({ 'base.txt': 'b' });
  const l1 = await layerTar({ 'top.txt': 't' });
  const c1 = configFor([sha256Of(l0)]);
  const c2 = configFor([sha256Of(l0), sha256Of(l1)]);
  const input = join(dir, 'in.tar');
  await writeTar(input, [
    { name: 'a.tar', body: l0 },
    { name: 'b.tar', body: l1 },
    { name: 'c1.json', body: c1 },
    { name: 'c2.json', body: c2 },
    {
      name: 'manifest.json',
      body: JSON.stringify([
        { Config: 'c1.json', RepoTags: ['localhost/one:1'], Layers: ['a.tar'] },
        { Config: 'c2.json', RepoTags: ['localhost/two:2'], Layers: ['a.tar', 'b.tar'] },
      ]),
    },
  ]);
  podman('p1', 'load', '-q', '-i', input);
  podman('p1', 'load', '-q', '-i', DOCKER20_SAVE);
  const saved = join(dir, 'podman-m.tar');
  podman('p1', 'save', '-q', '-m', '-o', saved, 'localhost/one:1', 'localhost/two:2', 'fixture/layers:3');

  await using src = await DockerArchiveSource.open(dockerArchiveTransport.parse(`docker-archive:${saved}`));
  const list = await src.list();
  const ids = await Promise.all(list.map(async (e) => parseImageManifest(await src.fetchManifest(e.descriptor)).config.digest));
  assert.deepEqual(ids.sort(), [sha256Of(c1), sha256Of(c2), FIXTURE_ID].sort());
  assert.deepEqual(list.flatMap((e) => e.names.map(fullName)).sort(), ['localhost/fixture/layers:3', 'localhost/one:1', 'localhost/two:2']);
  for (const r of await rehashAll(src)) assert.equal(r.got, r.digest);

  const hybrid = join(dir, 'hybrid.tar');
  {
    await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${hybrid}`));
    await copyAll(src, sink);
    await sink.commit();
  }
  podman('p2', 'load', '-q', '-i', hybrid);
  const images = podman('p2', 'images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}').trim().split('\n').sort();
  assert.deepEqual(images, [
    `localhost/fixture/layers:3 ${FIXTURE_ID}`,
    `localhost/one:1 ${sha256Of(c1)}`,
    `localhost/two:2 ${sha256Of(c2)}`,
  ]);
});
