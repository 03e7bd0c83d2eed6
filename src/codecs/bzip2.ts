import type { Duplex } from 'node:stream';
import { ExternalDecompressor } from './external-decompressor.js';

/** Decompress only (see external-decompressor.ts for why bzip2 goes through the system tool). */
export function bzip2Decompressor(what: string): Duplex {
  return new ExternalDecompressor(
    { codec: 'bzip2', command: 'bzip2', args: ['-dc'], truncated: /ends unexpectedly/i },
    what,
  );
}
