import { once } from 'node:events';
import { Transform, Writable, type Duplex, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressor, gunzipDigester, type Compression } from '../codecs/index.js';
import { digestMismatch, VerifyingStream } from '../io/hashing.js';
import type { Digest } from '../model/digest.js';
import { DeferredPassThrough } from './deferred-pass-through.js';

/**
 * Compressed bytes the decoder may hold unread before the main stream waits for it. Waiting on every
 * write (the decoder's own 16 KiB mark) held the download, the source-digest hash and the file write
 * back in lockstep with each inflate; a few MiB let those run while the threadpool inflates.
 */
const DECODER_AHEAD_BYTES = 2 * 1024 * 1024;

/**
 * Passes compressed layer bytes through unchanged while decompressing a copy of them on the side and
 * checking that the uncompressed content hashes to the config's diff_id. The check fails the stream at
 * its end, before the consumer sees `end`, so a sink never commits a layer whose content lies.
 *
 * A decompression error is held until the end: a corrupted blob is then reported by the source-digest
 * check that sits before this stream (exit 5), not as a malformed-gzip error.
 *
 * Three kinds of work overlap here: the main stream (source hash, write), inflating (zlib's threadpool)
 * and hashing the inflated bytes (main thread, one chunk behind the inflate: DeferredPassThrough). With
 * the ISA-L addon, gzip is inflated on a pool thread and hashed on a thread beside it (gunzipDigester),
 * which leaves the main thread only the main stream: on the bench's 75 MB gzip layer that takes SHA-256 of
 * 212 MB (~0.16 s at the ~1.3 GB/s profiled here) off the thread that also downloads, hashes and writes
 * the compressed bytes.
 */
export class DiffIdTee extends Transform {
  private readonly dec: Duplex;
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  constructor(compression: Compression, diffId: Digest, what: string) {
    super();
    const discard = new Writable({ write: (_c, _e, cb) => cb() });
    const digester = compression === 'gzip' ? gunzipDigester(what) : undefined;
    let checked: Promise<void>;
    if (digester) {
      this.dec = digester;
      checked = pipeline(digester, discard).then(() => {
        const got = digester.digest();
        if (got !== diffId) throw digestMismatch(what, diffId, got);
      });
    } else {
      this.dec = decompressor(compression, what);
      checked = pipeline(this.dec, new DeferredPassThrough(), new VerifyingStream(diffId, undefined, what), discard);
    }
    this.done = checked.catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.failure || this.dec.destroyed) {
      cb(null, chunk);
      return;
    }
    if (this.dec.write(chunk) || this.dec.writableLength <= DECODER_AHEAD_BYTES) {
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
