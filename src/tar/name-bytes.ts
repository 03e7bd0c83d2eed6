import { isUtf8 } from 'node:buffer';

/**
 * Tar names are bytes, not text: a layer may hold a file whose name is not valid UTF-8 (byte 0xff,
 * Latin-1 names from old systems). To carry such names through the string-typed code unchanged,
 * every byte that is not part of a valid UTF-8 sequence becomes a lone low surrogate U+DC80..U+DCFF
 * (Python's "surrogateescape"); encoding turns those back into the same bytes. Valid UTF-8 names
 * decode to ordinary strings, so nothing changes for them, and a round trip is byte-exact.
 */

const ESCAPE_BASE = 0xdc00;
const MAYBE_ESCAPED = /[\uDC80-\uDCFF]/;

/** Decodes name bytes; invalid UTF-8 bytes become U+DC80..U+DCFF. */
export function decodeNameBytes(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const n = validSequenceLength(buf, i);
    if (n === 0) {
      out += String.fromCharCode(ESCAPE_BASE + (buf[i] as number));
      i++;
    } else {
      out += buf.toString('utf8', i, i + n);
      i += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `i` (RFC 3629: no overlongs, surrogates or > U+10FFFF), or 0. */
function validSequenceLength(b: Buffer, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const v = b[i + k];
    return v !== undefined && v >= lo && v <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function isHigh(u: number): boolean {
  return u >= 0xd800 && u <= 0xdbff;
}

/** The bytes of a name decoded by decodeNameBytes (plain UTF-8 for ordinary strings). */
export function encodeNameBytes(s: string): Buffer {
  if (!MAYBE_ESCAPED.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (isHigh(u)) {
      i++; // a pair (or a lone high surrogate) is ordinary text
      continue;
    }
    if (u >= 0xdc80 && u <= 0xdcff) {
      parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.of(u - ESCAPE_BASE));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** Byte length of a name as encodeNameBytes writes it. */
export function nameByteLength(s: string): number {
  return MAYBE_ESCAPED.test(s) ? encodeNameBytes(s).length : Buffer.byteLength(s, 'utf8');
}
