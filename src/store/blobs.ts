import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError, fromSystemError, isAbortError } from '../errors.js';
import type { BlobInfo, Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { fsyncDir } from '../io/atomic-file.js';
import { onInterruptCleanup } from '../io/cleanup.js';
import { isOwnerGone } from '../io/owner.js';
import { CountingStream, HashingStream, VerifyingStream, isVouchedFor } from '../io/hashing.js';
import { readAtMost } from '../io/read-all.js';
import { SyncedFileStream } from '../io/synced-file-stream.js';
import { tempBlobName, tempBlobOwner } from '../io/temp-name.js';
import { blobPath, blobsDir } from './layout.js';

/**
 * Blob files of a layout. Writes follow ggcr's layout.writeBlob: a temp file in blobs/sha256,
 * verified while writing, fsynced, renamed to its digest, directory fsynced. A blob file therefore
 * exists only with the right content, and a crash leaves at most a temp file (io/temp-name.ts names it).
 */

/** A temp file of a live process is left alone unless it is this old (pid reuse, other hosts). */
const STALE_TEMP_MS = 24 * 3600 * 1000;

/** Whether a temp blob (or lease) in blobs/sha256 is left by a writer that is gone: prune removes it, fsck notes it. */
export function isStaleTemp(name: string, mtimeMs: number, now: number): boolean {
  if (now - mtimeMs > STALE_TEMP_MS) return true;
  const owner = tempBlobOwner(name);
  return owner !== undefined && isOwnerGone(owner.pid, owner.tag);
}

export async function blobSize(root: string, d: Digest): Promise<number | undefined> {
  try {
    const st = await stat(blobPath(root, d));
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

export async function hasBlob(root: string, d: Digest): Promise<boolean> {
  return (await blobSize(root, d)) !== undefined;
}

/** Opens a blob for reading; E_NOT_FOUND names the layout and the digest. */
export async function openBlob(root: string, d: Digest): Promise<Readable> {
  const path = blobPath(root, d);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BalerError('E_NOT_FOUND', `${root}: blob ${d} not found`);
    throw fromSystemError(err, path);
  }
  return fh.createReadStream({ highWaterMark: 1024 * 1024 });
}

/** Reads a small blob (manifest, config) whole, refusing more than `limit` bytes. */
export async function readBlobBytes(root: string, d: Digest, limit: number): Promise<Buffer> {
  return readAtMost(await openBlob(root, d), limit, `${root}: blob ${d}`);
}

/**
 * Streams `body` into the layout rooted at `root` as a blob. Known `info.digest`/`info.size` are
 * verified while writing; on mismatch, error or abort nothing is left but the exception.
 * Returns the descriptor of the stored blob.
 */
export async function writeBlobAtomic(root: string, body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
  return (await placeBlob(root, body, info, signal)).descriptor;
}

/**
 * writeBlobAtomic that also tells whether the blob file is new (`created`), so a writer that fails can
 * take back exactly the blobs it added and none that were there before it (store/discard.ts).
 * `claim` runs once the digest is known and before the blob appears under it: a writer leases it
 * there, so no take-back or prune can remove it between the rename and the lease (store/lease.ts).
 */
export async function placeBlob(
  root: string,
  body: Readable,
  info: BlobInfo,
  signal?: AbortSignal,
  claim?: (d: Digest) => Promise<void>,
): Promise<{ descriptor: Descriptor; created: boolean }> {
  const { digest, size, created } = await writeBlobFile(root, body, info, signal, claim);
  return { descriptor: { mediaType: info.mediaType, digest, size }, created };
}

/**
 * Moves `file`, a whole blob verified elsewhere (an oci-dir save's partial directory), into the layout
 * as blob `d`. On the same file system that is one rename. Across file systems (the layout is a mount
 * point) the bytes go in as any blob does (temp name, verified against `d`, fsynced, renamed, the temp
 * removed on error, abort or interrupt), then `file` is removed. The caller has leased `d` and found
 * it absent (store/writer.ts adoptBlob). `syncDir: false`: the caller fsyncs blobs/sha256 once after many.
 */
export async function moveBlobIn(root: string, file: string, d: Digest, o: { signal?: AbortSignal; syncDir?: boolean } = {}): Promise<void> {
  const dir = blobsDir(root);
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw fromSystemError(err, dir);
  });
  try {
    await rename(file, blobPath(root, d));
    if (o.syncDir !== false) await fsyncDir(dir);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // the source missing is named as such, not as the destination
    if (code === 'ENOENT' && !(await stat(file).then(() => true, () => false))) throw fromSystemError(err, file);
    if (code !== 'EXDEV') throw fromSystemError(err, blobPath(root, d));
  }
  await writeBlobFile(root, createReadStream(file, { highWaterMark: 1024 * 1024 }), { digest: d }, o.signal);
  await unlink(file).catch(() => undefined);
}

/**
 * The one way bytes become a blob file (ggcr's layout.writeBlob): a temp file in blobs/sha256 (named
 * by io/temp-name.ts), verified while written, fsynced, renamed to its digest, directory fsynced.
 */
async function writeBlobFile(
  root: string,
  body: Readable,
  info: { digest?: Digest | undefined; size?: number | undefined },
  signal?: AbortSignal,
  claim?: (d: Digest) => Promise<void>,
): Promise<{ digest: Digest; size: number; created: boolean }> {
  const dir = blobsDir(root);
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw fromSystemError(err, dir);
  });
  const tempPath = join(dir, tempBlobName());
  let fh: FileHandle | undefined;
  const removeTemp = async (): Promise<void> => {
    await fh?.close().catch(() => undefined);
    fh = undefined;
    await unlink(tempPath).catch(() => undefined);
  };
  const unregister = onInterruptCleanup(removeTemp);
  try {
    fh = await open(tempPath, 'wx', 0o644).catch((err: unknown) => {
      throw fromSystemError(err, dir);
    });
    const what = `blob ${info.digest ?? '(digest not yet known)'}`;
    // bytes the pipeline already verifies against this digest are only counted here (hashing is the cost)
    const check: Transform & { bytes: number } = !info.digest
      ? new HashingStream()
      : isVouchedFor(body, info.digest, info.size)
        ? new CountingStream()
        : new VerifyingStream(info.digest, info.size, what);
    // flushes in the background while writing, so the fsync below waits only for the tail
    const out = new SyncedFileStream(fh, { what: root });
    await pipeline(body, check, out, signal ? { signal } : {});
    await out.settled();
    const size = check.bytes;
    const digest = check instanceof HashingStream ? check.digest() : (info.digest as Digest);
    if (info.size !== undefined && info.size !== size) {
      throw new BalerError('E_DIGEST_MISMATCH', `blob ${digest}: size mismatch, expected ${info.size} bytes, got ${size}`);
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await claim?.(digest);
    const created = !(await hasBlob(root, digest));
    // Renaming over an existing copy is fine: same name means same bytes.
    await rename(tempPath, blobPath(root, digest));
    await fsyncDir(dir);
    return { digest, size, created };
  } catch (err) {
    await removeTemp();
    if (signal?.aborted && isAbortError(err)) {
      throw signal.reason instanceof BalerError ? signal.reason : new BalerError('E_CANCELLED', 'interrupted', { cause: err, leftBehind: { kept: 'nothing' } });
    }
    throw fromSystemError(err, `${root}: writing ${info.digest ?? 'blob'}`);
  } finally {
    unregister();
  }
}

/** Stores small bytes (a manifest) after checking they hash to `d`. */
export async function writeBytesBlob(root: string, bytes: Uint8Array, d: Descriptor, signal?: AbortSignal): Promise<Descriptor> {
  return writeBlobAtomic(root, Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), { mediaType: d.mediaType, digest: d.digest, size: d.size }, signal);
}
