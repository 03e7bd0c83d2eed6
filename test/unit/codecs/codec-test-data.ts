import { Readable } from 'node:stream';
export { rejectsWith } from '../../helpers/baler-error.js';

/** Semi-compressible bytes (text-like with repeats and noise), deterministic for a given size. */
export function sampleBytes(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = (x >>> 24) % 7 === 0 ? x & 0xff : 0x61 + ((i >> 4) % 26);
  }
  return b;
}

/** A stream of `bytes` in `size`-byte chunks (the parsers' chunked twins use 321). */
export function chunked(bytes: Uint8Array, size = 321): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(parts);
}

