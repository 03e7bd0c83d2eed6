import type { FileHandle } from 'node:fs/promises';

/**
 * Writes all of `bytes` at `position`: fh.write may write less than asked (a signal, a nearly full
 * disk), so the rest is written until all is; a write that makes no progress is a full disk.
 */
export async function writeFully(fh: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}
