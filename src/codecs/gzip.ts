import { createGunzip, type Gunzip } from 'node:zlib';
import type { Duplex, Transform, TransformCallback } from 'node:stream';
import { corruptError, errorText, mapStreamErrors, truncatedError } from './decode-errors.js';
import { DATA_AFTER_PADDING, isAllZero, ZEROS_AFTER_MEMBER, type GzipEnding } from './gzip-header.js';
import { isalGunzip } from './isal-gunzip.js';
import { ParallelGzip } from './parallel-gzip.js';

/** Default level 6 matches `gzip`/Docker; blocks are deflated on several threads at once (parallel-gzip.ts). */
export function gzipCompressor(level?: number): Transform {
  return new ParallelGzip(level ?? 6);
}

/**
 * ISA-L's inflate when its addon was built (isal-gunzip.ts: ~2.4x faster), else node's zlib. Both continue
 * across concatenated members (pigz, `cat a.gz b.gz`) and take after the last member what `ending` allows
 * (gzip-header.ts): nothing for a layer, zero padding for a whole archive; zlib also needs its errors to
 * name the file.
 */
export function gzipDecompressor(what: string, ending: GzipEnding = 'end'): Duplex {
  const isal = isalGunzip(what, { ending });
  if (isal) return isal;
  const z = holdToEnding(createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), ending, what);
  return mapStreamErrors(z, (err) => gunzipError(err, what));
}

/**
 * zlib's gunzip stops at a zero byte where a next member's header would start, silently, and drops the
 * rest of the chunk holding it: a later chunk starting with a non-zero byte is read as a new member,
 * failing with "incorrect header check" (garbage) or "stream.push() after EOF" (a member), so the verdict
 * depended on where reads split the file. It also ends its output there, before its input has ended, and
 * a pipeline then destroys it while the source is still being read. So that stop is caught here (its
 * end-of-output push while inflating), and what follows it is judged as isal-gunzip.ts judges it: an
 * error for a layer; for an archive, every later byte must be zero and the output ends with the input.
 */
function holdToEnding(z: Gunzip, ending: GzipEnding, what: string): Gunzip {
  let stopped = false;
  let inflating: Buffer | null = null;
  /** Input bytes of the chunks before the one being inflated; zlib's bytesWritten counts what it took. */
  let takenBefore = 0;
  let fault: Error | undefined;
  const faultAfterStop = (rest: Buffer): Error | undefined => {
    if (ending === 'end') return corruptError('gzip', what, ZEROS_AFTER_MEMBER);
    return isAllZero(rest) ? undefined : corruptError('gzip', what, DATA_AFTER_PADDING);
  };
  const push = z.push.bind(z);
  z.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk !== null || !inflating) return push(chunk, encoding);
    stopped = true; // zlib's own end of output while it still had input: a zero byte after a member
    fault = faultAfterStop(inflating.subarray(z.bytesWritten - takenBefore));
    return false;
  };
  const transform = z._transform.bind(z);
  z._transform = (chunk: Buffer, encoding: BufferEncoding, cb: TransformCallback): void => {
    if (stopped) return cb(faultAfterStop(chunk));
    inflating = chunk;
    transform(chunk, encoding, (err, data) => {
      inflating = null;
      takenBefore += chunk.length;
      cb(err ?? fault, data);
    });
  };
  return z;
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
