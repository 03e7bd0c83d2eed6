import { fstat, type BigIntStats } from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { BalerError, fromSystemError } from '../errors.js';
import { hashThreadPays, sha256OfFdOffThread, type FileHashJob } from '../io/file-sha256-thread.js';
import { vouchFor } from '../io/hashing.js';
import type { Descriptor } from '../model/descriptor.js';
import type { BlobFile, ImageSource } from '../transports/types.js';

const fstatBig = promisify((fd: number, cb: (err: NodeJS.ErrnoException | null, st: BigIntStats) => void) => fstat(fd, { bigint: true }, cb));

/** Bytes per read on the main thread (the copy). */
const READ_BYTES = 1024 * 1024;
/** Below this a blob is hashed inline by the caller: a worker round trip would cost more than it saves. */
const OFF_THREAD_MIN_BYTES = 4 * 1024 * 1024;

/** A stored blob opened for an off-thread hash: its file, and the file's stat taken before any read. */
export interface OpenedBlobFile {
  readonly file: BlobFile;
  readonly fd: number;
  readonly before: BigIntStats;
}

/** True when `d` is worth hashing on a worker: a file the source can offer, big enough, and a second core. */
export function hashesOffThread(source: ImageSource, d: Descriptor): boolean {
  return source.openBlobFile !== undefined && d.size >= OFF_THREAD_MIN_BYTES && hashThreadPays();
}

/**
 * Opens `d`'s file for checkedBlobFileStream, or undefined when the source offers no such file (or it is
 * not worth it, see hashesOffThread): the caller then fetches and hashes the blob itself.
 */
export async function openBlobForCheck(source: ImageSource, d: Descriptor): Promise<OpenedBlobFile | undefined> {
  if (!source.openBlobFile || !hashesOffThread(source, d)) return undefined;
  const file = await source.openBlobFile(d);
  if (!file) return undefined;
  if (file.fd === undefined) {
    await file.close();
    return undefined;
  }
  try {
    return { file, fd: file.fd, before: await fstatBig(file.fd) };
  } catch {
    await file.close();
    return undefined; // the caller's fetchBlob reports what is wrong with the file
  }
}

/**
 * A blob the source offers as a local file (ImageSource.openBlobFile), as a stream that is verified like
 * a VerifyingStream would verify it, but hashed on a worker thread reading the same fd
 * (io/file-sha256-thread.ts): the stream fails instead of ending unless the worker's SHA-256 and byte
 * count match the descriptor, so it is vouched for (io/hashing.ts) and the pipeline only counts its bytes.
 * `what` names the blob in errors, which read exactly as VerifyingStream's.
 *
 * Why this is the same check as hashing the copied bytes: both threads read one open file (one inode,
 * whatever is renamed or replaced meanwhile) through the page cache, so they see different bytes only if
 * the file is written to while they read it; a write changes the file's mtime and ctime (or size), so
 * all must be the same at the end as before the first read (ctime, unlike mtime, cannot be set back).
 * Store blobs are never written in place, so this fails only for a file changed under a running save.
 * Undefined when the source offers no such file, the blob is small or there is no second core: the
 * caller then fetches and hashes the blob itself.
 */
export async function openCheckedBlobFile(source: ImageSource, d: Descriptor, what: string): Promise<Readable | undefined> {
  const opened = await openBlobForCheck(source, d);
  return opened && checkedBlobFileStream(opened, sha256OfFdOffThread(opened.fd), d, what);
}

/**
 * The checked stream of an opened blob whose hash `job` (of `opened.fd`, started any time after
 * `opened.before` was taken, perhaps long before: pipeline/prehashed-blob-files.ts) is under way or done.
 * The job may also run on this thread (io/file-sha256-inline.ts): it reads the same fd all the same.
 * The stream owns both from now on: it stops the job and closes the file when it is destroyed or ends.
 */
export function checkedBlobFileStream(opened: OpenedBlobFile, job: FileHashJob, d: Descriptor, what: string): Readable {
  return vouchFor(new CheckedFileStream(opened, job, d, what), d.digest, d.size);
}

class CheckedFileStream extends Readable {
  private position = 0;
  private readonly file: BlobFile;
  private readonly fd: number;
  private readonly before: BigIntStats;
  /** Settles once the worker no longer reads the fd (the fd may be closed only then). */
  private readonly jobSettled: Promise<unknown>;
  private reading: Promise<unknown> = Promise.resolve();

  constructor(
    opened: OpenedBlobFile,
    private readonly job: FileHashJob,
    private readonly d: Descriptor,
    private readonly what: string,
  ) {
    super({ highWaterMark: READ_BYTES });
    this.file = opened.file;
    this.fd = opened.fd;
    this.before = opened.before;
    this.jobSettled = this.job.result.catch(() => undefined);
  }

  override _read(): void {
    const buf = Buffer.allocUnsafe(READ_BYTES);
    const read = this.file.read(buf, 0, READ_BYTES, this.position).then(
      ({ bytesRead }) => {
        if (this.destroyed) return;
        if (bytesRead === 0) {
          this.reading = this.finish();
          return;
        }
        this.position += bytesRead;
        if (this.position > this.d.size) {
          this.destroy(new BalerError('E_DIGEST_MISMATCH', `${this.what}: size mismatch, expected ${this.d.size} bytes, got more`));
          return;
        }
        this.push(bytesRead === READ_BYTES ? buf : buf.subarray(0, bytesRead));
      },
      (err: unknown) => this.destroy(fromSystemError(err, this.what)),
    );
    this.reading = read;
  }

  /** At end of file: the worker's verdict, and proof the file did not change while both read it. */
  private async finish(): Promise<void> {
    try {
      const hashed = await this.job.result;
      const after = await fstatBig(this.fd);
      if (hashed.size !== this.position || after.size !== this.before.size || after.mtimeNs !== this.before.mtimeNs || after.ctimeNs !== this.before.ctimeNs) {
        throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: the blob file changed while it was read`);
      }
      if (hashed.size !== this.d.size) {
        throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: size mismatch, expected ${this.d.size} bytes, got ${hashed.size}`);
      }
      if (hashed.digest !== this.d.digest) {
        throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: digest mismatch, expected ${this.d.digest}, got ${hashed.digest}`);
      }
      if (!this.destroyed) this.push(null);
    } catch (err) {
      // the worker's read errors do not know the blob's name
      this.destroy(err instanceof BalerError && err.code === 'E_IO' ? new BalerError('E_IO', `${this.what}: ${err.message}`, { cause: err }) : fromSystemError(err, this.what));
    }
  }

  /** Stops the worker, and closes the fd only once neither thread reads it. */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.job.stop();
    void Promise.all([this.reading.catch(() => undefined), this.jobSettled])
      .then(() => this.file.close())
      .then(
        () => cb(err),
        (closeErr: unknown) => cb(err ?? (closeErr as Error)),
      );
  }
}
