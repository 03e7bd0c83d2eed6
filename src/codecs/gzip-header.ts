import { crc32 } from './crc32.js';

/**
 * What a gunzip takes after the last member. 'end': nothing, as Go's gzip reader (docker, containerd,
 * umoci) reads a layer, so a layer baler accepts is one they accept too; 'zero-padding': zero bytes up to
 * the end of the data, as `gzip -d` reads a whole archive padded to a tape or `dd conv=sync` block.
 * Both take members back to back (pigz, `cat a.gz b.gz`), as Go's and gzip's readers do.
 */
export type GzipEnding = 'end' | 'zero-padding';

/** The faults of what follows a member, in the same words from both gunzips. */
export const ZEROS_AFTER_MEMBER = 'zero bytes after a member';
export const DATA_AFTER_PADDING = 'data after the zero padding that ends the gzip stream';

const ZEROS = Buffer.alloc(64 * 1024);

/** Whether every byte is zero; compared a slice at a time in native code, since padding may be long. */
export function isAllZero(b: Uint8Array): boolean {
  for (let at = 0; at < b.length; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, b.length - at);
    if (Buffer.compare(b.subarray(at, at + n), ZEROS.subarray(0, n)) !== 0) return false;
  }
  return true;
}

/**
 * A gzip member header (RFC 1952 section 2.3), read before its deflate data. ISA-L can parse headers too,
 * but not a streamed one with both FNAME and FCOMMENT (it then fails on valid input), and it accepts
 * reserved flag bits that zlib refuses; so isal-gunzip.ts reads them here, with zlib's words for faults.
 */
export type GzipHeaderRead = { readonly length: number } | { readonly fault: string } | 'incomplete';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;
/** Longest header taken: a name or comment of megabytes is an attack, not a file name. */
export const MAX_GZIP_HEADER_BYTES = 1024 * 1024;

/** Reads the header at the start of `b`: its length, what is wrong with it, or that more bytes are needed. */
export function readGzipHeader(b: Buffer): GzipHeaderRead {
  if (b.length >= 1 && b[0] !== 0x1f) return { fault: 'incorrect header check' };
  if (b.length >= 2 && b[1] !== 0x8b) return { fault: 'incorrect header check' };
  if (b.length >= 3 && b[2] !== 8) return { fault: 'unknown compression method' };
  if (b.length < 10) return 'incomplete';
  const flags = b[3]!;
  if (flags & RESERVED) return { fault: 'unknown header flags set' };
  let at = 10;
  if (flags & FEXTRA) {
    if (b.length < at + 2) return 'incomplete';
    at += 2 + b.readUInt16LE(at);
  }
  for (const field of [FNAME, FCOMMENT]) {
    if (!(flags & field)) continue;
    if (b.length < at) return 'incomplete';
    const end = b.indexOf(0, at);
    if (end < 0) return b.length > MAX_GZIP_HEADER_BYTES ? { fault: 'gzip header too long' } : 'incomplete';
    at = end + 1;
  }
  if (flags & FHCRC) {
    if (b.length < at + 2) return 'incomplete';
    if ((crc32(b.subarray(0, at)) & 0xffff) !== b.readUInt16LE(at)) return { fault: 'header crc mismatch' };
    at += 2;
  }
  if (b.length < at) return 'incomplete';
  return { length: at };
}
