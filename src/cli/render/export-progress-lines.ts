/**
 * `baler export` progress on stderr, from the events of pipeline/export-progress.ts. An export reads
 * its layers one at a time, each twice: pass 1 scans the headers (and verifies the bytes), pass 2
 * copies the files that survive. So there is at most one layer in flight, and each read of a layer
 * ends in one permanent line with its bytes and speed.
 *
 * On a terminal, the read in flight is redrawn in place on one line (at most every 100 ms):
 *
 *   Exporting app:1: 3 layers, 262MB
 *   0d4f23c8e1a2  scanned   210MB in 0.9s (233MB/s)
 *   8b8b1f6d0a7e  scanning  12.1MB / 48.2MB   250MB/s   ETA 0.1s
 *
 * Elsewhere (pipes, CI logs) only the finished reads, as plain lines without control codes:
 *
 *   Scanned layer 0d4f23c8e1a2 (210MB in 0.9s, 233MB/s)
 *   Copied layer 0d4f23c8e1a2 (198MB in 1.1s, 180MB/s)
 */
import type { Writable } from 'node:stream';
import { familiarName } from '../../model/image-name.js';
import { shortId, type Digest } from '../../model/digest.js';
import type { CopyEvent } from '../../pipeline/events.js';
import { formatBytes, formatDuration, formatRate } from './units.js';

export interface ExportProgressOptions {
  /** Redraw in place; default: the stream's isTTY. */
  readonly tty?: boolean;
  readonly now?: () => number;
}

/** One read of one layer: pass 1 ('scan') or pass 2 ('copy'). */
interface LayerRead {
  digest: Digest;
  pass: 'scan' | 'copy';
  /** The layer row's cumulative `done` when this read began (ExportProgress counts both passes in one row). */
  base: number;
  done: number;
  /** Bytes of this read, when known. */
  size: number | undefined;
  started: number;
}

const REDRAW_MS = 100;
const CLEAR = '\r\x1b[2K';

const WORDS = {
  scan: { active: 'scanning', doneTty: 'scanned ', donePlain: 'Scanned' },
  copy: { active: 'copying ', doneTty: 'copied  ', donePlain: 'Copied' },
} as const;

export class ExportProgressLines {
  private readonly tty: boolean;
  private readonly now: () => number;
  private current: LayerRead | undefined;
  /** The live line is on screen (a terminal only). */
  private live = false;
  private lastDraw = 0;

  constructor(
    private readonly out: Writable & { isTTY?: boolean; columns?: number },
    o: ExportProgressOptions = {},
  ) {
    this.tty = o.tty ?? out.isTTY === true;
    this.now = o.now ?? Date.now;
  }

  readonly handle = (e: CopyEvent): void => {
    switch (e.kind) {
      case 'plan': {
        if (!this.tty) return; // plain output: finished reads only
        const image = e.images[0];
        if (!image) return;
        const label = image.names[0] ? familiarName(image.names[0]) : shortId(image.ids[0] ?? image.digest);
        // the plan counts two reads of every layer; a layer pass 1 reads by headers only is read once
        this.print(`Exporting ${label}: ${image.layers} layer${image.layers === 1 ? '' : 's'}, ${formatBytes(image.bytes / 2)}`);
        return;
      }
      case 'blob':
        if (e.role === 'layer') this.onLayer(e.digest, e.state, e.done, e.total);
        return;
      case 'warning':
        this.print(`baler: warning: ${e.message}`);
        return;
      case 'note':
        this.print(`baler: ${e.message}`);
        return;
      case 'image-done':
        this.endRead();
        return;
      case 'name-moved':
        return;
    }
  };

  private onLayer(digest: Digest, state: string, done: number, total: number | undefined): void {
    const pass = state === 'hashing' ? 'scan' : state === 'copying' ? 'copy' : undefined;
    const cur = this.current;
    if (pass === undefined) {
      // verified: no pass reads this layer any more
      if (cur && cur.digest === digest) this.endRead();
      return;
    }
    if (!cur || cur.digest !== digest || cur.pass !== pass) {
      this.endRead();
      // a scan is one of two reads of the row; a copy reads what is left of it (all of it when pass 1 only
      // read the layer's headers by offset)
      const size = total === undefined ? undefined : pass === 'scan' ? total / 2 : total - done;
      this.current = { digest, pass, base: done, done, size, started: this.now() };
      this.redraw(true);
      return;
    }
    cur.done = done;
    this.redraw(false);
  }

  /** The read in flight is over: its permanent line. */
  private endRead(): void {
    const r = this.current;
    if (!r) return;
    this.current = undefined;
    const bytes = r.done - r.base;
    const ms = this.now() - r.started;
    const speed = ms > 0 ? `, ${formatRate((bytes * 1000) / ms)}` : '';
    const id = shortId(r.digest);
    const w = WORDS[r.pass];
    this.print(this.tty ? `${id}  ${w.doneTty}  ${formatBytes(bytes)} in ${formatDuration(ms)}${speed ? ` (${speed.slice(2)})` : ''}` : `${w.donePlain} layer ${id} (${formatBytes(bytes)} in ${formatDuration(ms)}${speed})`);
  }

  private activeLine(r: LayerRead): string {
    const bytes = r.done - r.base;
    const elapsed = (this.now() - r.started) / 1000;
    const rate = elapsed > 0 ? bytes / elapsed : 0;
    const size = r.size !== undefined ? `${formatBytes(bytes)} / ${formatBytes(r.size)}` : formatBytes(bytes);
    const eta = rate > 0 && r.size !== undefined && r.size > bytes ? `   ETA ${formatDuration(((r.size - bytes) / rate) * 1000)}` : '';
    return `${shortId(r.digest)}  ${WORDS[r.pass].active}  ${size}   ${formatRate(rate)}${eta}`;
  }

  /** A permanent line: replaces the live line on a terminal (which is then drawn again below it). */
  private print(line: string): void {
    if (!this.tty) {
      this.out.write(`${line}\n`);
      return;
    }
    this.out.write(`${this.live ? CLEAR : ''}${line}\n`);
    this.live = false;
    this.redraw(true);
  }

  private redraw(force: boolean): void {
    if (!this.tty || !this.current) return;
    const t = this.now();
    if (!force && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const columns = this.out.columns !== undefined && this.out.columns > 0 ? this.out.columns : 100;
    this.out.write(`${CLEAR}${this.activeLine(this.current).slice(0, Math.max(20, columns - 1))}`);
    this.live = true;
  }

  /** Leaves the terminal clean after the export (or its failure): the live line is removed. */
  finish(): void {
    if (!this.tty || !this.live) return;
    this.out.write(CLEAR);
    this.live = false;
  }
}

/** The export progress a command uses: none with --quiet or --json, else lines on stderr. */
export function exportProgressFor(io: { readonly stderr: Writable & { isTTY?: boolean; columns?: number } }, o: { quiet: boolean; json: boolean }): ExportProgressLines | undefined {
  if (o.quiet || o.json) return undefined;
  return new ExportProgressLines(io.stderr);
}
