import { createReadStream } from 'node:fs';
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError, fromSystemError, isAbortError } from '../../errors.js';
import { createAtomicFile, fsyncDir } from '../../io/atomic-file.js';
import { sha256OfStream, VerifyingStream } from '../../io/hashing.js';
import { writeFully } from '../../io/write-fully.js';
import { hexOf, type Digest } from '../../model/digest.js';
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

/**
 * The checkpoint of blob `d`'s part, undefined when there is none or it is garbled (an empty file after a
 * power loss, `null`, bad JSON, or numbers that name no start): such a part has nothing to start from.
 */
export async function readCheckpoint(root: string, d: Digest): Promise<Checkpoint | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(checkpointPath(root, d), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { size, have, sha256 } = parsed as Record<string, unknown>;
    if (typeof size !== 'number' || typeof have !== 'number' || typeof sha256 !== 'string') return undefined;
    if (!Number.isSafeInteger(have) || !Number.isSafeInteger(size) || have <= 0 || have >= size || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    return { size, have, sha256 };
  } catch {
    return undefined;
  }
}

/**
 * Writes a checkpoint under a temp name, fsynced, then renamed into place: a crash never leaves a
 * half-written one (a garbled one counts as none anyway). The `.part` bytes it names are not fsynced,
 * so after a power loss it may name bytes that never reached the disk: what makes a resume correct is
 * the rerun re-hashing the part's start against the checkpoint (keptPartOf), not this fsync.
 */
async function writeCheckpoint(root: string, d: Digest, ck: Checkpoint): Promise<void> {
  const file = await createAtomicFile(checkpointPath(root, d), { overwrite: true, leftoversRemoved: true });
  file.stream.end(JSON.stringify(ck));
  await file.commit();
}

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
  const ck = await readCheckpoint(root, d);
  if (ck) {
    const start = await sha256OfStream(createReadStream(partPath(root, d), { start: 0, end: ck.have - 1, highWaterMark: 1024 * 1024 })).catch(() => undefined);
    if (start?.size === ck.have && start.digest === `sha256:${ck.sha256}`) {
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
  // a verified start kept by an earlier run stays the checkpoint until this write passes it: the bytes
  // below it are rewritten with the same bytes, so a second interruption loses nothing
  const earlier = await readCheckpoint(root, d);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r+').catch(() => open(path, 'w', 0o644));
  } catch (err) {
    throw fromSystemError(err, path);
  }
  // the verifier hashes ahead of the writes: a start it has hashed becomes the checkpoint once written
  const due: Checkpoint[] = [];
  let offered = earlier?.size === size ? earlier.have : 0;
  const verify = new VerifyingStream(d, size, `blob ${d}`, (have) => {
    if (have - offered < CHECKPOINT_EVERY || have >= size) return;
    offered = have;
    due.push({ size, have, sha256: hexOf(verify.digestSoFar()) });
  });
  let offset = 0;
  /** The write under way: a failed pipeline waits for it, so no checkpoint appears after the part is dropped. */
  let writing: Promise<void> = Promise.resolve();
  const sink = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      writing = writeFully(fh, chunk, offset).then(async () => {
        offset += chunk.length;
        let ck: Checkpoint | undefined;
        while (due[0] !== undefined && due[0].have <= offset) ck = due.shift();
        if (ck) await writeCheckpoint(root, d, ck);
      });
      writing.then(() => cb(), cb);
    },
  });
  try {
    await pipeline(body, verify, sink, signal ? { signal } : {});
    await fh.truncate(size);
    await fh.sync();
  } catch (err) {
    await writing.catch(() => undefined);
    await fh.sync().catch(() => undefined);
    await fh.close().catch(() => undefined);
    if (err instanceof BalerError && err.code === 'E_DIGEST_MISMATCH') await dropPart(root, d);
    if (signal?.aborted && isAbortError(err)) {
      throw signal.reason instanceof BalerError ? signal.reason : new BalerError('E_CANCELLED', 'interrupted', { cause: err, leftBehind: { kept: 'resumable' } });
    }
    throw fromSystemError(err, path);
  }
  try {
    await fh.close();
    await rename(path, blobPath(root, d));
  } catch (err) {
    throw fromSystemError(err, path);
  }
  await unlink(checkpointPath(root, d)).catch(() => undefined);
  await fsyncDir(blobsDir(root));
}

/** The digest a `<hex>.part` file name is for. */
export function partDigestHex(name: string): string | undefined {
  return /^([0-9a-f]{64})\.part$/.exec(name)?.[1];
}
