import { existsSync } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compressor } from '../../codecs/index.js';
import { MemberCompressor } from '../../codecs/member-compressor.js';
import { fromSystemError } from '../../errors.js';
import { removeDeadTempFiles } from '../../io/leftovers.js';
import type { Digest } from '../../model/digest.js';
import type { LayerCompression } from '../../model/media-types.js';
import { openPartialParts, partialPartPath, removePartialParts } from '../split/partial-parts.js';
import { forgetInJournal, JournalFile } from './journal-file.js';
import { openPartialFile } from './partial-file.js';
import { lockPartial, lockPathFor } from './partial-lock.js';
import type { StoreWriter } from './partial-store.js';
import { keepBlobPrefix, prefixPathFor, type PrefixOutcome } from './blob-prefix.js';
import { journalPathFor, lastProgress, parseJournal, partialPathFor, type JournalEntry, type SaveJournal } from './save-journal.js';
import { verifyPartial } from './verify-partial.js';

/**
 * The output of `save --resume -o FILE`: bytes go to `FILE.baler-partial` (or, with --split, to
 * `FILE.baler-partial.001`, … — split/partial-parts.ts), complete blob entries are journaled, and
 * commit() puts the result at its name(s) and drops the journal. Unlike an atomic file, an error or
 * interrupt KEEPS the partial bytes and the journal: the next `--resume` continues from them after
 * re-verifying them (verify-partial.ts). Compressed, every blob entry ends a gzip member / zstd frame
 * (codecs/member-compressor.ts) and the journal records where. A run without --resume removes the
 * partial state first (removeLeftoverPartial). Both hold the partial's lock (partial-lock.ts) while
 * they touch it, so two runs on one FILE cannot interleave.
 */
export interface ResumableOutput {
  /** Where the uncompressed archive is written. */
  readonly stream: Writable;
  readonly journal: SaveJournal;
  /** How many journaled entries an earlier run left that failed verification and are rewritten. */
  readonly dropped: number;
  /** Always true: discard() keeps the partial for the next --resume. */
  readonly keepsOnDiscard: true;
  readonly location?: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface ResumableOutputOptions {
  compression: LayerCompression;
  /** Cut into parts of this size (--split). */
  partSize?: number;
  /** Called once the lock is held, before anything kept is re-read: a save refused by the lock says only that. */
  onLocked?: () => Promise<void>;
}

export async function openResumableOutput(output: string, o: ResumableOutputOptions): Promise<ResumableOutput> {
  const partial = partialPathFor(output);
  const journalPath = journalPathFor(output);
  const lock = await lockPartial(output);
  let writer: StoreWriter;
  let journalFile: JournalFile;
  let prefix: Awaited<ReturnType<typeof verifyPartial>>;
  let blobPrefix: PrefixOutcome;
  try {
    await o.onLocked?.();
    await unlink(prefixPathFor(output)).catch(() => undefined);
    // what an earlier run of the other shape (split or not) left cannot be continued
    if (o.partSize !== undefined) await unlink(partial).catch(() => undefined);
    else await removePartialParts(output);
    const store = o.partSize !== undefined ? await openPartialParts(output, o.partSize, o.compression) : await openPartialFile(output);
    const journalText = await readFile(journalPath, 'utf8').catch(() => '');
    const journaled = parseJournal(journalText);
    try {
      prefix = await verifyPartial(store.existing, journaled, o.compression, store.tap);
      // a compressed save's blob cut short sits in a gzip member / zstd frame that cannot be continued
      if (o.compression === 'none') blobPrefix = await keepBlobPrefix(store.existing, lastProgress(journalText, journaled), prefix.offset, output);
    } catch (err) {
      await store.close();
      throw err;
    }
    writer = await store.continueAt(prefix.outOffset);
    try {
      journalFile = await JournalFile.create(journalPath, prefix.kept);
    } catch (err) {
      // nothing went through the writer yet: the partial stays as verified, for a later --resume
      const opened = writer;
      opened.stream.destroy();
      await opened.keep().catch(() => undefined);
      throw err;
    }
  } catch (err) {
    // the kept start of a cut-off blob serves only this run
    await unlink(prefixPathFor(output)).catch(() => undefined);
    await lock.release();
    throw fromSystemError(err, partial);
  }
  const flush = (): void => journalFile.flush(writer.onDisk());
  let stream: Writable = writer.stream;
  let record = (e: JournalEntry): void => {
    journalFile.add(e);
    flush();
  };
  // compressed: the member compressor writes into the store; its pipeline ends when the store has all bytes
  let flowing: Promise<void> = Promise.resolve();
  if (o.compression !== 'none') {
    const c = o.compression;
    const members = new MemberCompressor(() => compressor(c), { in: prefix.offset, out: prefix.outOffset });
    flowing = pipeline(members, writer.stream);
    flowing.catch(() => undefined); // reported by commit(); discard() expects the failure it causes
    stream = members;
    record = (e) => {
      flush();
      members.endMemberAt(e.end, (outEnd) => {
        journalFile.add({ ...e, outEnd });
        flush();
      });
    };
  }
  // entries also reach the journal while a long blob is written (not only when the next one is recorded)
  const ticker = setInterval(() => {
    try {
      flush();
    } catch {
      // the journal is a hint: record() reports a journal that cannot be written
    }
  }, 250);
  ticker.unref();
  let state: 'open' | 'committed' | 'discarded' = 'open';
  const kept = blobPrefix && 'kept' in blobPrefix ? blobPrefix.kept : undefined;
  const journal: SaveJournal = {
    kept: prefix.kept,
    offset: prefix.offset,
    record(e: JournalEntry): void {
      if (state === 'open') record(e);
    },
    ...(o.compression === 'none'
      ? {
          progress(p, end): void {
            if (state === 'open') journalFile.progress(p, end);
          },
        }
      : {}),
    ...(kept
      ? {
          partialBlob: {
            ...kept,
            forget(): void {
              if (state === 'committed') return; // the journal is gone with the partial
              forgetKept(kept.digest);
            },
          },
        }
      : blobPrefix && 'dropped' in blobPrefix
        ? { partialBlob: blobPrefix }
        : {}),
  };
  const removePrefix = (): Promise<void> => unlink(prefixPathFor(output)).catch(() => undefined);
  /*
   * A kept start that proved bad must leave the journal: the next run re-hashes it only against the
   * sha256 the journal recorded, which bad bytes written faithfully pass. The pipeline may say so after
   * discard() released the lock; the journal may then be another run's, so it is rewritten only under
   * the lock taken again. A run holding the lock instead has read the journal or is about to: its own
   * journal starts with kept entries only, and it drops the start itself should it fail again.
   */
  let forgetting: Promise<void> = Promise.resolve();
  let released: Promise<void> | undefined;
  const forgetKept = (digest: Digest): void => {
    const lockGone = released;
    // started at once while the lock is held: close() then waits for it
    const done = lockGone === undefined ? journalFile.forget(digest) : lockGone.then(() => forgetUnlocked(output, digest));
    forgetting = Promise.all([forgetting, done.catch(() => undefined)]).then(() => undefined);
  };
  // forgets under way finish under this run's lock
  const releaseLock = (): Promise<void> => (released ??= forgetting.then(() => lock.release()));
  return {
    stream,
    journal,
    dropped: prefix.dropped,
    keepsOnDiscard: true,
    ...(writer.location ? { location: writer.location } : {}),
    async commit() {
      if (state !== 'open') return;
      state = 'committed';
      clearInterval(ticker);
      try {
        await flowing;
        await writer.publish();
        await journalFile.close();
        await unlink(journalPath).catch(() => undefined);
      } catch (err) {
        state = 'discarded';
        await journalFile.close();
        throw fromSystemError(err, output);
      } finally {
        await removePrefix();
        await releaseLock();
      }
    },
    async discard() {
      if (state !== 'open') return;
      state = 'discarded';
      clearInterval(ticker);
      // kept on purpose, for the next --resume; what made it to disk is verified then
      await flowing.catch(() => undefined);
      try {
        flush();
      } catch {
        // the journal is a hint; the next run verifies what it names
      }
      await writer.keep();
      await journalFile.close();
      // nothing reached the partial nor the journal (a run refused before its first blob): they keep
      // nothing to continue, so they go, still under the lock (a kept blob start has a journal line)
      if ((await partialIsEmpty(output, o.partSize !== undefined)) && (await stat(journalPath).catch(() => undefined))?.size === 0) {
        if (o.partSize !== undefined) await removePartialParts(output);
        else await unlink(partial).catch(() => undefined);
        await unlink(journalPath).catch(() => undefined);
      }
      await removePrefix();
      await releaseLock();
    },
  };
}

/** True when the partial holds no byte (its file, or its only part, is empty): nothing a rerun could continue from. */
async function partialIsEmpty(output: string, split: boolean): Promise<boolean> {
  const first = await stat(split ? partialPartPath(output, 1) : partialPathFor(output)).catch(() => undefined);
  if (first === undefined || first.size !== 0) return false;
  return !split || (await stat(partialPartPath(output, 2)).catch(() => undefined)) === undefined;
}

/** forget() once the run's lock is gone: only under the lock taken again, when no other run holds it. */
async function forgetUnlocked(output: string, digest: Digest): Promise<void> {
  const again = await lockPartial(output).catch(() => undefined);
  if (!again) return;
  try {
    await forgetInJournal(journalPathFor(output), digest);
  } finally {
    await again.release();
  }
}

/** A run without --resume starts over: an earlier run's partial file or parts and journal are removed. */
export async function removeLeftoverPartial(output: string): Promise<void> {
  // a journal being replaced when its run was SIGKILLed (the journal itself may be gone: made afresh)
  await removeDeadTempFiles(journalPathFor(output));
  // the usual case, nothing left over, touches nothing (no lock file either)
  const leftovers = [partialPathFor(output), journalPathFor(output), lockPathFor(output), partialPartPath(output, 1), prefixPathFor(output)];
  if (!leftovers.some((p) => existsSync(p))) return;
  const lock = await lockPartial(output);
  try {
    await unlink(partialPathFor(output)).catch(() => undefined);
    await removePartialParts(output);
    await unlink(journalPathFor(output)).catch(() => undefined);
    await unlink(prefixPathFor(output)).catch(() => undefined);
  } finally {
    await lock.release();
  }
}
