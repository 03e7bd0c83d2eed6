import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BalerError, fromSystemError, type ErrorCode } from '../../errors.js';
import type { PositionedReader } from '../../tar/toc.js';
import type { PartCheck, RangeReader } from './part-check.js';

/** One file of a set and where its bytes sit in the whole. */
export interface PartFile {
  path: string;
  /** How errors name it. */
  what: string;
  size: number;
}

interface PlacedPart extends PartFile {
  start: number;
}

/** Chunk size of streamed ranges (and of the final pass that hashes what the load did not read). */
const CHUNK = 1024 * 1024;
/**
 * Failures no damaged byte of the set can cause (a cancel, a bad flag, the destination's lock, disk or
 * peer): reported as they are, without reading the rest of the set first.
 */
const NOT_FROM_THE_BYTES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_CANCELLED', 'E_USAGE', 'E_CONFLICT', 'E_LOCKED', 'E_STORE_CORRUPT', 'E_IO', 'E_PEER']);
/** A gap this small before a read (tar headers, padding, small JSON members) is read and hashed first. */
const GAP_FILL = 1024 * 1024;

/**
 * Several files read as one by offset (the parts of a split set, in order): positioned reads are
 * mapped onto the part(s) they cover, so an uncompressed set is indexed and read in place, never
 * copied. Handles are opened on first use and kept until close().
 *
 * With a PartCheck, every read also feeds the parts' sha256 (part-check.ts): streamed ranges wait
 * for the check's cursor when another range is moving it, so members read in parallel in file order
 * are still read once; confirmIntact() hashes whatever the load did not read and compares the rest.
 */
export class MultiPartFile implements PositionedReader {
  readonly size: number;
  private readonly parts: PlacedPart[] = [];
  private readonly handles = new Map<number, Promise<FileHandle>>();

  constructor(
    parts: readonly PartFile[],
    /** Hashes the parts from the bytes read (a set with its JSON, loaded in one pass). */
    private readonly check?: PartCheck,
  ) {
    let start = 0;
    for (const p of parts) {
      if (p.size === 0) continue; // adds nothing, and would make two parts start at one offset
      this.parts.push({ ...p, start });
      start += p.size;
    }
    this.size = start;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    let done = 0;
    while (done < length && position + done < this.size) {
      const i = this.partAt(position + done);
      const part = this.parts[i] as PlacedPart;
      const within = position + done - part.start;
      const n = Math.min(length - done, part.size - within);
      const fh = await this.handle(i);
      let got: number;
      try {
        got = (await fh.read(buffer, offset + done, n, within)).bytesRead;
      } catch (err) {
        throw fromSystemError(err, part.what);
      }
      if (got === 0) break; // the part shrank since it was checked; the caller sees a short read
      done += got;
    }
    this.check?.offer(position, buffer.subarray(offset, offset + done));
    return { bytesRead: done };
  }

  /** `length` bytes from `position`, streamed in chunks (fed to the part check on the way). */
  openRange(position: number, length: number): Readable {
    if (length === 0) return Readable.from([]);
    const end = Math.min(position + length, this.size);
    const self = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      const tracked = self.check?.track(position, end);
      try {
        let at = position;
        while (at < end) {
          if (tracked) await self.catchUp(tracked.reader);
          const buf = Buffer.allocUnsafe(Math.min(CHUNK, end - at));
          const { bytesRead } = await self.read(buf, 0, buf.length, at);
          if (bytesRead === 0) return; // a part shrank while read: the consumer sees a short member
          at += bytesRead;
          if (tracked) tracked.reader.at = at;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        tracked?.done();
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /**
   * Before a range reads on: a small gap to the cursor is hashed now, a large one waited for (unless
   * what is left of the range is small, a JSON member: reading that twice costs less than waiting).
   */
  private async catchUp(reader: RangeReader): Promise<void> {
    const check = this.check as PartCheck;
    if (reader.at - check.hashedTo > GAP_FILL && reader.end - reader.at > GAP_FILL) await check.waitFor(reader);
    const gap = reader.at - check.hashedTo;
    if (gap > 0 && gap <= GAP_FILL) await this.read(Buffer.allocUnsafe(gap), 0, gap, check.hashedTo);
  }

  /**
   * After a load read what it needed: hashes the bytes it did not read (or read ahead of the cursor) and
   * throws the first corrupt part (`part 2 of 4 (set.tar.002) is corrupt: …`). A no-op without a check.
   */
  async confirmIntact(signal?: AbortSignal): Promise<void> {
    const check = this.check;
    if (!check) return;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, this.size)));
    while (check.hashedTo < this.size && !check.failure) {
      if (signal?.aborted) throw new BalerError('E_CANCELLED', `${(this.parts[0] as PlacedPart).what}: cancelled`, { cause: signal.reason });
      const at = check.hashedTo;
      const { bytesRead } = await this.read(buf, 0, Math.min(buf.length, this.size - at), at);
      if (bytesRead === 0) {
        const part = this.parts[this.partAt(at)] as PlacedPart;
        throw new BalerError('E_TRUNCATED', `${part.what}: truncated while it was read (expected ${part.size} bytes)`);
      }
    }
    if (check.failure) throw check.failure;
  }

  /**
   * The error to report for a load that failed while reading: damaged bytes often break the archive
   * (a tar header, a blob digest) before their part's hash is complete, so the rest of the set is hashed
   * and a corrupt part, if there is one, is what the user is told about; else `err` itself.
   */
  async explainFailure(err: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!this.check || (err instanceof BalerError && NOT_FROM_THE_BYTES.has(err.code)) || signal?.aborted) return err;
    try {
      await this.confirmIntact(signal);
    } catch (found) {
      if (found instanceof BalerError && found === this.check.failure) return new BalerError(found.code, found.message, { cause: err });
    }
    return err;
  }

  /** The whole set as one stream (for compressed sets, which are decompressed and spooled). */
  openAll(): Readable {
    return this.openRange(0, this.size);
  }

  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    for (const h of all) await (await h.catch(() => undefined))?.close().catch(() => undefined);
  }

  private partAt(position: number): number {
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.parts[mid] as PlacedPart).start <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private handle(i: number): Promise<FileHandle> {
    let h = this.handles.get(i);
    if (!h) {
      const part = this.parts[i] as PlacedPart;
      h = open(part.path, 'r').catch((err: unknown) => {
        throw fromSystemError(err, part.what);
      });
      this.handles.set(i, h);
    }
    return h;
  }
}
