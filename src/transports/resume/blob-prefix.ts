import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { writeFully } from '../../io/write-fully.js';
import type { Digest } from '../../model/digest.js';
import { blobHeaderBytes, layoutHeadBytes } from '../layout-tar-writer.js';
import type { KeptBlobPrefix } from '../types.js';
import { partialPathFor, type BlobProgress } from './save-journal.js';
import type { PartialBytes } from './verify-partial.js';

const CHUNK = 1024 * 1024;

/** Where a rerun keeps the start of the blob an interrupted run was writing, while the partial is cut before it. */
export function prefixPathFor(output: string): string {
  return `${partialPathFor(output)}.prefix`;
}

export type PrefixOutcome = { kept: Omit<KeptBlobPrefix, 'forget'> } | { digest: Digest; dropped: string } | undefined;

/**
 * The blob an interrupted uncompressed save was writing when it stopped, after the verified prefix
 * (`offset`): its entry header must be exactly what the writer writes, and the first `have` data bytes
 * the journal's last progress line names must be on disk and hash to what it recorded. They are
 * re-hashed while being copied to `prefixPathFor(output)` (the partial is then cut before the entry, and
 * the entry is written again whole, from those bytes and the rest fetched from the source).
 */
export async function keepBlobPrefix(bytes: PartialBytes, progress: BlobProgress | undefined, offset: number, output: string): Promise<PrefixOutcome> {
  if (!progress) return undefined;
  const head = layoutHeadBytes();
  const dropped = (why: string): PrefixOutcome => ({ digest: progress.digest, dropped: `the ${progress.have} bytes an interrupted run wrote of ${progress.digest} ${why}` });
  if (progress.start !== (offset > 0 ? offset : head.length)) return dropped('do not follow the blobs that checked out');
  if (offset === 0 && !(await readExactly(bytes, 0, head.length))?.equals(head)) return dropped('follow a damaged archive head');
  const header = blobHeaderBytes(progress.digest, progress.size);
  if (!(await readExactly(bytes, progress.start, header.length))?.equals(header)) return dropped('follow a damaged entry header');
  const dataStart = progress.start + header.length;
  if (bytes.size < dataStart + progress.have) return dropped(`are not all in ${bytes.what} (it is ${bytes.size} bytes long)`);
  const path = prefixPathFor(output);
  // a file that cannot even be made here (no permission, no fds) is one more reason to fetch it whole
  const out = await open(path, 'w', 0o644).catch((err: unknown) => err as NodeJS.ErrnoException);
  if (!('fd' in out)) return dropped(`could not be kept aside (${out.code ?? out.message})`);
  const hash = createHash('sha256');
  let written = 0;
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let at = dataStart, end = dataStart + progress.have; at < end; ) {
      const { bytesRead } = await bytes.reader.read(buf, 0, Math.min(CHUNK, end - at), at);
      if (bytesRead === 0) throw new Error(`${bytes.what} ended at byte ${at}`);
      const got = buf.subarray(0, bytesRead);
      hash.update(got);
      await writeFully(out, got, written);
      written += bytesRead;
      at += bytesRead;
    }
  } catch (err) {
    await out.close();
    await unlink(path).catch(() => undefined);
    // a full disk or a short read here must not fail every later --resume the same way: fetch the blob whole
    return dropped(`could not be kept aside (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  await out.close();
  if (hash.digest('hex') !== progress.sha256) {
    await unlink(path).catch(() => undefined);
    return dropped('do not hash to what the journal recorded');
  }
  return {
    kept: {
      digest: progress.digest,
      size: progress.size,
      have: progress.have,
      what: bytes.what,
      open: () => createReadStream(path, { highWaterMark: CHUNK }),
    },
  };
}

async function readExactly(bytes: PartialBytes, at: number, length: number): Promise<Buffer | undefined> {
  if (at + length > bytes.size) return undefined;
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await bytes.reader.read(buf, done, length - done, at + done);
    if (bytesRead === 0) return undefined;
    done += bytesRead;
  }
  return buf;
}
