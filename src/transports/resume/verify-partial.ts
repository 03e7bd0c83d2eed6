import { Readable, Writable } from 'node:stream';
import { crc32 } from '../../codecs/crc32.js';
import { pipeline } from 'node:stream/promises';
import { decompressor } from '../../codecs/index.js';
import type { LayerCompression } from '../../model/media-types.js';
import type { PositionedReader } from '../../tar/toc.js';
import { TarPrefixCheck } from './prefix-check.js';
import { outEndOf, type JournalEntry } from './save-journal.js';

export interface VerifiedPrefix {
  kept: JournalEntry[];
  /** Tar offset after the last kept entry; 0 = nothing usable, start over. */
  offset: number;
  /** The same place in the written bytes (the compressed offset when compressed). */
  outOffset: number;
  /** Journaled entries that did not check out (cut off). */
  dropped: number;
}

/** What an interrupted save left: its bytes read by offset (one file, or the parts of a split set). */
export interface PartialBytes {
  reader: PositionedReader;
  size: number;
  what: string;
}

/**
 * Sees every written byte that verification reads, in order (a split set hashes its parts from them,
 * so the kept bytes are read once). mark() after each entry that checked out; rollback() returns to
 * the last mark when verification stopped in the middle of one.
 */
export interface RawTap {
  update(bytes: Uint8Array): void;
  mark(): void;
  rollback(): void;
}

const CHUNK = 1024 * 1024;

/**
 * How much of an interrupted save can be kept: the journaled blob entries, in order, whose bytes are
 * exactly what the writer writes (TarPrefixCheck: layout head, headers, padding, data hashing to the
 * digest). A compressed save ends a member (gzip) or frame (zstd) after every entry, so each entry's
 * stretch of the file is decoded on its own and must decode to exactly that entry. Nothing is trusted
 * unread: a torn journal line, a short file, a member cut short or one flipped byte ends the prefix.
 */
export async function verifyPartial(bytes: PartialBytes, journaled: readonly JournalEntry[], compression: LayerCompression, tap?: RawTap): Promise<VerifiedPrefix> {
  const candidates = journaled.filter((e) => outEndOf(e) <= bytes.size);
  const check = new TarPrefixCheck(candidates);
  const kept: JournalEntry[] = [];
  let from = 0;
  for (const e of candidates) {
    const to = outEndOf(e);
    const member = { crc: 0, size: 0, tail: Buffer.alloc(0) };
    const into = new Writable({
      highWaterMark: CHUNK,
      write(chunk: Buffer, _enc, cb) {
        check.feed(chunk);
        if (compression === 'gzip') member.crc = crc32(chunk, member.crc);
        member.size += chunk.length;
        cb(check.failed ? new Error('mismatch') : null);
      },
    });
    const raw = Readable.from(rawChunks(bytes, from, to, tap, member), { objectMode: false });
    try {
      if (compression === 'none') await pipeline(raw, into);
      else await pipeline(raw, decompressor(compression, bytes.what), into);
    } catch {
      break; // damaged, cut short, or not what the journal says: the prefix ends before this entry
    }
    if (!check.endsAfter(kept.length + 1)) break;
    if (compression === 'gzip' && !endsWithTrailer(member)) break;
    kept.push(e);
    tap?.mark();
    from = to;
  }
  tap?.rollback();
  const last = kept[kept.length - 1];
  return { kept, offset: last?.end ?? 0, outOffset: last ? outEndOf(last) : 0, dropped: journaled.length - kept.length };
}

/**
 * gzip: the stretch must end with its member's own trailer (CRC-32 and size of what it decoded to).
 * Checked here on the raw bytes rather than left to the decoder, so that a journal naming an end past
 * the member's (zero padding, which Go's reader rejects between members) is never kept.
 */
function endsWithTrailer(member: { crc: number; size: number; tail: Buffer }): boolean {
  const t = member.tail;
  return t.length === 8 && t.readUInt32LE(0) === member.crc >>> 0 && t.readUInt32LE(4) === member.size % 2 ** 32;
}

async function* rawChunks(bytes: PartialBytes, from: number, to: number, tap: RawTap | undefined, member: { tail: Buffer }): AsyncGenerator<Buffer> {
  let at = from;
  while (at < to) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, to - at));
    const { bytesRead } = await bytes.reader.read(buf, 0, buf.length, at);
    if (bytesRead === 0) throw new Error('short read');
    const got = buf.subarray(0, bytesRead);
    member.tail = Buffer.concat([member.tail, got.subarray(Math.max(0, got.length - 8))]).subarray(-8);
    tap?.update(got);
    at += bytesRead;
    yield got;
  }
}
