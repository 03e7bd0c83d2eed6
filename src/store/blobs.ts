import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError, fromSystemError, isAbortError } from '../errors.js';
import type { BlobInfo, Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { fsyncDir } from '../io/atomic-file.js';
import { onInterruptCleanup } from '../io/cleanup.js';
import { ownedTempHex, tagOfTempHex } from '../io/owner.js';
import { CountingStream, HashingStream, VerifyingStream, isVouchedFor } from '../io/hashing.js';
import { readAtMost } from '../io/read-all.js';
import { SyncedFileStream } from '../io/synced-file-stream.js';
import { blobPath, blobsDir } from './layout.js';

/**
 * Blob files of a layout. Writes follow ggcr's layout.writeBlob: a temp file in blobs/sha256,
 * verified while writing, fsynced, renamed to its digest, directory fsynced. A blob file therefore
 * exists only with the right content, and a crash leaves at most a temp file.
 */
const TEMP_PREFIX = '.baler-tmp-';

/**
 * `.baler-tmp-<pid>-<tag><random>`: the pid lets prune tell a crashed writer's leftovers from a live
 * one's, the tag says on which host and in which pid namespace that pid was taken (io/owner.ts).
 */
export function tempBlobName(): string {
  return `${TEMP_PREFIX}${process.pid}-${ownedTempHex()}`;
}

export function isTempBlobName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** The pid that wrote a temp blob and its owner tag, when the name carries them. */
export function tempBlobOwner(name: string): { pid: number; tag: string } | undefined {
  const m = /^\.baler-tmp-(\d+)-([0-9a-f]{12})/.exec(name);
  return m ? { pid: Number(m[1]), tag: tagOfTempHex(m[2] as string) } : undefined;
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
 */
export async function placeBlob(root: string, body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<{ descriptor: Descriptor; created: boolean }> {
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
    const created = !(await hasBlob(root, digest));
    // Renaming over an existing copy is fine: same name means same bytes.
    await rename(tempPath, blobPath(root, digest));
    await fsyncDir(dir);
    return { descriptor: { mediaType: info.mediaType, digest, size }, created };
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
