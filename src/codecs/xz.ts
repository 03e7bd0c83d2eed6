import type { Duplex } from 'node:stream';
import { ExternalDecompressor } from './external-decompressor.js';

/** Decompress only (see external-decompressor.ts for why xz goes through the system tool). */
export function xzDecompressor(what: string): Duplex {
  return new ExternalDecompressor(
    { codec: 'xz', command: 'xz', args: ['-dc', '-T1', '-q'], truncated: /unexpected end of input/i },
    what,
  );
}
