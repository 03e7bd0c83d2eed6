import { existsSync } from 'node:fs';
import { PassThrough, type Transform, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { compressor } from '../codecs/index.js';
import { BalerError, fromSystemError } from '../errors.js';
import { createAtomicFile } from '../io/atomic-file.js';
import { removeDeadTempFiles } from '../io/leftovers.js';
import { archiveStdout, flushed } from '../io/stdout-stream.js';
import type { LayerCompression } from '../model/media-types.js';
import { openResumableOutput, removeLeftoverPartial } from './resume/resumable-output.js';
import type { SaveJournal } from './resume/save-journal.js';
import { SplitPartWriter } from './split/part-writer.js';

/**
 * Where a single-file sink's bytes go: an atomic file (temp name, fsync, rename; nothing left at the
 * target on error or abort) or stdout for `-`, optionally wrapped in gzip/zstd as a whole.
 */
export interface ArchiveOutput {
  /** Write the (uncompressed) archive bytes here. */
  readonly stream: Writable;
  commit(): Promise<void>;
  /** Rolls back: the temp file is removed. A no-op after commit. Stdout cannot be unwritten. */
  discard(): Promise<void>;
  /** --resume: what an earlier interrupted run left verified, and where new entries are journaled. */
  readonly journal?: SaveJournal;
  /** Where the result is, when not at the location asked for (a split set: its NAME.baler.json). */
  readonly location?: string;
}

export interface ArchiveOutputOptions {
  overwrite?: boolean;
  outerCompression?: LayerCompression;
  /** What `-` writes to; process.stdout by default. */
  stdout?: Writable;
  /** Cut the output into parts of at most this many bytes (split/part-writer.ts). */
  splitSize?: number;
  /** Keep a partial file and a journal, and continue one an interrupted run left (resume/). */
  resume?: boolean;
  /** With resume: called once the partial's lock is held (OpenOptions.onPartialLocked). */
  onPartialLocked?: () => Promise<void>;
}

export async function openArchiveOutput(location: string, o: ArchiveOutputOptions = {}): Promise<ArchiveOutput> {
  const compression = o.outerCompression ?? 'none';
  // made only where used: a resumed save compresses per member itself
  const codec = (): Transform => (compression !== 'none' ? compressor(compression) : new PassThrough({ highWaterMark: 1024 * 1024 }));
  if (location === '-') return stdoutOutput(codec(), archiveStdout(o.stdout ?? process.stdout));
  if (!o.overwrite && existsSync(location)) throw new BalerError('E_CONFLICT', `${location}: already exists`);
  // a SIGKILLed save's temp file or split parts (never --resume's FILE.baler-partial*, which it continues)
  await removeDeadTempFiles(location, { parts: true });
  if (o.resume) {
    // the resumable output compresses itself: it ends a member after every blob entry (member-compressor.ts)
    return fileOutput(new PassThrough({ highWaterMark: 1024 * 1024 }), await openResumableOutput(location, { compression, ...(o.splitSize !== undefined ? { partSize: o.splitSize } : {}), ...(o.onPartialLocked ? { onLocked: o.onPartialLocked } : {}) }));
  }
  await removeLeftoverPartial(location);
  if (o.splitSize !== undefined) return fileOutput(codec(), new SplitPartWriter(location, o.splitSize, compression));
  return fileOutput(codec(), await createAtomicFile(location, { leftoversRemoved: true, ...(o.overwrite ? { overwrite: true } : {}) }));
}

/** The part of an output that lands on disk: an atomic file, split parts or a resumable partial. */
interface FileTarget {
  readonly stream: Writable;
  commit(): Promise<void>;
  discard(): Promise<void>;
  readonly journal?: SaveJournal;
  readonly location?: string;
  /** discard() keeps what was written (save --resume): buffered bytes are flushed to it first. */
  readonly keepsOnDiscard?: boolean;
}

function fileOutput(codec: Transform, file: FileTarget): ArchiveOutput {
  const flowing = pipeline(codec, file.stream);
  flowing.catch(() => undefined); // reported by commit(); discard() expects the failure it causes
  let done = false;
  return {
    stream: codec,
    async commit() {
      if (done) return;
      if (!codec.writableEnded) codec.end();
      try {
        await flowing;
      } catch (err) {
        await file.discard();
        throw err;
      }
      await file.commit();
      done = true;
    },
    async discard() {
      if (done) return;
      done = true;
      if (file.keepsOnDiscard && !codec.destroyed) {
        // what is buffered is whole entries plus at most one cut short; the next --resume verifies it
        codec.end();
        await flowing.catch(() => undefined);
      } else codec.destroy();
      await file.discard();
    },
    ...(file.journal ? { journal: file.journal } : {}),
    ...(file.location ? { location: file.location } : {}),
  };
}

function stdoutOutput(codec: PassThrough | Writable, out: Writable): ArchiveOutput {
  // stdout is never ended: the process (or the test) owns it
  const src = codec as PassThrough;
  src.pipe(out, { end: false });
  // pipe() does not pass a destination's failure (disk full, a reader gone) back: without this the
  // archive would stall on back-pressure instead of failing
  out.on('error', (err) => src.destroy(fromSystemError(err, 'stdout')));
  src.on('error', () => undefined); // the writer into src and commit() both see the failure
  let done = false;
  return {
    stream: src,
    async commit() {
      if (done) return;
      done = true;
      if (!src.writableEnded) src.end();
      await finished(src);
      await flushed(out);
    },
    async discard() {
      if (done) return;
      done = true;
      src.unpipe(out);
      src.destroy();
    },
  };
}
