import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { constants, deflateRaw, type ZlibOptions } from 'node:zlib';
import { crc32 } from './crc32.js';

const deflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(deflateRaw);

/** Input bytes per block: one threadpool task each; pigz uses 128 KiB, larger blocks mean fewer seams and tasks. */
export const GZIP_BLOCK_BYTES = 1024 * 1024;
/** Deflate's window: each block is primed with the 32 KiB of input before it, so it loses almost nothing. */
const WINDOW_BYTES = 32 * 1024;

/**
 * A gzip compressor that deflates blocks of the input at once on libuv's threadpool, the way pigz does:
 * single-threaded deflate (~40 MB/s at level 6) was the whole cost of `export --compress gzip` and
 * `save --compress gzip`, and zlib cannot spread one stream over cores.
 *
 * The output is ONE ordinary gzip member that every reader takes (gzip, Go's compress/gzip in docker and
 * containerd, zlib): each block is raw deflate primed with the previous block's last 32 KiB as its
 * dictionary (so matches reach back across the seam, as in one stream) and ended with a sync flush (an
 * empty stored block: byte-aligned, not final); the last block is finished. The CRC-32 and size of the
 * trailer are computed here over the input. Blocks are cut at fixed offsets of the input, so the bytes
 * depend only on the input and the level, never on how it was chunked or which block finished first
 * (member-compressor.ts relies on that for byte-identical resumed saves). Compressed size is within a
 * fraction of a percent of zlib's single stream.
 *
 * Memory is bounded: at most `maxInFlight` blocks are being deflated; the writer waits for the oldest.
 */
export class ParallelGzip extends Transform {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inFlight: Array<Promise<Buffer>> = [];
  private previous: Buffer | undefined;
  private crc = 0;
  private size = 0;
  private headerSent = false;

  constructor(
    private readonly level = 6,
    private readonly blockBytes = GZIP_BLOCK_BYTES,
    // the threadpool also serves fs reads and writes (4 threads by default): leave it room for them
    private readonly maxInFlight = Math.max(2, Math.min(availableParallelism(), 3)),
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.drainFullBlocks().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.finish().then(() => cb(), cb);
  }

  private async drainFullBlocks(): Promise<void> {
    while (this.pendingBytes >= this.blockBytes) {
      this.submit(this.takeBlock(this.blockBytes), false);
      while (this.inFlight.length >= this.maxInFlight) await this.pushOldest();
    }
  }

  private async finish(): Promise<void> {
    this.submit(this.takeBlock(this.pendingBytes), true);
    while (this.inFlight.length > 0) await this.pushOldest();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size % 2 ** 32, 4);
    this.push(trailer);
  }

  /** The first `n` pending bytes as one buffer. */
  private takeBlock(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.pending[0] as Buffer;
      if (head.length <= need) {
        parts.push(head);
        this.pending.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        this.pending[0] = head.subarray(need);
        need = 0;
      }
    }
    this.pendingBytes -= n;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, n);
  }

  private submit(block: Buffer, last: boolean): void {
    this.crc = crc32(block, this.crc);
    this.size += block.length;
    const dictionary = this.previous;
    // the window for the next block: the last 32 KiB of input before it (this block may be shorter)
    this.previous = windowAfter(dictionary, block);
    const options: ZlibOptions = { level: this.level, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH };
    if (dictionary) options.dictionary = dictionary;
    const job = deflateRawAsync(block, options);
    job.catch(() => undefined); // awaited in order by pushOldest; a failure is reported there
    this.inFlight.push(job);
  }

  private async pushOldest(): Promise<void> {
    const out = await (this.inFlight[0] as Promise<Buffer>);
    this.inFlight.shift();
    if (!this.headerSent) {
      this.headerSent = true;
      this.push(gzipHeader(this.level));
    }
    if (out.length > 0) this.push(out);
  }
}

function windowAfter(before: Buffer | undefined, block: Buffer): Buffer | undefined {
  if (block.length >= WINDOW_BYTES) return block.subarray(block.length - WINDOW_BYTES);
  const joined = before ? Buffer.concat([before, block]) : block;
  return joined.length === 0 ? before : joined.subarray(Math.max(0, joined.length - WINDOW_BYTES));
}

/** The 10-byte header zlib writes: no name, no mtime, XFL from the level, OS = Unix. */
function gzipHeader(level: number): Buffer {
  const xfl = level === 9 ? 2 : level < 2 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}
