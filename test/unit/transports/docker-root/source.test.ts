import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { BalerError } from '../../../../src/errors.js';
import { isVouchedFor } from '../../../../src/io/hashing.js';
import type { Descriptor } from '../../../../src/model/descriptor.js';
import { familiarName } from '../../../../src/model/image-name.js';
import { dockerRootTransport } from '../../../../src/transports/docker-root/transport.js';
import { openDockerRootSource } from '../../../../src/transports/docker-root/source.js';
import { readTar } from '../../../helpers/tiny-tar.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { buildVfsRoot, type FixtureImage } from './store-fixture.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

async function bytesOf(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const BASE: FixtureImage = {
  names: ['base:1'],
  layers: [
    {
      entries: [
        { name: 'etc/', type: 'dir' },
        { name: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' },
        { name: 'etc/shadow', type: 'symlink', linkname: '/etc/shadow' },
        { name: 'bin/', type: 'dir' },
        { name: 'bin/busybox', data: Buffer.alloc(70_000, 0x42), mode: 0o4755 },
        { name: 'bin/sh', type: 'hardlink', linkname: 'bin/busybox' },
        { name: `deep/${'d'.repeat(120)}/caf\u00e9-\u00fcber.txt`, data: 'long and non-ASCII\n' },
      ],
    },
  ],
};
const APP: FixtureImage = {
  names: ['app:1', 'app:latest'],
  layers: [...BASE.layers, { entries: [{ name: 'app/', type: 'dir' }, { name: 'app/run', data: 'echo hi\n' }, { name: 'etc/.wh.passwd' }] }],
};

async function store(images: FixtureImage[]): Promise<{ root: string; built: Awaited<ReturnType<typeof buildVfsRoot>> }> {
  const root = await tmp.make('baler-docker-root-');
  return { root, built: await buildVfsRoot(root, images) };
}

test('lists named images with IDs and created time; layers regenerate byte for byte', async () => {
  const { root, built } = await store([BASE, APP]);
  await using src = await dockerRootTransport.parse(`docker-root:${root}`).openSource();
  const entries = await src.list();
  const names = entries.map((e) => e.names.map(familiarName).sort().join(',')).sort();
  assert.deepEqual(names, ['app:1,app:latest', 'base:1']);
  for (const [i, e] of entries.entries()) {
    assert.equal(e.created, '2026-11-23T07:48:40.081578862Z');
    const manifest = JSON.parse(Buffer.from(await src.fetchManifest(e.descriptor)).toString()) as { config: Descriptor; layers: Descriptor[]; mediaType: string };
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const want = built.find((b) => b.id === manifest.config.digest);
    assert.ok(want, `entry ${i}: config digest is a stored image ID`);
    assert.deepEqual(await bytesOf(await src.fetchBlob(manifest.config)), want.config);
    assert.deepEqual(manifest.layers.map((l) => l.digest), want.diffIds);
    for (const [n, l] of manifest.layers.entries()) {
      assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar');
      const tar = await bytesOf(await src.fetchBlob(l));
      assert.equal(l.size, tar.length, 'size computed from tar-split equals the bytes served');
      assert.deepEqual(tar, want.layerTars[n]);
      assert.equal(sha(tar), want.diffIds[n]);
    }
  }
});

test('a symlink to /etc/shadow is archived as a link, never followed', async () => {
  const { root, built } = await store([BASE]);
  await using src = await openDockerRootSource(dockerRootTransport.parse(`docker-root:${root}`));
  await src.list();
  const tar = await bytesOf(await src.fetchBlob({ mediaType: 'x', digest: built[0]!.diffIds[0] as Descriptor['digest'], size: 0 }));
  const shadow = readTar(tar).find((e) => e.name === 'etc/shadow');
  assert.deepEqual(shadow && { type: shadow.type, linkname: shadow.linkname, data: shadow.data.length }, { type: 'symlink', linkname: '/etc/shadow', data: 0 });
});

test('docker-root:DIR:IMAGE selects by name or short ID; unknown image is E_NOT_FOUND', async () => {
  const { root, built } = await store([BASE, APP]);
  await using byName = await dockerRootTransport.parse(`docker-root:${root}:app`).openSource();
  assert.deepEqual((await byName.list()).map((e) => e.names.map(familiarName).sort()), [['app:1', 'app:latest']]);
  await using byId = await dockerRootTransport.parse(`docker-root:${root}:${built[0]!.id.slice(7, 19)}`).openSource();
  assert.deepEqual((await byId.list()).map((e) => e.names.map(familiarName)), [['base:1']]);
  await using none = await dockerRootTransport.parse(`docker-root:${root}:nope:1`).openSource();
  await assert.rejects(none.list(), (e: unknown) => e instanceof BalerError && e.code === 'E_NOT_FOUND' && e.message.includes('"nope:1"'));
});

test('unsupported storage driver and non-Docker dirs are one-line errors', async () => {
  const root = await tmp.make('baler-docker-root-');
  await mkdir(join(root, 'image', 'btrfs'), { recursive: true });
  await assert.rejects(dockerRootTransport.parse(`docker-root:${root}`).openSource(), (e: unknown) =>
    e instanceof BalerError && e.code === 'E_UNSUPPORTED' && e.message.includes('storage driver btrfs is not supported yet'),
  );
  const empty = await tmp.make('baler-docker-root-');
  await assert.rejects(dockerRootTransport.parse(`docker-root:${empty}`).openSource(), (e: unknown) => e instanceof BalerError && e.code === 'E_NOT_FOUND');
  await mkdir(join(empty, 'containerd'));
  await assert.rejects(dockerRootTransport.parse(`docker-root:${empty}`).openSource(), (e: unknown) =>
    e instanceof BalerError && e.code === 'E_UNSUPPORTED' && e.message.includes('containerd image store'),
  );
  await assert.rejects(dockerRootTransport.parse(`docker-root:${root}`).openSink(), (e: unknown) => e instanceof BalerError && e.code === 'E_UNSUPPORTED');
});

test('a data root of the containerd image store says where the images are instead of reading nothing', async () => {
  const managed = await tmp.make('baler-docker-root-');
  const content = join(managed, 'containerd', 'daemon', 'io.containerd.content.v1.content');
  await mkdir(join(content, 'blobs', 'sha256'), { recursive: true });
  const system = await tmp.make('baler-docker-root-');
  await writeFile(join(system, 'engine-id'), 'a70c1c15-5446-4b9c-baa0-1886b4dc3711');
  await mkdir(join(system, 'containers'));
  for (const [root, where] of [[managed, content], [system, '/var/lib/containerd']] as const) {
    await assert.rejects(dockerRootTransport.parse(`docker-root:${root}:imga:1`).openSource(), (e: unknown) => {
      assert.ok(e instanceof BalerError && e.code === 'E_UNSUPPORTED', String(e));
      assert.ok(e.message.startsWith(`${root}: this Docker uses the containerd image store`), e.message);
      assert.ok(e.message.includes("images are in containerd's content store (") && e.message.includes(where), e.message);
      assert.ok(e.message.includes('--from docker') && !e.message.includes('\n'), e.message);
      return true;
    });
  }
});

test('a file changed after Docker stored it fails the layer stream naming the file (CRC-64 mismatch)', async () => {
  const { root, built } = await store([BASE]);
  await writeFile(join(built[0]!.layerDirs[0]!, 'etc/passwd'), 'root:x:0:0::/root:/bin/XX\n'); // same size
  await using src = await dockerRootTransport.parse(`docker-root:${root}`).openSource();
  const [e] = await src.list();
  const m = JSON.parse(Buffer.from(await src.fetchManifest(e!.descriptor)).toString()) as { layers: Descriptor[] };
  await assert.rejects(bytesOf(await src.fetchBlob(m.layers[0]!)), (err: unknown) =>
    err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH' && err.message.includes('etc/passwd') && err.message.includes('CRC-64'),
  );
});

test('a layer mixing a file over 1 MiB with many small files (read ahead) regenerates exactly; a change in the big one is named', async () => {
  const big = Buffer.alloc(1024 * 1024 + 4099);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const small = Array.from({ length: 150 }, (_, i) => ({ name: `s/${i}`, data: `file ${i}\n`.repeat(i) }));
  const MIXED: FixtureImage = { names: ['mixed:1'], layers: [{ entries: [{ name: 's/', type: 'dir' }, ...small.slice(0, 70), { name: 'big.bin', data: big }, ...small.slice(70)] }] };
  const { root, built } = await store([MIXED]);
  await using src = await dockerRootTransport.parse(`docker-root:${root}`).openSource();
  const [e] = await src.list();
  const m = JSON.parse(Buffer.from(await src.fetchManifest(e!.descriptor)).toString()) as { layers: Descriptor[] };
  const blob = (): Promise<Readable> => src.fetchBlob(m.layers[0]!);
  const tar = await bytesOf(await blob());
  assert.deepEqual(tar, built[0]!.layerTars[0]);
  assert.equal(sha(tar), built[0]!.diffIds[0]);
  big.writeUInt8(big.readUInt8(big.length - 1) ^ 1, big.length - 1); // same size, last byte differs
  await writeFile(join(built[0]!.layerDirs[0]!, 'big.bin'), big);
  await assert.rejects(bytesOf(await blob()), (err: unknown) => err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH' && err.message.includes('big.bin'));
});

test('a layer over 4 MiB (hashed on the worker thread) is served vouched for its diff_id; a changed small file in it is still named', async () => {
  const big = Buffer.alloc(5 * 1024 * 1024 + 77);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const small = Array.from({ length: 40 }, (_, i) => ({ name: `s/${i}`, data: `file ${i}\n`.repeat(i + 1) }));
  const LARGE: FixtureImage = { names: ['large:1'], layers: [{ entries: [{ name: 's/', type: 'dir' }, ...small.slice(0, 20), { name: 'big.bin', data: big }, ...small.slice(20)] }] };
  const { root, built } = await store([LARGE]);
  await using src = await dockerRootTransport.parse(`docker-root:${root}`).openSource();
  const [e] = await src.list();
  const m = JSON.parse(Buffer.from(await src.fetchManifest(e!.descriptor)).toString()) as { layers: Descriptor[] };
  const layer = m.layers[0]!;
  const first = await src.fetchBlob(layer);
  assert.ok(isVouchedFor(first, built[0]!.diffIds[0] as Descriptor['digest'], layer.size), 'the pipeline need not hash it again');
  assert.deepEqual(await bytesOf(first), built[0]!.layerTars[0]);
  await writeFile(join(built[0]!.layerDirs[0]!, 's/30'), `file 30\n`.repeat(31).replace('0', 'X')); // same size
  await assert.rejects(bytesOf(await src.fetchBlob(layer)), (err: unknown) =>
    err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH' && err.message.includes('s/30') && err.message.includes('CRC-64'),
  );
});

test('deepCheck, a missing/resized file or a missing/damaged tar-split rebuilds the layer from the directory, warns and re-identifies the image', async () => {
  for (const damage of ['crc', 'size', 'no-tar-split', 'bad-tar-split'] as const) {
    const { root, built } = await store([BASE]);
    const dir = built[0]!.layerDirs[0]!;
    if (damage === 'crc') await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0::/root:/bin/XX\n');
    if (damage === 'size') await writeFile(join(dir, 'etc/passwd'), 'root:x:0:0::/root:/bin/bash\n');
    if (damage === 'no-tar-split') await rm(join(root, 'image/vfs/layerdb/sha256', built[0]!.chainIds[0]!.slice(7), 'tar-split.json.gz'));
    if (damage === 'bad-tar-split') await writeFile(join(root, 'image/vfs/layerdb/sha256', built[0]!.chainIds[0]!.slice(7), 'tar-split.json.gz'), 'not gzip');
    const warnings: string[] = [];
    await using src = await openDockerRootSource(dockerRootTransport.parse(`docker-root:${root}`), {
      deepCheck: damage === 'crc',
      onWarning: (_code, msg) => warnings.push(msg),
    });
    const [e] = await src.list();
    const m = JSON.parse(Buffer.from(await src.fetchManifest(e!.descriptor)).toString()) as { config: Descriptor; layers: Descriptor[] };
    assert.notEqual(m.config.digest, built[0]!.id, `${damage}: new image ID`);
    const config = await bytesOf(await src.fetchBlob(m.config));
    assert.equal(sha(config), m.config.digest);
    const tar = await bytesOf(await src.fetchBlob(m.layers[0]!));
    assert.equal(sha(tar), m.layers[0]!.digest);
    assert.equal(tar.length, m.layers[0]!.size);
    assert.deepEqual((JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids, [m.layers[0]!.digest]);
    const listing = readTar(tar);
    const passwd = listing.find((x) => x.name === 'etc/passwd');
    assert.ok(passwd && passwd.data.toString().startsWith('root:x:0:0::/root:/bin/'), `${damage}: rebuilt layer has the file`);
    assert.equal(listing.find((x) => x.name === 'etc/shadow')?.type, 'symlink');
    assert.equal(listing.find((x) => x.name === 'bin/sh')?.type, 'hardlink');
    assert.ok(warnings.some((w) => w.includes('rebuilt it from')), `${damage}: warns about the rebuild: ${warnings.join(' | ')}`);
    assert.ok(warnings.some((w) => w.includes(`was ${built[0]!.id}`)), `${damage}: tells the new image ID`);
  }
});

test('a tar-split entry whose file was replaced by a symlink is never followed', async () => {
  const { root, built } = await store([BASE]);
  const dir = built[0]!.layerDirs[0]!;
  await rename(join(dir, 'etc/passwd'), join(dir, 'etc/passwd.orig'));
  await symlink('/etc/hostname', join(dir, 'etc/passwd'));
  await using src = await openDockerRootSource(dockerRootTransport.parse(`docker-root:${root}`));
  const [e] = await src.list();
  const m = JSON.parse(Buffer.from(await src.fetchManifest(e!.descriptor)).toString()) as { layers: Descriptor[] };
  const tar = await bytesOf(await src.fetchBlob(m.layers[0]!));
  const passwd = readTar(tar).find((x) => x.name === 'etc/passwd');
  assert.equal(passwd?.type, 'symlink');
  assert.equal(passwd?.linkname, '/etc/hostname');
});

test('a tar-split name that climbs out of the layer dir is refused with E_PATH_ESCAPE', async () => {
  const { root, built } = await store([BASE]);
  const ts = join(root, 'image/vfs/layerdb/sha256', built[0]!.chainIds[0]!.slice(7), 'tar-split.json.gz');
  const crc = Buffer.alloc(8).toString('base64');
  await writeFile(ts, gzipSync(`{"type":1,"name":"../../../../etc/hostname","size":3,"payload":"${crc}","position":0}\n`));
  await using src = await dockerRootTransport.parse(`docker-root:${root}`).openSource();
  await assert.rejects(src.list(), (e: unknown) => e instanceof BalerError && e.code === 'E_PATH_ESCAPE' && e.message.includes('../../../../etc/hostname'));
});

test('a parent directory replaced by a symlink out of the layer is never followed: the layer is rebuilt instead', async () => {
  const { root, built } = await store([BASE]);
  const dir = built[0]!.layerDirs[0]!;
  await rm(join(dir, 'etc'), { recursive: true });
  const outside = await tmp.make('baler-outside-');
  await writeFile(join(outside, 'passwd'), 'root:x:0:0::/root:/bin/sh\n'); // same size as the real one
  await symlink(outside, join(dir, 'etc'));
  const warnings: string[] = [];
  await using src = await dockerRootTransport.parse(`docker-root:${root}`).openSource({ onWarning: (_c, m) => warnings.push(m) });
  const [e] = await src.list();
  const m = JSON.parse(Buffer.from(await src.fetchManifest(e!.descriptor)).toString()) as { layers: Descriptor[] };
  assert.notEqual(m.layers[0]!.digest, built[0]!.diffIds[0]);
  const listing = readTar(await bytesOf(await src.fetchBlob(m.layers[0]!)));
  assert.deepEqual(listing.filter((x) => x.name.startsWith('etc')).map((x) => `${x.name} ${x.type} ${x.linkname}`), [`etc symlink ${outside}`]);
  assert.ok(warnings.some((w) => w.includes('symlink is never followed')), warnings.join(' | '));
});

test('listing a whole root skips an image whose layer is gone (with a warning); naming it is an error', async () => {
  const { root, built } = await store([BASE, APP]);
  // APP's second layer disappears from the layer database
  await rm(join(root, 'image/vfs/layerdb/sha256', built[1]!.chainIds[1]!.slice(7)), { recursive: true });
  const warnings: string[] = [];
  await using all = await dockerRootTransport.parse(`docker-root:${root}`).openSource({ onWarning: (_c, m) => warnings.push(m) });
  assert.deepEqual((await all.list()).map((e) => e.names.map(familiarName).join(',')), ['base:1']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`^skipped image ${built[1]!.id} \\(app:1, app:latest\\): .*missing from the layer database`));
  await using named = await dockerRootTransport.parse(`docker-root:${root}:app:1`).openSource();
  await assert.rejects(named.list(), (e: unknown) => e instanceof BalerError && e.code === 'E_NOT_FOUND');
});
