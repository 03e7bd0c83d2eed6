import { existsSync } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { compressor } from '../codecs/index.js';
import { BalerError } from '../errors.js';
import { createAtomicFile } from '../io/atomic-file.js';
import type { LayerCompression } from '../model/media-types.js';

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
}

export interface ArchiveOutputOptions {
  overwrite?: boolean;
  outerCompression?: LayerCompression;
  /** What `-` writes to; process.stdout by default. */
  stdout?: Writable;
}

export async function openArchiveOutput(location: string, o: ArchiveOutputOptions = {}): Promise<ArchiveOutput> {
  const codec = o.outerCompression && o.outerCompression !== 'none' ? compressor(o.outerCompression) : new PassThrough({ highWaterMark: 1024 * 1024 });
  if (location === '-') return stdoutOutput(codec, o.stdout ?? process.stdout);
  if (!o.overwrite && existsSync(location)) throw new BalerError('E_CONFLICT', `${location}: already exists`);
  const file = await createAtomicFile(location, o.overwrite ? { overwrite: true } : {});
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
      codec.destroy();
      await file.discard();
    },
  };
}

function stdoutOutput(codec: PassThrough | Writable, out: Writable): ArchiveOutput {
  // stdout is never ended: the process (or the test) owns it
  const src = codec as PassThrough;
  src.pipe(out, { end: false });
  let done = false;
  return {
    stream: src,
    async commit() {
      if (done) return;
      done = true;
      if (!src.writableEnded) src.end();
      await finished(src);
    },
    async discard() {
      if (done) return;
      done = true;
      src.unpipe(out);
      src.destroy();
    },
  };
}
