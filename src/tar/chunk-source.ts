import type { Readable } from 'node:stream';

/**
 * Pull-style access to a byte stream: exact-size reads for headers, bounded reads for entry bodies,
 * and skipping. Holds at most one source chunk beyond what the caller asked for.
 */
export class ChunkSource {
  private readonly it: AsyncIterator<unknown>;
  private pending: Buffer | undefined;
  private done = false;
  /** Bytes handed out or skipped so far: the offset of the next byte. */
  position = 0;

  constructor(private readonly stream: Readable) {
    this.it = stream[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.pending && this.pending.length > 0) return true;
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    const v = r.value;
    this.pending = Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v) : Buffer.from(v as Uint8Array);
    return true;
  }

  /** Up to `max` bytes (at least 1), or undefined at the end of the stream. */
  async readSome(max: number): Promise<Buffer | undefined> {
    if (!(await this.fill())) return undefined;
    const p = this.pending!;
    const out = p.length <= max ? p : p.subarray(0, max);
    this.pending = p.length <= max ? undefined : p.subarray(max);
    this.position += out.length;
    return out;
  }

  /** Exactly `n` bytes, or fewer if the stream ends first (the caller decides if that is truncation). */
  async readExact(n: number): Promise<Buffer> {
    const first = await this.readSome(n);
    if (!first || first.length === n) return first ?? Buffer.alloc(0);
    const parts = [first];
    let have = first.length;
    while (have < n) {
      const more = await this.readSome(n - have);
      if (!more) break;
      parts.push(more);
      have += more.length;
    }
    return Buffer.concat(parts, have);
  }

  /** Skips `n` bytes; returns how many were actually there. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const b = await this.readSome(left);
      if (!b) break;
      left -= b.length;
    }
    return n - left;
  }

  /** Consumes whatever is left (so upstream hashing and pipelines see the whole stream). */
  async drain(): Promise<void> {
    while (await this.readSome(Number.MAX_SAFE_INTEGER));
  }

  /** Stops reading early: destroys the source. */
  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
    this.stream.destroy();
  }
}
