import { createGunzip } from 'node:zlib';
import type { Duplex, Transform } from 'node:stream';
import { corruptError, errorText, mapStreamErrors, truncatedError } from './decode-errors.js';
import { ParallelGzip } from './parallel-gzip.js';

/** Default level 6 matches `gzip`/Docker; blocks are deflated on several threads at once (parallel-gzip.ts). */
export function gzipCompressor(level?: number): Transform {
  return new ParallelGzip(level ?? 6);
}

/**
 * Node's gunzip already continues across concatenated members (pigz, `cat a.gz b.gz`) and stops at
 * trailing zero padding, which some tools append; what remains is naming the file in its errors.
 */
export function gzipDecompressor(what: string, chunkSize = GUNZIP_CHUNK_BYTES): Duplex {
  const z = createGunzip({ chunkSize });
  return mapStreamErrors(z, (err) => gunzipError(err, what));
}

/** Output buffer size of every gunzip (also the one on the diff_id check's thread: same zlib, same calls). */
export const GUNZIP_CHUNK_BYTES = 256 * 1024;

/** The user's one-line error for an error zlib's gunzip raised; undefined for any other error. */
export function gunzipError(err: Error, what: string): Error | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code !== 'string' || !code.startsWith('Z_')) return undefined; // not zlib's own error
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message)) return truncatedError('gzip', what, err);
  return corruptError('gzip', what, errorText(err), err);
}
