import { once } from 'node:events';
import { Transform, Writable, type Duplex, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressor, type Compression } from '../codecs/index.js';
import { VerifyingStream } from '../io/hashing.js';
import type { Digest } from '../model/digest.js';

/**
 * Passes compressed layer bytes through unchanged while decompressing a copy of them on the side and
 * checking that the uncompressed content hashes to the config's diff_id. The check fails the stream at
 * its end, before the consumer sees `end`, so a sink never commits a layer whose content lies.
 *
 * A decompression error is held until the end: a corrupted blob is then reported by the source-digest
 * check that sits before this stream (exit 5), not as a malformed-gzip error.
 */
export class DiffIdTee extends Transform {
  private readonly dec: Duplex;
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  constructor(compression: Compression, diffId: Digest, what: string) {
    super();
    this.dec = decompressor(compression, what);
    const check = new VerifyingStream(diffId, undefined, what);
    const discard = new Writable({ write: (_c, _e, cb) => cb() });
    this.done = pipeline(this.dec, check, discard).catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.failure || this.dec.destroyed) {
      cb(null, chunk);
      return;
    }
    if (this.dec.write(chunk)) {
      cb(null, chunk);
      return;
    }
    // backpressure from the side hasher; give up waiting if it fails instead of draining
    Promise.race([once(this.dec, 'drain').catch(() => undefined), this.done]).then(
      () => cb(null, chunk),
      (err: unknown) => cb(err as Error),
    );
  }

  override _flush(cb: TransformCallback): void {
    if (!this.dec.destroyed) this.dec.end();
    this.done.then(
      () => cb(this.failure ?? null),
      (err: unknown) => cb(err as Error),
    );
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (!this.dec.destroyed) this.dec.destroy();
    cb(err);
  }
}
