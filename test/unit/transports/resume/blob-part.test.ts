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
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { hexOf, sha256Of } from '../../../../src/model/digest.js';
import { keptPartOf, partPath, readCheckpoint, writeBlobPart } from '../../../../src/transports/resume/oci-dir-blob-part.js';
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

/** body(), a chunk every few milliseconds (a slow network), so the disk has written what came before the cut. */
function pacedBody(bytes: Buffer, upTo: number): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < upTo; at += 64 * 1024) {
        await sleep(2);
        yield bytes.subarray(at, Math.min(at + 64 * 1024, upTo));
      }
      throw new Error('cut off');
    })(),
  );
}

// cut just past a checkpoint (every 4 MiB), where one written ahead of the part's bytes would show, and far past one
for (const cut of [4 * MiB + 64 * 1024, 8 * MiB + 64 * 1024, 11 * MiB + 5]) {
  test(`a part cut short at ${cut} bytes keeps a checkpoint of bytes it holds; the rerun continues it to the whole blob`, async () => {
    const at = await tmp.make('baler-blob-part-cut-');
    await mkdir(join(at, 'blobs', 'sha256'), { recursive: true });
    // paced, so the part's writes keep up: bytes still on their way when the source fails are not written
    await assert.rejects(writeBlobPart(at, pacedBody(data, cut), d, data.length), /cut off/);
    const written = await readCheckpoint(at, d);
    assert.ok(written, 'a checkpoint is written');
    assert.ok(written.have >= 4 * MiB && written.have <= cut, String(written.have));
    const held = await readFile(partPath(at, d));
    assert.ok(held.length >= written.have, `the part holds ${held.length} bytes, its checkpoint names ${written.have}`);
    assert.equal(written.sha256, createHash('sha256').update(held.subarray(0, written.have)).digest('hex'), 'the checkpoint is of the part\'s first bytes');
    assert.equal(written.sha256, createHash('sha256').update(data.subarray(0, written.have)).digest('hex'));
    const ck = await keptPartOf(at, d);
    assert.deepEqual(ck, written);
    assert.equal((await readFile(partPath(at, d))).length, written.have, 'the part is cut to its checkpoint');
    await writeBlobPart(at, body(data), d, data.length);
    assert.ok((await readFile(join(at, 'blobs', 'sha256', hexOf(d)))).equals(data));
    assert.deepEqual(await readdir(join(at, 'blobs', 'sha256')), [hexOf(d)]);
  });
}

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
