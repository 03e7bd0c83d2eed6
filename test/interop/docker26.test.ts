/**
 * baler against a real Docker Engine 26 (Debian trixie's dockerd 26.1 on overlay2, graphdriver image store,
 * Engine API 1.45; scripts/ci/docker26.sh fetches it): archives baler writes load into it, what it writes
 * (docker save, its data root read offline, its Engine API) loads into baler, all with the image IDs that
 * Docker 20.10's own `docker load` of fixtures/docker20-multi.tar gives (the oracle).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { allTags, assertFixtureImagesRun, dockerImageFacts, type ImageFacts } from '../helpers/docker-facts.js';
import { dockerdSkipReason, withDockerd } from '../helpers/dockerd.js';
import { fixture } from '../helpers/paths.js';
import { balerOk, describeRun, runBaler } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar, type ReadEntry } from '../helpers/tiny-tar.js';

// Inside a describe: the hooks then run in order (top-level before() hooks of Node 20 start at once), and
// neither daemon starts when one of them is missing.
const skip = dockerdSkipReason('docker26') || dockerdSkipReason('system');
describe('Docker 26 interop', { skip }, () => {
  const d26 = withDockerd('overlay2', { engine: 'docker26' });
  const d20 = withDockerd('vfs');
  const tmp = new TempDirs();
  after(() => tmp.removeAll());

  const NAMES = ['bbbase:1', 'imga:1', 'imgb:1', 'imgb:latest', 'imgo:1'];
  /** What Docker 20.10 shows after `docker load -i fixtures/docker20-multi.tar`. */
  let oracle: ImageFacts[] = [];
  let work = '';
  /** A baler store holding docker20-multi.tar's images. */
  let store = '';

  before(async () => {
    if (skip) return;
    await d20.dockerChecked(['load', '-i', fixture('docker20-multi.tar')]);
    oracle = await dockerImageFacts(d20);
    await d20.stop(); // only the oracle was needed from it
    work = await tmp.make('baler-docker26-');
    store = join(work, 'store');
    await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--store', store]);
  }, { timeout: 300_000 });

  const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

  /** Image facts of a docker-archive (any layout) read with the test's own tar reader: ID = config digest. */
  async function archiveFacts(file: string): Promise<ImageFacts[]> {
    const byName = new Map(readTar(await readFile(file)).map((e) => [e.name.replace(/^\.\//, ''), e]));
    const read = (name: string): Buffer => {
      const e = byName.get(name);
      if (!e) throw new Error(`${file} lacks ${name}`);
      return e.type === 'symlink' ? read(join(name, '..', e.linkname)) : e.data;
    };
    const items = JSON.parse(read('manifest.json').toString()) as Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }>;
    return items
      .map((m) => ({ id: sha(read(m.Config)), tags: [...(m.RepoTags ?? [])].sort(), layers: m.Layers.map((l) => sha(read(l))) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Empties Docker 26, `docker load`s FILE and returns what docker then shows. */
  async function dockerLoad(file: string): Promise<ImageFacts[]> {
    await d26.reset();
    await d26.dockerChecked(['load', '-i', file]);
    return dockerImageFacts(d26);
  }

  interface VerifyJson {
    ok: boolean;
    images: Array<{ names: string[]; ids: string[] }>;
  }

  /** `baler verify --json FILE`: name -> image ID, for every image it found valid. */
  async function verifiedIds(file: string): Promise<Record<string, string>> {
    const report = JSON.parse((await balerOk(['verify', '--json', file])).stdout) as VerifyJson;
    assert.equal(report.ok, true, `baler verify ${file}`);
    return Object.fromEntries(report.images.flatMap((i) => i.names.map((n) => [n, i.ids[0] ?? ''] as const)).sort());
  }

  const idsByName = (facts: readonly ImageFacts[]): Record<string, string> =>
    Object.fromEntries(facts.flatMap((f) => f.tags.map((t) => [t, f.id] as const)).sort());

  test('the engine under test is Docker >= 25 on overlay2 with the graphdriver image store', { skip }, async () => {
    const info = (await d26.dockerChecked(['info', '--format', '{{.ServerVersion}}|{{.Driver}}|{{json .DriverStatus}}'])).stdout.trim();
    const [version = '', driver, status = ''] = info.split('|');
    assert.ok(Number(version.split('.')[0]) >= 25, `server version ${version}`);
    assert.equal(driver, 'overlay2');
    assert.doesNotMatch(status, /io\.containerd\.snapshotter/, 'not the containerd image store');
    const api = (await d26.dockerChecked(['version', '--format', '{{.Server.APIVersion}}'])).stdout.trim();
    assert.ok(Number(api.split('.')[1]) >= 44, `API ${api}`);
    assert.deepEqual(allTags(oracle), NAMES, 'the oracle holds every fixture name');
  });

  test('a baler docker-archive loads into Docker 26 with every name, Docker 20.10\'s image IDs and layers, and runs', { skip }, async () => {
    const out = join(work, 'baler.tar');
    await balerOk(['save', '--store', store, '-o', out, ...NAMES]);
    assert.deepEqual(await dockerLoad(out), oracle);
    await assertFixtureImagesRun(d26);
  });

  test('a baler docker-archive wrapped in zstd or gzip, or with gzip layers, loads into Docker 26 with the same IDs', { skip }, async () => {
    const variants: Array<[string, string[]]> = [['baler.tar.zst', []], ['baler.tar.gz', []], ['baler-gzip-layers.tar', ['--layers', 'gzip']]];
    for (const [name, flags] of variants) {
      const out = join(work, name);
      await balerOk(['save', '--store', store, ...flags, '-o', out, ...NAMES]);
      assert.deepEqual(await dockerLoad(out), oracle, name);
    }
  });

  test('Docker 26 with the graphdriver store refuses any OCI-only archive (baler\'s or skopeo\'s): "open …/blobs/json: no such file or directory"', { skip }, async () => {
    const oci = join(work, 'baler.oci.tar');
    await balerOk(['save', '--store', store, '--format', 'oci', '-o', oci, ...NAMES]);
    for (const file of [oci, fixture('skopeo-gzip.oci-archive.tar')]) {
      await d26.reset();
      const r = await d26.docker(['load', '-i', file]);
      assert.notEqual(r.code, 0, `docker load -i ${file} failed`);
      assert.match(r.stderr, /open \S+\/blobs\/json: no such file or directory/, r.stderr);
      assert.deepEqual(await dockerImageFacts(d26), [], 'nothing was loaded');
    }
  });

  test('docker save of Docker 26 -> baler load -> verify/ls/inspect show docker\'s IDs -> baler save -> docker load keeps them', { skip }, async () => {
    assert.deepEqual(await dockerLoad(fixture('docker20-multi.tar')), oracle);
    const saved = join(work, 'docker26-save.tar');
    await d26.dockerChecked(['save', '-o', saved, ...NAMES]);
    assert.deepEqual(await archiveFacts(saved), oracle, 'docker save holds the images it shows');
    assert.deepEqual(await verifiedIds(saved), idsByName(oracle));

    const s2 = join(work, 'store-from-docker26');
    await balerOk(['load', '-i', saved, '--store', s2]);
    const ls = JSON.parse((await balerOk(['ls', '--json', '--store', s2])).stdout) as Array<{ Id: string; RepoTags: string[] }>;
    assert.deepEqual(Object.fromEntries(ls.flatMap((i) => i.RepoTags.map((t) => [t, i.Id] as const)).sort()), idsByName(oracle));
    for (const name of NAMES) {
      const inspect = (await balerOk(['inspect', '--json', '--store', s2, name])).stdout;
      assert.ok(inspect.includes(idsByName(oracle)[name] ?? '?'), `baler inspect ${name} names docker's image ID`);
    }

    const back = join(work, 'back-to-docker26.tar');
    await balerOk(['save', '--store', s2, '-o', back, ...NAMES]);
    assert.deepEqual(await dockerLoad(back), oracle, 'docker rmi + docker load of baler\'s re-save');
  });

  test('baler load --into docker and baler save --from docker through Docker 26\'s Engine API', { skip }, async () => {
    await d26.reset();
    const env = { DOCKER_HOST: d26.host };
    await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--into', 'docker'], { env });
    assert.deepEqual(await dockerImageFacts(d26), oracle);
    const out = join(work, 'from-docker26-api.tar');
    await balerOk(['save', '--from', 'docker', '-o', out, ...NAMES], { env });
    assert.deepEqual(await archiveFacts(out), oracle);
    assert.deepEqual(await dockerLoad(out), oracle);
  });

  /** Path -> what identifies it (regular files by content), for comparing container exports. */
  function exportListing(entries: readonly ReadEntry[]): string[] {
    return entries.map((e) => `${e.name.replace(/^\.\//, '')} ${e.type}${e.type === 'file' ? ` ${sha(e.data)}` : ''}`).sort();
  }

  test('baler reads the stopped Docker 26 data root offline: same images as docker save, its containers, ps and export', { skip }, async () => {
    assert.deepEqual(await dockerLoad(fixture('docker20-multi.tar')), oracle);
    // An image Docker 26 builds itself (its own layer and tar-split), plus a created and an exited container.
    const ctx = join(work, 'ctx');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), 'FROM imga:1\nRUN rm /hl/link && rm -rf /long && echo c >/data/c && ln /data/c /data/c2\n');
    await d26.dockerChecked(['build', '-q', '-t', 'imgc:1', ctx]);
    await d26.dockerChecked(['create', '--name', 'c1', '--network', 'none', 'imgc:1']);
    await d26.dockerChecked(['run', '--name', 'c2', '--network', 'none', 'imgb:1', '/bin/sh', '-c', 'echo z >/z; rm /b.txt']);
    const names = [...NAMES, 'imgc:1'];
    const saved = join(work, 'docker26-save-offline.tar');
    await d26.dockerChecked(['save', '-o', saved, ...names]);
    const exported = join(work, 'docker26-export-c2.tar');
    await d26.dockerChecked(['export', '-o', exported, 'c2']);
    await d26.stop();

    const from = `docker-root:${d26.dataRoot}`;
    const mine = join(work, 'baler-from-root.tar');
    await balerOk(['save', '--from', from, '-o', mine, ...names]);
    const theirs = await archiveFacts(saved);
    assert.equal(theirs.length, 5);
    assert.deepEqual(await archiveFacts(mine), theirs, 'image IDs, tags and layer digests of docker save');

    const ps = await runBaler(['ps', '--from', from]);
    assert.equal(ps.code, 0, describeRun(['ps'], ps));
    const rows = ps.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows.map((r) => `${r[1]} ${r[3]} ${r[4]}`).sort(), ['imgb:1 Exited (0) c2', 'imgc:1 Created c1']);

    const offline = join(work, 'baler-export-c2.tar');
    await balerOk(['export', '--from', from, 'c2', '-o', offline]);
    const listing = exportListing(readTar(await readFile(offline)));
    assert.deepEqual(listing, exportListing(readTar(await readFile(exported))));
    assert.ok(listing.some((l) => l.startsWith('z file ')) && !listing.some((l) => l.startsWith('b.txt ')), 'the container\'s changes');
  });
});
