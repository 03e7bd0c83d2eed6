/**
 * The `docker` transport against a running Docker Engine 20.10 over its unix socket (no docker CLI in
 * the code under test): list + save through GET /images/get, load through POST /images/load, and an
 * image read offline from a docker-root loaded into the daemon keeps its ID and diff_ids.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BalerError } from '../../src/errors.js';
import { familiarName, parseImageName } from '../../src/model/image-name.js';
import { copyImages } from '../../src/pipeline/copy.js';
import { dockerRootTransport } from '../../src/transports/docker-root/transport.js';
import { dockerDaemonRefAt } from '../../src/transports/docker-daemon/transport.js';
import { withDockerd } from '../helpers/dockerd.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar, writeTar } from '../helpers/tiny-tar.js';
import { describeRun, runBaler } from '../helpers/run-baler.js';
import { findTool } from '../helpers/tools.js';
import { buildVfsRoot } from '../unit/transports/docker-root/store-fixture.js';

const d = withDockerd('vfs');
const skip = d.skip || (findTool('busybox') ? false : 'busybox (busybox-static) is not installed');
const tmp = new TempDirs();
after(() => tmp.removeAll());

const socketOf = (): string => d.host.replace(/^unix:\/\//, '');

test('lists and saves a daemon image through the Engine API with its exact ID and layers', { skip }, async () => {
  const dir = await tmp.make();
  const rootfs = writeTar([
    { name: 'bin/', type: 'dir' },
    { name: 'bin/busybox', data: await readFile(findTool('busybox') as string), mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
  ]);
  const tarPath = join(dir, 'bb.tar');
  await writeFile(tarPath, rootfs);
  await d.dockerChecked(['import', tarPath, 'bbd:1']);
  const id = (await d.dockerChecked(['image', 'inspect', '--format', '{{.Id}}', 'bbd:1'])).stdout.trim();
  const layers = (await d.dockerChecked(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'bbd:1'])).stdout.trim();

  await using src = await dockerDaemonRefAt(socketOf(), 'bbd:1').openSource();
  const [entry, ...rest] = await src.list();
  assert.equal(rest.length, 0);
  assert.deepEqual(entry!.names.map(familiarName), ['bbd:1']);
  const m = JSON.parse(Buffer.from(await src.fetchManifest(entry!.descriptor)).toString()) as { config: { digest: string }; layers: { digest: string }[] };
  assert.equal(m.config.digest, id);
  assert.deepEqual(m.layers.map((l) => l.digest), JSON.parse(layers) as string[]);
});

test('an image read offline from a data root loads into the daemon with the same ID and diff_ids', { skip }, async () => {
  const root = await tmp.make('baler-docker-root-');
  const [built] = await buildVfsRoot(root, [{ names: ['offline:1'], layers: [{ entries: [{ name: 'etc/', type: 'dir' }, { name: 'etc/motd', data: 'hi\n' }] }] }]);
  await using from = await dockerRootTransport.parse(`docker-root:${root}`).openSource();
  await using to = await dockerDaemonRefAt(socketOf()).openSink();
  const report = await copyImages({ from, to, select: { kind: 'all' }, rename: parseImageName('loaded:1') });
  assert.equal(report.images[0]?.id, built!.id);
  const id = (await d.dockerChecked(['image', 'inspect', '--format', '{{.Id}}', 'loaded:1'])).stdout.trim();
  assert.equal(id, built!.id);
  const diffIds = JSON.parse((await d.dockerChecked(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'loaded:1'])).stdout) as string[];
  assert.deepEqual(diffIds, built!.diffIds);
});

test('baler load --into docker and baler save --from docker:IMAGE round-trip through the daemon', { skip }, async () => {
  const dir = await tmp.make();
  const archive = join(dir, 'bbd.tar');
  await d.dockerChecked(['save', '-o', archive, 'bbd:1']);
  const id = (await d.dockerChecked(['image', 'inspect', '--format', '{{.Id}}', 'bbd:1'])).stdout.trim();
  await d.dockerChecked(['rmi', 'bbd:1']);
  const env = { DOCKER_HOST: d.host };
  const load = ['load', '-i', archive, '--into', 'docker'];
  const r = await runBaler(load, { env });
  assert.equal(r.code, 0, describeRun(load, r));
  assert.equal((await d.dockerChecked(['image', 'inspect', '--format', '{{.Id}}', 'bbd:1'])).stdout.trim(), id);
  const out = join(dir, 'again.tar');
  // the IMAGE in the ref makes the daemon save only that image (plain --from docker would save them all first)
  const save = ['save', '--from', 'docker:bbd:1', 'bbd:1', '-o', out];
  const s = await runBaler(save, { env });
  assert.equal(s.code, 0, describeRun(save, s));
  const manifest = readTar(await readFile(out)).find((e) => e.name === 'manifest.json');
  assert.deepEqual((JSON.parse(manifest!.data.toString()) as { Config: string; RepoTags: string[] }[]).map((m) => [m.Config, m.RepoTags]), [[`blobs/sha256/${id.slice(7)}`, ['bbd:1']]]);
});

test('a daemon that is not there is a one-line E_IO error', async () => {
  const dir = await tmp.make();
  await assert.rejects(dockerDaemonRefAt(join(dir, 'nope.sock')).openSource(), (e: unknown) =>
    e instanceof BalerError && e.code === 'E_IO' && e.message.includes('is the daemon running?') && e.message.includes('nope.sock'),
  );
});
