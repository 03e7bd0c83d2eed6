import { createHash, type Hash } from 'node:crypto';
import { blobHeaderBytes, layoutHeadBytes } from '../layout-tar-writer.js';
import type { JournalEntry } from './save-journal.js';

/** One stretch of the expected prefix: bytes that must match exactly, or a blob's data to hash. */
type Segment = { kind: 'exact'; bytes: Buffer } | { kind: 'blob'; entry: number };

const ZEROS = Buffer.alloc(512);

/**
 * Checks, byte by byte and in order, that the start of an interrupted save is exactly what
 * LayoutTarWriter writes for the journaled blob entries: the layout head, then per entry its header,
 * its data (sha256 and size must match the digest) and zero padding. Fed sequentially (the tar itself,
 * or what the compressed members decode to); `verified` counts the entries whose every byte checked out.
 * A journal line that does not fit (wrong offsets) counts as a mismatch there. So nothing is trusted
 * unread, and the kept prefix is what a fresh run would have written.
 */
export class TarPrefixCheck {
  private readonly segments: Segment[] = [];
  /** After which segment index each entry is complete. */
  private readonly entryEnds: number[] = [];
  private seg = 0;
  private within = 0;
  private hash: Hash | undefined;
  private bad = false;
  /** Entries whose every byte checked out. */
  verified = 0;
  /** Bytes fed so far. */
  consumed = 0;

  constructor(private readonly entries: readonly JournalEntry[]) {
    const head = layoutHeadBytes();
    this.segments.push({ kind: 'exact', bytes: head });
    let at = head.length;
    for (const [i, e] of entries.entries()) {
      const header = blobHeaderBytes(e.digest, e.size);
      const padding = (512 - (e.size % 512)) % 512;
      if (e.start !== at || e.end !== at + header.length + e.size + padding) break; // not what the writer writes
      this.segments.push({ kind: 'exact', bytes: header }, { kind: 'blob', entry: i }, { kind: 'exact', bytes: ZEROS.subarray(0, padding) });
      this.entryEnds.push(this.segments.length - 1);
      at = e.end;
    }
  }

  /** Exactly the first `n` entries were fed, and every byte of them checked out. */
  endsAfter(n: number): boolean {
    return !this.bad && this.verified === n && n > 0 && this.consumed === (this.entries[n - 1] as JournalEntry).end;
  }

  /** True once a byte differed (or more bytes came than the journal describes). */
  get failed(): boolean {
    return this.bad;
  }

  /** The next bytes of the prefix, in order. */
  feed(bytes: Uint8Array): void {
    this.consumed += bytes.length;
    let rest = bytes;
    while (rest.length > 0 && !this.bad) {
      const s = this.segments[this.seg];
      if (!s) {
        this.bad = true; // longer than every entry the journal names
        return;
      }
      const size = this.sizeOf(s);
      const n = Math.min(rest.length, size - this.within);
      const piece = rest.subarray(0, n);
      if (s.kind === 'exact') {
        if (!Buffer.from(piece.buffer, piece.byteOffset, n).equals(s.bytes.subarray(this.within, this.within + n))) this.bad = true;
      } else {
        this.hash ??= createHash('sha256');
        this.hash.update(piece);
      }
      this.within += n;
      rest = rest.subarray(n);
      if (this.within === size && !this.bad) this.endSegment(s);
    }
  }

  private sizeOf(s: Segment): number {
    return s.kind === 'exact' ? s.bytes.length : (this.entries[s.entry] as JournalEntry).size;
  }

  private endSegment(s: Segment): void {
    if (s.kind === 'blob') {
      const want = (this.entries[s.entry] as JournalEntry).digest;
      const got = `sha256:${(this.hash ?? createHash('sha256')).digest('hex')}`;
      this.hash = undefined;
      if (got !== want) {
        this.bad = true;
        return;
      }
    }
    if (this.entryEnds[this.verified] === this.seg) this.verified++;
    this.seg++;
    this.within = 0;
    // an empty segment (no padding, an empty blob) is complete as soon as it is reached
    const next = this.segments[this.seg];
    if (next && this.sizeOf(next) === 0) this.endSegment(next);
  }
}
