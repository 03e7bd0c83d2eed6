import { createHash } from 'node:crypto';
import { read } from 'node:fs';
import { BalerError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import type { FileHash, FileHashJob } from './file-sha256-thread.js';

/** Bytes per positional read, as the worker reads them. */
const READ_BYTES = 1024 * 1024;

function readAt(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * The same job as sha256OfFdOffThread (io/file-sha256-thread.ts), run on THIS thread: positional reads on
 * libuv's thread pool, hashed here between other work, one MiB at a time. For a thread that would
 * otherwise wait: pipeline/prehashed-blob-files.ts gives the main thread a blob to hash beside the
 * workers, which on two cores does the work of a second worker without the ~65 ms of CPU a worker
 * costs to start.
 *
 * Same contract for the fd: it must stay open until `result` settles, which happens only once no read
 * of it is under way (a stop waits for the read in flight).
 */
export function sha256OfFdInline(fd: number): FileHashJob {
  let stopped = false;
  const run = async (): Promise<FileHash> => {
    const hash = createHash('sha256');
    // two buffers: the next chunk is read into one while the other is hashed
    let next = Buffer.allocUnsafe(READ_BYTES);
    let spare = Buffer.allocUnsafe(READ_BYTES);
    let position = 0;
    let reading = readAt(fd, next, 0);
    for (;;) {
      const n = await reading;
      if (n === 0) break;
      if (stopped) throw new BalerError('E_CANCELLED', 'hashing was stopped');
      const chunk = next;
      [next, spare] = [spare, chunk];
      position += n;
      reading = readAt(fd, next, position);
      hash.update(n === READ_BYTES ? chunk : chunk.subarray(0, n));
    }
    return { digest: `sha256:${hash.digest('hex')}` as Digest, size: position };
  };
  const result = run().catch((err: unknown) => {
    if (err instanceof BalerError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new BalerError('E_IO', `reading for the hash failed: ${e.message}`, { cause: err });
  });
  return { result, stop: () => (stopped = true) };
}
