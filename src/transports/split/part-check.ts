import { createHash, type Hash } from 'node:crypto';
import { BalerError } from '../../errors.js';

/** A part as the set's JSON records it, with how errors name it. */
export interface ExpectedPart {
  what: string;
  size: number;
  /** Lowercase hex. */
  sha256: string;
}

/** A reader of the set (one member's byte range), as the check needs to know it to decide on waiting. */
export interface RangeReader {
  /** The next byte it will read (whole-set offset). */
  at: number;
  readonly end: number;
  waiting: boolean;
}

/** How long a reader waits for the cursor to stop moving before it reads ahead anyway (see waitFor). */
const STALL_MS = 1000;

/**
 * The sha256 of every part of a split set, computed from the bytes the load reads anyway (hash once,
 * read once): the check keeps one cursor over the whole set and hashes whatever a read brings that
 * continues it, in order. Bytes read ahead of the cursor are not hashed then; readers ahead wait for it
 * (waitFor) while another reader is moving it, and whatever is still unhashed at the end is read by the
 * caller (MultiPartFile.confirmIntact). So each part is hashed exactly once, over exactly its bytes,
 * and compared with the recorded sha256 as soon as the cursor passes its end: the same check as
 * hashing every part before the load, only done while the load reads.
 */
export class PartCheck {
  readonly size: number;
  private cursor = 0;
  private part = 0;
  private inPart = 0;
  private hash: Hash = createHash('sha256');
  private corrupt: BalerError | undefined;
  private readonly readers = new Set<RangeReader>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly parts: readonly ExpectedPart[]) {
    this.size = parts.reduce((a, p) => a + p.size, 0);
    this.sealFinishedParts();
  }

  /** Everything up to here is hashed. */
  get hashedTo(): number {
    return this.cursor;
  }

  /** The first part found corrupt so far. */
  get failure(): BalerError | undefined {
    return this.corrupt;
  }

  /**
   * Bytes read at whole-set offset `at`: the part of them that continues the cursor is hashed. Throws
   * the corrupt-part error when a part it completes has another sha256 than recorded.
   */
  offer(at: number, bytes: Uint8Array): void {
    if (at > this.cursor || at + bytes.length <= this.cursor) return;
    let rest = bytes.subarray(this.cursor - at);
    let sealed: BalerError | undefined;
    while (rest.length > 0 && this.part < this.parts.length) {
      const p = this.parts[this.part] as ExpectedPart;
      const n = Math.min(rest.length, p.size - this.inPart);
      this.hash.update(rest.subarray(0, n));
      this.inPart += n;
      this.cursor += n;
      rest = rest.subarray(n);
      const found = this.sealFinishedParts(); // always called: it moves on to the next part
      sealed ??= found;
    }
    this.wake();
    if (sealed) throw sealed;
  }

  /** A reader starts; `done` when it ends (readers still counted may be waited for). */
  track(at: number, end: number): { reader: RangeReader; done: () => void } {
    const reader: RangeReader = { at, end, waiting: false };
    this.readers.add(reader);
    return {
      reader,
      done: () => {
        this.readers.delete(reader);
        this.wake();
      },
    };
  }

  /**
   * Resolves once the cursor reaches `reader.at`, or as soon as no other reader is about to move it (a
   * member read out of order, which the final pass hashes instead). A reader whose consumer is itself
   * waiting for the waiting one would never move it: when the cursor stands still for STALL_MS, the
   * waiter reads ahead anyway. Waiting only ever changes what is read twice, never what is checked.
   */
  async waitFor(reader: RangeReader): Promise<void> {
    if (!this.mustWait(reader)) return;
    reader.waiting = true;
    this.wake(); // a reader that was counted on to move the cursor is now itself waiting
    try {
      await new Promise<void>((resolve) => {
        let last = this.cursor;
        const stall = setInterval(() => {
          if (this.cursor === last) finish();
          last = this.cursor;
        }, STALL_MS);
        stall.unref();
        const check = (): void => {
          if (!this.mustWait(reader)) finish();
        };
        const finish = (): void => {
          clearInterval(stall);
          this.waiters.delete(check);
          resolve();
        };
        this.waiters.add(check);
      });
    } finally {
      reader.waiting = false;
    }
  }

  private mustWait(reader: RangeReader): boolean {
    if (reader.at <= this.cursor || this.corrupt) return false;
    for (const r of this.readers) {
      if (r !== reader && !r.waiting && r.at <= this.cursor && this.cursor < r.end) return true;
    }
    return false;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Compares every part the cursor has reached the end of; returns the first mismatch. */
  private sealFinishedParts(): BalerError | undefined {
    let found: BalerError | undefined;
    while (this.part < this.parts.length && this.inPart === (this.parts[this.part] as ExpectedPart).size) {
      const p = this.parts[this.part] as ExpectedPart;
      const got = this.hash.digest('hex');
      if (got !== p.sha256) found ??= corruptPartError(this.part, this.parts.length, p.what, got, p.sha256);
      this.part++;
      this.inPart = 0;
      this.hash = createHash('sha256');
    }
    if (found) this.corrupt ??= found;
    return found;
  }
}

/** `part 3 of 4 (set.tar.003) is corrupt: sha256 <got>, expected <recorded>`. */
export function corruptPartError(index: number, count: number, what: string, got: string, want: string): BalerError {
  return new BalerError('E_DIGEST_MISMATCH', `part ${index + 1} of ${count} (${what}) is corrupt: sha256 ${got}, expected ${want}`);
}
