import { closeSync, fsync, openSync, readFileSync, writeSync } from 'node:fs';
import { readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { fromSystemError } from '../../errors.js';
import { createAtomicFile, fsyncDir } from '../../io/atomic-file.js';
import { onInterruptCleanup } from '../../io/cleanup.js';
import { removeDeadTempFiles } from '../../io/leftovers.js';
import { ownedTempName } from '../../io/temp-name.js';
import type { Digest } from '../../model/digest.js';
import { formatJournalLine, formatProgressLine, outEndOf, type BlobProgress, type JournalEntry } from './save-journal.js';

/**
 * The journal being written: replaced by the entries a rerun kept, then appended to one short line per
 * blob entry, in order. An entry is written only once the output file(s) hold all of its bytes (the
 * writers may be a buffer or a compressed member behind), so after a crash the journal never names
 * bytes that were not written; being a hint, the next run still verifies everything it names.
 * Between entries, progress lines say how much of a large blob is in the file (only the newest that
 * is on disk is written, a few times a second at most). The file is only ever replaced atomically
 * (an owner-tagged temp name, io/temp-name.ts, fsynced and renamed) or appended to: a crash leaves the
 * old journal or the new one, never less. Lines are written to the temp file as soon as it holds the
 * new text, so no line waits across the rename: once it is done, the new file has every line.
 */
export class JournalFile {
  private readonly pending: JournalEntry[] = [];
  /** Taking entries and progress: until close(). */
  private open = true;
  /** The descriptor lines are written to (the temp file while a replacement is under way), undefined once closed. */
  private fd: number | undefined;
  private progressed: Array<{ line: BlobProgress; end: number }> = [];
  private readonly forgotten = new Set<Digest>();
  /** forget() replacing the file (settles, never rejects). */
  private replacing: Promise<void> | undefined;

  private constructor(
    private readonly path: string,
    /** Entries in the file, so forget() can rewrite it without progress lines. */
    private readonly entries: JournalEntry[],
  ) {}

  static async create(path: string, kept: readonly JournalEntry[]): Promise<JournalFile> {
    const journal = new JournalFile(path, [...kept]);
    try {
      await journal.replace();
    } catch (err) {
      journal.closeNow();
      throw err;
    }
    return journal;
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
   * The file is replaced by one without them (also once closed, as long as the caller still holds the
   * partial's lock: a failed save may have kept its partial, and this journal, before the digest failed;
   * once the lock is released the journal may be another run's, see forgetInJournal). Should the
   * replacement fail, the journal is closed as it was, with every line written meanwhile.
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

  /**
   * Replaces the file by its entries. The temp file is made, given the text and (while the journal is
   * open) made the descriptor lines go to in one synchronous step, so a line is either in the entries
   * the text is made of or written after it; the old descriptor is kept until the rename is done, for
   * those lines to go back to should it fail.
   */
  private async replace(): Promise<void> {
    // what a SIGKILLed run left while replacing this journal
    await removeDeadTempFiles(this.path);
    const temp = ownedTempName(this.path);
    const text = this.entries.map(formatJournalLine).join('');
    let tempFd: number;
    try {
      tempFd = openSync(temp, 'wx', 0o644);
    } catch (err) {
      throw this.failed(err);
    }
    const unregister = onInterruptCleanup(() => unlink(temp).catch(() => undefined));
    const switched = this.open;
    const old = this.fd;
    try {
      writeSync(tempFd, text);
      if (switched) this.fd = tempFd;
      await fsyncFd(tempFd);
      await rename(temp, this.path);
    } catch (err) {
      unregister();
      if (switched) this.backTo(old, tempFd, Buffer.byteLength(text), temp);
      closeFd(tempFd);
      await unlink(temp).catch(() => undefined);
      throw this.failed(err);
    }
    unregister();
    // a switched descriptor now writes to the file at the journal's path
    if (!switched) closeFd(tempFd);
    else if (old !== undefined) closeFd(old);
    await fsyncDir(dirname(this.path));
  }

  /**
   * The replacement failed: lines written to the temp file after its text go to the old file, which
   * stays. All in one synchronous step (read, switch back, append): a flush() between the switch and the
   * append would put its lines before the ones they follow, and parseJournal stops where an entry does
   * not start at the end of the one before.
   */
  private backTo(old: number | undefined, tempFd: number, textBytes: number, temp: string): void {
    if (this.fd !== tempFd) return;
    let meanwhile: Buffer;
    try {
      meanwhile = readFileSync(temp);
    } catch {
      meanwhile = Buffer.alloc(0);
    }
    this.fd = old;
    if (old === undefined) return;
    try {
      if (meanwhile.length > textBytes) writeSync(old, meanwhile.subarray(textBytes));
    } catch {
      // the old file cannot be written either: it is closed as it is
    }
  }

  private failed(err: unknown): Error {
    this.closeNow();
    return fromSystemError(err, this.path);
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
    if (fd !== undefined) closeFd(fd);
  }
}

const fsyncFd = promisify(fsync);

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * forget() for a journal whose run has released the partial's lock (the caller has taken it again): the
 * file is read again and replaced without `digest`'s progress lines, so lines another run wrote since
 * are kept.
 */
export async function forgetInJournal(path: string, digest: Digest): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const lines = text.split(/(?<=\n)/);
  const keep = lines.filter((line) => !(line.includes('"have"') && !line.includes('"end"') && line.includes(`"${digest}"`)));
  if (keep.length === lines.length) return;
  const file = await createAtomicFile(path, { overwrite: true });
  file.stream.end(keep.join(''));
  await file.commit();
}
