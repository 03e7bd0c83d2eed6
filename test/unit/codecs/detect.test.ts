import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, describe, test } from 'node:test';
import { compressionFromFileName, peekStream, sniffCompression, sniffFileCompression } from '../../../src/codecs/index.js';
import { fixture } from '../../helpers/paths.js';
import { TempDirs } from '../../helpers/temp-dirs.js';
import { chunked, rejectsWith, sampleBytes } from './codec-test-data.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

describe('sniffCompression', () => {
  const cases: Array<[number[], string]> = [
    [[0x1f, 0x8b, 0x08, 0], 'gzip'],
    [[0x28, 0xb5, 0x2f, 0xfd, 0x24], 'zstd'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
    [[0x42, 0x5a, 0x68, 0x39], 'bzip2'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a], 'none'], // xz magic cut short
    [[0x1f], 'none'],
    [[], 'none'],
    [[...Buffer.from('manifest.json')], 'none'],
  ];
  for (const [bytes, want] of cases) test(`${Buffer.from(bytes).toString('hex') || 'empty'} -> ${want}`, () => assert.equal(sniffCompression(Uint8Array.from(bytes)), want));

  test('real fixture files', async () => {
    assert.equal(await sniffFileCompression(fixture('docker20-multi.tar')), 'none');
    assert.equal(await sniffFileCompression(fixture('docker20-multi.tar.gz')), 'gzip');
    assert.equal(await sniffFileCompression(fixture('docker20-multi.tar.zst')), 'zstd');
    await rejectsWith(sniffFileCompression(join(await tmp.make(), 'missing.tar')), 'E_NOT_FOUND', /missing\.tar: no such file/);
  });
});

test('compressionFromFileName', () => {
  assert.equal(compressionFromFileName('x.tar.gz'), 'gzip');
  assert.equal(compressionFromFileName('X.TGZ'), 'gzip');
  assert.equal(compressionFromFileName('x.tar.zst'), 'zstd');
  assert.equal(compressionFromFileName('x.tar'), undefined);
  assert.equal(compressionFromFileName('x.tar.xz'), undefined);
});

describe('peekStream', () => {
  test('returns the head and a stream that still has every byte (321-byte chunks)', async () => {
    const data = sampleBytes(10_000);
    const { head, stream } = await peekStream(chunked(data), 6);
    assert.deepEqual(head, data.subarray(0, 6));
    assert.deepEqual(await buffer(stream), data);
  });

  test('a head spread over 1-byte chunks, a stream shorter than n, and an empty stream', async () => {
    const data = Buffer.from('abcdefgh');
    const one = await peekStream(chunked(data, 1), 6);
    assert.equal(one.head.toString(), 'abcdef');
    assert.equal((await buffer(one.stream)).toString(), 'abcdefgh');
    const short = await peekStream(Readable.from([Buffer.from('ab')]), 6);
    assert.equal(short.head.toString(), 'ab');
    assert.equal((await buffer(short.stream)).toString(), 'ab');
    const empty = await peekStream(Readable.from([]), 6);
    assert.equal(empty.head.length, 0);
    assert.equal((await buffer(empty.stream)).length, 0);
  });

  test('a slow producer: waits for enough bytes', async () => {
    const p = new PassThrough();
    const peeked = peekStream(p, 4);
    p.write('a');
    setTimeout(() => {
      p.write('bcd');
      p.end('e');
    }, 10);
    const { head, stream } = await peeked;
    assert.equal(head.toString(), 'abcd');
    assert.equal((await buffer(stream)).toString(), 'abcde');
  });

  test('an error before the head is complete rejects', async () => {
    const s = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await assert.rejects(peekStream(s, 6), /disk on fire/);
  });
});

test('compressor() refuses levels a codec does not have, with a usage error', async () => {
  const { compressor } = await import('../../../src/codecs/index.js');
  assert.throws(() => compressor('gzip', 0), { message: 'gzip compression level must be 1-9, got 0' });
  assert.throws(() => compressor('zstd', 23), { message: 'zstd compression level must be 1-19, got 23' });
  assert.throws(() => compressor('zstd', 2.5), (e: unknown) => (e as { code?: string }).code === 'E_USAGE');
  assert.ok(compressor('zstd', 19));
  assert.ok(compressor('none', 99), "'none' ignores the level");
});
