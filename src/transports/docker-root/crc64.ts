import { isalAddon, type IsalAddon } from '../../codecs/isal-addon.js';
import { instantiateCrc64Wasm, WASM_CHUNK, WASM_DATA, WASM_SLICES, WASM_STATE, WASM_TABLES, type Crc64Wasm } from './crc64-wasm.js';

/**
 * CRC-64 as Go's `hash/crc64` computes it with the ISO table: reflected polynomial 0xD800000000000000,
 * initial value and final xor all ones (CRC-64/GO-ISO). tar-split stores this checksum, big-endian, for
 * every file's content (formats.md §5.1).
 *
 * Every layer file passes through here. With baler's ISA-L addon (codecs/isal-addon.ts) this is ISA-L's
 * crc64_iso_refl, the same CRC at ~8 GB/s on the bench machine: fast enough to run inline, so layer-tar.ts
 * then needs no worker for it. Without the addon, the slicing-by-16 tables are built in JS as 32-bit halves (no BigInt)
 * and the bulk loop runs in WebAssembly with native 64-bit integers (crc64-wasm.ts), ~1 GB/s.
 */

export type Crc64Backend = 'isal' | 'portable';

/** Which CRC-64 runs (BALER_CRC64=portable forces the WebAssembly loop). */
export function crc64Backend(): Crc64Backend {
  if (process.env.BALER_CRC64 === 'portable') return 'portable';
  return isalAddon() ? 'isal' : 'portable';
}

const SLICES = WASM_SLICES;
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

let wasm: Crc64Wasm | undefined;

/** The WebAssembly bulk loop, created on first use with the slice tables copied into its memory. */
function bulk(): Crc64Wasm {
  if (!wasm) {
    wasm = instantiateCrc64Wasm();
    for (let i = 0; i < SLICES * 256; i++) {
      wasm.view.setInt32(WASM_TABLES + i * 8, TABLE_LO[i]!, true);
      wasm.view.setInt32(WASM_TABLES + i * 8 + 4, TABLE_HI[i]!, true);
    }
  }
  return wasm;
}

/** The compiled bulk loop and a copy of its filled tables, for the check thread to run the same code. */
export function crc64WasmParts(): { module: object; tables: Uint8Array } {
  const w = bulk();
  return { module: w.module, tables: w.memory.slice(WASM_TABLES, WASM_STATE) };
}

/** Incremental CRC-64/GO-ISO. */
export class Crc64 {
  private readonly native: IsalAddon | null = crc64Backend() === 'isal' ? isalAddon() : null;
  /** With the addon: the CRC so far, as Go's Sum64 gives it (ISA-L continues from it). */
  private value = 0n;
  // the WebAssembly loop's state is kept inverted (Go's `crc = ^crc` on entry and exit)
  private lo = -1;
  private hi = -1;

  update(data: Uint8Array): this {
    if (data.length === 0) return this;
    if (this.native) {
      this.value = this.native.crc64(data, this.value);
      return this;
    }
    // the module has one state slot: load ours, run, save it (synchronous, so nothing interleaves)
    const w = bulk();
    w.view.setInt32(WASM_STATE, this.lo, true);
    w.view.setInt32(WASM_STATE + 4, this.hi, true);
    for (let off = 0; off < data.length; off += WASM_CHUNK) {
      const part = data.subarray(off, off + WASM_CHUNK);
      w.memory.set(part, WASM_DATA);
      w.update(part.length);
    }
    this.lo = w.view.getInt32(WASM_STATE, true);
    this.hi = w.view.getInt32(WASM_STATE + 4, true);
    return this;
  }

  /** The checksum as 8 big-endian bytes, the form tar-split stores (base64) in its payload. */
  digestBytes(): Buffer {
    const out = Buffer.alloc(8);
    if (this.native) {
      out.writeBigUInt64BE(this.value);
      return out;
    }
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
