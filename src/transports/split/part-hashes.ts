import { createHash, type Hash } from 'node:crypto';
import type { RawTap } from '../resume/verify-partial.js';

/**
 * The sha256 of each part of a split set, from its bytes fed in order (save --resume hashes the parts
 * it keeps from the bytes it verifies, so they are read once). mark()/rollback() return to the last
 * verified entry when verification stops in the middle of one.
 */
export class PartHashes implements RawTap {
  private complete: string[] = [];
  private hash: Hash = createHash('sha256');
  private inPart = 0;
  private saved = { complete: 0, hash: createHash('sha256'), inPart: 0 };

  constructor(private readonly partSize: number) {}

  update(bytes: Uint8Array): void {
    let rest = bytes;
    while (rest.length > 0) {
      const n = Math.min(rest.length, this.partSize - this.inPart);
      this.hash.update(rest.subarray(0, n));
      this.inPart += n;
      rest = rest.subarray(n);
      if (this.inPart === this.partSize) {
        this.complete.push(this.hash.digest('hex'));
        this.hash = createHash('sha256');
        this.inPart = 0;
      }
    }
  }

  mark(): void {
    this.saved = { complete: this.complete.length, hash: this.hash.copy(), inPart: this.inPart };
  }

  rollback(): void {
    this.complete = this.complete.slice(0, this.saved.complete);
    this.hash = this.saved.hash.copy();
    this.inPart = this.saved.inPart;
  }

  /** The sha256 (hex) of every complete part so far. */
  completeParts(): readonly string[] {
    return this.complete;
  }

  /** The part being filled: its bytes so far and their running hash (undefined when none). */
  openPart(): { size: number; hash: Hash } | undefined {
    return this.inPart > 0 ? { size: this.inPart, hash: this.hash.copy() } : undefined;
  }
}
