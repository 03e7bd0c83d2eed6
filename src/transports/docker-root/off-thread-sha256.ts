import { createHash } from 'node:crypto';
import type { Digest } from '../../model/digest.js';
import { RingChannel } from './check-thread.js';

/** Incremental SHA-256 computed on the check thread (check-thread.ts). Use one per stream, in order. */
export class OffThreadSha256 {
  private readonly channel: RingChannel;
  private digestWaiter: { resolve: (d: Digest) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    this.channel = new RingChannel(
      { kind: 'sha256' },
      { digest: (hex) => this.digestWaiter?.resolve(`sha256:${hex}` as Digest), fail: (err) => this.digestWaiter?.reject(err) },
    );
  }

  /** Total bytes given to update() so far. */
  get length(): number {
    return this.channel.written;
  }

  /** Adds `data`; returns a promise only when the caller must wait for the worker (await it before the next call). */
  update(data: Uint8Array): Promise<void> | undefined {
    return this.channel.write(data);
  }

  /** The digest of everything given; the hasher is closed afterwards. */
  async digest(): Promise<Digest> {
    if (this.channel.failure) throw this.channel.failure;
    const result = new Promise<Digest>((resolve, reject) => {
      this.digestWaiter = { resolve, reject };
    });
    this.channel.askDigest();
    try {
      return await result;
    } finally {
      this.channel.dispose();
    }
  }

  /** Forgets the hash (a failed or abandoned stream); safe to call more than once, or after digest(). */
  dispose(): void {
    this.channel.dispose();
  }
}

/** The same interface, hashing on the calling thread: for streams too small to be worth a message. */
export class InlineSha256 {
  private readonly hash = createHash('sha256');
  length = 0;

  update(data: Uint8Array): undefined {
    this.hash.update(data);
    this.length += data.length;
    return undefined;
  }

  async digest(): Promise<Digest> {
    return `sha256:${this.hash.digest('hex')}` as Digest;
  }

  dispose(): void {
    // nothing held
  }
}
