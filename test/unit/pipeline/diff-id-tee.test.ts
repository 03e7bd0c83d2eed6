/**
 * The diff_id check that runs beside a kept compressed layer (pipeline/diff-id-tee.ts) and the hop that
 * lets inflating and hashing overlap (pipeline/deferred-pass-through.ts): the compressed bytes come out
 * unchanged whatever the piece sizes, a wrong diff_id or a broken gzip fails the stream before its end,
 * and a slow reader downstream still gets every byte in order.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { BalerError } from '../../../src/errors.js';
import type { Digest } from '../../../src/model/digest.js';
import { DeferredPassThrough } from '../../../src/pipeline/deferred-pass-through.js';
import { DiffIdTee } from '../../../src/pipeline/diff-id-tee.js';
import { isalSkipReason } from '../../helpers/isal.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const pieces = (b: Buffer, size: number): Readable => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

/** Content that compresses a little: ~6 MiB out of a ~5 MiB gzip, so the decoder's look-ahead limit is reached. */
function layerContent(): Buffer {
  const random = randomBytes(5 * 1024 * 1024);
  return Buffer.concat([random, Buffer.alloc(1024 * 1024, 0x61)]);
}

async function collect(src: Readable, ...stages: Duplex[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline([src, ...stages, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) })]);
  return Buffer.concat(out);
}

/** The gzip cases run on both gunzips: ISA-L's digest-only stream (when its addon is built) and node's zlib. */
for (const [backend, env] of [
  ['isal', undefined],
  ['zlib', 'zlib'],
] as const) {
  describe(`gunzip: ${backend}`, { skip: backend === 'isal' ? isalSkipReason() : false }, () => {
    const saved = process.env.BALER_GUNZIP;
    beforeEach(() => {
      if (env) process.env.BALER_GUNZIP = env;
      else delete process.env.BALER_GUNZIP;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.BALER_GUNZIP;
      else process.env.BALER_GUNZIP = saved;
    });

    test('the compressed bytes pass through unchanged when the content matches the diff_id, in tiny and in large pieces', async () => {
      const content = layerContent();
      const gz = gzipSync(content);
      for (const size of [321, 64 * 1024, 1024 * 1024]) {
        const got = await collect(pieces(gz, size), new DiffIdTee('gzip', sha(content), 'layer 0'), new DeferredPassThrough());
        assert.ok(got.equals(gz), `pieces of ${size} bytes come out unchanged`);
      }
    });

    test('a cut gzip fails the stream at its end instead of passing as a whole layer', async () => {
      const content = layerContent();
      const cut = gzipSync(content).subarray(0, 200_000);
      await assert.rejects(collect(pieces(cut, 321), new DiffIdTee('gzip', sha(content), 'layer 0')), (e: unknown) => e instanceof BalerError && /layer 0/.test(e.message));
    });

    test('content that does not hash to the diff_id fails the stream with a digest mismatch naming the layer', async () => {
      const content = layerContent();
      const wrong = sha(Buffer.from('another layer'));
      await assert.rejects(collect(pieces(gzipSync(content), 256 * 1024), new DiffIdTee('gzip', wrong, 'registry://h/app: layer 1')), (e: unknown) => {
        assert.ok(e instanceof BalerError);
        assert.equal(e.code, 'E_DIGEST_MISMATCH');
        assert.match(e.message, new RegExp(`^registry://h/app: layer 1: digest mismatch, expected ${wrong}, got ${sha(content)}$`));
        return true;
      });
    });

    /** Broken copies of one gzip stream, and the one line each must fail with (what = `layer 0`). */
    function brokenGzips(gz: Buffer): Array<{ name: string; bytes: Buffer; error: RegExp }> {
      const flip = (at: number, mask: number): Buffer => {
        const b = Buffer.from(gz);
        b[at] = (b[at] as number) ^ mask;
        return b;
      };
      const invalidBlockType = Buffer.from(gz);
      invalidBlockType[10] = 0x07; // the first DEFLATE block header (after gzipSync's 10-byte header): BTYPE 11
      return [
        { name: 'bad deflate data', bytes: invalidBlockType, error: /^layer 0: corrupt gzip data \(invalid block type\)$/ },
        { name: 'bad CRC-32 in the trailer', bytes: flip(gz.length - 8, 0x01), error: /^layer 0: corrupt gzip data \(incorrect data check\)$/ },
        { name: 'bad ISIZE in the trailer', bytes: flip(gz.length - 4, 0x01), error: /^layer 0: corrupt gzip data \(incorrect length check\)$/ },
        { name: 'trailing garbage', bytes: Buffer.concat([gz, Buffer.from('garbage')]), error: /^layer 0: corrupt gzip data \(incorrect header check\)$/ },
        { name: 'a cut trailer', bytes: gz.subarray(0, gz.length - 3), error: /^layer 0: truncated gzip data$/ },
        // a layer is read as Go's gzip reader (docker, containerd) reads it: nothing but a member may follow one
        { name: 'zero padding', bytes: Buffer.concat([gz, Buffer.alloc(512)]), error: /^layer 0: corrupt gzip data \(zero bytes after a member\)$/ },
        { name: 'zero padding, then a member', bytes: Buffer.concat([gz, Buffer.alloc(512), gzipSync(Buffer.from('x'))]), error: /^layer 0: corrupt gzip data \(zero bytes after a member\)$/ },
      ];
    }

    test('broken gzip fails with the same one line whatever the piece sizes; a second member after it passes', async () => {
      const content = layerContent();
      const gz = gzipSync(content);
      for (const size of [321, 64 * 1024, 1024 * 1024 + 7]) {
        for (const broken of brokenGzips(gz)) {
          await assert.rejects(collect(pieces(broken.bytes, size), new DiffIdTee('gzip', sha(content), 'layer 0')), (e: unknown) => {
            assert.ok(e instanceof BalerError, `${broken.name} in ${size}-byte pieces: ${String(e)}`);
            assert.match(e.message, broken.error, `${broken.name} in ${size}-byte pieces`);
            return true;
          });
        }
        const half = content.length >> 1;
        const members = Buffer.concat([gzipSync(content.subarray(0, half)), gzipSync(content.subarray(half))]);
        const got = await collect(pieces(members, size), new DiffIdTee('gzip', sha(content), 'layer 0'));
        assert.ok(got.equals(members), `two members in ${size}-byte pieces pass unchanged`);
      }
    });
  });
}

test('a slow reader behind the deferred hop still gets every byte, in order', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const out: Buffer[] = [];
  let writes = 0;
  const slow = new Writable({
    highWaterMark: 1,
    write: (c: Buffer, _e, cb) => {
      out.push(c);
      // every 8th write waits a little, so the hop's buffer fills and back-pressure reaches the source
      if (++writes % 8 === 0) void sleep(2).then(() => cb());
      else cb();
    },
  });
  await pipeline(pieces(data, 4093), new DeferredPassThrough(), slow);
  assert.ok(Buffer.concat(out).equals(data));
});
