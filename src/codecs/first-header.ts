import type { Duplex } from 'node:stream';
import { crc32 } from './crc32.js';
import { CompressedDataError } from './decode-errors.js';
import type { Compression } from './detect.js';

/** Enough of a stream's start to judge any codec's first header here (xz's stream header is the longest). */
const FIRST_HEADER_BYTES = 12;

const BZIP2_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZIP2_END = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/**
 * Whether `head`, a stream's first bytes, is a well-formed first header of `c`, judged past the magic
 * number that chose `c` (a magic of 2-4 bytes also starts ordinary files). Fixed fields only, so the
 * verdict never depends on how far a decoder got before it failed, nor on where reads split the input.
 */
export function opensWithHeader(c: Exclude<Compression, 'none'>, head: Buffer): boolean {
  switch (c) {
    case 'gzip': // RFC 1952 §2.3: method deflate, no reserved flag
      return head.length >= 10 && head[2] === 8 && (head[3]! & 0xe0) === 0;
    case 'zstd': // RFC 8878 §3.1.1: a frame descriptor with its reserved bit clear; or a skippable frame's size
      return head[0] === 0x28 ? head.length >= 5 && (head[4]! & 0x08) === 0 : head.length >= 8;
    case 'xz': // stream header: magic, flags 00 0X, and their CRC32
      return head.length >= 12 && head[6] === 0 && (head[7]! & 0xf0) === 0 && crc32(head.subarray(6, 8)) === head.readUInt32LE(8);
    case 'bzip2': // "BZh", a block size digit 1-9, then the magic of a block or of the stream's end
      return head.length >= 10 && head[3]! >= 0x31 && head[3]! <= 0x39 && [BZIP2_BLOCK, BZIP2_END].some((m) => m.every((b, i) => head[4 + i] === b));
  }
}

/**
 * Sets `badFirstHeader` on a CompressedDataError leaving decompressor `s` of `c`, from the first bytes
 * written to it, so a caller guessing what a file holds can tell damage inside real compressed data from
 * a file that only happens to begin with a magic number.
 */
export function judgeFirstHeader<T extends Duplex>(s: T, c: Exclude<Compression, 'none'>): T {
  const seen: Buffer[] = [];
  let have = 0;
  const write = s._write.bind(s);
  s._write = (chunk: Buffer, encoding: BufferEncoding, cb: (error?: Error | null) => void): void => {
    if (have < FIRST_HEADER_BYTES) {
      seen.push(chunk.subarray(0, FIRST_HEADER_BYTES - have));
      have += seen.at(-1)!.length;
    }
    write(chunk, encoding, cb);
  };
  const destroy = s._destroy.bind(s);
  s._destroy = (err: Error | null, cb: (error?: Error | null) => void): void => {
    destroy(err, (final) => {
      if (final instanceof CompressedDataError) final.badFirstHeader = !opensWithHeader(c, Buffer.concat(seen));
      cb(final);
    });
  };
  return s;
}
