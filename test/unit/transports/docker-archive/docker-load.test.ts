// Real peer: Docker 20.10 (legacy loader) must load what DockerArchiveSink writes (formats.md §1.6).
// Skipped when dockerd cannot be started on this machine.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseImageManifest } from '../../../../src/model/manifest.js';
import { DockerArchiveSink } from '../../../../src/transports/docker-archive/sink.js';
import { DockerArchiveSource } from '../../../../src/transports/docker-archive/source.js';
import { dockerArchiveTransport } from '../../../../src/transports/docker-archive/transport.js';
import { MediaTypes } from '../../../../src/model/media-types.js';
import { OciArchiveSource } from '../../../../src/transports/oci-archive/source.js';
import { ociArchiveTransport } from '../../../../src/transports/oci-archive/transport.js';
import { configFor, copyAll, DOCKER20_SAVE, layerTar, writeTar } from './archive-builder.js';
import { sha256Of } from '../../../../src/model/digest.js';

let dir: string;
let dockerHost: string | undefined;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-load-'));
  try {
    const out = execFileSync('/work/shared/tools/dockerd-up.sh', [join(dir, 'd'), 'vfs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    dockerHost = /DOCKER_HOST=(\S+)/.exec(out)?.[1];
  } catch {
    dockerHost = undefined;
  }
});
after(() => {
  const pidFile = join(dir, 'd', 'dockerd.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      process.kill(pid);
      for (let i = 0; i < 100 && isAlive(pid); i++) execFileSync('sleep', ['0.1']);
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: dockerHost } });

test('docker 20.10 loads the hybrid: same image IDs and tags', async (t) => {
  if (!dockerHost) {
    t.skip('dockerd not available');
    return;
  }
  const l0 = await layerTar({ 'base.txt': 'base' });
  const l1 = await layerTar({ 'top.txt': 'top' });
  const c1 = configFor([sha256Of(l0)]);
  const c2 = configFor([sha256Of(l0), sha256Of(l1)]);
  const input = join(dir, 'two.tar');
  await writeTar(input, [
    { name: 'a.tar', body: l0 },
    { name: 'b.tar', body: l1 },
    { name: 'c1.json', body: c1 },
    { name: 'c2.json', body: c2 },
    {
      name: 'manifest.json',
      body: JSON.stringify([
        { Config: 'c1.json', RepoTags: ['baler-one:1'], Layers: ['a.tar'] },
        { Config: 'c2.json', RepoTags: ['baler-two:1', 'baler-two:latest'], Layers: ['a.tar', 'b.tar'] },
      ]),
    },
  ]);
  const out = join(dir, 'hybrid.tar');
  const ids: string[] = [];
  for (const [from, to] of [
    [input, out],
    [DOCKER20_SAVE, join(dir, 'fixture-hybrid.tar')],
  ] as const) {
    await using src = await DockerArchiveSource.open(dockerArchiveTransport.parse(`docker-archive:${from}`));
    await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${to}`));
    await copyAll(src, sink);
    await sink.commit();
    for (const e of await src.list()) ids.push(parseImageManifest(await src.fetchManifest(e.descriptor)).config.digest);
  }
  // gzip layers (as skopeo writes an oci-archive) stay gzip in the hybrid; Docker 20.10 must take them
  const skopeoOci = join(dir, 'skopeo.tar');
  execFileSync('skopeo', ['copy', '-q', `docker-archive:${DOCKER20_SAVE}`, `oci-archive:${skopeoOci}:gz/layers:1`]);
  {
    await using src = await OciArchiveSource.open(ociArchiveTransport.parse(`oci-archive:${skopeoOci}`));
    await using sink = await DockerArchiveSink.open(dockerArchiveTransport.parse(`docker-archive:${join(dir, 'gzip-hybrid.tar')}`));
    await copyAll(src, sink);
    await sink.commit();
    const m = parseImageManifest(await src.fetchManifest((await src.list())[0]!.descriptor));
    assert.equal(m.layers[0]!.mediaType, MediaTypes.ociLayerGzip);
    ids.push(m.config.digest);
  }
  const loaded = docker('load', '-i', out) + docker('load', '-i', join(dir, 'fixture-hybrid.tar')) + docker('load', '-i', join(dir, 'gzip-hybrid.tar'));
  assert.match(loaded, /Loaded image: baler-one:1/);
  assert.match(loaded, /Loaded image: baler-two:latest/);
  assert.match(loaded, /Loaded image: fixture\/layers:3/);
  for (const [ref, id] of [
    ['baler-one:1', ids[0]],
    ['baler-two:1', ids[1]],
    ['fixture/layers:3', ids[2]],
    ['gz/layers:1', ids[3]],
  ] as const) {
    assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', ref).trim(), id, ref);
  }
});
