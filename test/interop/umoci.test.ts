/**
 * umoci unpacks baler's OCI layout into a runtime bundle, applying whiteouts, the opaque marker, hard links,
 * long and non-ASCII names exactly as the fixtures' builders meant. umoci 0.4 rejects zstd layers (formats.md §2.6),
 * so only uncompressed and gzip layouts are unpacked here.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fixture } from '../helpers/paths.js';
import { runChecked } from '../helpers/run-process.js';
import { balerOk } from '../helpers/run-baler.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { isRoot, skipUnlessTools } from '../helpers/tools.js';

const skip = skipUnlessTools('umoci') || (isRoot() ? false : 'umoci unpack without --rootless needs root');
const tmp = new TempDirs();
after(() => tmp.removeAll());

const longDir = 'd'.repeat(110);

async function unpack(layout: string, tag: string, dir: string): Promise<string> {
  const bundle = join(dir, `bundle-${tag.replace(/[^a-z0-9]/g, '_')}`);
  await runChecked('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  return join(bundle, 'rootfs');
}

test('umoci unpacks baler load --into oci:DIR (uncompressed layers) with whiteouts, links and long names applied', { skip }, async () => {
  const dir = await tmp.make('baler-interop-umoci-');
  const layout = join(dir, 'layout');
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--into', `oci:${layout}`]);

  const a = await unpack(layout, 'imga:1', dir);
  assert.equal(readFileSync(join(a, 'data/new'), 'utf8'), 'new\n');
  assert.equal(existsSync(join(a, 'data/one')), false, 'whiteout data/.wh.one applied');
  assert.equal(existsSync(join(a, 'data/sub')), false, 'whiteout data/.wh.sub applied');
  assert.equal(existsSync(join(a, 'etc/motd')), false, 'whiteout etc/.wh.motd applied');
  assert.equal(statSync(join(a, 'hl/link')).ino, statSync(join(a, 'hl/orig')).ino, 'hard link kept');
  assert.equal(readFileSync(join(a, 'long', longDir, 'file-with-a-long-path.txt'), 'utf8'), 'long\n');
  assert.equal(readFileSync(join(a, 'utf8', 'grüße-日本語-ñ.txt'), 'utf8'), 'grüße\n');
  assert.ok(statSync(join(a, 'bin/busybox')).size > 100_000);

  const o = await unpack(layout, 'imgo:1', dir);
  assert.equal(readFileSync(join(o, 'data/new'), 'utf8'), 'new\n');
  assert.equal(existsSync(join(o, 'data/one')), false, 'opaque marker hid data/one');
  assert.equal(existsSync(join(o, 'data/sub')), false, 'opaque marker hid data/sub');

  const b = await unpack(layout, 'imgb:latest', dir);
  assert.equal(readFileSync(join(b, 'b.txt'), 'utf8'), 'b\n');
  assert.equal(readFileSync(join(b, 'etc/motd'), 'utf8'), 'baler fixture base\n');
});

test('umoci unpacks baler load --into oci:DIR of a gzip oci-archive', { skip }, async () => {
  const dir = await tmp.make('baler-interop-umoci-gz-');
  const layout = join(dir, 'layout');
  await balerOk(['load', '-i', fixture('skopeo-gzip.oci-archive.tar'), '--into', `oci:${layout}`]);
  const a = await unpack(layout, 'imga:1', dir);
  assert.equal(readFileSync(join(a, 'data/new'), 'utf8'), 'new\n');
  assert.equal(existsSync(join(a, 'etc/motd')), false);
});

test('umoci unpacks an OCI layout baler wrote with gzip layers (save --format oci-dir --layers gzip)', { skip }, async () => {
  const dir = await tmp.make('baler-interop-umoci-save-');
  const store = join(dir, 'store');
  const layout = join(dir, 'layout');
  await balerOk(['load', '-i', fixture('docker20-multi.tar'), '--store', store]);
  await balerOk(['save', '--format', 'oci-dir', '--layers', 'gzip', '-o', layout, '--store', store, 'imga:1', 'imgo:1']);
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(readFileSync(join(layout, 'blobs', ...(index.manifests[0]?.digest ?? '').split(':')), 'utf8')) as { layers: Array<{ mediaType: string }> };
  assert.ok(manifest.layers.every((l) => l.mediaType.endsWith('+gzip')), `layers are gzip: ${manifest.layers.map((l) => l.mediaType).join(', ')}`);
  const a = await unpack(layout, 'imga:1', dir);
  assert.equal(readFileSync(join(a, 'data/new'), 'utf8'), 'new\n');
  assert.equal(statSync(join(a, 'hl/link')).ino, statSync(join(a, 'hl/orig')).ino, 'hard link kept');
  const o = await unpack(layout, 'imgo:1', dir);
  assert.equal(existsSync(join(o, 'data/one')), false, 'opaque marker applied');
});
