/**
 * baler against a real Docker Engine 26 with the containerd image store (daemon.json
 * `"features": {"containerd-snapshotter": true}`, the default of new Docker installs since 29; Debian
 * trixie's dockerd 26.1 from scripts/ci/docker26.sh, with the containerd it starts itself). There
 * `docker load` is containerd's importer, the image ID docker shows is the manifest digest (not the config
 * digest), `docker save` writes an OCI layout whose index.json names each image, and the data root holds no
 * images. Expected values come from the archives themselves (index.json, configs), read with the test's
 * own tar reader, and from fixtures/docker20-multi.tar (Docker 20.10's configs = its image IDs).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { allTags, assertFixtureImagesRun, dockerImageFacts, type ImageFacts } from '../helpers/docker-facts.js';
import { dockerdSkipReason, withDockerd } from '../helpers/dockerd.js';
import { fixture } from '../helpers/paths.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { runChecked } from '../helpers/run-process.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar, type ReadEntry } from '../helpers/tiny-tar.js';

const skip = dockerdSkipReason('docker26', 'containerd');
describe('Docker 26 with the containerd image store', { skip }, () => {
  const d = withDockerd('overlay2', { engine: 'docker26', imageStore: 'containerd' });
  const tmp = new TempDirs();
  after(() => tmp.removeAll());

  const NAMES = ['bbbase:1', 'imga:1', 'imgb:1', 'imgb:latest', 'imgo:1'];
  let work = '';
  /** A baler store holding docker20-multi.tar's images. */
  let store = '';
  /** baler's default save of NAMES (a Docker 25 hybrid docker-archive). */
  let balerTar = '';
  /** Config digest (= Docker 20.10's image ID), tags and diff_ids of each image in fixtures/docker20-multi.tar. */
  let configs: ImageFacts[] = [];

  const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const familiar = (name: string): string => name.replace(/^docker\.io\/library\//, '');

  function tarReader(entries: readonly ReadEntry[], file: string): (name: string) => Buffer {
    const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e]));
    const read = (name: string): Buffer => {
      const e = byName.get(name);
      if (!e) throw new Error(`${file} lacks ${name}`);
      return e.type === 'symlink' ? read(join(name, '..', e.linkname)) : e.data;
    };
    return read;
  }

  /** From an archive's manifest.json: ID = config digest, tags, layers = digests of the layer files. */
  async function configFacts(file: string): Promise<ImageFacts[]> {
    const read = tarReader(readTar(await readFile(file)), file);
    const items = JSON.parse(read('manifest.json').toString()) as Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }>;
    return items
      .map((m) => ({ id: sha(read(m.Config)), tags: [...(m.RepoTags ?? [])].sort(), layers: m.Layers.map((l) => sha(read(l))) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * What the containerd image store must show after loading an archive with an index.json: per manifest,
   * ID = manifest digest, the names index.json gives it, layers = its config's diff_ids.
   */
  async function indexFacts(file: string): Promise<ImageFacts[]> {
    const read = tarReader(readTar(await readFile(file)), file);
    const index = JSON.parse(read('index.json').toString()) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
    const byDigest = new Map<string, ImageFacts>();
    for (const m of index.manifests) {
      const blob = (digest: string): Buffer => read(`blobs/sha256/${digest.replace(/^sha256:/, '')}`);
      const manifest = JSON.parse(blob(m.digest).toString()) as { config: { digest: string } };
      const config = JSON.parse(blob(manifest.config.digest).toString()) as { rootfs: { diff_ids: string[] } };
      const facts = byDigest.get(m.digest) ?? { id: m.digest, tags: [], layers: config.rootfs.diff_ids };
      const name = m.annotations?.['io.containerd.image.name'] ?? m.annotations?.['org.opencontainers.image.ref.name'];
      if (name) facts.tags.push(familiar(name));
      byDigest.set(m.digest, facts);
    }
    return [...byDigest.values()].map((f) => ({ ...f, tags: f.tags.sort() })).sort((a, b) => a.id.localeCompare(b.id));
  }

  const idsByName = (facts: readonly ImageFacts[]): Record<string, string> =>
    Object.fromEntries(facts.flatMap((f) => f.tags.map((t) => [t, f.id] as const)).sort());

  /** Empties the daemon, `docker load`s FILE and returns what docker then shows. */
  async function dockerLoad(file: string): Promise<ImageFacts[]> {
    await d.reset();
    await d.dockerChecked(['load', '-i', file]);
    return dockerImageFacts(d);
  }

  const run = async (image: string, ...cmd: string[]): Promise<string> =>
    (await d.dockerChecked(['run', '--rm', '--network', 'none', image, ...cmd])).stdout;

  before(async () => {
    if (skip) return;
    work = await tmp.make('baler-docker26-containerd-');
    store = join(work, 'store');
    await balerOk(['load', '-q', '-i', fixture('docker20-multi.tar'), '--store', store]);
    balerTar = join(work, 'baler.tar');
    await balerOk(['save', '--store', store, '-o', balerTar, ...NAMES]);
    configs = await configFacts(fixture('docker20-multi.tar'));
  }, { timeout: 300_000 });

  test('the engine under test is Docker >= 25 with the containerd image store, and its data root holds no image db', { skip }, async () => {
    const info = (await d.dockerChecked(['info', '--format', '{{.ServerVersion}}|{{.Driver}}|{{json .DriverStatus}}'])).stdout.trim();
    const [version = '', driver, status = ''] = info.split('|');
    assert.ok(Number(version.split('.')[0]) >= 25, `server version ${version}`);
    assert.equal(driver, 'overlayfs', 'the containerd snapshotter withDockerd asked for overlay2\'s work');
    assert.match(status, /io\.containerd\.snapshotter\.v1/);
    await d.reset();
    await d.dockerChecked(['load', '-i', balerTar]);
    assert.equal(existsSync(join(d.dataRoot, 'image')), false, 'no image/<driver>/ under the data root');
    assert.ok(existsSync(join(d.dataRoot, 'containerd', 'daemon', 'io.containerd.content.v1.content')), 'blobs are in containerd\'s content store');
    assert.deepEqual(allTags(configs), NAMES, 'the fixture holds every name');
  });

  test('a baler docker-archive loads with every name, IDs = the manifest digests baler wrote, the fixture\'s diff_ids, and runs', { skip }, async () => {
    const expected = await indexFacts(balerTar);
    assert.deepEqual(allTags(expected), NAMES);
    assert.deepEqual(expected.map((f) => f.layers).sort(), configs.map((f) => f.layers).sort(), 'diff_ids = the fixture\'s layers');
    assert.deepEqual(await dockerLoad(balerTar), expected);
    await assertFixtureImagesRun(d);
  });

  test('an OCI-only archive loads too (the graphdriver store refuses it): baler\'s with the same IDs, skopeo\'s under its ref name', { skip }, async () => {
    const oci = join(work, 'baler.oci.tar');
    await balerOk(['save', '--store', store, '--format', 'oci', '-o', oci, ...NAMES]);
    const facts = await dockerLoad(oci);
    assert.deepEqual(facts, await indexFacts(oci));
    assert.deepEqual(facts, await indexFacts(balerTar), 'the same manifests as the docker-archive');
    assert.equal(await run('imgo:1'), 'new\n');

    // skopeo writes only org.opencontainers.image.ref.name "imga:1", which containerd's importer keeps as the
    // raw image name: docker lists it as imga:1 but cannot resolve that name (it looks for
    // docker.io/library/imga:1), so the image is usable by ID only. baler writes io.containerd.image.name too.
    const skopeo = fixture('skopeo-gzip.oci-archive.tar');
    const [skopeoImage] = await indexFacts(skopeo);
    assert.ok(skopeoImage);
    await d.reset();
    assert.match((await d.dockerChecked(['load', '-i', skopeo])).stdout, /Loaded image: imga:1/);
    assert.deepEqual(await dockerImageFacts(d), [{ ...skopeoImage, tags: [] }], 'loaded, but with no name docker can use');
    const listed = (await d.dockerChecked(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).stdout;
    assert.ok(listed.includes(`imga:1 ${skopeoImage.id.slice(7, 19)}`), listed);
    const byName = await d.docker(['image', 'inspect', 'imga:1']);
    assert.notEqual(byName.code, 0);
    assert.match(byName.stderr, /No such image: imga:1/);
    assert.equal(await run(skopeoImage.id), 'new\n', 'runs by ID');
  });

  test('baler archives wrapped in zstd or gzip, with gzip layers, or OCI with zstd layers load with the IDs they hold', { skip }, async () => {
    const unwrapped = await indexFacts(balerTar);
    for (const name of ['baler.tar.zst', 'baler.tar.gz']) {
      const out = join(work, name);
      await balerOk(['save', '--store', store, '-o', out, ...NAMES]);
      assert.deepEqual(await dockerLoad(out), unwrapped, name);
    }
    const layered: Array<[string, string[]]> = [['baler-gzip-layers.tar', ['--layers', 'gzip']], ['baler-zstd-layers.oci.tar', ['--format', 'oci', '--layers', 'zstd']]];
    for (const [name, flags] of layered) {
      const out = join(work, name);
      await balerOk(['save', '--store', store, ...flags, '-o', out, ...NAMES]);
      const expected = await indexFacts(out);
      assert.notDeepEqual(expected, unwrapped, `${name}: compressed layers make other manifests`);
      assert.deepEqual(expected.map((f) => f.layers).sort(), unwrapped.map((f) => f.layers).sort(), `${name}: same diff_ids`);
      assert.deepEqual(await dockerLoad(out), expected, name);
      assert.equal(await run('imga:1', '/bin/sh', '-c', 'cat /hl/link; ls /data'), 'hard\nnew\n', `${name}: layers unpacked`);
    }
  });

  test('docker save -> baler verify/load/ls -> baler save -> docker load keeps docker\'s manifest and config digests', { skip }, async () => {
    await dockerLoad(fixture('docker20-multi.tar'));
    const shown = await dockerImageFacts(d);
    const saved = join(work, 'docker-save.tar');
    await d.dockerChecked(['save', '-o', saved, ...NAMES]);
    assert.deepEqual(await indexFacts(saved), shown, 'docker save names each image by the manifest digest docker shows');
    assert.deepEqual(await configFacts(saved), configs, 'and holds Docker 20.10\'s configs and layers');

    const report = JSON.parse((await balerOk(['verify', '--json', saved])).stdout) as { ok: boolean; images: Array<{ names: string[]; ids: string[]; digest: string }> };
    assert.equal(report.ok, true);
    const verified = Object.fromEntries(report.images.flatMap((i) => i.names.map((n) => [n, `${i.digest} ${i.ids[0]}`] as const)).sort());
    const both = (manifests: readonly ImageFacts[]): Record<string, string> => {
      const config = idsByName(configs);
      return Object.fromEntries(Object.entries(idsByName(manifests)).map(([n, m]) => [n, `${m} ${config[n]}`]));
    };
    assert.deepEqual(verified, both(shown), 'verify: manifest digest and image ID of each name');

    const s2 = join(work, 'store-from-docker');
    await balerOk(['load', '-q', '-i', saved, '--store', s2]);
    const ls = JSON.parse((await balerOk(['ls', '--json', '--store', s2])).stdout) as Array<{ Id: string; Digest: string; RepoTags: string[] }>;
    assert.deepEqual(Object.fromEntries(ls.flatMap((i) => i.RepoTags.map((t) => [t, `${i.Digest} ${i.Id}`] as const)).sort()), both(shown));

    const back = join(work, 'back-to-docker.tar');
    await balerOk(['save', '--store', s2, '-o', back, ...NAMES]);
    assert.deepEqual(await indexFacts(back), shown, 'baler re-save keeps the manifests');
    assert.deepEqual(await dockerLoad(back), shown, 'docker rmi + docker load of baler\'s re-save');
    assert.equal(await run('imgb:1'), 'b\n');
  });

  test('baler load --into docker and baler save --from docker (Engine API), by name, full ID and the short ID docker shows', { skip }, async () => {
    await d.reset();
    const env = { DOCKER_HOST: d.host };
    await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--into', 'docker'], { env });
    const shown = await dockerImageFacts(d);
    assert.deepEqual(allTags(shown), NAMES);
    assert.deepEqual(shown.map((f) => f.layers).sort(), configs.map((f) => f.layers).sort());
    assert.equal(await run('imgo:1'), 'new\n');

    const out = join(work, 'from-docker-api.tar');
    await balerOk(['save', '--from', 'docker', '-o', out, ...NAMES], { env });
    assert.deepEqual(await indexFacts(out), shown, 'the manifests docker holds, unchanged');
    assert.deepEqual(await configFacts(out), configs);
    assert.deepEqual(await dockerLoad(out), shown);

    // `docker images` shows the manifest digest as IMAGE ID here: both its forms select the image, and
    // like `docker save ID` the archive then names no tags
    const imgb = shown.find((f) => f.tags.includes('imgb:1'));
    assert.ok(imgb);
    const short = (await d.dockerChecked(['images', '--format', '{{.ID}}', 'imgb:1'])).stdout.trim();
    assert.equal(`sha256:${short}`, imgb.id.slice(0, 'sha256:'.length + short.length), 'docker shows a manifest digest prefix');
    for (const word of [imgb.id, short]) {
      const theirs = join(work, `docker-save-${word.length}.tar`);
      await d.dockerChecked(['save', '-o', theirs, word]);
      assert.deepEqual(await indexFacts(theirs), [{ ...imgb, tags: [] }], `docker save ${word}`);
      const mine = join(work, `by-id-${word.length}.tar`);
      await balerOk(['save', '--from', 'docker', '-o', mine, word], { env });
      assert.deepEqual(await indexFacts(mine), [{ ...imgb, tags: [] }], `baler save --from docker ${word}`);
    }
  });

  /** Path -> what identifies it (regular files by content), for comparing file-system tars. */
  const listing = async (file: string): Promise<string[]> =>
    readTar(await readFile(file)).map((e) => `${e.name.replace(/^\.\//, '').replace(/\/$/, '')} ${e.type}${e.type === 'file' ? ` ${sha(e.data)}` : ''}`).sort();

  test('containers through the Engine API: baler ls and export --from docker match docker ps and docker export', { skip }, async () => {
    await dockerLoad(balerTar);
    await d.dockerChecked(['run', '--name', 'c1', '--network', 'none', 'imgb:1', '/bin/sh', '-c', 'echo z >/z; rm /b.txt']);
    const env = { DOCKER_HOST: d.host };
    const doc = JSON.parse((await balerOk(['ls', '--json', '--from', 'docker'], { env })).stdout) as { Images: Array<{ Id: string; RepoTags: string[] }>; Containers: Array<{ Name: string; Image: string; State: string }> };
    assert.deepEqual(Object.fromEntries(doc.Images.flatMap((i) => i.RepoTags.map((t) => [t, i.Id] as const)).sort()), idsByName(await indexFacts(balerTar)), 'the IDs docker shows');
    assert.deepEqual(doc.Containers.map((c) => [c.Name, c.Image, c.State]), [['c1', 'imgb:1', 'exited']]);

    const theirs = join(work, 'docker-export-c1.tar');
    await d.dockerChecked(['export', '-o', theirs, 'c1']);
    const mine = join(work, 'baler-export-c1.tar');
    await balerOk(['export', '--from', 'docker', '-o', mine, 'c1'], { env });
    const files = await listing(mine);
    assert.deepEqual(files, await listing(theirs));
    assert.ok(files.some((l) => l.startsWith('z file ')) && !files.some((l) => l.startsWith('b.txt ')), 'the container\'s changes');

    const image = join(work, 'baler-export-imga.tar');
    await balerOk(['export', '--from', 'docker', '-o', image, 'imga:1'], { env });
    const imageFiles = await listing(image);
    assert.ok(imageFiles.some((l) => l.startsWith('hl/link ')) && !imageFiles.some((l) => l.startsWith('etc/motd ')), 'imga:1 flattened, whiteouts applied');
  });

  test('a delta (save --have the daemon\'s inventory) loads into it when the base layer it left out is stored gzip there', { skip }, async () => {
    // a base stored compressed, as a pulled image's is: docker save gives it back gzip, not by its diff_id
    const gzipBase = join(work, 'base-gzip-layers.tar');
    await balerOk(['save', '--store', store, '--layers', 'gzip', '-o', gzipBase, 'bbbase:1', 'imgb:1']);
    await dockerLoad(gzipBase);
    const env = { DOCKER_HOST: d.host };
    const inventory = join(work, 'inventory.json');
    await balerOk(['inventory', '--from', 'docker', '-o', inventory], { env });
    const delta = join(work, 'delta.tar');
    await balerOk(['save', '--store', store, '--have', inventory, '-o', delta, 'imga:1', 'imgo:1']);
    const base = configs.find((f) => f.tags.includes('bbbase:1'))?.layers[0];
    assert.ok(base);
    assert.ok(!readTar(await readFile(delta)).some((e) => e.name.endsWith(base.slice(7))), 'the base layer was left out');

    await balerOk(['load', '-i', delta, '--into', 'docker'], { env });
    const facts = await dockerImageFacts(d);
    assert.deepEqual(allTags(facts), ['bbbase:1', 'imga:1', 'imgb:1', 'imgo:1']);
    const full = await indexFacts(balerTar);
    for (const name of ['imga:1', 'imgo:1']) {
      assert.deepEqual(facts.find((f) => f.tags.includes(name)), full.find((f) => f.tags.includes(name)), `${name}: as the full archive gives it`);
    }
    assert.equal(await run('imga:1', '/bin/sh', '-c', 'cat /hl/link; ls /data'), 'hard\nnew\n');
    assert.equal(await run('imgo:1'), 'new\n');
  });

  /**
   * A two-platform OCI archive made from imgb:1: linux/amd64 is imgb:1's manifest, linux/arm64/v8 a manifest
   * of the same layers with an arm64 config whose manifest and config the archive leaves out (a sparse index,
   * as docker pull leaves one). Returns the archive and the digests of the index and the amd64 manifest.
   */
  async function sparseTwoPlatformArchive(dir: string): Promise<{ file: string; index: string; amd64: string }> {
    const root = join(dir, 'layout');
    const blob = (digest: string): string => join(root, 'blobs', 'sha256', digest.slice(7));
    await mkdir(dir, { recursive: true });
    await balerOk(['save', '--store', store, '--format', 'oci-dir', '-o', root, 'imgb:1']);
    const [entry] = (JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as { manifests: Array<{ mediaType: string; digest: string; size: number }> }).manifests;
    assert.ok(entry);
    const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8')) as { config: { digest: string; size: number } };
    const armConfig = Buffer.from(JSON.stringify({ ...JSON.parse(await readFile(blob(manifest.config.digest), 'utf8')), architecture: 'arm64', variant: 'v8' }));
    const armManifest = Buffer.from(JSON.stringify({ ...manifest, config: { ...manifest.config, digest: sha(armConfig), size: armConfig.length } }));
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: entry.mediaType, digest: entry.digest, size: entry.size, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: entry.mediaType, digest: sha(armManifest), size: armManifest.length, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    }));
    await writeFile(blob(sha(index)), index);
    const names = { 'io.containerd.image.name': 'docker.io/library/multi:1', 'org.opencontainers.image.ref.name': '1' };
    await writeFile(join(root, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(index), size: index.length, annotations: names }] }));
    const file = join(dir, 'multi-sparse.oci.tar');
    await runChecked('tar', ['-C', root, '-cf', file, 'oci-layout', 'index.json', 'blobs']);
    return { file, index: sha(index), amd64: entry.digest };
  }

  test('a multi-platform image: docker save -> baler load/ls/verify -> baler save -> docker load keeps the index digest as image ID', { skip }, async () => {
    const dir = join(work, 'multi');
    const made = await sparseTwoPlatformArchive(dir);
    await dockerLoad(made.file);
    const shown = await dockerImageFacts(d);
    assert.deepEqual(shown.map((f) => [f.id, f.tags]), [[made.index, ['multi:1']]], 'docker shows the index digest as image ID');

    // docker save writes the Docker >= 25 hybrid: index.json names the index, manifest.json the amd64 manifest
    const saved = join(dir, 'docker-save.tar');
    await d.dockerChecked(['save', '-o', saved, 'multi:1']);
    const read = tarReader(readTar(await readFile(saved)), saved);
    const entries = (JSON.parse(read('index.json').toString()) as { manifests: Array<{ digest: string }> }).manifests;
    assert.deepEqual(entries.map((e) => e.digest), [made.index]);

    const verified = JSON.parse((await balerOk(['verify', '--json', saved])).stdout) as { ok: boolean; images: Array<{ digest: string }>; unreferenced: string[] };
    assert.deepEqual([verified.ok, verified.images.map((i) => i.digest), verified.unreferenced], [true, [made.index], []]);
    const s3 = join(dir, 'store');
    const loaded = await balerOk(['load', '-i', saved, '--store', s3]);
    assert.match(loaded.stderr, /platform\(s\) linux\/arm64\/v8 of the index not included/);
    const ls = JSON.parse((await balerOk(['ls', '--json', '--store', s3])).stdout) as Array<{ Id: string; RepoTags: string[]; Platforms: string[] }>;
    assert.deepEqual(ls.map((i) => [i.Id, i.RepoTags, i.Platforms]), [[made.index, ['multi:1'], ['linux/amd64']]]);
    assert.equal((await runBaler(['fsck', '--store', s3])).code, 0, 'the absent platform is no fsck problem');

    const back = join(dir, 'baler-save.tar');
    await balerOk(['save', '--store', s3, '-o', back, 'multi:1']);
    const backRead = tarReader(readTar(await readFile(back)), back);
    assert.deepEqual(backRead(`blobs/sha256/${made.index.slice(7)}`), read(`blobs/sha256/${made.index.slice(7)}`), 'the index, byte for byte');
    assert.deepEqual(await dockerLoad(back), shown, 'docker rmi + docker load of baler\'s save: the same image ID, name and layers');
    assert.equal(await run('multi:1', 'cat', '/b.txt'), 'b\n');

    const amd = join(dir, 'baler-amd64.tar');
    await balerOk(['save', '--store', s3, '--platform', 'linux/amd64', '-o', amd, 'multi:1']);
    assert.deepEqual((await dockerLoad(amd)).map((f) => f.id), [made.amd64], '--platform: the amd64 manifest alone');
  });

  test('baler save --from docker-root on the stopped daemon\'s data root fails in one line naming containerd\'s image store', { skip }, async () => {
    await d.reset();
    await d.dockerChecked(['load', '-i', balerTar]);
    await d.stop();
    const root = d.dataRoot;
    const out = join(work, 'from-root.tar');
    for (const args of [['save', '--from', `docker-root:${root}`, '-o', out, 'imga:1'], ['ls', '--from', `docker-root:${root}`]]) {
      const r = await runBaler(args);
      assert.notEqual(r.code, 0, describeRun(args, r));
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, describeRun(args, r));
      assert.match(lines[0] ?? '', /containerd image store/, describeRun(args, r));
      assert.match(lines[0] ?? '', /containerd's content store/, describeRun(args, r));
      assert.ok(lines[0]?.includes(root), describeRun(args, r));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    // --from docker with the daemon down would read its data root offline: here it says why it cannot
    const args = ['save', '--from', 'docker', '-o', out, 'imga:1'];
    const r = await runBaler(args, { env: { DOCKER_HOST: d.host, BALER_DOCKER_ROOT: root } });
    assert.notEqual(r.code, 0, describeRun(args, r));
    assert.equal(r.stderr.trim().split('\n').length, 1, describeRun(args, r));
    assert.match(r.stderr, /is not answering, and its data root \S+ cannot be read offline instead: its images are in containerd's content store/, describeRun(args, r));
    assert.equal(existsSync(out), false, 'no archive was written');
  });
});
