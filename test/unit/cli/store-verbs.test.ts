import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { hexOf, shortId } from '../../../src/model/digest.js';
import { parseImageName } from '../../../src/model/image-name.js';
import { reportError, runCli } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/spec.js';
import { openStore } from '../../../src/store/store.js';
import { putImage, testImage, testIndex, type TestImage } from '../store/fixture-images.js';

let root: string;
let storePath: string;
let fixture: TestImage; // fixture/layers:3, the real docker-saved config
let imga: TestImage; // imga:1 and imga:latest
let unnamed: TestImage;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'baler-cli-store-'));
  storePath = join(root, 'store');
  const store = await openStore(storePath);
  fixture = testImage(0);
  imga = testImage(1, '2020-01-02T03:04:05Z');
  unnamed = testImage(2, '2019-06-01T00:00:00Z');
  const w = store.writer();
  await putImage(w, fixture, parseImageName('fixture/layers:3'));
  await putImage(w, imga, parseImageName('imga:1'));
  w.addImage({ descriptor: imga.manifest.descriptor, name: parseImageName('imga:latest') });
  await putImage(w, unnamed);
  await w.commit();
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function baler(...args: string[]): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env: { BALER_STORE: storePath, HOME: root }, cwd: root, signal: new AbortController().signal };
  let code: number;
  try {
    code = await runCli(args, io);
  } catch (e) {
    code = reportError(e, io);
  }
  return { code, stdout: out, stderr: err };
}

/** docker's size format, computed independently of render/units.ts: 3 significant digits, kB. */
function kB(bytes: number): string {
  return bytes < 1000 ? `${bytes}B` : `${Number((bytes / 1000).toPrecision(3))}kB`;
}

function sizeOf(img: TestImage): number {
  return img.manifest.bytes.length + img.config.bytes.length + 20480 + 20480 + 10240;
}

function years(iso: string): string {
  return `${Math.floor((Date.now() - Date.parse(iso)) / (365 * 24 * 3600 * 1000))} years ago`;
}

describe('store verbs through runCli', () => {
  test('ls lists one row per name, unnamed images as <none>, newest first', async () => {
    const r = await baler('ls');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/));
    assert.deepEqual(lines, [
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
      ['fixture/layers', '3', '73ef00e63c59', years('2023-11-14T22:13:20Z'), kB(sizeOf(fixture))],
      ['imga', '1', hexOf(imga.id).slice(0, 12), years('2020-01-02T03:04:05Z'), kB(sizeOf(imga))],
      ['imga', 'latest', hexOf(imga.id).slice(0, 12), years('2020-01-02T03:04:05Z'), kB(sizeOf(imga))],
      ['<none>', '<none>', hexOf(unnamed.id).slice(0, 12), years('2019-06-01T00:00:00Z'), kB(sizeOf(unnamed))],
    ]);
  });

  test('ls filters with globs over familiar names and repositories', async () => {
    const tags = async (...p: string[]): Promise<string[]> =>
      (await baler('ls', ...p)).stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s{3,}/).slice(0, 2).join(':'));
    assert.deepEqual(await tags('imga:*'), ['imga:1', 'imga:latest']);
    assert.deepEqual(await tags('imga'), ['imga:1', 'imga:latest']);
    assert.deepEqual(await tags('fixture/*'), ['fixture/layers:3']);
    assert.deepEqual(await tags('docker.io/library/imga:1'), ['imga:1']);
    assert.deepEqual(await tags('nothing*'), []);
  });

  test('ls -q prints each image ID once; --json carries full IDs and names', async () => {
    const q = await baler('ls', '-q');
    assert.deepEqual(q.stdout.split('\n').filter(Boolean), [fixture.id, imga.id, unnamed.id].map(shortId));
    const j = JSON.parse((await baler('ls', '--json')).stdout) as { Id: string; RepoTags: string[]; Size: number }[];
    assert.deepEqual(
      j.map((x) => [x.Id, x.RepoTags, x.Size]),
      [
        [fixture.id, ['fixture/layers:3'], sizeOf(fixture)],
        [imga.id, ['imga:1', 'imga:latest'], sizeOf(imga)],
        [unnamed.id, [], sizeOf(unnamed)],
      ],
    );
  });

  test('history shows docker-style steps, newest first, empty layers included', async () => {
    const r = await baler('history', 'fixture/layers:3');
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/));
    const when = years('2023-11-14T22:13:20Z');
    assert.deepEqual(rows, [
      ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      ['73ef00e63c59', when, 'fixture L3', '10.2kB'],
      ['<missing>', when, 'noop', '0B'],
      ['<missing>', when, 'fixture L2', '20.5kB'],
      ['<missing>', when, 'fixture L1', '20.5kB'],
    ]);
    const full = await baler('history', '--no-trunc', '73ef00e6');
    assert.ok(full.stdout.split('\n')[1]?.startsWith(`${fixture.id}   `));
  });

  test('inspect --json prints docker inspect fields; text mode shows config and layers', async () => {
    const r = await baler('inspect', '--json', 'imga');
    assert.equal(r.code, 0, r.stderr);
    const [doc] = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(doc?.Id, imga.id);
    assert.deepEqual(doc?.RepoTags, ['imga:1', 'imga:latest']);
    assert.deepEqual(doc?.RepoDigests, [`imga@${imga.manifest.descriptor.digest}`]);
    assert.equal(doc?.Created, '2020-01-02T03:04:05Z');
    assert.equal(doc?.Architecture, 'amd64');
    assert.equal(doc?.Os, 'linux');
    assert.deepEqual((doc?.Config as { Cmd: string[] }).Cmd, ['/bin/tool']);
    assert.equal((doc?.RootFS as { Layers: string[] }).Layers.length, 3);
    assert.equal((doc?.Manifest as { Digest: string }).Digest, imga.manifest.descriptor.digest);
    const t = await baler('inspect', 'fixture/layers:3');
    assert.match(t.stdout, /^Names:\s+fixture\/layers:3$/m);
    assert.match(t.stdout, /^ID:\s+sha256:73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710$/m);
    assert.match(t.stdout, /^ {2}Cmd:\s+"\/bin\/tool"$/m);
    assert.match(t.stdout, /^ {2}Label:\s+fixture=layers3$/m);
    assert.match(t.stdout, /^Layers \(3\):$/m);
  });

  test('unknown images exit 3 with "no such image"; bad usage exits 2', async () => {
    const r = await baler('inspect', 'nope:1');
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'baler: no such image: nope:1\n');
    const u = await baler('tag', 'imga:1');
    assert.equal(u.code, 2);
    assert.match(u.stderr, /^baler: tag: missing TARGET/);
  });

  test('tag adds a name; moving a name keeps the old image unnamed', async () => {
    assert.equal((await baler('tag', 'imga:1', 'moved:1')).code, 0);
    const before = await baler('ls', 'moved');
    assert.match(before.stdout, new RegExp(`^moved\\s+1\\s+${hexOf(imga.id).slice(0, 12)}`, 'm'));
    const t = await baler('tag', shortId(fixture.id), 'moved:1');
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /moved:1 moved from sha256:/);
    const after = await baler('ls', 'moved');
    assert.match(after.stdout, /^moved\s+1\s+73ef00e63c59/m);
    assert.equal((await baler('rm', 'moved:1')).stdout, 'Untagged: moved:1\n');
  });

  test('rm by ID needs -f when several names point at the image, then prune frees its blobs', async () => {
    const conflict = await baler('rm', hexOf(imga.id).slice(0, 8));
    assert.equal(conflict.code, 7);
    assert.match(conflict.stderr, /^baler: unable to delete [0-9a-f]{8} \(must be forced\): image is referenced by 2 names \(imga:1, imga:latest\)/);
    const forced = await baler('rm', '-f', hexOf(imga.id).slice(0, 8));
    assert.equal(forced.stdout, `Untagged: imga:1\nUntagged: imga:latest\nDeleted: ${imga.id}\n`);
    const dry = await baler('prune', '--dry-run');
    assert.equal(dry.stdout, [`Would delete: ${imga.config.descriptor.digest} (${kB(imga.config.bytes.length)})`, `Would delete: ${imga.manifest.descriptor.digest} (${kB(imga.manifest.bytes.length)})`].sort().join('\n') + `\nWould reclaim: ${kB(imga.config.bytes.length + imga.manifest.bytes.length)} (2 files)\n`);
    const real = await baler('prune');
    assert.match(real.stdout, new RegExp(`^Total reclaimed space: ${kB(imga.config.bytes.length + imga.manifest.bytes.length).replace('.', '\\.')} \\(2 files\\)$`, 'm'));
    assert.equal((await baler('prune')).stdout, 'Total reclaimed space: 0B (0 files)\n');
    assert.equal((await baler('inspect', 'imga')).code, 3);
  });

  test('fsck is clean, then reports a corrupted layer and exits 5', async () => {
    const ok = await baler('fsck');
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /: OK \(2 images, 7 blobs, /);
    const file = join(storePath, 'blobs', 'sha256', hexOf(fixture.layers[2]!.descriptor.digest));
    const bytes = await readFile(file);
    await writeFile(file, Buffer.concat([bytes.subarray(0, 1000), Buffer.from('X'), bytes.subarray(1001)]));
    const bad = await baler('fsck');
    assert.equal(bad.code, 5);
    const lines = bad.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^blob ${fixture.layers[2]!.descriptor.digest}: content hashes to sha256:[0-9a-f]{64} \\(corrupt\\)$`));
    assert.match(lines[1]!, /: 1 problem \(2 images, 7 blobs, /);
    const j = JSON.parse((await baler('fsck', '--json')).stdout) as { Ok: boolean; Problems: unknown[] };
    assert.equal(j.Ok, false);
    assert.equal(j.Problems.length, 1);
    await writeFile(file, bytes);
  });

  test('a multi-platform image is one row with its platforms; history and inspect pick the host platform', async () => {
    const multiStore = join(root, 'multi');
    const store = await openStore(multiStore);
    const amd = testImage(21, '2021-01-01T00:00:00Z');
    const arm = testImage(22, '2021-01-01T00:00:00Z');
    const index = testIndex([
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    const w = store.writer();
    await putImage(w, amd);
    await putImage(w, arm);
    await w.putManifest(index.bytes, index.descriptor);
    await w.dispose();
    const w2 = store.writer();
    await w2.putManifest(index.bytes, index.descriptor);
    w2.addImage({ descriptor: index.descriptor, name: parseImageName('multi:1') });
    await w2.commit();
    const r = await baler('ls', '--store', multiStore);
    assert.deepEqual(
      r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{3,}/)),
      [
        ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'PLATFORMS'],
        ['multi', '1', hexOf(index.descriptor.digest).slice(0, 12), years('2021-01-01T00:00:00Z'), kB(index.bytes.length + sizeOf(amd) + sizeOf(arm) - 51200), 'linux/amd64,linux/arm64/v8'],
      ],
    );
    const host = process.arch === 'arm64' ? arm : amd;
    const h = await baler('history', '--store', multiStore, 'multi:1');
    assert.equal(h.stdout.split('\n')[1]?.split(/\s{3,}/)[0], shortId(host.id));
    const [doc] = JSON.parse((await baler('inspect', '--json', '--store', multiStore, 'multi:1')).stdout) as { Id: string; Index: { Platforms: string[] } }[];
    assert.equal(doc?.Id, host.id);
    assert.deepEqual(doc?.Index.Platforms, ['linux/amd64', 'linux/arm64/v8']);
    assert.deepEqual((await baler('fsck', '--store', multiStore)).code, 0);
  });

  test('fsck of a missing store exits 3 naming it, as every verb does', async () => {
    const r = await baler('fsck', '--store', join(root, 'elsewhere'));
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `baler: no image store at ${join(root, 'elsewhere')}\n`);
  });
});
