// Real peer: Docker 20.10 (legacy loader) must load what DockerArchiveSink writes (formats.md §1.6).
// Skipped when dockerd cannot be started on this machine (not root, not installed).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { withDockerd } from '../../../helpers/dockerd.js';
import { copyAll, DOCKER20_SAVE, writeTwoImageArchive } from './archive-builder.js';

const dockerd = withDockerd('vfs');
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'baler-da-load-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const docker = async (...args: string[]): Promise<string> => (await dockerd.dockerChecked(args)).stdout;

test('docker 20.10 loads the hybrid: same image IDs and tags', { skip: dockerd.skip }, async () => {
  const input = join(dir, 'two.tar');
  await writeTwoImageArchive(input, [['baler-one:1'], ['baler-two:1', 'baler-two:latest']]);
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
  const loaded = (await docker('load', '-i', out)) + (await docker('load', '-i', join(dir, 'fixture-hybrid.tar'))) + (await docker('load', '-i', join(dir, 'gzip-hybrid.tar')));
  assert.match(loaded, /Loaded image: baler-one:1/);
  assert.match(loaded, /Loaded image: baler-two:latest/);
  assert.match(loaded, /Loaded image: fixture\/layers:3/);
  for (const [ref, id] of [
    ['baler-one:1', ids[0]],
    ['baler-two:1', ids[1]],
    ['fixture/layers:3', ids[2]],
    ['gz/layers:1', ids[3]],
  ] as const) {
    assert.equal((await docker('image', 'inspect', '--format', '{{.Id}}', ref)).trim(), id, ref);
  }
});
