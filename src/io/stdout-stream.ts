import { fstatSync, createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

const HIGH_WATER = 8 * 1024 * 1024;

/**
 * A writable for an archive written to standard output. Node writes process.stdout synchronously when
 * it is a file or a pipe (on Linux), so the main thread stalls in write(2) for every chunk and cannot
 * hash the next one meanwhile. When `out` is the process's own stdout and fd 1 is a regular file or a
 * pipe, an fs stream on fd 1 does the writes on libuv's thread pool instead, overlapping them with
 * hashing. Anything else (a terminal, a socket, a test's stream) is returned as it is.
 * The fd is never closed: the process owns it.
 */
export function archiveStdout(out: Writable): Writable {
  if (out !== process.stdout) return out;
  let kind: 'file' | 'pipe' | 'other';
  try {
    const st = fstatSync(1);
    kind = st.isFile() ? 'file' : st.isFIFO() ? 'pipe' : 'other';
  } catch {
    kind = 'other';
  }
  if (kind === 'other') return out;
  const stream = createWriteStream('', { fd: 1, autoClose: false, highWaterMark: HIGH_WATER });
  // the CLI watches process.stdout for EPIPE (a reader that went away); errors of this stream go the same way
  stream.on('error', (err) => process.stdout.emit('error', err));
  return stream;
}

/** Resolves when every chunk written to `out` so far has reached the kernel (the CLI may exit right after). */
export function flushed(out: Writable): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.resolve();
  return new Promise((resolve, reject) => out.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
}
