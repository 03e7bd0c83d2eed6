/**
 * CRC-64 as Go's `hash/crc64` computes it with the ISO table: reflected polynomial 0xD800000000000000,
 * initial value and final xor all ones (CRC-64/GO-ISO). tar-split stores this checksum, big-endian, for
 * every file's content (formats.md §5.1).
 *
 * The 64-bit state is kept as two 32-bit halves (BigInt would be far too slow) and the bulk of the input
 * is processed 8 bytes at a time with slicing-by-8 tables: every layer file passes through here.
 */

const SLICES = 8;
/** TABLE_LO[k * 256 + i] / TABLE_HI[…]: low and high halves of slice table k for byte i. */
const TABLE_LO = new Int32Array(SLICES * 256);
const TABLE_HI = new Int32Array(SLICES * 256);
{
  const POLY_HI = 0xd8000000 | 0; // 0xD800000000000000: the low half is zero
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | (hi << 31);
      hi = hi >>> 1;
      if (carry) hi ^= POLY_HI;
    }
    TABLE_LO[i] = lo;
    TABLE_HI[i] = hi;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const pLo = TABLE_LO[(k - 1) * 256 + i]!;
      const pHi = TABLE_HI[(k - 1) * 256 + i]!;
      const idx = pLo & 0xff;
      TABLE_LO[k * 256 + i] = ((pLo >>> 8) | (pHi << 24)) ^ TABLE_LO[idx]!;
      TABLE_HI[k * 256 + i] = (pHi >>> 8) ^ TABLE_HI[idx]!;
    }
  }
}

/** Incremental CRC-64/GO-ISO. */
export class Crc64 {
  // the state is kept inverted (Go's `crc = ^crc` on entry and exit)
  private lo = -1;
  private hi = -1;

  update(data: Uint8Array): this {
    let lo = this.lo;
    let hi = this.hi;
    const n = data.length;
    let i = 0;
    const T = TABLE_LO;
    const H = TABLE_HI;
    for (const end = n - (n % 8); i < end; i += 8) {
      const xl = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const xh = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const a = 7 * 256 + (xl & 0xff);
      const b = 6 * 256 + ((xl >>> 8) & 0xff);
      const c = 5 * 256 + ((xl >>> 16) & 0xff);
      const d = 4 * 256 + (xl >>> 24);
      const e = 3 * 256 + (xh & 0xff);
      const f = 2 * 256 + ((xh >>> 8) & 0xff);
      const g = 256 + ((xh >>> 16) & 0xff);
      const h = xh >>> 24;
      lo = T[a]! ^ T[b]! ^ T[c]! ^ T[d]! ^ T[e]! ^ T[f]! ^ T[g]! ^ T[h]!;
      hi = H[a]! ^ H[b]! ^ H[c]! ^ H[d]! ^ H[e]! ^ H[f]! ^ H[g]! ^ H[h]!;
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ T[idx]!;
      hi = (hi >>> 8) ^ H[idx]!;
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  /** The checksum as 8 big-endian bytes, the form tar-split stores (base64) in its payload. */
  digestBytes(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }

  digestBigInt(): bigint {
    return this.digestBytes().readBigUInt64BE(0);
  }
}

export function crc64(data: Uint8Array): bigint {
  return new Crc64().update(data).digestBigInt();
}
