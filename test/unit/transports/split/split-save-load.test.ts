import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { balerInProcess, balerInProcessOk } from '../../../helpers/cli-in-process.js';
import { fixture } from '../../../helpers/paths.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';
import { ExitCode } from '../../../../src/errors.js';
import { runInterrupted } from './interrupt.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const IMAGES = ['imga:1', 'imgb:1', 'imgo:1', 'bbbase:1'];
const PART = 300 * 1024;

interface LoadJson {
  images: Array<{ names: string[]; id: string }>;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function ids(json: string): string[] {
  return (JSON.parse(json) as LoadJson).images.map((i) => `${i.names.join(',')}=${i.id}`).sort();
}

describe('save --split / load of a split set', () => {
  let dir: string;
  let plain: Buffer;
  let plainIds: string[];
  before(async () => {
    dir = await tmp.make();
    const from = `docker-archive:${fixture('docker20-multi.tar')}`;
    await balerInProcessOk(['save', '--from', from, '-o', 'plain.tar', ...IMAGES], dir);
    await balerInProcessOk(['save', '--from', from, '--split', '300K', '-o', 'set.tar', ...IMAGES], dir);
    plain = await readFile(join(dir, 'plain.tar'));
    plainIds = ids((await balerInProcessOk(['load', '--store', join(dir, 'plain-store'), '--json', '-i', 'plain.tar'], dir)).stdout);
  });

  it('writes full-size numbered parts and a JSON with each size and sha256; together they are the plain archive', async () => {
    const names = (await readdir(dir)).filter((n) => n.startsWith('set.')).sort();
    const count = Math.ceil(plain.length / PART);
    assert.ok(count >= 3, `the fixture makes ${count} parts`);
    const partNames = Array.from({ length: count }, (_, i) => `set.tar.${String(i + 1).padStart(3, '0')}`);
    assert.deepEqual(names, ['set.baler.json', ...partNames].sort());
    const doc = JSON.parse(await readFile(join(dir, 'set.baler.json'), 'utf8')) as {
      kind: string;
      version: number;
      compression: string;
      totalSize: number;
      partSize: number;
      parts: Array<{ name: string; size: number; sha256: string }>;
    };
    assert.equal(doc.kind, 'baler-split-set');
    assert.equal(doc.version, 1);
    assert.equal(doc.compression, 'none');
    assert.equal(doc.totalSize, plain.length);
    assert.equal(doc.partSize, PART);
    assert.deepEqual(doc.parts.map((p) => p.name), partNames);
    const bufs: Buffer[] = [];
    for (const [i, p] of doc.parts.entries()) {
      const b = await readFile(join(dir, p.name));
      assert.equal(b.length, i < count - 1 ? PART : plain.length - PART * (count - 1), p.name);
      assert.equal(p.size, b.length);
      assert.equal(p.sha256, sha256(b), p.name);
      bufs.push(b);
    }
    assert.ok(Buffer.concat(bufs).equals(plain), 'cat set.tar.0* is byte-identical to the unsplit save');
  });

  it('loads from the first part or from the JSON with the same image IDs as the plain archive', async () => {
    for (const input of ['set.tar.001', 'set.baler.json']) {
      const r = await balerInProcessOk(['load', '--store', join(dir, `store-${input}`), '--json', '-i', input], dir);
      assert.deepEqual(ids(r.stdout), plainIds, input);
    }
  });

  it('points at the first part when given a later one', async () => {
    const r = await balerInProcess(['load', '--store', join(dir, 'unused'), '-i', 'set.tar.002'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'baler: set.tar.002: a later part of a split set; give set.tar.001 or set.baler.json\n');
  });

  it('reads the set as a --from source too', async () => {
    await balerInProcessOk(['save', '--from', 'docker-archive:set.baler.json', '-o', 'again.tar', ...IMAGES], dir);
    assert.ok((await readFile(join(dir, 'again.tar'))).equals(plain));
  });

  it('reads parts found without their JSON, in order, and warns that digests were not checked', async () => {
    const sub = await tmp.make();
    for (const n of (await readdir(dir)).filter((x) => /^set\.tar\.\d{3}$/.test(x))) await writeFile(join(sub, n), await readFile(join(dir, n)));
    const r = await balerInProcessOk(['load', '--store', join(sub, 'store'), '--json', '-i', 'set.tar.001'], sub);
    assert.deepEqual(ids(r.stdout), plainIds);
    assert.match(r.stderr, /set\.tar\.001: no set\.baler\.json beside it; reading \d+ parts in order, their digests could not be checked/);
  });

  it('splits a zstd-compressed archive and reads it back through the decompressor', async () => {
    await balerInProcessOk(['save', '--from', 'docker-archive:plain.tar', '--split', '64K', '-o', 'z.tar.zst', ...IMAGES], dir);
    const doc = JSON.parse(await readFile(join(dir, 'z.baler.json'), 'utf8')) as { compression: string; parts: unknown[] };
    assert.equal(doc.compression, 'zstd');
    assert.ok(doc.parts.length >= 2);
    const r = await balerInProcessOk(['load', '--store', join(dir, 'zstore'), '--json', '-i', 'z.tar.zst.001'], dir);
    assert.deepEqual(ids(r.stdout), plainIds);
  });

  it('reports the parts in --json and removes parts an older, longer set left under the same name', async () => {
    const sub = await tmp.make();
    await balerInProcessOk(['save', '--from', 'docker-archive:' + join(dir, 'plain.tar'), '--split', '64K', '-o', 'x.tar', ...IMAGES], sub);
    const many = (await readdir(sub)).filter((n) => /^x\.tar\.\d+$/.test(n)).length;
    const r = await balerInProcessOk(['save', '--from', 'docker-archive:' + join(dir, 'plain.tar'), '--json', '--split', '1M', '-o', 'x.tar', 'imga:1'], sub);
    const json = JSON.parse(r.stdout) as { location: string; split: { manifest: string; parts: Array<{ name: string; size: number; sha256: string }> } };
    assert.equal(json.location, join(sub, 'x.baler.json'));
    assert.equal(json.split.manifest, join(sub, 'x.baler.json'));
    const now = (await readdir(sub)).filter((n) => /^x\.tar\.\d+$/.test(n)).sort();
    assert.ok(now.length < many, `${now.length} parts now, ${many} before`);
    assert.deepEqual(json.split.parts.map((p) => p.name), now);
    for (const p of json.split.parts) assert.equal((await stat(join(sub, p.name))).size, p.size);
  });

  it('an interrupted split save leaves no parts, no temp files and no JSON', async () => {
    const sub = await tmp.make();
    const r = await runInterrupted(['save', '--from', `docker-archive:${join(dir, 'plain.tar')}`, '--split', '64K', '-o', 'cut.tar', ...IMAGES], sub, /^Copied layer /, 2);
    assert.ok(r.interrupted, r.stderr);
    assert.equal(r.code, ExitCode.cancelled, r.stderr);
    assert.deepEqual(await readdir(sub), []);
  });

  it('refuses --split without a file to name the parts after, and for an OCI layout directory', async () => {
    const r = await balerInProcess(['save', '--from', 'docker-archive:plain.tar', '--split', '1M', '--format', 'oci-dir', '-o', 'layout', 'imga:1'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--split applies to archive files/);
    const bad = await balerInProcess(['save', '--from', 'docker-archive:plain.tar', '--split', 'lots', '-o', 'y.tar', 'imga:1'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--split "lots": expected a size/);
  });
});
