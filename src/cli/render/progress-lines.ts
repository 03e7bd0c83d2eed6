/**
 * The CLI's progress subscriber for CopyEvents (architecture.md rule 7), on stderr.
 *
 * On a terminal, finished layers scroll up as permanent lines and the layers in flight are redrawn
 * in place (ANSI, at most every 100 ms):
 *
 *   Copying 2 images: 4 layers, 7.05MB (1.20MB shared)
 *   0d4f23c8e1a2  done            3.10MB in 0.4s
 *   8b8b1f6d0a7e  already present
 *   5e1d0c9b7a21  left out (at destination)
 *   44d0d9a1c2f3  copying   1.20MB / 3.90MB   12.3MB/s   ETA 1s
 *   9c1e5a7b3d20  checking  0.80MB / 2.10MB   40.1MB/s   ETA 1s
 *
 * ("checking": the destination has the layer, which is read once to check it is this image's diff_id;
 * it then ends as "already present (checked 2.10MB in 0.1s)").
 *
 * Elsewhere (pipes, CI logs) one plain line per finished layer ("Copied layer 0d4f23c8e1a2 (3.1MB in
 * 0.4s)", "Left out layer 5e1d0c9b7a21: at destination" for a delta, "Skipped layer 9c1e5a7b3d20: already
 * present (checked 2.1MB in 0.1s)"), no plan line and no control codes.
 */
import type { Writable } from 'node:stream';
import type { Digest } from '../../model/digest.js';
import { shortId } from '../../model/digest.js';
import type { CopyEvent } from '../../pipeline/events.js';
import { formatBytes, formatDuration, formatRate } from './units.js';

export interface ProgressOptions {
  /** Redraw in place; default: the stream's isTTY. */
  readonly tty?: boolean;
  readonly now?: () => number;
}

interface LayerRow {
  readonly digest: Digest;
  started?: number;
  done: number;
  total?: number;
  /** 'left-out': a delta save leaves it out because the destination has it (not "already present" here). */
  finished?: 'copied' | 'skipped' | 'left-out';
  finishedAt?: number;
  /** The destination has the layer and it is being read once to check its diff_id ('hashing'). */
  checking?: boolean;
}

const REDRAW_MS = 100;
const CLEAR_LINE = '\x1b[2K';
const up = (n: number): string => `\x1b[${n}F`;

export class ProgressLines {
  private readonly rows = new Map<Digest, LayerRow>();
  private readonly tty: boolean;
  private readonly now: () => number;
  /** Lines of the live region currently on screen. */
  private live = 0;
  private lastDraw = 0;
  private readonly pendingStatic: string[] = [];

  constructor(
    private readonly out: Writable & { isTTY?: boolean; columns?: number },
    o: ProgressOptions = {},
  ) {
    this.tty = o.tty ?? out.isTTY === true;
    this.now = o.now ?? Date.now;
  }

  readonly handle = (e: CopyEvent): void => {
    switch (e.kind) {
      case 'plan': {
        // plain output is one line per finished layer only: a failed load then prints just its error
        if (!this.tty) return;
        const layers = e.images.reduce((n, i) => n + i.layers, 0);
        const shared = e.sharedBytes > 0 ? ` (${formatBytes(e.sharedBytes)} shared)` : '';
        const images = e.images.length === 1 ? '1 image' : `${e.images.length} images`;
        this.print(`Copying ${images}: ${layers} layer${layers === 1 ? '' : 's'}, ${formatBytes(e.totalBytes)}${shared}`);
        return;
      }
      case 'blob':
        if (e.role !== 'layer') return;
        this.onLayer(e.digest, e.state, e.done, e.total, e.leftOut === true);
        return;
      case 'warning':
        this.print(`baler: warning: ${e.message}`);
        return;
      case 'note':
        this.print(`baler: ${e.message}`);
        return;
      case 'image-done':
      case 'name-moved':
        return;
    }
  };

  private onLayer(digest: Digest, state: string, done: number, total: number | undefined, leftOut: boolean): void {
    let row = this.rows.get(digest);
    if (!row) {
      row = { digest, done: 0 };
      if (total !== undefined) row.total = total;
      this.rows.set(digest, row);
    }
    if (row.finished) return;
    if (state === 'copying' || state === 'hashing') {
      // a check that gave way to a copy starts the row again: the copy has its own bytes and rate
      if (row.checking === true && state === 'copying') delete row.started;
      row.checking = state === 'hashing';
      row.started ??= this.now();
      row.done = done;
      if (total !== undefined) row.total = total;
      this.redraw(false);
    } else if (state === 'verified' || state === 'skipped-present') {
      row.finished = state === 'verified' ? 'copied' : leftOut ? 'left-out' : 'skipped';
      row.finishedAt = this.now();
      // 'skipped-present' comes with 0 bytes: a checked layer keeps the bytes its check read
      row.done = row.checking === true ? Math.max(row.done, done) : done;
      this.print(this.finishedLine(row));
    }
  }

  private finishedLine(row: LayerRow): string {
    const id = shortId(row.digest);
    if (row.finished === 'skipped') {
      // a layer read to check it says so: the time it took was spent on it, not lost
      const checked = row.checking === true && row.started !== undefined && row.finishedAt !== undefined ? ` (checked ${formatBytes(row.done)} in ${formatDuration(row.finishedAt - row.started)})` : '';
      return this.tty ? `${id}  already present${checked}` : `Skipped layer ${id}: already present${checked}`;
    }
    if (row.finished === 'left-out') return this.tty ? `${id}  left out (at destination)` : `Left out layer ${id}: at destination`;
    const took = row.started !== undefined && row.finishedAt !== undefined ? ` in ${formatDuration(row.finishedAt - row.started)}` : '';
    return this.tty ? `${id}  done            ${formatBytes(row.done)}${took}` : `Copied layer ${id} (${formatBytes(row.done)}${took})`;
  }

  private activeLine(row: LayerRow): string {
    const elapsed = row.started !== undefined ? (this.now() - row.started) / 1000 : 0;
    const rate = elapsed > 0 ? row.done / elapsed : 0;
    const size = row.total !== undefined ? `${formatBytes(row.done)} / ${formatBytes(row.total)}` : formatBytes(row.done);
    const eta = rate > 0 && row.total !== undefined && row.total > row.done ? `   ETA ${formatDuration(((row.total - row.done) / rate) * 1000)}` : '';
    return `${shortId(row.digest)}  ${row.checking === true ? 'checking' : 'copying '}  ${size}   ${formatRate(rate)}${eta}`;
  }

  /** A permanent line: above the live region on a terminal, a plain line elsewhere. */
  private print(line: string): void {
    if (!this.tty) {
      this.out.write(`${line}\n`);
      return;
    }
    this.pendingStatic.push(line);
    this.redraw(true);
  }

  private redraw(force: boolean): void {
    if (!this.tty) return;
    const t = this.now();
    if (!force && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const columns = this.out.columns !== undefined && this.out.columns > 0 ? this.out.columns : 100;
    const width = Math.max(20, columns - 1);
    const active = [...this.rows.values()].filter((r) => r.started !== undefined && !r.finished).map((r) => this.activeLine(r));
    let text = this.live > 0 ? up(this.live) : '';
    for (const line of [...this.pendingStatic, ...active]) text += `${CLEAR_LINE}${line.slice(0, width)}\n`;
    // clear what is left of a taller previous live region
    const leftover = this.live - this.pendingStatic.length - active.length;
    for (let i = 0; i < leftover; i++) text += `${CLEAR_LINE}\n`;
    if (leftover > 0) text += up(leftover);
    this.pendingStatic.length = 0;
    this.live = active.length;
    this.out.write(text);
  }

  /** Leaves the terminal clean after the copy (or its failure): the live region is removed. */
  finish(): void {
    if (!this.tty || this.live === 0) return;
    let text = up(this.live);
    for (let i = 0; i < this.live; i++) text += `${CLEAR_LINE}\n`;
    text += up(this.live);
    this.live = 0;
    this.out.write(text);
  }
}

/** The progress subscriber a verb uses: none with --quiet or --json, else lines on stderr. */
export function progressFor(io: { readonly stderr: Writable & { isTTY?: boolean; columns?: number } }, o: { quiet: boolean; json: boolean }): ProgressLines | undefined {
  if (o.quiet || o.json) return undefined;
  return new ProgressLines(io.stderr);
}
