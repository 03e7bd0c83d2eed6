import { createGunzip } from 'node:zlib';
import type { Duplex, Transform } from 'node:stream';
import { corruptError, errorText, mapStreamErrors, truncatedError } from './decode-errors.js';
import { isalGunzip } from './isal-gunzip.js';
import { ParallelGzip } from './parallel-gzip.js';

/** Default level 6 matches `gzip`/Docker; blocks are deflated on several threads at once (parallel-gzip.ts). */
export function gzipCompressor(level?: number): Transform {
  return new ParallelGzip(level ?? 6);
}

/**
 * ISA-L's inflate when its addon was built (isal-gunzip.ts: ~2.4x faster), else node's zlib. Both continue
 * across concatenated members (pigz, `cat a.gz b.gz`) and stop at trailing zero padding, which some tools
 * append; what remains for zlib is naming the file in its errors.
 */
export function gzipDecompressor(what: string): Duplex {
  const isal = isalGunzip(what);
  if (isal) return isal;
  const z = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  return mapStreamErrors(z, (err) => gunzipError(err, what));
}

/**
 * Output buffer size of every gunzip. Each output chunk costs a zlib callback and a trip through every
 * stage behind it (the diff_id check's hop and hash, a writer): gunzip -> DeferredPassThrough -> SHA-256
 * of the bench's 212 MB base layer took a median 0.98 s of CPU with 1 MiB chunks against 1.15 s with
 * 256 KiB (8 interleaved runs, 2-core machine); 512 KiB to 4 MiB were alike, 64 KiB cost more still.
 */
const GUNZIP_CHUNK_BYTES = 1024 * 1024;

/** The user's one-line error for an error zlib's gunzip raised; undefined for any other error. */
function gunzipError(err: Error, what: string): Error | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return undefined; // not zlib's own error
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message)) return truncatedError('gzip', what, err);
  return corruptError('gzip', what, errorText(err), err);
}
