import { isAllZero } from './gzip-header.js';

/**
 * Walks the zstd frame structure (RFC 8878 §3.1) without decoding it, to know whether a stream ended on
 * a frame boundary. zstd-codec's streaming decoder silently returns a short result for truncated input,
 * so the portable path would otherwise accept a cut-off layer. Reads only headers; block bodies are
 * skipped by length, so the cost is a few comparisons per 128 KiB block.
 */
type State = 'magic' | 'descriptor' | 'header-rest' | 'block-header' | 'skip' | 'skippable-size' | 'after-frames';

export class ZstdFrameTracker {
  private state: State = 'magic';
  private need = 4; // bytes to gather (small states) or to skip ('skip')
  private gathered: number[] = [];
  private afterSkip: 'block-header' | 'magic' = 'magic';
  private lastBlock = false;
  private checksum = false;
  frames = 0;
  /** Set when the input is not a zstd stream at all; the decoder reports it as corrupt data. */
  error: string | undefined;
  /**
   * What follows complete frames where no frame starts: zero padding (a tape or `dd conv=sync` block) or
   * other data. `zstd -d` refuses both ("unsupported format"), unlike `gzip -d`, which ignores zero padding;
   * so they are refused here too, in words that tell them apart from damage. 'data' comes with `error` at
   * the first non-zero byte; 'zeros' is only a verdict once the input ends, since a later read may still
   * bring a non-zero byte, and the words must not depend on where reads split the file.
   */
  trailing: 'zeros' | 'data' | undefined;

  /** True when every byte so far belongs to complete frames and there was at least one frame. */
  get atFrameBoundary(): boolean {
    return this.state === 'magic' && this.gathered.length === 0 && this.frames > 0 && this.error === undefined;
  }

  /**
   * Walks `chunk`; returns how many of its bytes belong to frames, the rest following the last frame (or
   * `error` being set). Those bytes are still the engine's to decode, so output comes before any verdict.
   */
  update(chunk: Uint8Array): number {
    let frameBytes = this.state === 'after-frames' ? 0 : chunk.length;
    let i = 0;
    while (i < chunk.length && this.error === undefined) {
      if (this.state === 'after-frames') {
        if (!isAllZero(chunk.subarray(i))) this.dataAfterFrames();
        break;
      }
      if (this.state === 'skip') {
        const n = Math.min(this.need, chunk.length - i);
        this.need -= n;
        i += n;
        if (this.need === 0) this.enterAfterSkip();
        continue;
      }
      this.gathered.push(chunk[i++]!);
      if (this.state === 'magic' && !startsAMagic(this.gathered)) {
        frameBytes = Math.max(0, i - this.gathered.length); // where the bytes that start no frame begin
        this.noFrameStarts();
      } else if (this.gathered.length === this.need) this.onGathered(this.gathered);
    }
    return frameBytes;
  }

  /**
   * Bytes where a frame should start match neither magic. Judged from the first byte that differs, as
   * libzstd judges it (it checks a partial magic), so this verdict comes before the engine's own error.
   */
  private noFrameStarts(): void {
    if (this.frames === 0) {
      this.error = 'unknown frame magic';
      return;
    }
    // a zero never starts a magic, so all-zero `gathered` is that one byte, and no earlier byte was a magic's
    if (!this.gathered.every((x) => x === 0)) {
      this.dataAfterFrames();
      return;
    }
    this.state = 'after-frames';
    this.gathered = [];
    this.trailing = 'zeros';
  }

  private dataAfterFrames(): void {
    this.trailing = 'data';
    this.error = 'data after the last frame';
  }

  private expect(state: State, need: number): void {
    this.state = state;
    this.need = need;
    this.gathered = [];
  }

  private skip(n: number, then: 'block-header' | 'magic'): void {
    this.afterSkip = then;
    if (n === 0) {
      this.state = 'skip';
      this.enterAfterSkip();
      return;
    }
    this.state = 'skip';
    this.need = n;
    this.gathered = [];
  }

  private enterAfterSkip(): void {
    if (this.afterSkip === 'magic') {
      this.frames++;
      this.expect('magic', 4);
    } else this.expect('block-header', 3);
  }

  private onGathered(b: number[]): void {
    switch (this.state) {
      case 'magic': {
        const m = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        if (m === 0xfd2fb528) this.expect('descriptor', 1);
        else this.expect('skippable-size', 4); // startsAMagic let only these two through
        return;
      }
      case 'descriptor': {
        const d = b[0]!;
        if (d & 0x08) {
          this.error = 'reserved bit set in frame header';
          return;
        }
        const fcsFlag = d >> 6;
        const singleSegment = (d >> 5) & 1;
        this.checksum = ((d >> 2) & 1) === 1;
        const dictBytes = [0, 1, 2, 4][d & 3]!;
        const fcsBytes = fcsFlag === 0 ? singleSegment : [0, 2, 4, 8][fcsFlag]!;
        const rest = (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
        this.lastBlock = false;
        if (rest === 0) this.expect('block-header', 3);
        else this.expect('header-rest', rest);
        return;
      }
      case 'header-rest':
        this.expect('block-header', 3);
        return;
      case 'block-header': {
        const h = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        this.lastBlock = (h & 1) === 1;
        const type = (h >> 1) & 3;
        const size = h >>> 3;
        if (type === 3) {
          this.error = 'reserved block type';
          return;
        }
        const body = type === 1 ? 1 : size;
        if (this.lastBlock) this.skip(body + (this.checksum ? 4 : 0), 'magic');
        else this.skip(body, 'block-header');
        return;
      }
      case 'skippable-size': {
        const n = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        this.skip(n, 'magic');
        return;
      }
      case 'skip':
      case 'after-frames':
        return;
    }
  }
}

/** Whether `b` (1-4 bytes) begins a zstd frame magic (28 B5 2F FD) or a skippable one (5? 2A 4D 18), little-endian. */
function startsAMagic(b: readonly number[]): boolean {
  const zstd = [0x28, 0xb5, 0x2f, 0xfd];
  const skippable = [0x50, 0x2a, 0x4d, 0x18];
  const isZstd = b.every((x, i) => x === zstd[i]);
  const isSkippable = b.every((x, i) => (i === 0 ? (x & 0xf0) === 0x50 : x === skippable[i]));
  return isZstd || isSkippable;
}
