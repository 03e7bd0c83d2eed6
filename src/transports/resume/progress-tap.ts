import type { TransformCallback } from 'node:stream';
import { HashingStream } from '../../io/hashing.js';
import { hexOf, type Digest } from '../../model/digest.js';
import type { BlobProgress } from './save-journal.js';

/** How often (in blob bytes) a progress line is offered to the journal. */
const PROGRESS_EVERY = 4 * 1024 * 1024;

/** Blobs smaller than this are fetched again whole: a progress line would not save a round trip. */
export const PROGRESS_MIN_SIZE = PROGRESS_EVERY;

export interface ProgressEntry {
  digest: Digest;
  size: number;
  mediaType: string;
  /** Offset of the entry's header in the written bytes. */
  start: number;
  /** Offset of its first data byte. */
  dataStart: number;
}

/**
 * Passes a blob's data through on its way into the tar and hashes it, offering `report` a BlobProgress
 * every few MiB: the sha256 of the data so far (HashingStream.digestSoFar, so the blob is hashed once)
 * and where those bytes end in the written file.
 */
export class ProgressTap extends HashingStream {
  private reported = 0;

  constructor(
    private readonly entry: ProgressEntry,
    private readonly report: (p: BlobProgress, end: number) => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, enc: BufferEncoding, cb: TransformCallback): void {
    super._transform(chunk, enc, cb);
    const have = this.bytes;
    if (have - this.reported >= PROGRESS_EVERY && have < this.entry.size) {
      this.reported = have;
      const e = this.entry;
      this.report({ digest: e.digest, size: e.size, mediaType: e.mediaType, start: e.start, have, sha256: hexOf(this.digestSoFar()) }, e.dataStart + have);
    }
  }
}
