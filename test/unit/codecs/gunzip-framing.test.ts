import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { crc32 } from '../../../src/codecs/crc32.js';
import { decompressor, gunzipBackend, gunzipDigester, type GzipEnding } from '../../../src/codecs/index.js';
import { isalSkipReason } from '../../helpers/isal.js';
import { runProcess } from '../../helpers/run-process.js';
import { chunked, rejectsWith, sampleBytes } from './codec-test-data.js';

/**
 * The ISA-L gunzip frames members itself (ISA-L only inflates and checks each trailer), so these cases pin
 * that it takes and refuses what node's zlib does, with the same one-line errors, however the input is cut.
 */
const saved = process.env.BALER_GUNZIP;
afterEach(() => {
  if (saved === undefined) delete process.env.BALER_GUNZIP;
  else process.env.BALER_GUNZIP = saved;
});

async function gunzip(bytes: Buffer, chunk: number, gzipEnding: GzipEnding = 'end'): Promise<Buffer> {
  const dec = decompressor('gzip', 'in.gz', { gzipEnding });
  const out = buffer(dec);
  await pipeline(chunked(bytes, chunk), dec).catch(() => undefined); // the error surfaces through `out`
  return out;
}

/** The digest-only ISA-L stream (the diff_id check's fast path): sha256 of what it inflated. */
async function digestOf(bytes: Buffer, chunk: number): Promise<string> {
  const digester = gunzipDigester('in.gz');
  assert.ok(digester, 'the ISA-L addon gives a digester');
  await pipeline(chunked(bytes, chunk), digester, new Writable({ write: (_c, _e, cb) => cb() }));
  return digester.digest();
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const text = sampleBytes(64 * 1024);
const one = gzipSync(text);
const two = gzipSync(Buffer.from('and a second member'));
const withFlags = (flags: number, extra: Buffer): Buffer => Buffer.concat([one.subarray(0, 3), Buffer.from([flags]), one.subarray(4, 10), extra, one.subarray(10)]);
/** A header with FHCRC: the low 16 bits of the CRC-32 of the header bytes before it. */
const withHeaderCrc = (xor: number): Buffer => {
  const head = Buffer.from(one.subarray(0, 10));
  head[3] = 0x02;
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE((crc32(head) & 0xffff) ^ xor);
  return Buffer.concat([head, crc, one.subarray(10)]);
};
const patched = (at: number, xor: number): Buffer => {
  const b = Buffer.from(one);
  b[at < 0 ? b.length + at : at]! ^= xor;
  return b;
};

const accepted: [string, Buffer, Buffer][] = [
  ['two members', Buffer.concat([one, two]), Buffer.concat([text, Buffer.from('and a second member')])],
  ['FNAME and FCOMMENT header fields', withFlags(0x18, Buffer.from('name.tar\0a comment\0')), text],
  ['an FEXTRA header field', withFlags(0x04, Buffer.from([5, 0, 1, 2, 3, 4, 5])), text],
  ['a header CRC (FHCRC)', withHeaderCrc(0), text],
  ['an empty member', gzipSync(Buffer.alloc(0)), Buffer.alloc(0)],
];

const refused: [string, Buffer, string, string | RegExp][] = [
  ['empty input', Buffer.alloc(0), 'E_TRUNCATED', 'in.gz: truncated gzip data'],
  ['not gzip', Buffer.from('plain text, not gzip'), 'E_FORMAT', 'in.gz: corrupt gzip data (incorrect header check)'],
  ['garbage after a member', Buffer.concat([one, Buffer.from('garbage')]), 'E_FORMAT', 'in.gz: corrupt gzip data (incorrect header check)'],
  // a layer: Go's gzip reader (docker, containerd) refuses anything after a member but another member
  ['zero bytes after the last member', Buffer.concat([one, Buffer.alloc(777)]), 'E_FORMAT', 'in.gz: corrupt gzip data (zero bytes after a member)'],
  ['zero bytes between members', Buffer.concat([one, Buffer.alloc(512), two]), 'E_FORMAT', 'in.gz: corrupt gzip data (zero bytes after a member)'],
  ['one zero byte after the last member', Buffer.concat([one, Buffer.alloc(1)]), 'E_FORMAT', 'in.gz: corrupt gzip data (zero bytes after a member)'],
  ['a wrong header CRC', withHeaderCrc(1), 'E_FORMAT', 'in.gz: corrupt gzip data (header crc mismatch)'],
  ['method 7', patched(2, 0x0f), 'E_FORMAT', 'in.gz: corrupt gzip data (unknown compression method)'],
  ['a reserved header flag', withFlags(0x20, Buffer.alloc(0)), 'E_FORMAT', 'in.gz: corrupt gzip data (unknown header flags set)'],
  ['a bad CRC-32', patched(-8, 0x01), 'E_FORMAT', 'in.gz: corrupt gzip data (incorrect data check)'],
  ['a bad length', patched(-3, 0x01), 'E_FORMAT', 'in.gz: corrupt gzip data (incorrect length check)'],
  ['bad deflate data', Buffer.concat([one.subarray(0, 10), Buffer.from([0xff, 0xff, 0xff, 0xff]), one.subarray(14)]), 'E_FORMAT', /^in\.gz: corrupt gzip data \(/],
  ['a cut trailer', one.subarray(0, one.length - 3), 'E_TRUNCATED', 'in.gz: truncated gzip data'],
  ['a cut middle', one.subarray(0, one.length >> 1), 'E_TRUNCATED', 'in.gz: truncated gzip data'],
  ['the start of a second header only', Buffer.concat([one, two.subarray(0, 2)]), 'E_TRUNCATED', 'in.gz: truncated gzip data'],
];

for (const [backend, env] of [
  ['isal', undefined],
  ['zlib', 'zlib'],
] as const) {
  describe(`gunzip framing (${backend})`, { skip: backend === 'isal' ? isalSkipReason() : false }, () => {
    const use = (): void => {
      if (env) process.env.BALER_GUNZIP = env;
      else delete process.env.BALER_GUNZIP;
      assert.equal(gunzipBackend(), backend);
    };

    for (const [name, input, expected] of accepted) {
      test(`accepts ${name}, cut in 1-byte, 5-byte and whole chunks`, async () => {
        use();
        for (const chunk of [1, 5, input.length || 1]) assert.deepEqual(await gunzip(input, chunk), expected, `chunks of ${chunk}`);
      });
    }

    for (const [name, input, code, message] of refused) {
      test(`refuses ${name}`, async () => {
        use();
        for (const chunk of [3, input.length || 1]) await rejectsWith(gunzip(input, chunk), code, message);
        if (backend === 'isal') for (const chunk of [3, input.length || 1]) await rejectsWith(digestOf(input, chunk), code, message);
      });
    }

    test('the digest-only stream hashes what the inflating one outputs, however the input is cut', { skip: backend === 'zlib' }, async () => {
      use();
      const large = gzipSync(randomBytes(5 * 1024 * 1024 + 3)); // several ring buffers' worth
      for (const [, input] of [...accepted, ['large', large] as const]) {
        const whole = await gunzip(input, input.length || 1);
        for (const chunk of [1, 5, 65536, input.length || 1]) {
          if (chunk === 1 && input.length > 100_000) continue;
          assert.equal(await digestOf(input, chunk), sha256(whole), `chunks of ${chunk}`);
        }
      }
    });

    test('streams destroyed mid-inflate and collected free cleanly; the process then exits on its own', { skip: backend === 'zlib' }, async () => {
      const codecs = JSON.stringify(new URL('../../../src/codecs/index.ts', import.meta.url).href);
      const script = [
        `import { gzipSync } from 'node:zlib';`,
        `import { decompressor, gunzipDigester } from ${codecs};`,
        `const gz = gzipSync(Buffer.alloc(24 << 20, 7));`,
        `for (let i = 0; i < 60; i++) {`,
        `  const d = i % 2 ? gunzipDigester('x') : decompressor('gzip', 'y');`,
        `  d.on('error', () => {});`,
        `  d.write(gz.subarray(0, gz.length >> 1));`,
        `  await new Promise((r) => setTimeout(r, i % 3));`,
        `  d.destroy();`,
        `  if (i % 10 === 0) globalThis.gc();`,
        `}`,
        `globalThis.gc();`,
        `console.log('ok');`,
      ].join('\n');
      const dir = await mkdtemp(join(tmpdir(), 'baler-isal-'));
      try {
        const file = join(dir, 'destroy.mts');
        await writeFile(file, script);
        // the timeout only guards the suite: a hashing thread that kept the process alive shows as a kill
        const r = await runProcess(process.execPath, ['--expose-gc', '--import', import.meta.resolve('tsx'), file], { timeoutMs: 60_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'ok\n');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('without the ISA-L addon there is no digester (callers inflate and hash themselves)', { skip: backend === 'isal' }, () => {
      use();
      assert.equal(gunzipDigester('in.gz'), undefined);
    });

    test('a zip bomb stays bounded while the reader is slow: output waits for the reader', async () => {
      use();
      const zeros = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // ~64 KB that inflate to 64 MiB, in one chunk
      const dec = decompressor('gzip', 'bomb.gz');
      let peakBuffered = 0;
      let total = 0;
      const slow = new Writable({
        highWaterMark: 1,
        write(chunk: Buffer, _enc, cb) {
          total += chunk.length;
          peakBuffered = Math.max(peakBuffered, dec.readableLength);
          setTimeout(cb, 2); // slower than inflating a MiB of zeros, so only backpressure bounds the buffer
        },
      });
      await pipeline(Readable.from([zeros]), dec, slow);
      assert.equal(total, 64 * 1024 * 1024);
      assert.ok(peakBuffered <= 4 * 1024 * 1024, `at most a few output chunks wait in the stream, saw ${peakBuffered} bytes`);
    });

    test('a whole archive (zero-padding): zeros after the last member end it, however the input is cut', async () => {
      use();
      for (const zeros of [1, 3, 777, 70_000]) {
        const input = Buffer.concat([one, two, Buffer.alloc(zeros)]);
        // 1-byte chunks put the padding in chunks of its own, which zlib alone used to read as a new
        // member or end early: so the whole pipeline must succeed, not only the output
        for (const chunk of [1, 5, 4096, input.length]) {
          if (chunk === 1 && zeros > 1000) continue;
          const parts: Buffer[] = [];
          const sink = new Writable({
            write(c: Buffer, _e, cb) {
              parts.push(c);
              cb();
            },
          });
          await pipeline(chunked(input, chunk), decompressor('gzip', 'in.gz', { gzipEnding: 'zero-padding' }), sink);
          assert.deepEqual(Buffer.concat(parts), Buffer.concat([text, Buffer.from('and a second member')]), `${zeros} zeros, chunks of ${chunk}`);
        }
      }
    });

    test('a whole archive (zero-padding): padding in the chunk where a large member ends is found where it starts', async () => {
      use();
      const raw = randomBytes(3 * 1024 * 1024);
      const input = Buffer.concat([gzipSync(raw), Buffer.alloc(4096)]);
      for (const chunk of [input.length, 1024 * 1024]) assert.deepEqual(await gunzip(input, chunk, 'zero-padding'), raw, `chunks of ${chunk}`);
    });

    test('a whole archive (zero-padding): any non-zero byte after the padding is an error, however the input is cut', async () => {
      use();
      for (const tail of [Buffer.from('garbage'), two, Buffer.from([0x1f, 0x8b]), Buffer.from([1])]) {
        for (const zeros of [1, 3, 512]) {
          const input = Buffer.concat([one, Buffer.alloc(zeros), tail]);
          for (let chunk = 1; chunk <= input.length; chunk = chunk < 16 ? chunk + 1 : chunk * 3) {
            await rejectsWith(gunzip(input, chunk, 'zero-padding'), 'E_FORMAT', 'in.gz: corrupt gzip data (data after the zero padding that ends the gzip stream)');
          }
          // a read boundary at every byte of the join: the member's end, the padding, the tail
          for (let cut = one.length - 2; cut <= one.length + zeros + 1; cut++) {
            const split = Readable.from([input.subarray(0, cut), input.subarray(cut)]);
            const dec = decompressor('gzip', 'in.gz', { gzipEnding: 'zero-padding' });
            const out = buffer(dec);
            await pipeline(split, dec).catch(() => undefined);
            await rejectsWith(out, 'E_FORMAT', 'in.gz: corrupt gzip data (data after the zero padding that ends the gzip stream)');
          }
        }
      }
      // a member whose output takes zlib several passes over one input chunk, padding and garbage in that chunk
      const large = Buffer.concat([gzipSync(randomBytes(3 * 1024 * 1024)), Buffer.alloc(5), Buffer.from('x')]);
      for (const chunk of [large.length, 1024 * 1024]) {
        await rejectsWith(gunzip(large, chunk, 'zero-padding'), 'E_FORMAT', 'in.gz: corrupt gzip data (data after the zero padding that ends the gzip stream)');
      }
      // garbage right after a member, with no padding, is what it was: not a member header
      await rejectsWith(gunzip(Buffer.concat([one, Buffer.from('garbage')]), 3, 'zero-padding'), 'E_FORMAT', 'in.gz: corrupt gzip data (incorrect header check)');
    });

    test('a layer (the default): zeros after a member are an error wherever reads split them; members back to back are not', async () => {
      use();
      const joined = Buffer.concat([one, two]);
      const expected = Buffer.concat([text, Buffer.from('and a second member')]);
      for (let cut = 0; cut <= joined.length; cut += cut < one.length - 20 || cut > one.length + 20 ? 997 : 1) {
        const dec = decompressor('gzip', 'in.gz');
        const got = buffer(dec);
        await pipeline(Readable.from([joined.subarray(0, cut), joined.subarray(cut)]), dec);
        assert.deepEqual(await got, expected, `cut at ${cut}`);
      }
      for (const tail of [Buffer.alloc(512), Buffer.concat([Buffer.alloc(512), two]), Buffer.concat([Buffer.alloc(3), Buffer.from('garbage')])]) {
        const input = Buffer.concat([one, tail]);
        for (let cut = one.length - 2; cut <= one.length + 4; cut++) {
          const dec = decompressor('gzip', 'in.gz');
          const out = buffer(dec);
          await pipeline(Readable.from([input.subarray(0, cut), input.subarray(cut)]), dec).catch(() => undefined);
          await rejectsWith(out, 'E_FORMAT', 'in.gz: corrupt gzip data (zero bytes after a member)');
        }
        for (const chunk of [1, 5, input.length]) await rejectsWith(gunzip(input, chunk), 'E_FORMAT', 'in.gz: corrupt gzip data (zero bytes after a member)');
        if (backend === 'isal') for (const chunk of [1, 5, input.length]) await rejectsWith(digestOf(input, chunk), 'E_FORMAT', 'in.gz: corrupt gzip data (zero bytes after a member)');
      }
    });

    test('random bytes in large chunks round-trip (stored deflate blocks)', async () => {
      use();
      const raw = randomBytes(3 * 1024 * 1024 + 17);
      assert.deepEqual(await gunzip(gzipSync(raw), 1024 * 1024), raw);
    });
  });
}
