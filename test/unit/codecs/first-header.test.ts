/**
 * A decompressor's error says whether the data's very first header was well formed: a caller guessing what
 * a file holds (load -i) tells a file that only starts with a magic number from damaged compressed data.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { CompressedDataError, decompressor, type Compression } from '../../../src/codecs/index.js';
import { fixture } from '../../helpers/paths.js';
import { runChecked } from '../../helpers/run-process.js';
import { skipUnlessTools } from '../../helpers/tools.js';
import { chunked } from './codec-test-data.js';

/** The error decoding `bytes` (in `readSize`-byte reads) ends with; it must be a CompressedDataError. */
async function failure(c: Exclude<Compression, 'none'>, bytes: Buffer, readSize: number): Promise<CompressedDataError> {
  const dec = decompressor(c, 'x');
  const out = buffer(dec);
  await pipeline(chunked(bytes, readSize), dec).catch(() => undefined);
  const err = await out.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof CompressedDataError, `expected a CompressedDataError, got ${String(err)}`);
  return err;
}

const flip = (b: Buffer, at: number, n: number): Buffer => {
  const c = Buffer.from(b);
  for (let i = at; i < at + n; i++) c[i]! ^= 0x55;
  return c;
};

describe('badFirstHeader', { skip: skipUnlessTools('xz', 'bzip2', 'zstd') }, () => {
  test('set for files that only start with a magic number, at any read size', async () => {
    const lookalikes: Array<[Exclude<Compression, 'none'>, Buffer]> = [
      ['bzip2', Buffer.from('BZh hello, these are notes\n')],
      ['gzip', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x4d, 0x61]), Buffer.alloc(40, 0x41)])],
      ['xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.from('hello world')])],
      ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xff, 1, 2, 3, 4, 5])],
    ];
    for (const [c, bytes] of lookalikes) {
      for (const readSize of [1, 3, 65536]) assert.equal((await failure(c, bytes, readSize)).badFirstHeader, true, `${c} in ${readSize}-byte reads`);
    }
  });

  test('clear for real compressed data damaged past its first header', async () => {
    const tar = await readFile(fixture('docker20-multi.tar'));
    const real: Array<[Exclude<Compression, 'none'>, Buffer]> = [
      ['gzip', await readFile(fixture('docker20-multi.tar.gz'))],
      ['zstd', await readFile(fixture('docker20-multi.tar.zst'))],
      ['xz', (await runChecked('xz', ['-c'], { input: tar })).stdoutBytes],
      ['bzip2', (await runChecked('bzip2', ['-c'], { input: tar })).stdoutBytes],
    ];
    for (const [c, bytes] of real) {
      for (const readSize of [7, 65536]) {
        assert.equal((await failure(c, flip(bytes, bytes.length >> 1, 64), readSize)).badFirstHeader, false, `${c} corrupt, ${readSize}-byte reads`);
        assert.equal((await failure(c, bytes.subarray(0, 4096), readSize)).badFirstHeader, false, `${c} truncated, ${readSize}-byte reads`);
      }
    }
  });
});
