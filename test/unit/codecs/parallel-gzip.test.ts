/**
 * ParallelGzip (pigz-style blocks deflated at once) writes one ordinary gzip member: GNU gzip and zlib
 * decode it to the input, `gzip -t` accepts its CRC and size, the bytes depend only on the input (not on
 * how it was chunked), and it compresses about as well as zlib's single stream.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GZIP_BLOCK_BYTES, ParallelGzip } from '../../../src/codecs/parallel-gzip.js';
import { skipUnlessTools } from '../../helpers/tools.js';

/** Text-like bytes (compressible, with repeats far apart) mixed with runs of noise. */
function sample(n: number, seed: number): Buffer {
  const words = ['layer', 'digest', 'sha256', 'whiteout', '/usr/lib/x86_64-linux-gnu/', 'manifest.json', '\n', ' '];
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; ) {
    x = (x * 1103515245 + 12345) >>> 0;
    if ((x >>> 8) % 17 === 0) {
      const noise = randomBytes(Math.min(64, n - i));
      noise.copy(out, i);
      i += noise.length;
    } else {
      i += out.write(words[(x >>> 16) % words.length] as string, i);
    }
  }
  return out;
}

async function gzipInChunks(input: Buffer, chunk: number, level?: number, blockBytes?: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) pieces.push(input.subarray(i, i + chunk));
  return buffer(Readable.from(pieces).pipe(new ParallelGzip(level, blockBytes)));
}

const gnuGzip = skipUnlessTools('gzip');

test('decodes to the input with zlib and GNU gzip, at block edges and with blocks shorter than the window', async () => {
  for (const [size, blockBytes] of [[0, 4096], [1, 4096], [4095, 4096], [4096, 4096], [4097, 4096], [50_000, 1000], [100_000, 40_000], [3 * GZIP_BLOCK_BYTES + 12345, undefined]] as const) {
    const input = sample(size, size + 1);
    const gz = await gzipInChunks(input, 65_536, 6, blockBytes);
    assert.ok(gunzipSync(gz).equals(input), `zlib, ${size} bytes in blocks of ${blockBytes ?? GZIP_BLOCK_BYTES}`);
    if (!gnuGzip) {
      const r = spawnSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 * 1024 * 1024 });
      assert.equal(r.status, 0, `gzip -dc: ${r.stderr}`);
      assert.ok(r.stdout.equals(input), `GNU gzip, ${size} bytes`);
      assert.equal(spawnSync('gzip', ['-t'], { input: gz }).status, 0, 'gzip -t checks CRC-32 and size');
    }
  }
});

test('the bytes depend only on the input: 321-byte chunks and one chunk give the same member', async () => {
  const input = sample(2 * GZIP_BLOCK_BYTES + 777, 7);
  const a = await gzipInChunks(input, 321);
  const b = await gzipInChunks(input, input.length);
  assert.ok(a.equals(b));
  assert.deepEqual([...a.subarray(0, 4)], [0x1f, 0x8b, 8, 0], 'one gzip member, no name');
});

test('compresses as well as a single zlib stream (within 1%), at levels 1 and 9 too', async () => {
  const input = sample(3 * GZIP_BLOCK_BYTES, 3);
  for (const level of [1, 6, 9]) {
    const ours = await gzipInChunks(input, 1 << 20, level);
    const zlib = gzipSync(input, { level });
    assert.ok(ours.length <= zlib.length * 1.01, `level ${level}: ${ours.length} vs zlib ${zlib.length}`);
    assert.ok(gunzipSync(ours).equals(input));
  }
});
