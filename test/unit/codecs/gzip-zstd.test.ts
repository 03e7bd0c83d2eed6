import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { after, afterEach, describe, test } from 'node:test';
import { BalerError } from '../../../src/errors.js';
import { compressor, decompressAuto, decompressor, gunzipBackend, zstdBackend, type DecodeOptions } from '../../../src/codecs/index.js';
import { fixture } from '../../helpers/paths.js';
import { runProcess } from '../../helpers/run-process.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { isalSkipReason } from '../../helpers/isal.js';
import { skipUnlessTools } from '../../helpers/tools.js';
import { chunked, rejectsWith, sampleBytes } from './codec-test-data.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());
const savedEnv = { BALER_ZSTD: process.env.BALER_ZSTD, BALER_GUNZIP: process.env.BALER_GUNZIP };
afterEach(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const data = sampleBytes(4 * 1024 * 1024);

async function compress(c: 'gzip' | 'zstd', bytes: Buffer, level?: number): Promise<Buffer> {
  return buffer(chunked(bytes, 64 * 1024).pipe(compressor(c, level)));
}

async function decompress(c: 'gzip' | 'zstd', bytes: Buffer, what: string, chunk = 321, o: DecodeOptions = {}): Promise<Buffer> {
  const dec = decompressor(c, what, o);
  const out = buffer(dec);
  await pipeline(chunked(bytes, chunk), dec).catch(() => undefined); // the error surfaces through `out`
  return out;
}

/** Runs a test body once per zstd implementation. */
const zstdBackends = [
  ['native', undefined],
  ['portable', 'portable'],
] as const;

for (const [backend, env] of zstdBackends) {
  describe(`zstd (${backend})`, () => {
    const use = (): void => {
      if (env) process.env.BALER_ZSTD = env;
      else delete process.env.BALER_ZSTD;
      assert.equal(zstdBackend(), backend);
    };

    test('round trip of 4 MiB, decoded in 321-byte chunks', async () => {
      use();
      const z = await compress('zstd', data);
      assert.ok(z.length < data.length / 2, 'it compresses');
      assert.deepEqual(await decompress('zstd', z, 'x.zst'), data);
    });

    test('interoperates with the zstd program both ways; multi-frame input', { skip: skipUnlessTools('zstd') }, async () => {
      use();
      const dir = await tmp.make();
      await writeFile(join(dir, 'ours.zst'), await compress('zstd', data, 5));
      const r = await runProcess('zstd', ['-dc', join(dir, 'ours.zst')]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdoutBytes, data);
      const fromTool = await runProcess('zstd', ['-c', '-3', '-'], { input: data });
      const two = Buffer.concat([fromTool.stdoutBytes, fromTool.stdoutBytes]);
      assert.deepEqual(await decompress('zstd', two, 'two.zst', 4096), Buffer.concat([data, data]));
    });

    test('the docker20-multi.tar.zst fixture (zstd -19) decodes to the plain fixture', async () => {
      use();
      const z = await readFile(fixture('docker20-multi.tar.zst'));
      assert.deepEqual(await decompress('zstd', z, 'fixture.zst', 65536), await readFile(fixture('docker20-multi.tar')));
    });

    test('a skippable frame between frames is ignored', async () => {
      use();
      const a = await compress('zstd', Buffer.from('first '));
      const b = await compress('zstd', Buffer.from('second'));
      const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
      assert.equal((await decompress('zstd', Buffer.concat([a, skippable, b]), 's.zst', 5)).toString(), 'first second');
    });

    test('truncated, garbage-after and empty input are coded errors naming the file', async () => {
      use();
      const z = await compress('zstd', data);
      await rejectsWith(decompress('zstd', z.subarray(0, z.length - 100), 'layer.tar.zst'), 'E_TRUNCATED', 'layer.tar.zst: truncated zstd data');
      await rejectsWith(decompress('zstd', z.subarray(0, 3), 'layer.tar.zst'), 'E_TRUNCATED', 'layer.tar.zst: truncated zstd data');
      await rejectsWith(decompress('zstd', Buffer.alloc(0), 'empty.zst'), 'E_TRUNCATED', 'empty.zst: truncated zstd data');
      await rejectsWith(decompress('zstd', Buffer.concat([z, Buffer.from('junk junk')]), 'tail.zst'), 'E_FORMAT', 'tail.zst: data that is not zstd after the last zstd frame (zstd -d refuses it too)');
      // zero padding (dd conv=sync), wherever reads split it: refused as `zstd -d` refuses it, and said so
      const small = await compress('zstd', Buffer.from('a small frame'));
      for (const chunk of [1, 3, 321]) {
        await rejectsWith(decompress('zstd', Buffer.concat([small, Buffer.alloc(1000)]), 'pad.zst', chunk), 'E_FORMAT', 'pad.zst: zero padding after the last zstd frame (zstd -d refuses it too)');
      }
      await rejectsWith(decompress('zstd', Buffer.from('junk junk'), 'junk.zst'), 'E_FORMAT', 'junk.zst: corrupt zstd data (unknown frame magic)');
      const corrupt = Buffer.from(z);
      corrupt.fill(0xa5, 5000, 6000);
      await rejectsWith(decompress('zstd', corrupt, 'bad.zst', 65536), 'E_FORMAT', /^bad\.zst: corrupt zstd data/);
    });

    test('decoding stops while the reader does not read (a zstd bomb stays bounded)', async () => {
      use();
      const zeros = Buffer.alloc(64 * 1024 * 1024);
      const z = await compress('zstd', zeros, 1);
      assert.ok(z.length < 64 * 1024, `64 MiB of zeros compress to ${z.length} bytes`);
      const dec = decompressor('zstd', 'bomb.zst');
      dec.end(z);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(dec.readableLength <= 16 * 1024 * 1024, `buffered ${dec.readableLength} bytes while nobody read`);
      let total = 0;
      for await (const c of dec) total += (c as Buffer).length;
      assert.equal(total, zeros.length);
    });
  });
}

test('native zstd output is the same for 1 and 2 worker threads (digests stable across machines)', async () => {
  delete process.env.BALER_ZSTD;
  const saved = process.env.BALER_ZSTD_THREADS;
  try {
    process.env.BALER_ZSTD_THREADS = '1';
    const one = await compress('zstd', data);
    process.env.BALER_ZSTD_THREADS = '2';
    const two = await compress('zstd', data);
    assert.deepEqual(one, two);
  } finally {
    if (saved === undefined) delete process.env.BALER_ZSTD_THREADS;
    else process.env.BALER_ZSTD_THREADS = saved;
  }
});

/** Runs the gzip tests once per gunzip: ISA-L's (when its addon is built; CI requires it) and node's zlib. */
for (const [backend, env] of [
  ['isal', undefined],
  ['zlib', 'zlib'],
] as const) {
  describe(`gzip (gunzip: ${backend})`, { skip: backend === 'isal' ? isalSkipReason() : false }, () => {
  const use = (): void => {
    if (env) process.env.BALER_GUNZIP = env;
    else delete process.env.BALER_GUNZIP;
    assert.equal(gunzipBackend(), backend);
  };

  test('round trip of 4 MiB, decoded in 321-byte chunks; readable by gzip(1)', async () => {
    use();
    const gz = await compress('gzip', data);
    assert.deepEqual(await decompress('gzip', gz, 'x.gz'), data);
    const r = await runProcess('gzip', ['-dc'], { input: gz });
    assert.deepEqual(r.stdoutBytes, data);
  });

  test('multi-member input (cat a.gz b.gz); trailing zero padding in a whole archive, not in a layer', async () => {
    use();
    const a = await compress('gzip', Buffer.from('member one, '));
    const b = await compress('gzip', Buffer.from('member two'));
    assert.equal((await decompress('gzip', Buffer.concat([a, b]), 'm.gz', 7)).toString(), 'member one, member two');
    const padded = Buffer.concat([a, b, Buffer.alloc(1000)]);
    assert.equal((await decompress('gzip', padded, 'pad.gz', 321, { gzipEnding: 'zero-padding' })).toString(), 'member one, member two');
    await rejectsWith(decompress('gzip', padded, 'pad.gz'), 'E_FORMAT', 'pad.gz: corrupt gzip data (zero bytes after a member)');
  });

  test('the docker20-multi.tar.gz fixture (gzip -9 -n) decodes to the plain fixture', async () => {
    use();
    const gz = await readFile(fixture('docker20-multi.tar.gz'));
    assert.deepEqual(await decompress('gzip', gz, 'fixture.gz', 65536), await readFile(fixture('docker20-multi.tar')));
  });

  test('truncated, garbage and empty input are coded errors naming the file', async () => {
    use();
    const gz = await compress('gzip', data);
    await rejectsWith(decompress('gzip', gz.subarray(0, gz.length - 100), 'layer.tar.gz'), 'E_TRUNCATED', 'layer.tar.gz: truncated gzip data');
    await rejectsWith(decompress('gzip', Buffer.alloc(0), 'empty.gz'), 'E_TRUNCATED', 'empty.gz: truncated gzip data');
    await rejectsWith(decompress('gzip', Buffer.from('this is not gzip at all'), 'junk.gz'), 'E_FORMAT', /^junk\.gz: corrupt gzip data/);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x5a, 2000, 3000);
    await rejectsWith(decompress('gzip', corrupt, 'bad.gz'), 'E_FORMAT', /^bad\.gz: corrupt gzip data/);
  });
});
}

describe('decompressAuto', () => {
  test('plain, gzip and zstd streams come out as the same bytes', async () => {
    for (const [c, bytes] of [
      ['none', data],
      ['gzip', await compress('gzip', data)],
      ['zstd', await compress('zstd', data)],
    ] as const) {
      const { compression, stream } = await decompressAuto(chunked(bytes), `x.${c}`);
      assert.equal(compression, c);
      assert.deepEqual(await buffer(stream), data);
    }
  });

  test('an error of the source reaches the reader unchanged, not as "corrupt data"', async () => {
    const gz = await compress('gzip', data);
    const boom = new BalerError('E_IO', 'x.gz: read failed');
    let sent = 0;
    const src = new Readable({
      read() {
        if (sent === 0) {
          sent++;
          this.push(gz.subarray(0, 5000));
        } else this.destroy(boom);
      },
    });
    const { compression, stream } = await decompressAuto(src, 'x.gz');
    assert.equal(compression, 'gzip');
    await assert.rejects(buffer(stream), (e) => e === boom);
  });

  test('a truncated gzip source reports E_TRUNCATED through the returned stream', async () => {
    const gz = await compress('gzip', data);
    const { stream } = await decompressAuto(chunked(gz.subarray(0, 9000)), 'cut.tar.gz');
    await rejectsWith(buffer(stream), 'E_TRUNCATED', 'cut.tar.gz: truncated gzip data');
  });
});
