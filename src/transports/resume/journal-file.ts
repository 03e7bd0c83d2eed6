import { appendFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { fromSystemError } from '../../errors.js';
import { createAtomicFile } from '../../io/atomic-file.js';
import type { Digest } from '../../model/digest.js';
import { formatJournalLine, formatProgressLine, outEndOf, type BlobProgress, type JournalEntry } from './save-journal.js';

/**
 * The journal being written: replaced by the entries a rerun kept, then appended to one short line per
 * blob entry, in order. An entry is written only once the output file(s) hold all of its bytes (the
 * writers may be a buffer or a compressed member behind), so after a crash the journal never names
 * bytes that were not written; being a hint, the next run still verifies everything it names.
 * Between entries, progress lines say how much of a large blob is in the file (only the newest that
 * is on disk is written, a few times a second at most). The file is only ever replaced atomically
 * (io/atomic-file.ts) or appended to: a crash leaves the old journal or the new one, never less.
 */
export class JournalFile {
  private readonly pending: JournalEntry[] = [];
  /** Taking entries and progress: until close(). */
  private open = true;
  /** The file's descriptor, undefined once closed. */
  private fd: number | undefined;
  private progressed: Array<{ line: BlobProgress; end: number }> = [];
  private readonly forgotten = new Set<Digest>();
  /** forget() replacing the file (settles, never rejects). */
  private replacing: Promise<void> | undefined;
  /** Lines written after the replacement's text was taken: appended to the new file once it is in place. */
  private held: string[] | undefined;

  private constructor(
    private readonly path: string,
    fd: number,
    /** Entries in the file, so forget() can rewrite it without progress lines. */
    private readonly entries: JournalEntry[],
  ) {
    this.fd = fd;
  }

  static async create(path: string, kept: readonly JournalEntry[]): Promise<JournalFile> {
    await replaceFile(path, kept.map(formatJournalLine).join(''));
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

  /**
   * Drops every progress line of `digest` (written or pending): its bytes are not to be resumed from.
   * The file is replaced by one without them (also once closed: a failed save may have kept its partial,
   * and this journal, before the digest failed). Should that fail, the journal is closed as it was.
   */
  forget(digest: Digest): Promise<void> {
    this.forgotten.add(digest);
    this.progressed = this.progressed.filter((p) => p.line.digest !== digest);
    const replaced = (this.replacing ?? Promise.resolve()).then(() => this.replace());
    const settled = replaced.catch(() => undefined);
    this.replacing = settled;
    void settled.then(() => {
      if (this.replacing === settled) this.replacing = undefined;
    });
    return replaced;
  }

  private async replace(): Promise<void> {
    const text = this.entries.map(formatJournalLine).join('');
    const held: string[] = [];
    this.held = held;
    try {
      await replaceFile(this.path, text);
      this.held = undefined;
      if (this.fd === undefined) {
        if (held.length > 0) appendFileSync(this.path, held.join(''));
        return;
      }
      // the old descriptor writes to the file replaced
      const old = this.fd;
      this.fd = undefined;
      closeSync(old);
      this.fd = openSync(this.path, 'a');
      if (held.length > 0) writeSync(this.fd, held.join(''));
    } catch (err) {
      this.held = undefined;
      this.closeNow();
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
    if (this.held) {
      this.held.push(line);
      return;
    }
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, line);
    } catch (err) {
      throw fromSystemError(err, this.path);
    }
  }

  /** Takes nothing more; the file is closed once a replacement under way (forget) is done. */
  async close(): Promise<void> {
    this.open = false;
    await this.replacing;
    this.closeNow();
  }

  private closeNow(): void {
    this.open = false;
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** Replaces the journal at `path` by `text` atomically (owner-tagged temp name, fsync, rename). */
async function replaceFile(path: string, text: string): Promise<void> {
  const file = await createAtomicFile(path, { overwrite: true });
  file.stream.end(text);
  await file.commit();
}
