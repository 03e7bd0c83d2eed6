import { Readable } from 'node:stream';

/** One read-only block of zeros shared by every skeleton body (never written to, so sharing is safe). */
const ZEROS = Buffer.alloc(1024 * 1024);

/** `size` zero bytes in 1 MiB slices of one shared block, no allocation per chunk. */
export function* zeroChunks(size: number): Generator<Buffer> {
  for (let left = size; left > 0; left -= ZEROS.length) yield left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left);
}

/**
 * A body of `size` zeros: what a "skeleton" tar carries instead of file contents when only the headers
 * matter (pass 1 of a flatten, which skips every body), so no file is opened or read for it.
 */
export function zeroStream(size: number): Readable {
  return Readable.from(zeroChunks(size), { objectMode: false });
}
