import { createGunzip, createGzip } from 'node:zlib';
import type { Duplex, Transform } from 'node:stream';
import { corruptError, errorText, mapStreamErrors, truncatedError } from './decode-errors.js';

/** Default level 6 matches `gzip`/Docker; 256 KiB chunks keep syscalls and callbacks few. */
export function gzipCompressor(level?: number): Transform {
  return createGzip({ level: level ?? 6, chunkSize: 256 * 1024 });
}

/**
 * Node's gunzip already continues across concatenated members (pigz, `cat a.gz b.gz`) and stops at
 * trailing zero padding, which some tools append; what remains is naming the file in its errors.
 */
export function gzipDecompressor(what: string): Duplex {
  const z = createGunzip({ chunkSize: 256 * 1024 });
  return mapStreamErrors(z, (err) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) return undefined; // not zlib's own error
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message)) return truncatedError('gzip', what, err);
    return corruptError('gzip', what, errorText(err), err);
  });
}
