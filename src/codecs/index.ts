import { open } from 'node:fs/promises';
import { PassThrough, pipeline, type Duplex, type Readable, type Transform } from 'node:stream';
import { BalerError, fromSystemError } from '../errors.js';
import type { LayerCompression } from '../model/media-types.js';
import { bzip2Decompressor } from './bzip2.js';
import { SNIFF_BYTES, sniffCompression, type Compression } from './detect.js';
import { judgeFirstHeader } from './first-header.js';
import { gzipCompressor, gzipDecompressor } from './gzip.js';
import type { GzipEnding } from './gzip-header.js';
import { isalGunzip } from './isal-gunzip.js';
import { peekStream } from './peek.js';
import { xzDecompressor } from './xz.js';
import { zstdCompressor, zstdDecompressor, type ZstdCompressorOptions } from './zstd.js';

export type { Compression } from './detect.js';
export { SNIFF_BYTES, compressionFromFileName, sniffCompression } from './detect.js';
export { peekStream } from './peek.js';
export { zstdBackend, type ZstdBackend } from './zstd.js';
export { gunzipBackend, type GunzipBackend } from './isal-gunzip.js';
export type { GzipEnding } from './gzip-header.js';
export { CompressedDataError } from './decode-errors.js';

/** How to decode: `gzipEnding` is what may follow a gzip stream's last member ('end' unless told). */
export interface DecodeOptions {
  gzipEnding?: GzipEnding;
}

/** A stream that takes gzip bytes, outputs nothing, and tells the SHA-256 of their inflated content at its end. */
export interface GunzipDigester extends Duplex {
  digest(): string;
}

/**
 * The diff_id check's fast path: ISA-L inflates and hashes on a pool thread, with no inflated byte crossing
 * into JavaScript. Undefined without the ISA-L addon (the caller then decompresses and hashes itself).
 * A layer's stream: nothing may follow its last member.
 */
export function gunzipDigester(what: string): GunzipDigester | undefined {
  return isalGunzip(what, { digestOnly: true });
}

/** Levels each codec accepts: gzip 1-9 (zlib), zstd 1-19 (20-22 need --ultra memory, refused). */
export const COMPRESSION_LEVELS: Readonly<Record<'gzip' | 'zstd', readonly [number, number]>> = { gzip: [1, 9], zstd: [1, 19] };

/** A compressing transform for writing layers or archives; 'none' is a PassThrough. */
export function compressor(c: LayerCompression, level?: number, o: ZstdCompressorOptions = {}): Transform {
  if (level !== undefined && c !== 'none') {
    const [min, max] = COMPRESSION_LEVELS[c];
    if (!Number.isInteger(level) || level < min || level > max) {
      throw new BalerError('E_USAGE', `${c} compression level must be ${min}-${max}, got ${level}`);
    }
  }
  switch (c) {
    case 'gzip':
      return gzipCompressor(level);
    case 'zstd':
      return zstdCompressor(level, o);
    case 'none':
      return new PassThrough();
  }
}

/**
 * A decompressing stream whose errors are BalerErrors naming `what` (E_TRUNCATED when the data stops
 * early, E_FORMAT when it is not valid, E_UNSUPPORTED when xz/bzip2 tools are missing). gzip takes
 * nothing after its last member unless `o.gzipEnding` allows zero padding (a whole archive, not a layer).
 */
export function decompressor(c: Compression, what: string, o: DecodeOptions = {}): Duplex {
  return c === 'none' ? new PassThrough() : judgeFirstHeader(codecDecompressor(c, what, o), c);
}

function codecDecompressor(c: Exclude<Compression, 'none'>, what: string, o: DecodeOptions): Duplex {
  switch (c) {
    case 'gzip':
      return gzipDecompressor(what, o.gzipEnding);
    case 'zstd':
      return zstdDecompressor(what);
    case 'xz':
      return xzDecompressor(what);
    case 'bzip2':
      return bzip2Decompressor(what);
  }
}

/**
 * Sniffs the stream and returns it decompressed (or as-is when plain). Errors of `s` reach the
 * returned stream, so one consumer sees every failure.
 */
export async function decompressAuto(s: Readable, what: string, o: DecodeOptions = {}): Promise<{ compression: Compression; stream: Readable }> {
  const { head, stream } = await peekStream(s, SNIFF_BYTES);
  const compression = sniffCompression(head);
  if (compression === 'none') return { compression, stream };
  const dec = decompressor(compression, what, o);
  pipeline(stream, dec, () => undefined); // failures are delivered by destroying `dec` with the error
  return { compression, stream: dec };
}

export async function sniffFileCompression(path: string): Promise<Compression> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return sniffCompression(buf.subarray(0, bytesRead));
  } catch (err) {
    throw fromSystemError(err, path);
  } finally {
    await fh?.close();
  }
}
