/**
 * What follows a zstd stream's last frame, judged the same wherever reads split the input (1, 2, 7 and
 * 65536-byte reads, and zeros that end exactly on a 64 KiB read), by both zstd implementations; and zstd
 * streams that open with a skippable frame (pzstd's files), which `zstd -d` reads.
 */
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, test } from 'node:test';
import { decompressAuto, decompressor, sniffCompression, zstdBackend } from '../../../src/codecs/index.js';
import { runChecked } from '../../helpers/run-process.js';
import { skipUnlessTools } from '../../helpers/tools.js';
import { chunked, rejectsWith, sampleBytes } from './codec-test-data.js';

const savedZstd = process.env.BALER_ZSTD;
afterEach(() => {
  if (savedZstd === undefined) delete process.env.BALER_ZSTD;
  else process.env.BALER_ZSTD = savedZstd;
});

const READ_SIZES = [1, 2, 7, 65536];
const PIPE_READ = 64 * 1024;
const ZEROS = 'x.zst: zero padding after the last zstd frame (zstd -d refuses it too)';
const DATA = 'x.zst: data that is not zstd after the last zstd frame (zstd -d refuses it too)';

const content = sampleBytes(6000);
/** `zstd -c` of `content`: one ordinary frame. */
const frame = (await runChecked('zstd', ['-c', '-q'], { input: content })).stdoutBytes;

async function decode(bytes: Buffer, readSize: number): Promise<Buffer> {
  const dec = decompressor('zstd', 'x.zst');
  const out = buffer(dec);
  await pipeline(chunked(bytes, readSize), dec).catch(() => undefined); // the error surfaces through `out`
  return out;
}

/** An RFC 8878 skippable frame: magic 0x184D2A50 + `nibble`, little-endian, then its length and content. */
function skippableFrame(size: number, nibble = 0): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(0x184d2a50 + nibble, 0);
  h.writeUInt32LE(size, 4);
  return Buffer.concat([h, Buffer.alloc(size, 7)]);
}

for (const [backend, env] of [['native', undefined], ['portable', 'portable']] as const) {
  describe(`after the last zstd frame (${backend})`, () => {
    const use = (): void => {
      if (env) process.env.BALER_ZSTD = env;
      else delete process.env.BALER_ZSTD;
      assert.equal(zstdBackend(), backend);
    };

    for (const readSize of READ_SIZES) {
      test(`zeros then other data is "data that is not zstd", in ${readSize}-byte reads`, async () => {
        use();
        const input = Buffer.concat([frame, Buffer.alloc(100), Buffer.from('garbage')]);
        await rejectsWith(decode(input, readSize), 'E_FORMAT', DATA);
      });

      test(`only zeros is "zero padding", in ${readSize}-byte reads`, async () => {
        use();
        await rejectsWith(decode(Buffer.concat([frame, Buffer.alloc(100)]), readSize), 'E_FORMAT', ZEROS);
      });

      test(`a skippable frame first, in the middle and last decodes whole, in ${readSize}-byte reads`, async () => {
        use();
        const input = Buffer.concat([skippableFrame(5), frame, skippableFrame(10, 3), frame, skippableFrame(0, 0xf)]);
        assert.deepEqual(await decode(input, readSize), Buffer.concat([content, content]));
      });
    }

    test('zeros that end exactly on a 64 KiB read, then other data in the next read, is "data that is not zstd"', async () => {
      use();
      const zeros = Buffer.alloc(PIPE_READ - frame.length);
      const input = Buffer.concat([frame, zeros, Buffer.from('garbage')]);
      await rejectsWith(decode(input, PIPE_READ), 'E_FORMAT', DATA);
      // and zeros running over several whole reads before it
      const long = Buffer.concat([frame, zeros, Buffer.alloc(3 * PIPE_READ), Buffer.from([1])]);
      await rejectsWith(decode(long, PIPE_READ), 'E_FORMAT', DATA);
    });

    test('zeros to the end of a 64 KiB read and nothing after is "zero padding"', async () => {
      use();
      const input = Buffer.concat([frame, Buffer.alloc(2 * PIPE_READ - frame.length)]);
      await rejectsWith(decode(input, PIPE_READ), 'E_FORMAT', ZEROS);
    });

    test('the frames before other data in the same read are still decoded first', async () => {
      use();
      const dec = decompressor('zstd', 'x.zst');
      const out: Buffer[] = [];
      dec.on('data', (b: Buffer) => out.push(b));
      await rejectsWith(pipeline(chunked(Buffer.concat([frame, Buffer.from('garbage')]), PIPE_READ), dec), 'E_FORMAT', DATA);
      assert.deepEqual(Buffer.concat(out), content);
    });

    test('a pzstd-made stream (skippable frame first) is sniffed as zstd and decoded', { skip: skipUnlessTools('pzstd') }, async () => {
      use();
      const data = sampleBytes(3 * 1024 * 1024);
      const p = (await runChecked('pzstd', ['-q', '-c', '-p', '2'], { input: data })).stdoutBytes;
      assert.equal(p[0]! & 0xf0, 0x50, 'pzstd starts with a skippable frame');
      assert.equal(sniffCompression(p.subarray(0, 8)), 'zstd');
      const { compression, stream } = await decompressAuto(chunked(p, 4096), 'p.zst');
      assert.equal(compression, 'zstd');
      assert.deepEqual(await buffer(stream), data);
    });
  });
}

describe('sniffing skippable frames', () => {
  test('all 16 skippable magics are zstd; the bytes either side of their range are not', () => {
    for (let nibble = 0; nibble < 16; nibble++) assert.equal(sniffCompression(skippableFrame(0, nibble)), 'zstd', `nibble ${nibble}`);
    assert.equal(sniffCompression(Buffer.from([0x4f, 0x2a, 0x4d, 0x18, 0, 0])), 'none');
    assert.equal(sniffCompression(Buffer.from([0x60, 0x2a, 0x4d, 0x18, 0, 0])), 'none');
    assert.equal(sniffCompression(Buffer.from([0x50, 0x2a, 0x4d])), 'none'); // magic cut short
  });
});
