import { Transform, type TransformCallback } from 'node:stream';

/** Progress updates per second at most; the CLI redraws on each, the TUI reduces each. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * Counts bytes flowing through and reports the running total at most every PROGRESS_INTERVAL_MS
 * (plus once at the end), so a fast local copy does not flood the renderers with events.
 */
export class ProgressMeter extends Transform {
  bytes = 0;
  private lastReport = 0;

  constructor(
    private readonly report: (done: number) => void,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    const t = this.now();
    if (t - this.lastReport >= PROGRESS_INTERVAL_MS) {
      this.lastReport = t;
      this.report(this.bytes);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.report(this.bytes);
    cb();
  }
}
