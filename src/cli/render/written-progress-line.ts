/**
 * Progress of a write whose total is not known in advance (a container export: the daemon's stream, or a
 * flattened writable layer): on a terminal one line redrawn in place, at most every 100 ms,
 *
 *   Exporting container web-1: 120MB written, 85.2MB/s, 1.4s
 *
 * and cleared when the write ends (the caller then prints its summary). Nothing off a terminal: logs get
 * the summary line only.
 */
import type { Writable } from 'node:stream';
import { formatBytes, formatDuration, formatRate } from './units.js';

const REDRAW_MS = 100;
const CLEAR = '\r\x1b[2K';

export class WrittenProgressLine {
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: Writable & { columns?: number },
    private readonly label: string,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** `bytes` written so far. */
  update(bytes: number): void {
    const t = this.now();
    if (this.drawn && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const elapsed = t - this.started;
    const rate = elapsed > 0 ? formatRate((bytes * 1000) / elapsed) : '';
    const line = `${this.label}: ${formatBytes(bytes)} written${rate ? `, ${rate}` : ''}, ${formatDuration(elapsed)}`;
    const width = this.out.columns ?? 100;
    this.out.write(`${CLEAR}${line.length > width - 1 ? line.slice(0, width - 1) : line}`);
    this.drawn = true;
  }

  /** Removes the line (before the summary or an error is printed). */
  finish(): void {
    if (this.drawn) this.out.write(CLEAR);
    this.drawn = false;
  }
}
