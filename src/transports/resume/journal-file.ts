import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fromSystemError } from '../../errors.js';
import { formatJournalLine, outEndOf, type JournalEntry } from './save-journal.js';

/**
 * The journal being written: rewritten to the entries a rerun kept, then appended to one short line per
 * blob entry, in order. An entry is written only once the output file(s) hold all of its bytes (the
 * writers may be a buffer or a compressed member behind), so after a crash the journal never names
 * bytes that were not written; being a hint, the next run still verifies everything it names.
 */
export class JournalFile {
  private readonly pending: JournalEntry[] = [];
  private open = true;

  private constructor(
    private readonly path: string,
    private readonly fd: number,
  ) {}

  static async create(path: string, kept: readonly JournalEntry[]): Promise<JournalFile> {
    await writeFile(path, kept.map(formatJournalLine).join(''));
    // a plain fd, written synchronously: a line is on its way before the next blob starts
    return new JournalFile(path, openSync(path, 'a'));
  }

  /** An entry complete in the output stream; written by flush() once `onDisk` covers it. */
  add(e: JournalEntry): void {
    if (this.open) this.pending.push(e);
  }

  /** Writes every pending entry whose bytes end at or before `onDisk` (an offset in the written bytes). */
  flush(onDisk: number): void {
    while (this.open && this.pending.length > 0 && outEndOf(this.pending[0] as JournalEntry) <= onDisk) {
      try {
        writeSync(this.fd, formatJournalLine(this.pending.shift() as JournalEntry));
      } catch (err) {
        throw fromSystemError(err, this.path);
      }
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
