import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { reportError, runCli } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/spec.js';
import { BalerError, ExitCode } from '../../../src/errors.js';
import { sha256Of } from '../../../src/model/digest.js';
import { hostPlatform } from '../../../src/model/platform.js';
import { copyImages } from '../../../src/pipeline/copy.js';
import { parseTransportRef } from '../../../src/transports/registry.js';
import { smallLayer } from '../../helpers/image-archives.js';
import { fixture } from '../../helpers/paths.js';
import { MemorySource, makeImage, makeIndex, makeLayer } from '../pipeline/memory-transports.js';

const FIXTURE = fixture('fixture-3layers.docker20-save.tar');
const FIXTURE_ID = 'sha256:73ef00e63c597cd5ab27c28273d8894f0c0678a443bf1cec19f161c0d7cf8710';
const FIXTURE_NAME = 'fixture/layers:3';

interface FakeIo extends CliIo {
  out(): string;
  err(): string;
  outBytes(): Buffer;
}

function collector(isTTY: boolean, onWrite?: () => void): Writable & { chunks: Buffer[]; isTTY: boolean } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(Buffer.from(chunk));
      onWrite?.();
      cb();
    },
  }) as Writable & { chunks: Buffer[]; isTTY: boolean };
  w.chunks = chunks;
  w.isTTY = isTTY;
  return w;
}

function fakeIo(cwd: string, o: { signal?: AbortSignal; stdin?: Readable; onStderr?: () => void; stdoutTTY?: boolean } = {}): FakeIo {
  const stdout = collector(o.stdoutTTY ?? false);
  const stderr = collector(false, o.onStderr);
  const stdin = (o.stdin ?? Readable.from([])) as Readable & { isTTY?: boolean };
  return {
    stdout,
    stderr,
    stdin,
    env: { HOME: cwd },
    cwd,
    signal: o.signal ?? new AbortController().signal,
    out: () => Buffer.concat(stdout.chunks).toString(),
    err: () => Buffer.concat(stderr.chunks).toString(),
    outBytes: () => Buffer.concat(stdout.chunks),
  };
}

/** runCli plus main.ts's error reporting: the exit status and what the user sees. */
async function baler(args: string[], io: FakeIo): Promise<number> {
  try {
    return await runCli(args, io);
  } catch (err) {
    return reportError(err, io);
  }
}

interface JsonReport {
  images: Array<{ names: string[]; id: string; digest: string }>;
  moved: Array<{ name: string; from: string; to: string }>;
  blobsCopied: number;
  blobsSkipped: number;
  location: string;
  warnings: string[];
}

let dir = '';
const fixtureDiffIds: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baler-save-load-'));
  const manifest = JSON.parse((await tarMember(await readFile(FIXTURE), 'manifest.json')).toString()) as Array<{ Config: string }>;
  const config = JSON.parse((await tarMember(await readFile(FIXTURE), manifest[0]?.Config ?? '')).toString()) as { rootfs: { diff_ids: string[] } };
  fixtureDiffIds.push(...config.rootfs.diff_ids);
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A member of a plain ustar archive, found by walking its 512-byte headers (test-only reader). */
async function tarMember(tar: Buffer, name: string): Promise<Buffer> {
  const at = tarMemberOffset(tar, name);
  return tar.subarray(at.data, at.data + at.size);
}

function tarMemberOffset(tar: Buffer, name: string): { data: number; size: number } {
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const entry = header.subarray(0, 100).toString().replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString().replace(/\0.*$/s, '').trim() || '0', 8);
    if (entry === name) return { data: off + 512, size };
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} not in tar`);
}

async function loadJson(args: string[], cwd = dir): Promise<{ code: number; report: JsonReport; io: FakeIo }> {
  const io = fakeIo(cwd);
  const code = await baler(['load', '--json', ...args], io);
  assert.equal(code, 0, io.err());
  return { code, report: JSON.parse(io.out()) as JsonReport, io };
}

describe('baler save / load', () => {
  test('load prints docker-style lines; the store keeps the image ID and every layer by diff_id', async () => {
    const store = join(dir, 'store-a');
    const io = fakeIo(dir);
    const code = await baler(['load', '-i', FIXTURE, '--store', store], io);
    assert.equal(code, 0, io.err());
    assert.equal(io.out(), `Loaded image: ${FIXTURE_NAME}\n`);
    for (const d of fixtureDiffIds) {
      const blob = await readFile(join(store, 'blobs', 'sha256', d.slice(7)));
      assert.equal(sha256Of(blob), d);
    }
  });

  test('save then reload gives identical image IDs, names and diff_ids', async () => {
    const storeA = join(dir, 'store-rt-a');
    const storeB = join(dir, 'store-rt-b');
    const first = await loadJson(['-i', FIXTURE, '--store', storeA]);
    assert.deepEqual(first.report.images.map((i) => [i.names, i.id]), [[[FIXTURE_NAME], FIXTURE_ID]]);

    const out = join(dir, 'roundtrip.tar');
    const io = fakeIo(dir);
    assert.equal(await baler(['save', '--store', storeA, '-o', out, FIXTURE_NAME], io), 0, io.err());
    assert.equal(io.out(), '', 'nothing on stdout when -o is given');

    const second = await loadJson(['-i', out, '--store', storeB]);
    assert.deepEqual(second.report.images.map((i) => [i.names, i.id, i.digest]), first.report.images.map((i) => [i.names, i.id, i.digest]));
    const tar = await readFile(out);
    const manifest = JSON.parse((await tarMember(tar, 'manifest.json')).toString()) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    assert.deepEqual(manifest[0]?.RepoTags, [FIXTURE_NAME]);
    const config = JSON.parse((await tarMember(tar, manifest[0]?.Config ?? '')).toString()) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids, fixtureDiffIds);
    for (const [i, layer] of (manifest[0]?.Layers ?? []).entries()) assert.equal(sha256Of(await tarMember(tar, layer)), fixtureDiffIds[i]);
  });

  test('save to stdout (not a terminal) with a gzip wrapper; a terminal is refused', async () => {
    const store = join(dir, 'store-stdout');
    await loadJson(['-i', FIXTURE, '--store', store]);
    const io = fakeIo(dir);
    assert.equal(await baler(['save', '--store', store, '--compress', 'gzip', FIXTURE_NAME], io), 0, io.err());
    const tar = gunzipSync(io.outBytes());
    assert.ok(JSON.parse((await tarMember(tar, 'manifest.json')).toString()));

    const tty = fakeIo(dir, { stdoutTTY: true });
    assert.equal(await baler(['save', '--store', store, FIXTURE_NAME], tty), ExitCode.usage);
    assert.match(tty.err(), /^baler: save: cowardly refusing to write an archive to a terminal/);
  });

  test('load from stdin with --tag renames the single image; --json has the report shape', async () => {
    const store = join(dir, 'store-stdin');
    const io = fakeIo(dir, { stdin: Readable.from([await readFile(FIXTURE)]) });
    const code = await baler(['load', '--store', store, '--tag', 'renamed:9', '--json'], io);
    assert.equal(code, 0, io.err());
    const report = JSON.parse(io.out()) as JsonReport & Record<string, unknown>;
    assert.deepEqual(Object.keys(report).sort(), ['blobsCopied', 'blobsSkipped', 'bytesRead', 'bytesWritten', 'durationMs', 'images', 'location', 'moved', 'warnings']);
    assert.deepEqual(report.images, [{ names: ['renamed:9'], id: FIXTURE_ID, digest: report.images[0]?.digest }]);
    assert.equal(report.blobsCopied, 4);
    assert.equal(io.err(), '', '--json shows no progress');

    // loading the same archive again copies nothing and says which blobs were already there
    const again = await loadJson(['-i', FIXTURE, '--store', store]);
    assert.equal(again.report.blobsCopied, 0);
    assert.equal(again.report.blobsSkipped, 4);
  });

  test('a corrupted layer byte exits 5 and adds no name to the store', async () => {
    const store = join(dir, 'store-corrupt');
    const bad = join(dir, 'corrupt.tar');
    const tar = Buffer.from(await readFile(FIXTURE));
    const layer = tarMemberOffset(tar, '3cdd4dd1157845c397ae7a09d45fca719f3bf11141070a318a3f40d987643522/layer.tar');
    tar[layer.data + 600] = (tar[layer.data + 600] ?? 0) ^ 0x01;
    await writeFile(bad, tar);
    const io = fakeIo(dir);
    const code = await baler(['load', '-i', bad, '--store', store], io);
    assert.equal(code, ExitCode.integrity, io.err());
    assert.match(io.err(), /^baler: .*corrupt\.tar: fixture\/layers:3: layer 1: digest mismatch, expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}\n$/m);
    assert.equal(io.out(), '');
    const index = await readFile(join(store, 'index.json'), 'utf8').catch(() => '{"manifests":[]}');
    assert.deepEqual((JSON.parse(index) as { manifests: unknown[] }).manifests, []);
  });

  test('an interrupted save leaves no file at -o and no temp file beside it', async () => {
    const store = join(dir, 'store-abort');
    await loadJson(['-i', FIXTURE, '--store', store]);
    const outDir = await mkdtemp(join(dir, 'abort-out-'));
    const out = join(outDir, 'partial.tar');
    const controller = new AbortController();
    // the first progress line (the plan) is the moment to press Ctrl-C
    const io = fakeIo(dir, { signal: controller.signal, onStderr: () => controller.abort(new BalerError('E_CANCELLED', 'interrupted; nothing partial was left behind')) });
    const code = await baler(['save', '--store', store, '-o', out, FIXTURE_NAME], io);
    assert.equal(code, ExitCode.cancelled, io.err());
    assert.equal(existsSync(out), false);
    assert.deepEqual(await readdir(outDir), []);
  });

  test('unknown images and non-archives are reported in one line', async () => {
    const store = join(dir, 'store-errors');
    await loadJson(['-i', FIXTURE, '--store', store]);
    const io = fakeIo(dir);
    assert.equal(await baler(['save', '--store', store, '-o', join(dir, 'x.tar'), 'nope:1'], io), ExitCode.notFound);
    assert.match(io.err(), /^baler: no such image: nope:1 in store:.*store-errors\n$/);
    assert.equal(existsSync(join(dir, 'x.tar')), false);

    const junk = join(dir, 'junk.bin');
    await writeFile(junk, Buffer.alloc(4096, 0x41));
    const io2 = fakeIo(dir);
    assert.equal(await baler(['load', '-i', junk, '--store', store], io2), ExitCode.badInput);
    assert.match(io2.err(), /^baler: .*junk\.bin: not a docker-archive or OCI archive/);

    const two = fakeIo(dir);
    const multi = join(dir, 'two.tar');
    assert.equal(await baler(['save', '--store', store, '-o', multi, FIXTURE_NAME], fakeIo(dir)), 0);
    assert.equal(await baler(['load', '-i', multi, '--store', store, '--tag', 'a:1', 'nope:2'], two), ExitCode.notFound);
  });

  test('loading another manifest under a taken name says the name moved', async () => {
    const store = join(dir, 'store-moved');
    const first = await loadJson(['-i', FIXTURE, '--store', store]);
    const gz = join(dir, 'gz-layers.tar');
    assert.equal(await baler(['save', '--store', store, '--layers', 'gzip', '-o', gz, FIXTURE_NAME], fakeIo(dir)), 0);
    const io = fakeIo(dir);
    assert.equal(await baler(['load', '-i', gz, '--store', store], io), 0, io.err());
    const lines = io.out().trimEnd().split('\n');
    assert.equal(lines.length, 2);
    const m = /^The name fixture\/layers:3 moved: (sha256:[0-9a-f]{64}) -> (sha256:[0-9a-f]{64}) \(the old image is kept, without this name\)$/.exec(lines[0] ?? '');
    assert.ok(m, lines[0]);
    assert.equal(m[1], first.report.images[0]?.digest);
    assert.notEqual(m[2], m[1]);
    assert.equal(lines[1], `Loaded image: ${FIXTURE_NAME}`);
  });

  test('save --format oci writes an oci-archive that loads back to the same image ID', async () => {
    const store = join(dir, 'store-oci');
    await loadJson(['-i', FIXTURE, '--store', store]);
    const out = join(dir, 'img.oci.tar');
    const io = fakeIo(dir);
    assert.equal(await baler(['save', '--store', store, '--format', 'oci', '-o', out, FIXTURE_NAME], io), 0, io.err());
    const tar = await readFile(out);
    assert.ok(JSON.parse((await tarMember(tar, 'index.json')).toString()));
    assert.throws(() => tarMemberOffset(tar, 'manifest.json'));
    const back = await loadJson(['-i', out, '--store', join(dir, 'store-oci-b')]);
    assert.deepEqual(back.report.images.map((i) => [i.names, i.id]), [[[FIXTURE_NAME], FIXTURE_ID]]);
  });

  test('a multi-platform index: the store and a docker-archive keep it whole, --platform picks one', { skip: hostPlatform().architecture !== 'amd64' && 'needs an amd64 host' }, async () => {
    const amd = makeImage([makeLayer(smallLayer('amd'))], { arch: 'amd64' });
    const arm = makeImage([makeLayer(smallLayer('arm'))], { arch: 'arm64' });
    const index = makeIndex([
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    const layout = join(dir, 'multi-layout');
    const sink = await parseTransportRef(`oci:${layout}`, { storePath: join(dir, 'unused'), cwd: dir }).openSink();
    try {
      await copyImages({ from: new MemorySource().addIndex(index, [amd, arm], ['multi:1']), to: sink, select: { kind: 'all' } });
    } finally {
      await sink[Symbol.asyncDispose]();
    }
    const store = join(dir, 'store-multi');
    const loaded = await loadJson(['-i', layout, '--store', store]);
    assert.deepEqual(loaded.report.images, [{ names: ['multi:1'], id: index.descriptor.digest, digest: index.descriptor.digest }]);

    const savedAs = async (platform: string[]): Promise<string | undefined> => {
      const out = join(dir, `multi-${platform.join('') || 'host'}.tar`.replace(/\//g, '_'));
      const io = fakeIo(dir);
      assert.equal(await baler(['save', '--store', store, ...platform, '-o', out, 'multi:1'], io), 0, io.err());
      return (await loadJson(['-i', out, '--store', join(dir, `store-${platform.join('') || 'host'}`.replace(/\//g, '_'))])).report.images[0]?.id;
    };
    assert.equal(await savedAs([]), index.descriptor.digest, 'the docker-archive names the index in index.json');
    assert.equal(await savedAs(['--platform', 'linux/arm64']), arm.configDigest);

    const io = fakeIo(dir);
    assert.equal(await baler(['save', '--store', store, '--platform', 'linux/s390x', '-o', join(dir, 'none.tar'), 'multi:1'], io), ExitCode.notFound);
    assert.match(io.err(), /^baler: store:.*: multi:1: no manifest for platform linux\/s390x; available: linux\/amd64, linux\/arm64\n$/);
  });
});
