/**
 * A large blob of an oci-dir save --resume written as `<hex>.part`: a checkpoint written while it is cut
 * short names exactly bytes the part holds (its sha256 is of those bytes, though the verifier hashes
 * ahead of the writes), a rerun continues from it to the whole verified blob, and wrong bytes fail with
 * the verifier's words and leave neither the part nor its checkpoint.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { hexOf, sha256Of } from '../../../../src/model/digest.js';
import { keptPartOf, partPath, writeBlobPart } from '../../../../src/transports/resume/oci-dir-blob-part.js';
import { TempDirs } from '../../../helpers/temp-dirs.js';

const tmp = new TempDirs();
const MiB = 1024 * 1024;
const data = randomBytes(14 * MiB + 123);
const d = sha256Of(data);
let root = '';
before(async () => {
  root = await tmp.make('baler-blob-part-');
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
});
after(() => tmp.removeAll());

/** `bytes` in small chunks, then a failure after `upTo` of them (a connection cut off) unless it is all. */
function body(bytes: Buffer, upTo = bytes.length): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < upTo; at += 64 * 1024) yield bytes.subarray(at, Math.min(at + 64 * 1024, upTo));
      if (upTo < bytes.length) throw new Error('cut off');
    })(),
  );
}

test('a part cut short keeps a checkpoint of bytes it holds; the rerun continues it to the whole blob', async () => {
  await assert.rejects(writeBlobPart(root, body(data, 11 * MiB + 5), d, data.length), /cut off/);
  const ck = await keptPartOf(root, d);
  assert.ok(ck && ck !== 'damaged', `no usable checkpoint: ${String(ck)}`);
  assert.ok(ck.have >= 4 * MiB && ck.have <= 11 * MiB + 5, String(ck.have));
  const part = await readFile(partPath(root, d));
  assert.equal(part.length, ck.have, 'the part is cut to its checkpoint');
  assert.equal(ck.sha256, createHash('sha256').update(data.subarray(0, ck.have)).digest('hex'));
  await writeBlobPart(root, body(data), d, data.length);
  assert.ok((await readFile(join(root, 'blobs', 'sha256', hexOf(d)))).equals(data));
  assert.deepEqual(await readdir(join(root, 'blobs', 'sha256')), [hexOf(d)]);
});

test('wrong bytes fail with the verifier\'s words and leave neither the part nor its checkpoint', async () => {
  const flipped = Buffer.from(data);
  flipped[9 * MiB] = (flipped[9 * MiB] as number) ^ 1;
  const cases: Array<[Buffer, RegExp]> = [
    [flipped, new RegExp(`^blob ${d}: digest mismatch, expected ${d}, got sha256:[0-9a-f]{64}$`)],
    [Buffer.concat([data, Buffer.from('x')]), new RegExp(`^blob ${d}: size mismatch, expected ${data.length} bytes, got more$`)],
    [data.subarray(0, data.length - 1), new RegExp(`^blob ${d}: size mismatch, expected ${data.length} bytes, got ${data.length - 1}$`)],
  ];
  const other = await tmp.make('baler-blob-part-bad-');
  await mkdir(join(other, 'blobs', 'sha256'), { recursive: true });
  for (const [bytes, words] of cases) {
    await assert.rejects(writeBlobPart(other, body(bytes), d, data.length), (err: Error) => words.test(err.message));
    assert.ok(!existsSync(partPath(other, d)));
    assert.deepEqual(await readdir(join(other, 'blobs', 'sha256')), []);
  }
});
