import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { createAtomicFile } from '../../../src/io/atomic-file.js';
import { SyncedFileStream } from '../../../src/io/synced-file-stream.js';
import { TempDirs, listFilesRecursive } from '../../helpers/temp-dirs.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/** Deterministic bytes that differ at every offset, so a misplaced chunk shows. */
function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

/** `data` cut into pieces of the given sizes, cycling (tiny, odd and large pieces mixed). */
function pieces(data: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length] as number;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

test('writes every byte in order whether chunks come one by one or batched into writev', async () => {
  const dir = await tmp.make();
  const data = pattern(3 * 1024 * 1024 + 321);
  const path = join(dir, 'out.bin');
  const fh = await open(path, 'wx');
  // a tiny highWaterMark and background syncs every 64 KiB exercise writev batches and fdatasync during writes
  const out = new SyncedFileStream(fh, { highWaterMark: 4096, syncEvery: 64 * 1024 });
  await pipeline(Readable.from(pieces(data, [321, 0, 1, 70_000, 512, 1024 * 1024])), out);
  await out.settled();
  await fh.close();
  assert.equal(out.bytesWritten, data.length);
  assert.ok((await readFile(path)).equals(data));
});

test('with `start` it continues a file after the bytes already there', async () => {
  const dir = await tmp.make();
  const data = pattern(100_000);
  const path = join(dir, 'continued.bin');
  const fh = await open(path, 'w+');
  await fh.write(data.subarray(0, 4321), 0, 4321, 0);
  const out = new SyncedFileStream(fh, { start: 4321, highWaterMark: 1000 });
  await pipeline(Readable.from(pieces(data.subarray(4321), [321, 5000])), out);
  await out.settled();
  await fh.close();
  assert.equal(out.bytesWritten, data.length - 4321);
  assert.ok((await readFile(path)).equals(data));
});

test('an atomic file written through it appears only at commit, with the exact bytes', async () => {
  const dir = await tmp.make();
  const target = join(dir, 'archive.tar');
  const data = pattern(2 * 1024 * 1024 + 7);
  const file = await createAtomicFile(target);
  await pipeline(Readable.from(pieces(data, [65536, 321])), file.stream, { end: false });
  assert.deepEqual(await listFilesRecursive(dir), [file.tempPath.slice(dir.length + 1)]);
  await file.commit();
  assert.deepEqual(await listFilesRecursive(dir), ['archive.tar']);
  assert.ok((await readFile(target)).equals(data));
});

test('a discarded atomic file leaves nothing behind, even with writes in flight', async () => {
  const dir = await tmp.make();
  const file = await createAtomicFile(join(dir, 'gone.tar'));
  file.stream.write(pattern(1024 * 1024));
  await file.discard();
  assert.deepEqual(await listFilesRecursive(dir), []);
});
