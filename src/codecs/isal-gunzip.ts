import { Transform, type TransformCallback } from 'node:stream';
import { corruptError, truncatedError } from './decode-errors.js';
import { DATA_AFTER_PADDING, isAllZero, readGzipHeader, ZEROS_AFTER_MEMBER, type GzipEnding } from './gzip-header.js';
import { isalAddon, type IsalAddon } from './isal-addon.js';

/**
 * gunzip on Intel's ISA-L (native/isal, isal-addon.ts), used when the addon was built.
 *
 * Why a second gunzip: inflating is the critical path of every diff_id check (a registry pull, loading
 * an OCI archive, importing a .tar.gz). On the bench's 75 MB gzip of a 212 MB layer, inflate plus SHA-256
 * took ~0.29 s with ISA-L against ~0.70 s with node's zlib (the same pipelined loop, 2-core machine).
 * Node's zlib stays the fallback: the addon needs libisal and a compiler at install time.
 *
 * ISA-L inflates each member's deflate data and checks its CRC-32 and length. Headers and what lies between
 * members are read here, so that this accepts what node's zlib accepts, with the same words for faults:
 * - concatenated members are one stream (pigz, `cat a.gz b.gz`);
 * - every member header is read by gzip-header.ts (magic, method 8, no reserved flags, FHCRC checked);
 * - after the last member, only the end of the data (a layer), or zero bytes to the end (a whole
 *   archive), as its GzipEnding says; anything else is an error. gzip.ts holds zlib to the same rule
 *   however its input is cut, so a layer's verdict does not depend on which gunzip ran; and no byte is
 *   skipped unread, which let a layer with a hidden member pass here that Go's gzip reader refuses.
 */

export type GunzipBackend = 'isal' | 'zlib';

/** Which gunzip streams use now (BALER_GUNZIP=zlib forces node's zlib). */
export function gunzipBackend(): GunzipBackend {
  if (process.env.BALER_GUNZIP === 'zlib') return 'zlib';
  return isalAddon() ? 'isal' : 'zlib';
}

/** Output buffer size: as for zlib (gzip.ts), each chunk costs a trip through every stage behind it. */
const OUTPUT_BYTES = 1024 * 1024;
/** A new output buffer once less than this is left in the current one. */
const OUTPUT_MIN_FREE = 64 * 1024;

/** ISA-L's error codes (igzip_lib.h), in the words zlib uses for the same faults. */
const ISAL_ERRORS: Record<number, string> = {
  [-1]: 'invalid block type',
  [-2]: 'invalid code',
  [-3]: 'invalid distance too far back',
  [-4]: 'incorrect header check',
  [-5]: 'unknown compression method',
  [-6]: 'incorrect data check',
};

type Phase = 'member-start' | 'inflating' | 'padding';

/**
 * A gunzip Transform; or, made with digestOnly, a sink that outputs nothing and tells the SHA-256 of what
 * it inflated (`digest()`), computed next to the inflate on the pool thread: the diff_id check of a kept
 * gzip layer then costs the main thread one call per input chunk instead of hashing every inflated byte.
 */
export class IsalGunzip extends Transform {
  private readonly native: IsalAddon;
  private readonly handle: object;
  private phase: Phase = 'member-start';
  private members = 0;
  /** Bytes of a member's start held back until its whole header is here. */
  private head: Buffer | null = null;
  /** The last 8 input bytes inflated: on a checksum error, they are the trailer that did not match. */
  private tail = Buffer.alloc(0);
  private out = Buffer.alloc(0);
  private outAt = 0;
  /** The rest of a chunk's work, parked while the readable side is full (a zip bomb stays bounded). */
  private parked: (() => void) | null = null;

  constructor(
    private readonly what: string,
    native: IsalAddon,
    private readonly digestOnly = false,
    private readonly ending: GzipEnding = 'end',
  ) {
    super();
    this.native = native;
    this.handle = native.gunzipCreate(digestOnly);
  }

  /** `sha256:<hex>` of all the bytes inflated; digestOnly streams, once they have finished. */
  digest(): string {
    return `sha256:${this.native.gunzipDigest(this.handle).toString('hex')}`;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.consume(chunk, cb);
  }

  override _read(size: number): void {
    const parked = this.parked;
    this.parked = null;
    parked?.();
    super._read(size);
  }

  override _flush(cb: TransformCallback): void {
    if (this.phase === 'padding' || (this.phase === 'member-start' && this.members > 0 && !this.head)) return cb();
    cb(truncatedError('gzip', this.what));
  }

  private consume(chunk: Buffer, cb: TransformCallback): void {
    let input = chunk;
    if (this.phase === 'padding') return cb(!isAllZero(input) ? corruptError('gzip', this.what, DATA_AFTER_PADDING) : undefined);
    if (this.phase === 'member-start') {
      if (this.head) {
        input = Buffer.concat([this.head, input]);
        this.head = null;
      }
      if (input.length === 0) return cb();
      if (this.members > 0 && input[0] === 0) {
        if (this.ending === 'end') return cb(corruptError('gzip', this.what, ZEROS_AFTER_MEMBER));
        this.phase = 'padding';
        return this.consume(input, cb);
      }
      const header = readGzipHeader(input);
      if (header === 'incomplete') {
        this.head = Buffer.from(input);
        return cb();
      }
      if ('fault' in header) return cb(corruptError('gzip', this.what, header.fault));
      input = input.subarray(header.length);
      this.phase = 'inflating';
      if (input.length === 0) return cb();
    }
    const out = this.digestOnly ? null : this.outputSpace();
    this.native.gunzipInflate(this.handle, input, out, (code, inUsed, made, memberDone, crc, totalOut) => {
      if (inUsed > 0) this.keepTail(input.subarray(0, inUsed));
      if (code !== 0) return cb(corruptError('gzip', this.what, this.errorText(code, crc, totalOut)));
      let room = true;
      if (out && made > 0) {
        // pushed before the next inflate starts: the stages behind (hashing) run while ISA-L works
        room = this.push(out.subarray(0, made));
        this.outAt += made;
      }
      const rest = input.subarray(inUsed);
      if (memberDone) {
        this.native.gunzipReset(this.handle);
        this.members++;
        this.phase = 'member-start';
        this.tail = Buffer.alloc(0);
      } else if (rest.length > 0 && inUsed === 0 && made === 0) {
        return cb(corruptError('gzip', this.what, 'inflate made no progress'));
      }
      // more output may be pending for input ISA-L already took: call again while the output buffer filled
      const outputFull = out !== null && made === out.length;
      if (rest.length > 0 || (!memberDone && outputFull)) {
        if (room) return this.consume(rest, cb);
        this.parked = () => this.consume(rest, cb);
        return;
      }
      cb();
    });
  }

  private outputSpace(): Buffer {
    if (this.out.length - this.outAt < OUTPUT_MIN_FREE) {
      this.out = Buffer.allocUnsafe(OUTPUT_BYTES);
      this.outAt = 0;
    }
    return this.out.subarray(this.outAt);
  }

  private keepTail(used: Buffer): void {
    this.tail = used.length >= 8 ? Buffer.from(used.subarray(used.length - 8)) : Buffer.concat([this.tail, used]).subarray(-8);
  }

  /** zlib tells a wrong CRC-32 from a wrong length; ISA-L reports both as one code, so tell them apart here. */
  private errorText(code: number, crc: number, totalOut: number): string {
    if (code === -6 && this.tail.length === 8 && this.tail.readUInt32LE(0) === crc >>> 0 && this.tail.readUInt32LE(4) !== totalOut >>> 0) {
      return 'incorrect length check';
    }
    return ISAL_ERRORS[code] ?? `ISA-L error ${code}`;
  }
}

/** An ISA-L gunzip stream (digestOnly: the hashing sink), or undefined when node's zlib is to be used. */
export function isalGunzip(what: string, o: { digestOnly?: boolean; ending?: GzipEnding } = {}): IsalGunzip | undefined {
  if (gunzipBackend() !== 'isal') return undefined;
  const native = isalAddon();
  return native ? new IsalGunzip(what, native, o.digestOnly ?? false, o.ending ?? 'end') : undefined;
}
