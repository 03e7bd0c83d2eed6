import { Duplex } from 'node:stream';
import { CompressedDataError, corruptError, errorText, truncatedError } from './decode-errors.js';
import { ZstdFrameTracker } from './zstd-frames.js';

/** One zstd implementation's streaming decode step (native binding or wasm fallback). */
export interface ZstdDecodeEngine {
  /**
   * Decodes some of `input`. `more` = output is pending even if no input is left (the output buffer
   * was full), so call again before asking for more input.
   */
  step(input: Buffer): { output: Buffer | undefined; consumed: number; more: boolean };
  dispose(): void;
}

/**
 * A decoder that stops decoding while its reader is not reading. zstd reaches ratios of thousands to
 * one, so a Transform that decodes a whole input chunk at once (as both libraries' own streams do)
 * can balloon memory; here each step produces at most one output buffer and then waits for _read.
 * Truncation and foreign data are judged by the frame walker, the same way for both engines.
 */
export class ZstdDecoder extends Duplex {
  private engine: ZstdDecodeEngine | undefined;
  private input: Buffer | undefined;
  private inputDone: ((err?: Error | null) => void) | undefined;
  private canPush = true;
  private pumping = false;
  private readonly frames = new ZstdFrameTracker();

  constructor(
    private readonly makeEngine: () => ZstdDecodeEngine | Promise<ZstdDecodeEngine>,
    private readonly what: string,
  ) {
    super({ readableHighWaterMark: 256 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const frameBytes = this.frames.update(chunk);
    const { error, trailing } = this.frames;
    if (error !== undefined && trailing === undefined) {
      cb(corruptError('zstd', this.what, error));
      return;
    }
    // bytes after the last frame never reach the engine: other data fails once the frames before it are
    // decoded; zeros are judged at the end (_final), as a later read may still bring other data
    const fault = trailing === 'data' ? trailingDataError(this.what, trailing) : undefined;
    if (frameBytes === 0) {
      cb(fault);
      return;
    }
    const input = chunk.subarray(0, frameBytes);
    const start = (): void => {
      this.input = input;
      this.inputDone = (err) => cb(err ?? fault);
      this.pump();
    };
    if (this.engine) {
      start();
      return;
    }
    Promise.resolve()
      .then(() => this.makeEngine())
      .then((e) => {
        this.engine = e;
        start();
      }, (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))));
  }

  override _read(): void {
    this.canPush = true;
    this.pump();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.frames.trailing === 'zeros') {
      cb(trailingDataError(this.what, 'zeros'));
      return;
    }
    if (!this.frames.atFrameBoundary) {
      cb(truncatedError('zstd', this.what));
      return;
    }
    this.push(null);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.engine?.dispose();
    this.engine = undefined;
    cb(err);
  }

  private pump(): void {
    const engine = this.engine;
    if (!engine || this.pumping) return;
    this.pumping = true;
    try {
      while (this.input && this.canPush) {
        const r = engine.step(this.input);
        this.input = this.input.subarray(r.consumed);
        if (r.output && r.output.length > 0) this.canPush = this.push(r.output);
        if (this.input.length === 0 && !r.more) {
          const done = this.inputDone;
          this.input = undefined;
          this.inputDone = undefined;
          done?.();
        }
      }
    } catch (err) {
      const done = this.inputDone;
      this.input = undefined;
      this.inputDone = undefined;
      done?.(corruptError('zstd', this.what, errorText(err), err));
    } finally {
      this.pumping = false;
    }
  }
}

/** Complete frames followed by bytes that start none; the words say that zstd's own tool refuses them too. */
function trailingDataError(what: string, trailing: 'zeros' | 'data'): CompressedDataError {
  const bytes = trailing === 'zeros' ? 'zero padding' : 'data that is not zstd';
  return new CompressedDataError('E_FORMAT', `${what}: ${bytes} after the last zstd frame (zstd -d refuses it too)`);
}
