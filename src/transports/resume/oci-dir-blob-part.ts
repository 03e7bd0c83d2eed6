import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError, fromSystemError, isAbortError } from '../../errors.js';
import { fsyncDir } from '../../io/atomic-file.js';
import type { Digest } from '../../model/digest.js';
import { blobPath, blobsDir } from '../../store/layout.js';
import type { KeptBlobPrefix } from '../types.js';

/**
 * A large blob of an oci-dir save --resume is written as `<hex>.part` in the partial directory, and every
 * 4 MiB `<hex>.part.json` records how many of its bytes are written and the sha256 of those bytes. The
 * next --resume re-hashes exactly that start (keptPartOf) and, when it checks out, the pipeline fetches
 * only the rest (a registry with Range) and puts the whole blob again: its bytes are written over the
 * same offsets of the `.part` file they were read from (so identical bytes, read before they are
 * rewritten), the whole is verified against the digest, and the file is renamed to `<hex>`.
 */
export const PART_MIN_SIZE = 4 * 1024 * 1024;
const CHECKPOINT_EVERY = 4 * 1024 * 1024;

export interface Checkpoint {
  readonly size: number;
  readonly have: number;
  readonly sha256: string;
}

export const partPath = (root: string, d: Digest): string => `${blobPath(root, d)}.part`;
const checkpointPath = (root: string, d: Digest): string => `${partPath(root, d)}.json`;

/** Removes a blob's `.part` and its checkpoint (the start failed its check, or the blob its digest). */
export async function dropPart(root: string, d: Digest): Promise<void> {
  await unlink(partPath(root, d)).catch(() => undefined);
  await unlink(checkpointPath(root, d)).catch(() => undefined);
}

/**
 * The verified start of blob `d` an earlier run left, cut to exactly that start. Otherwise the part is
 * removed: 'damaged' when its checkpoint names bytes that do not re-hash to it, undefined when it has
 * no usable checkpoint (less than 4 MiB was written).
 */
export async function keptPartOf(root: string, d: Digest): Promise<Checkpoint | 'damaged' | undefined> {
  let ck: Checkpoint | undefined;
  try {
    const parsed = JSON.parse(await readFile(checkpointPath(root, d), 'utf8')) as Partial<Checkpoint>;
    if (typeof parsed.size === 'number' && typeof parsed.have === 'number' && typeof parsed.sha256 === 'string' && parsed.have > 0 && parsed.have < parsed.size) ck = parsed as Checkpoint;
  } catch {
    // no checkpoint, or a garbled one: nothing to start from
  }
  if (ck) {
    const hash = createHash('sha256');
    let read = 0;
    try {
      for await (const chunk of createReadStream(partPath(root, d), { start: 0, end: ck.have - 1 }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        read += chunk.length;
      }
    } catch {
      read = -1;
    }
    if (read === ck.have && hash.digest('hex') === ck.sha256) {
      const fh = await open(partPath(root, d), 'r+');
      await fh.truncate(ck.have).finally(() => fh.close());
      return ck;
    }
  }
  await dropPart(root, d);
  return ck ? 'damaged' : undefined;
}

/** A KeptBlobPrefix over a verified `.part` (for the pipeline's ranged fetch). */
export function partPrefix(root: string, d: Digest, ck: Checkpoint, onForget: () => void): KeptBlobPrefix {
  return {
    digest: d,
    size: ck.size,
    have: ck.have,
    what: partPath(root, d),
    open: () => createReadStream(partPath(root, d), { start: 0, end: ck.have - 1, highWaterMark: 1024 * 1024 }),
    forget: () => {
      onForget();
      void dropPart(root, d);
    },
  };
}

/**
 * Writes blob `d` (`size` bytes) from `body` into `<hex>.part` from offset 0, recording checkpoints,
 * then verifies, fsyncs and renames it to `<hex>`. Interrupted, the part and its checkpoint stay;
 * a digest or size mismatch removes them.
 */
export async function writeBlobPart(root: string, body: Readable, d: Digest, size: number, signal?: AbortSignal): Promise<void> {
  const path = partPath(root, d);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r+').catch(() => open(path, 'w', 0o644));
  } catch (err) {
    throw fromSystemError(err, path);
  }
  const hash = createHash('sha256');
  let offset = 0;
  let checkpointed = 0;
  const sink = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (offset + chunk.length > size) return cb(new BalerError('E_DIGEST_MISMATCH', `blob ${d}: size mismatch, expected ${size} bytes, got more`));
      fh.write(chunk, 0, chunk.length, offset).then(async () => {
        hash.update(chunk);
        offset += chunk.length;
        if (offset - checkpointed >= CHECKPOINT_EVERY && offset < size) {
          checkpointed = offset;
          const ck: Checkpoint = { size, have: offset, sha256: hash.copy().digest('hex') };
          // renamed into place, so a reader (or a crash) never meets a half-written checkpoint
          await writeFile(`${checkpointPath(root, d)}.tmp`, JSON.stringify(ck));
          await rename(`${checkpointPath(root, d)}.tmp`, checkpointPath(root, d));
        }
      }).then(() => cb(), cb);
    },
  });
  try {
    await pipeline(body, sink, signal ? { signal } : {});
    const got = `sha256:${hash.digest('hex')}`;
    if (offset !== size) throw new BalerError('E_DIGEST_MISMATCH', `blob ${d}: size mismatch, expected ${size} bytes, got ${offset}`);
    if (got !== d) throw new BalerError('E_DIGEST_MISMATCH', `blob ${d}: digest mismatch, expected ${d}, got ${got}`);
    await fh.truncate(size);
    await fh.sync();
  } catch (err) {
    await fh.sync().catch(() => undefined);
    await fh.close().catch(() => undefined);
    if (err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH') await dropPart(root, d);
    if (signal?.aborted && isAbortError(err)) {
      throw signal.reason instanceof BalerError ? signal.reason : new BalerError('E_CANCELLED', 'interrupted', { cause: err, leftBehind: { kept: 'resumable' } });
    }
    throw err;
  }
  await fh.close();
  await rename(path, blobPath(root, d));
  await unlink(checkpointPath(root, d)).catch(() => undefined);
  await fsyncDir(blobsDir(root));
}

/** The digest a `<hex>.part` file name is for. */
export function partDigestHex(name: string): string | undefined {
  return /^([0-9a-f]{64})\.part$/.exec(name)?.[1];
}
