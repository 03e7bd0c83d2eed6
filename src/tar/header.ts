import { BalerError } from '../errors.js';
import { decodeNameBytes, encodeNameBytes, nameByteLength } from './name-bytes.js';

/**
 * Pure ustar/GNU/PAX header encoding and decoding: bytes in, values out, no streams (node-tar's
 * header.ts split). Meta entries (PAX x/g, GNU L/K) are decoded here as raw headers and merged into
 * the following entry by extended-headers.ts.
 */
export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'contiguous' | 'other';

export interface TarHeader {
  /** The entry name exactly as stored (after PAX/GNU long-name resolution), e.g. `./etc/` */
  name: string;
  type: TarEntryType;
  /** Bytes of data that follow the header; 0 for links, dirs, devices and fifos. */
  size: number;
  /** Permission bits only (masked with 07777; Docker headers also carry S_IFDIR etc.). */
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch; PAX sub-second precision is kept as a fraction. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** PAX records not folded into the fields above: SCHILY.xattr.*, atime, ctime, vendor keys. */
  pax?: Record<string, string>;
}

export const BLOCK = 512;

/** One decoded 512-byte header before meta entries are applied. */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  format: 'ustar' | 'gnu' | 'v7';
}

function decodeString(b: Uint8Array, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  // names are bytes: invalid UTF-8 survives as escapes, so it is written back unchanged (name-bytes.ts)
  return decodeNameBytes(b.subarray(off, end));
}

/** Octal with optional spaces/NULs, or GNU base-256 when the high bit of the first byte is set. */
function decodeNumber(b: Uint8Array, off: number, len: number): number | undefined {
  const first = b[off]!;
  if (first & 0x80) {
    // base-256: big-endian two's complement; a 0xff lead byte means negative (GNU writes -1 for pre-1970)
    const negative = first === 0xff;
    let v = 0;
    for (let i = 0; i < len; i++) {
      let byte = b[off + i]!;
      if (negative) byte = ~byte & 0xff;
      else if (i === 0) byte &= 0x7f;
      v = v * 256 + byte;
    }
    if (!Number.isSafeInteger(v)) return undefined;
    return negative ? -(v + 1) : v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return undefined;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** Unsigned sum (POSIX) and signed sum (some old tars) with the checksum field taken as spaces. */
function checksums(b: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return { unsigned, signed };
}

function magicOf(b: Uint8Array): RawHeader['format'] {
  // POSIX: "ustar\0" "00"; GNU: "ustar " " \0"
  if (decodeString(b, 257, 5) !== 'ustar') return 'v7';
  return b[262] === 0x20 ? 'gnu' : 'ustar';
}

/**
 * Decodes a non-zero header block. `offset` and `what` only feed error messages: the first header
 * failing its checksum means the input is not a tar at all.
 */
export function decodeRawHeader(b: Uint8Array, offset: number, what: string): RawHeader {
  const stored = decodeNumber(b, 148, 8);
  const sums = checksums(b);
  if (stored === undefined || (stored !== sums.unsigned && stored !== sums.signed)) {
    if (offset === 0) throw new BalerError('E_FORMAT', `${what}: not a tar archive`);
    throw new BalerError('E_FORMAT', `${what}: bad header checksum at offset ${offset}`);
  }
  const format = magicOf(b);
  const num = (off: number, len: number, field: string): number => {
    const v = decodeNumber(b, off, len);
    if (v === undefined) throw new BalerError('E_FORMAT', `${what}: invalid ${field} field in header at offset ${offset}`);
    return v;
  };
  let name = decodeString(b, 0, 100);
  // GNU format reuses the prefix area for atime/ctime, so only POSIX ustar has a name prefix
  if (format === 'ustar') {
    const prefix = decodeString(b, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeflag = b[156] === 0 ? '0' : String.fromCharCode(b[156]!);
  return {
    name,
    mode: num(100, 8, 'mode'),
    uid: num(108, 8, 'uid'),
    gid: num(116, 8, 'gid'),
    size: num(124, 12, 'size'),
    mtime: num(136, 12, 'mtime'),
    typeflag,
    linkname: decodeString(b, 157, 100),
    uname: format === 'v7' ? '' : decodeString(b, 265, 32),
    gname: format === 'v7' ? '' : decodeString(b, 297, 32),
    devmajor: format === 'v7' ? 0 : (decodeNumber(b, 329, 8) ?? 0),
    devminor: format === 'v7' ? 0 : (decodeNumber(b, 337, 8) ?? 0),
    format,
  };
}

export function entryTypeOf(typeflag: string, name: string): TarEntryType {
  switch (typeflag) {
    case '0':
      return name.endsWith('/') ? 'dir' : 'file'; // pre-POSIX tars mark dirs by the slash only
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    case '7':
      return 'contiguous';
    default:
      return 'other';
  }
}

/** Go's archive/tar rule: these types never carry data, whatever their size field says. */
export function hasData(type: TarEntryType): boolean {
  return type === 'file' || type === 'contiguous' || type === 'other';
}

const typeflags: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
  contiguous: '7',
  other: '0',
};

export function typeflagOf(t: TarEntryType): string {
  return typeflags[t];
}

export function byteLength(s: string): number {
  return nameByteLength(s);
}

function writeString(b: Uint8Array, off: number, len: number, s: string): void {
  const bytes = encodeNameBytes(s);
  b.set(bytes.subarray(0, len), off);
}

/** Octal, NUL-terminated; returns false when the value does not fit (the caller then uses PAX). */
export function fitsOctal(v: number, len: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < 8 ** (len - 1);
}

function writeOctal(b: Uint8Array, off: number, len: number, v: number): void {
  const s = Math.max(0, Math.floor(v)).toString(8).padStart(len - 1, '0');
  writeString(b, off, len - 1, s.slice(-(len - 1)));
  b[off + len - 1] = 0;
}

/** Splits a long name into ustar prefix + name at a slash, or returns undefined when impossible. */
export function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (byteLength(name) <= 100) return { prefix: '', name };
  if (byteLength(name) > 256) return undefined;
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (byteLength(prefix) <= 155 && byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  return undefined;
}

export type UstarFields = Omit<RawHeader, 'format'> & { prefix: string };

/** Encodes one POSIX ustar block; values must already fit (write.ts moves the rest into PAX). */
export function encodeUstarBlock(f: UstarFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, f.name);
  writeOctal(b, 100, 8, f.mode & 0o7777);
  writeOctal(b, 108, 8, f.uid);
  writeOctal(b, 116, 8, f.gid);
  writeOctal(b, 124, 12, f.size);
  writeOctal(b, 136, 12, f.mtime);
  b[156] = f.typeflag.charCodeAt(0);
  writeString(b, 157, 100, f.linkname);
  writeString(b, 257, 6, 'ustar'); // "ustar\0" + version "00"
  b[263] = 0x30;
  b[264] = 0x30;
  writeString(b, 265, 32, f.uname);
  writeString(b, 297, 32, f.gname);
  writeOctal(b, 329, 8, f.devmajor);
  writeOctal(b, 337, 8, f.devminor);
  writeString(b, 345, 155, f.prefix);
  const sum = checksums(b).unsigned;
  writeOctal(b, 148, 7, sum);
  b[155] = 0x20;
  return b;
}
