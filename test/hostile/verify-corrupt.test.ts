import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ExitCode } from '../../src/errors.js';
import { balerInProcess } from '../helpers/cli-in-process.js';
import { writeInput } from '../helpers/hostile.js';
import { fixture } from '../helpers/paths.js';
import { TempDirs } from '../helpers/temp-dirs.js';
import { readTar, writeTar, type ReadEntry, type TinyEntry } from '../helpers/tiny-tar.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

function rebuild(entries: readonly ReadEntry[]): TinyEntry[] {
  return entries.map((e) => (e.type === 'other' ? { name: e.name, data: e.data } : { name: e.name, type: e.type, data: e.data, ...(e.linkname ? { linkname: e.linkname } : {}) }));
}

/** verify FILE must fail with `exit` and a one-line "FILE: FAILED: …" report matching `problem`. */
async function assertVerifyFails(file: string, exit: number, problem: RegExp): Promise<void> {
  const dir = await tmp.make('baler-verify-bad-');
  const r = await balerInProcess(['verify', file], dir);
  assert.equal(r.code, exit, r.stdout + r.stderr);
  const failed = r.stdout.split('\n').filter((l) => l.includes('FAILED'));
  assert.equal(failed.length, 1, r.stdout);
  assert.match(failed[0] as string, problem);
  assert.ok((failed[0] as string).startsWith(`${file}: FAILED: `), failed[0]);
}

test('a flipped byte inside an uncompressed layer: exit 5, naming the layer', async () => {
  const entries = readTar(await readFile(fixture('docker20-multi.tar')));
  const layer = entries.find((e) => e.type === 'file' && e.name.endsWith('/layer.tar') && e.data.length > 5000);
  assert.ok(layer);
  const data = Buffer.from(layer.data);
  data.writeUInt8(data.readUInt8(600) ^ 0x01, 600); // inside the first member's bytes, not tar padding
  const file = await writeInput(tmp, 'flipped.tar', writeTar(rebuild(entries.map((e) => (e === layer ? { ...e, data } : e)))));
  await assertVerifyFails(file, ExitCode.integrity, /layer \d+.*(digest mismatch|does not match rootfs\.diff_ids)/);
});

test('a flipped byte inside a gzip layer of an OCI archive, wrapped in gzip: exit 5', async () => {
  const entries = readTar(await readFile(fixture('skopeo-gzip.oci-archive.tar')));
  const biggest = entries.filter((e) => e.name.startsWith('blobs/sha256/')).sort((a, b) => b.data.length - a.data.length)[0];
  assert.ok(biggest && biggest.data.length > 10_000);
  const data = Buffer.from(biggest.data);
  data.writeUInt8(data.readUInt8(data.length - 9) ^ 0x40, data.length - 9); // inside the deflate stream / trailer
  const file = await writeInput(tmp, 'flipped.oci.tar.gz', gzipSync(writeTar(rebuild(entries.map((e) => (e === biggest ? { ...e, data } : e))))));
  await assertVerifyFails(file, ExitCode.integrity, /mismatch/);
});

test('a deleted layer blob: exit 3, naming the blob', async () => {
  const entries = readTar(await readFile(fixture('skopeo-zstd.oci-archive.tar')));
  const index = JSON.parse((entries.find((e) => e.name === 'index.json')?.data as Buffer).toString()) as { manifests: Array<{ digest: string }> };
  const manifestHex = index.manifests[0]?.digest.slice(7);
  const manifest = JSON.parse((entries.find((e) => e.name === `blobs/sha256/${manifestHex}`)?.data as Buffer).toString()) as { layers: Array<{ digest: string }> };
  const gone = manifest.layers[1]?.digest as string;
  const file = await writeInput(tmp, 'missing.oci.tar', writeTar(rebuild(entries.filter((e) => e.name !== `blobs/sha256/${gone.slice(7)}`))));
  await assertVerifyFails(file, ExitCode.notFound, new RegExp(`${gone}.*not in the archive|not in the archive.*${gone.slice(7)}`));
});

test('manifest.json that is not JSON: exit 4', async () => {
  const entries = readTar(await readFile(fixture('docker20-multi.tar')));
  const bad = entries.map((e) => (e.name === 'manifest.json' ? { ...e, data: Buffer.from('[{"Config": ') } : e));
  const file = await writeInput(tmp, 'bad-json.tar', writeTar(rebuild(bad)));
  await assertVerifyFails(file, ExitCode.badInput, /manifest\.json.*invalid JSON/);
});

test('index.json of an OCI archive that is not JSON: exit 4', async () => {
  const entries = readTar(await readFile(fixture('skopeo-zstd.oci-archive.tar')));
  const bad = entries.map((e) => (e.name === 'index.json' ? { ...e, data: Buffer.from('{"schemaVersion": 2, "manifests": [') } : e));
  const file = await writeInput(tmp, 'bad-index.oci.tar', writeTar(rebuild(bad)));
  await assertVerifyFails(file, ExitCode.badInput, /index\.json.*invalid JSON/);
});

test('not an archive at all: exit 4', async () => {
  const file = await writeInput(tmp, 'notes.txt', 'just some text, not a tar\n'.repeat(40));
  await assertVerifyFails(file, ExitCode.badInput, /not a docker-archive or OCI archive/);
});
