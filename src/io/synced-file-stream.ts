import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { fromSystemError } from '../errors.js';

/** Default distance between background flushes: big enough to batch, small enough to keep the disk busy. */
export const SYNC_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * Default buffer. With 1 MiB chunks and a 1 MiB buffer each write had to finish before the next chunk
 * was hashed (read, hash and write ran one after the other); 8 MiB lets the writes queue while the
 * main thread hashes, so the two overlap on two cores (200 MB blob: ~0.85 s -> ~0.55 s).
 */
export const FILE_BUFFER_BYTES = 8 * 1024 * 1024;

export interface SyncedFileStreamOptions {
  /** Bytes buffered before write() asks the producer to wait (default FILE_BUFFER_BYTES). */
  highWaterMark?: number;
  /** Start a background fdatasync after this many new bytes (default SYNC_EVERY_BYTES; 0 = never). */
  syncEvery?: number;
  /** File offset of the first byte written (default 0: a new file; the size of one being continued). */
  start?: number;
  /** Names the file in errors (`app.tar: no space left on device`); raw system errors otherwise. */
  what?: string;
}

/**
 * A Writable over an open file (written in order from `start`, 0 by default) that starts an fdatasync in the
 * background every `syncEvery` bytes while writing goes on. A file that is fsynced before it is
 * published (atomic-file.ts, store blobs) then has only its tail left to flush at the end: the disk
 * writes while the CPU reads and hashes, instead of afterwards, and the page cache never fills up with
 * dirty pages that throttle the writer. Buffered chunks go out in one writev. The caller owns `fh`.
 */
export class SyncedFileStream extends Writable {
  /** Bytes written so far by this stream (not counting `start`). */
  bytesWritten = 0;
  private readonly start: number;
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  private syncError: Error | undefined;
  private readonly syncEvery: number;
  private readonly what: string | undefined;

  constructor(
    private readonly fh: FileHandle,
    o: SyncedFileStreamOptions = {},
  ) {
    super({ highWaterMark: o.highWaterMark ?? FILE_BUFFER_BYTES });
    this.syncEvery = o.syncEvery ?? SYNC_EVERY_BYTES;
    this.start = o.start ?? 0;
    this.what = o.what;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => cb(), (err: unknown) => cb(this.named(err)));
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.writeAll(chunks.map((c) => c.chunk)).then(() => cb(), (err: unknown) => cb(this.named(err)));
  }

  /** A full disk is the user's to fix: one line naming the file, not an internal error. */
  private named(err: unknown): Error {
    return this.what === undefined ? (err as Error) : fromSystemError(err, this.what);
  }

  /**
   * Waits for a background flush still running. A failed one is an error here: after a failed
   * fdatasync the kernel may drop the dirty pages and report success to the next fsync.
   */
  async settled(): Promise<void> {
    await this.syncing;
    if (this.syncError) throw this.named(this.syncError);
  }

  private async writeAll(bufs: Buffer[]): Promise<void> {
    if (this.syncError) throw this.syncError;
    let left = bufs;
    while (left.length > 0) {
      // writev may write less than asked (a signal, a huge batch); go on from where it stopped
      const { bytesWritten } = await this.fh.writev(left, this.start + this.bytesWritten);
      if (bytesWritten === 0 && left.some((b) => b.length > 0)) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' });
      this.bytesWritten += bytesWritten;
      this.unsynced += bytesWritten;
      left = dropFront(left, bytesWritten);
    }
    this.maybeSyncInBackground();
  }

  private maybeSyncInBackground(): void {
    if (this.syncEvery <= 0 || this.unsynced < this.syncEvery || this.syncing) return;
    this.unsynced = 0;
    this.syncing = this.fh
      .datasync()
      .catch((err: unknown) => {
        this.syncError ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.syncing = undefined;
      });
  }
}

/** The buffers left after the first `n` bytes of `bufs`. */
function dropFront(bufs: readonly Buffer[], n: number): Buffer[] {
  let skip = n;
  let i = 0;
  while (i < bufs.length && skip >= (bufs[i] as Buffer).length) skip -= (bufs[i++] as Buffer).length;
  const rest = bufs.slice(i);
  if (skip > 0 && rest.length > 0) rest[0] = (rest[0] as Buffer).subarray(skip);
  return rest;
}
