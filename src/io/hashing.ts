import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError } from '../errors.js';
import type { Digest } from '../model/digest.js';

/** Passes bytes through unchanged while hashing and counting them. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private finalDigest: Digest | undefined;
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.finish();
    cb();
  }

  /**
   * The digest of the bytes passed so far while the stream goes on, from a copy of the running hash
   * (so the bytes are hashed once): what a checkpoint of a resumable write records.
   */
  digestSoFar(): Digest {
    return this.finalDigest ?? (`sha256:${this.hash.copy().digest('hex')}` as Digest);
  }

  /** Only valid once the stream has ended. */
  digest(): Digest {
    if (!this.finalDigest) throw new BalerError('E_INTERNAL', 'Internal error: digest read before the stream ended');
    return this.finalDigest;
  }

  /** Ends the hash (once the last byte passed): the digest of every byte. */
  protected finish(): Digest {
    this.finalDigest ??= `sha256:${this.hash.digest('hex')}` as Digest;
    return this.finalDigest;
  }
}

/**
 * Fails the stream at its end when the bytes do not hash to `expected` (or their count differs from
 * `size`; more bytes than `size` fail it at once), so a consumer never commits unverified data. `what`
 * names the blob in the error. `onBytes`: told the running total after every chunk it passed on.
 */
export class VerifyingStream extends HashingStream {
  constructor(
    readonly expected: Digest,
    readonly size: number | undefined,
    private readonly what: string,
    private readonly onBytes?: (total: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, enc: BufferEncoding, cb: TransformCallback): void {
    if (this.size !== undefined && this.bytes + chunk.length > this.size) {
      cb(new BalerError('E_DIGEST_MISMATCH', `${this.what}: size mismatch, expected ${this.size} bytes, got more`));
      return;
    }
    super._transform(chunk, enc, cb);
    this.onBytes?.(this.bytes);
  }

  override _flush(cb: TransformCallback): void {
    if (this.size !== undefined && this.bytes !== this.size) {
      cb(new BalerError('E_DIGEST_MISMATCH', `${this.what}: size mismatch, expected ${this.size} bytes, got ${this.bytes}`));
      return;
    }
    const got = this.finish();
    cb(got === this.expected ? null : digestMismatch(this.what, this.expected, got));
  }
}

/** The error of bytes that hash to `got` where `expected` was wanted. */
export function digestMismatch(what: string, expected: Digest, got: string): BalerError {
  return new BalerError('E_DIGEST_MISMATCH', `${what}: digest mismatch, expected ${expected}, got ${got}`);
}

/**
 * Streams whose bytes a VerifyingStream upstream in the same pipeline already checks. That verifier
 * fails the pipeline before its end, so the last stream errors instead of ending when the bytes are
 * wrong; a sink given such a stream can skip hashing the same bytes a second time (one SHA-256 pass
 * per copied byte instead of two or three).
 */
const vouched = new WeakMap<Readable, { digest: Digest; size: number | undefined }>();

/** Records that `stream` ends only if its bytes hash to `digest` (and number `size`, when given). */
export function vouchFor<S extends Readable>(stream: S, digest: Digest, size: number | undefined): S {
  vouched.set(stream, { digest, size });
  return stream;
}

/**
 * True when `stream` was vouched for with this digest and a size check at least as strict as the one
 * asked for; the caller may then only count bytes, not hash them.
 */
export function isVouchedFor(stream: Readable, digest: Digest, size: number | undefined): boolean {
  const v = vouched.get(stream);
  return v !== undefined && v.digest === digest && (size === undefined || v.size === size);
}

/** Counts bytes passing through (the cheap stand-in for a verifier when the bytes are vouched for). */
export class CountingStream extends Transform {
  bytes = 0;

  /** `onBytes`: told the running total after every chunk (progress of a write of unknown size). */
  constructor(private readonly onBytes?: (total: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
}

export async function sha256OfStream(s: Readable): Promise<{ digest: Digest; size: number }> {
  const h = new HashingStream();
  h.resume();
  await pipeline(s, h);
  return { digest: h.digest(), size: h.bytes };
}

export async function sha256OfFile(path: string): Promise<{ digest: Digest; size: number }> {
  return sha256OfStream(createReadStream(path, { highWaterMark: 1024 * 1024 }));
}
