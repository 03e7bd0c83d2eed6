import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { fromSystemError } from '../../errors.js';
import { fsyncDir } from '../../io/atomic-file.js';
import { SyncedFileStream } from '../../io/synced-file-stream.js';
import type { PartialStore, StoreWriter } from './partial-store.js';
import { partialPathFor } from './save-journal.js';

/** A single-file save --resume: bytes go to FILE.baler-partial, renamed to FILE (fsynced) when complete. */
export async function openPartialFile(output: string): Promise<PartialStore> {
  const partial = partialPathFor(output);
  const existing = await open(partial, 'r').catch(() => undefined);
  const size = existing ? (await existing.stat()).size : 0;
  const reader = existing ?? { read: async () => ({ bytesRead: 0 }) };
  return {
    existing: { reader, size, what: partial },
    close: async () => existing?.close(),
    async continueAt(offset: number): Promise<StoreWriter> {
      await existing?.close();
      let fh: FileHandle;
      try {
        fh = await open(partial, offset > 0 ? 'r+' : 'w', 0o644);
        await fh.truncate(offset);
      } catch (err) {
        throw fromSystemError(err, partial);
      }
      // flushed in the background as it grows, so the fsync before the rename has only the tail left
      const stream = new SyncedFileStream(fh, { start: offset, what: partial });
      return {
        stream,
        onDisk: () => offset + stream.bytesWritten,
        async publish() {
          try {
            await finished(stream);
            await stream.settled();
            await fh.sync();
          } finally {
            await fh.close().catch(() => undefined);
          }
          await rename(partial, output);
          await fsyncDir(dirname(output));
        },
        async keep() {
          stream.destroy();
          await finished(stream).catch(() => undefined);
          await stream.settled().catch(() => undefined);
          await fh.sync().catch(() => undefined);
          await fh.close().catch(() => undefined);
        },
      };
    },
  };
}
