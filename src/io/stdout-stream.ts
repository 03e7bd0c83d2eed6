import { fstatSync, createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

const HIGH_WATER = 8 * 1024 * 1024;

/**
 * A writable for an archive written to standard output. Node writes process.stdout synchronously when it
 * is a regular file, so the main thread stalls in write(2) for every chunk and cannot hash the next one
 * meanwhile. When `out` is the process's own stdout and fd 1 is a regular file (`baler save > FILE`), an fs
 * stream on fd 1 does the writes on libuv's thread pool instead. A pipe stays with process.stdout: Node
 * makes a pipe's fd non-blocking, and fs writes to it fail with EAGAIN once a slow reader lets it fill
 * (`baler save | ctr images import -` broke that way). Anything else is returned as it is.
 * The fd is never closed: the process owns it.
 */
export function archiveStdout(out: Writable): Writable {
  if (out !== process.stdout) return out;
  let regularFile: boolean;
  try {
    regularFile = fstatSync(1).isFile();
  } catch {
    regularFile = false;
  }
  if (!regularFile) return out;
  return createWriteStream('', { fd: 1, autoClose: false, highWaterMark: HIGH_WATER });
}

/** Resolves when every chunk written to `out` so far has reached the kernel (the CLI may exit right after). */
export function flushed(out: Writable): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.resolve();
  return new Promise((resolve, reject) => out.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
}
