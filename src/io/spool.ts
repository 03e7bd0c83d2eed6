import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../model/digest.js';
import { HashingStream } from './hashing.js';

export interface Spooled {
  path: string;
  size: number;
  digest: Digest;
}

/** Writes a stream of unknown size to a file in `dir`, hashing it on the way (for size-first sinks). */
export async function spoolToFile(s: Readable, dir: string, name: string, signal?: AbortSignal): Promise<Spooled> {
  const path = join(dir, name);
  const h = new HashingStream();
  await pipeline(s, h, createWriteStream(path, { highWaterMark: 1024 * 1024 }), signal ? { signal } : {});
  return { path, size: h.bytes, digest: h.digest() };
}
