import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fromSystemError } from '../../errors.js';
import type { PositionedReader } from '../../tar/toc.js';

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

/**
 * Several files read as one by offset (the parts of a split set, in order): positioned reads are
 * mapped onto the part(s) they cover, so an uncompressed set is indexed and read in place, never
 * copied. Handles are opened on first use and kept until close().
 */
export class MultiPartFile implements PositionedReader {
  readonly size: number;
  private readonly parts: PlacedPart[] = [];
  private readonly handles = new Map<number, Promise<FileHandle>>();

  constructor(parts: readonly PartFile[]) {
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
    return { bytesRead: done };
  }

  /** `length` bytes from `position`, streamed part by part. */
  openRange(position: number, length: number): Readable {
    if (length === 0) return Readable.from([]);
    const parts = this.parts;
    const first = this.partAt(position);
    async function* chunks(): AsyncGenerator<Buffer> {
      let at = position;
      const end = position + length;
      for (let i = first; at < end && i < parts.length; i++) {
        const p = parts[i] as PlacedPart;
        const last = Math.min(end, p.start + p.size) - 1;
        for await (const c of createReadStream(p.path, { start: at - p.start, end: last - p.start, highWaterMark: 1024 * 1024 })) yield c as Buffer;
        at = last + 1;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
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
