import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';

/** Reads a whole (small) stream, refusing more than `limit` bytes: for manifests and configs only. */
export async function readAtMost(s: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of s) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > limit) {
      s.destroy();
      throw new BalerError('E_FORMAT', `${what}: larger than ${limit} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, n);
}
