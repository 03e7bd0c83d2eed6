import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fromSystemError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { formatJournalLine, formatProgressLine, outEndOf, type BlobProgress, type JournalEntry } from './save-journal.js';

/**
 * The journal being written: rewritten to the entries a rerun kept, then appended to one short line per
 * blob entry, in order. An entry is written only once the output file(s) hold all of its bytes (the
 * writers may be a buffer or a compressed member behind), so after a crash the journal never names
 * bytes that were not written; being a hint, the next run still verifies everything it names.
 * Between entries, progress lines say how much of a large blob is in the file (only the newest that
 * is on disk is written, a few times a second at most).
 */
export class JournalFile {
  private readonly pending: JournalEntry[] = [];
  private open = true;
  private progressed: Array<{ line: BlobProgress; end: number }> = [];
  private readonly forgotten = new Set<Digest>();

  private constructor(
    private readonly path: string,
    private fd: number,
    /** Entries in the file, so forget() can rewrite it without progress lines. */
    private readonly entries: JournalEntry[],
  ) {}

  static async create(path: string, kept: readonly JournalEntry[]): Promise<JournalFile> {
    await writeFile(path, kept.map(formatJournalLine).join(''));
    // a plain fd, written synchronously: a line is on its way before the next blob starts
    return new JournalFile(path, openSync(path, 'a'), [...kept]);
  }

  /** How far a blob entry being written got; `end` is where its `have` bytes end in the written bytes. */
  progress(p: BlobProgress, end: number): void {
    if (!this.open || this.forgotten.has(p.digest)) return;
    this.progressed.push({ line: p, end });
    // bounded: a disk far behind the network keeps only the newest few
    if (this.progressed.length > 64) this.progressed.splice(0, this.progressed.length - 64);
  }

  /** Drops every progress line of `digest` (written or pending): its bytes are not to be resumed from. */
  forget(digest: Digest): void {
    this.forgotten.add(digest);
    this.progressed = this.progressed.filter((p) => p.line.digest !== digest);
    // also once closed: a failed save may have kept its partial (and this journal) before the digest failed
    const wasOpen = this.open;
    try {
      if (wasOpen) {
        // closed now: if what follows fails, close() must not close this number again (it may be reused)
        this.open = false;
        closeSync(this.fd);
      }
      writeFileSync(this.path, this.entries.map(formatJournalLine).join(''));
      if (wasOpen) {
        this.fd = openSync(this.path, 'a');
        this.open = true;
      }
    } catch (err) {
      this.close();
      throw fromSystemError(err, this.path);
    }
  }

  /** An entry complete in the output stream; written by flush() once `onDisk` covers it. */
  add(e: JournalEntry): void {
    if (this.open) this.pending.push(e);
  }

  /** Writes every pending entry whose bytes end at or before `onDisk` (an offset in the written bytes). */
  flush(onDisk: number): void {
    while (this.open && this.pending.length > 0 && outEndOf(this.pending[0] as JournalEntry) <= onDisk) {
      const e = this.pending.shift() as JournalEntry;
      this.write(formatJournalLine(e));
      this.entries.push(e);
      // a progress line of a blob now complete says nothing any more
      this.progressed = this.progressed.filter((p) => p.line.start >= e.end);
    }
    if (!this.open || this.pending.length > 0) return;
    let ready: BlobProgress | undefined;
    while (this.progressed.length > 0 && (this.progressed[0] as { end: number }).end <= onDisk) ready = this.progressed.shift()?.line;
    if (ready) this.write(formatProgressLine(ready));
  }

  private write(line: string): void {
    try {
      writeSync(this.fd, line);
    } catch (err) {
      throw fromSystemError(err, this.path);
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
