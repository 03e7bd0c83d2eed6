/**
 * What may follow a gzip LAYER's last member: nothing, as in Go's gzip reader (docker, containerd, umoci
 * read layers with it and refuse anything else as "gzip: invalid header"). A layer that passes `baler
 * verify` must not fail there; so zero bytes after a member, with or without a member after them, fail
 * verify and load in one line naming the layer, under both gunzips (ISA-L and BALER_GUNZIP=zlib).
 * Members back to back (`cat a.gz b.gz`) stay a valid layer, as in Go.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode } from '../../../src/errors.js';
import { configFor, MT, sha256Hex } from '../../helpers/image-archives.js';
import { isalSkipReason } from '../../helpers/isal.js';
import { describeRun, runBaler } from '../../helpers/run-baler.js';
import { runChecked } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { writeTar } from '../../helpers/tiny-tar.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const BACKENDS = [
  ['isal', { BALER_GUNZIP: '' }],
  ['zlib', { BALER_GUNZIP: 'zlib' }],
] as const;

/** gzip -n of `data`, through the real tool (what a user's `cat a.gz b.gz` is made of). */
async function gzipOf(dir: string, name: string, data: Buffer): Promise<Buffer> {
  const file = join(dir, name);
  await writeFile(file, data);
  return (await runChecked('gzip', ['-n', '-c', file])).stdoutBytes;
}

/** An OCI layout at `dir` with one image, ref name x, whose only layer is `blob` (gzip of `tar`). */
async function writeLayout(dir: string, tar: Buffer, blob: Buffer): Promise<void> {
  const config = configFor([tar]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: `sha256:${sha256Hex(config)}`, size: config.length },
      layers: [{ mediaType: MT.ociLayerGzip, digest: `sha256:${sha256Hex(blob)}`, size: blob.length }],
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: MT.ociIndex,
    manifests: [{ mediaType: MT.ociManifest, digest: `sha256:${sha256Hex(manifest)}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'x' } }],
  };
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  for (const b of [config, manifest, blob]) await writeFile(join(dir, 'blobs', 'sha256', sha256Hex(b)), b);
}

describe('a gzip layer takes nothing after its last member, under both gunzips', { skip: isalSkipReason() }, () => {
  const layouts: Record<string, string> = {};
  let cache = '';

  before(async () => {
    const root = await tmp.make('baler-gz-layer-');
    cache = join(root, 'cache'); // a fresh diff_id cache: no pair recorded earlier may vouch for a layer
    const tar = writeTar([
      { name: 'etc', type: 'dir' },
      ...Array.from({ length: 8 }, (_, i) => ({ name: `etc/file-${i}.txt`, data: `content of file ${i}\n`.repeat(50) })),
    ]);
    const half = 512 * 5;
    const whole = await gzipOf(root, 'whole', tar);
    const first = await gzipOf(root, 'first', tar.subarray(0, half));
    const second = await gzipOf(root, 'second', tar.subarray(half));
    const other = await gzipOf(root, 'other', Buffer.from('another file on the tape\n'));
    const zeros = Buffer.alloc(512);
    const blobs: Record<string, Buffer> = {
      members: Buffer.concat([first, second]),
      zerosThenMember: Buffer.concat([whole, zeros, other]),
      zeros: Buffer.concat([whole, zeros]),
      garbage: Buffer.concat([whole, Buffer.from('garbage\n')]),
    };
    for (const [name, blob] of Object.entries(blobs)) {
      const dir = join(root, name);
      await writeLayout(dir, tar, blob);
      layouts[name] = dir;
    }
  });

  const run = (args: string[], env: NodeJS.ProcessEnv) => runBaler(args, { env: { ...env, BALER_CACHE_DIR: cache } });

  test('members back to back (cat a.gz b.gz) verify and load, as in Go', async () => {
    const dir = layouts.members!;
    for (const [, env] of BACKENDS) {
      const verify = await run(['verify', `oci:${dir}:x`], env);
      assert.equal(verify.code, 0, describeRun(['verify'], verify));
      assert.match(verify.stdout, /: OK \(1 image/);
      const store = join(await tmp.make('baler-gz-layer-store-'), 'store');
      const load = await run(['load', '-q', '--store', store, '-i', dir], env);
      assert.equal(load.code, 0, describeRun(['load'], load));
      assert.equal(load.stderr, '');
    }
  });

  for (const [name, detail] of [
    ['zerosThenMember', 'zero bytes after a member'],
    ['zeros', 'zero bytes after a member'],
    ['garbage', 'incorrect header check'],
  ] as const) {
    test(`a layer with ${name === 'garbage' ? 'garbage' : name === 'zeros' ? '512 zero bytes' : '512 zero bytes and a member'} after its member: verify and load fail in one line naming the layer`, async () => {
      const dir = layouts[name]!;
      const failure = new RegExp(`: layer 0: uncompressed content does not match rootfs\\.diff_ids \\([0-9a-f]{12}\\): corrupt gzip data \\(${detail}\\)$`);
      for (const [backend, env] of BACKENDS) {
        const verify = await run(['verify', `oci:${dir}:x`], env);
        assert.equal(verify.code, ExitCode.badInput, `${backend}: ${describeRun(['verify'], verify)}`);
        const lines = verify.stdout.split('\n').filter(Boolean);
        assert.equal(lines.length, 1, `${backend}: ${verify.stdout}`);
        assert.ok(lines[0]!.startsWith(`oci:${dir}:x: FAILED: sha256:`), lines[0]);
        assert.match(lines[0]!, failure, backend);

        const store = join(await tmp.make('baler-gz-layer-store-'), 'store');
        const load = await run(['load', '-q', '--store', store, '-i', dir], env);
        assert.equal(load.code, ExitCode.badInput, `${backend}: ${describeRun(['load'], load)}`);
        const errLines = load.stderr.split('\n').filter(Boolean);
        assert.equal(errLines.length, 1, `${backend}: ${load.stderr}`);
        assert.ok(errLines[0]!.startsWith(`baler: oci:${dir}: sha256:`), errLines[0]);
        assert.match(errLines[0]!, failure, backend);
        const ls = await run(['ls', '--json', '--store', store], env);
        assert.deepEqual(ls.code === 0 ? JSON.parse(ls.stdout) : [], [], 'nothing was loaded');
      }
    });
  }
});
