import { closeSync, createWriteStream, existsSync, openSync, writeSync, type WriteStream } from 'node:fs';
import { open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { fromSystemError } from '../../errors.js';
import { fsyncDir } from '../../io/atomic-file.js';
import { lockPartial, lockPathFor } from './partial-lock.js';
import { formatJournalLine, journalPathFor, partialPathFor, type JournalEntry, type SaveJournal } from './save-journal.js';
import { verifyPartial } from './verify-partial.js';

/**
 * The output of `save --resume -o FILE`: bytes go to `FILE.baler-partial`, complete blob entries are
 * journaled, and commit() renames the partial to FILE (fsynced) and drops the journal. Unlike an
 * atomic file, an error or interrupt KEEPS the partial and its journal: that is what the next
 * `--resume` continues from, after re-verifying it (verify-partial.ts). A run without --resume
 * removes them first (removeLeftoverPartial) and starts over. Both hold the partial's lock
 * (partial-lock.ts) while they touch it, so two runs on one FILE cannot interleave.
 */
export interface ResumableFile {
  readonly stream: WriteStream;
  readonly journal: SaveJournal;
  /** How many journaled entries an earlier run left that failed verification and are rewritten. */
  readonly dropped: number;
  /** Always true: discard() keeps the partial for the next --resume. */
  readonly keepsOnDiscard: true;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export async function openResumableFile(output: string): Promise<ResumableFile> {
  const partial = partialPathFor(output);
  const journalPath = journalPathFor(output);
  const lock = await lockPartial(output);
  let prefix: Awaited<ReturnType<typeof verifyPartial>>;
  let fh: FileHandle;
  let journalFd: number;
  try {
    prefix = await verifyPartial(partial, journalPath);
    fh = await open(partial, prefix.offset > 0 ? 'r+' : 'w', 0o644);
    await fh.truncate(prefix.offset);
    // the journal is rewritten to what was verified, then appended to
    await writeFile(journalPath, prefix.kept.map(formatJournalLine).join(''));
    // a plain fd, written synchronously: one short line per blob, in order, before the next blob starts
    journalFd = openSync(journalPath, 'a');
  } catch (err) {
    await lock.release();
    throw fromSystemError(err, partial);
  }
  const stream = createWriteStream('', { fd: fh.fd, autoClose: false, start: prefix.offset, highWaterMark: 1024 * 1024 } as Parameters<typeof createWriteStream>[1] & { fd: number });
  let state: 'open' | 'committed' | 'discarded' = 'open';
  const closeJournal = (): void => {
    try {
      closeSync(journalFd);
    } catch {
      // already closed
    }
  };
  // an entry is journaled only once the file has all of its bytes (the tar writer may be ahead of
  // the fd by a buffer or two), so after a crash the journal never names bytes that were not written
  const pending: JournalEntry[] = [];
  const flushJournal = (): void => {
    const onDisk = prefix.offset + stream.bytesWritten;
    while (pending.length > 0 && (pending[0] as JournalEntry).end <= onDisk) {
      try {
        writeSync(journalFd, formatJournalLine(pending.shift() as JournalEntry));
      } catch (err) {
        throw fromSystemError(err, journalPath);
      }
    }
  };
  const journal: SaveJournal = {
    kept: prefix.kept,
    offset: prefix.offset,
    record(e: JournalEntry): void {
      if (state !== 'open') return;
      pending.push(e);
      flushJournal();
    },
  };
  return {
    stream,
    journal,
    dropped: prefix.dropped,
    keepsOnDiscard: true,
    async commit() {
      if (state !== 'open') return;
      try {
        if (!stream.writableEnded) stream.end();
        await finished(stream);
        await fh.sync();
        await fh.close();
        state = 'committed';
        await rename(partial, output);
        await fsyncDir(dirname(output));
        closeJournal();
        await unlink(journalPath).catch(() => undefined);
        await lock.release();
      } catch (err) {
        state = 'discarded';
        closeJournal();
        await fh.close().catch(() => undefined);
        await lock.release();
        throw fromSystemError(err, output);
      }
    },
    async discard() {
      if (state !== 'open') return;
      state = 'discarded';
      // kept on purpose, for the next --resume; what made it to the file is verified then
      stream.destroy();
      await finished(stream).catch(() => undefined);
      try {
        flushJournal();
      } catch {
        // the journal is a hint; the next run verifies what it names
      }
      await fh.sync().catch(() => undefined);
      await fh.close().catch(() => undefined);
      closeJournal();
      await lock.release();
    },
  };
}

/** A run without --resume starts over: an earlier run's partial and journal are removed. */
export async function removeLeftoverPartial(output: string): Promise<void> {
  // the usual case, nothing left over, touches nothing (no lock file either)
  if (![partialPathFor(output), journalPathFor(output), lockPathFor(output)].some((p) => existsSync(p))) return;
  const lock = await lockPartial(output);
  try {
    await unlink(partialPathFor(output)).catch(() => undefined);
    await unlink(journalPathFor(output)).catch(() => undefined);
  } finally {
    await lock.release();
  }
}
