import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { BalerError, fromSystemError } from '../errors.js';
import { onInterruptCleanup } from './cleanup.js';
import { removeDeadTempFiles } from './leftovers.js';
import { ownedTempName } from './temp-name.js';
import { isSpecialFile } from './special-file.js';
import { SyncedFileStream } from './synced-file-stream.js';

/**
 * A file that appears at `target` only when committed: written to a temp name in the same
 * directory, fsynced, renamed, and the directory fsynced. discard() (or an interrupt) removes the temp.
 * While it is written, the data already written is flushed in the background (SyncedFileStream),
 * so commit's fsync waits only for the tail. The temp name carries our pid, so a later write of the
 * same target can remove what a SIGKILLed writer left (io/leftovers.ts).
 */
export interface AtomicFile extends AsyncDisposable {
  readonly target: string;
  readonly tempPath: string;
  readonly stream: SyncedFileStream;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  } finally {
    await fh?.close();
  }
}

export interface AtomicFileOptions {
  mode?: number;
  overwrite?: boolean;
  /** The caller already removed dead writers' temp files beside `target` (a save also sweeps its split parts'). */
  leftoversRemoved?: boolean;
}

export async function createAtomicFile(target: string, opts: AtomicFileOptions = {}): Promise<AtomicFile> {
  // a caller that may be given one writes into it instead (save, export)
  if (await isSpecialFile(target)) {
    throw new BalerError('E_CONFLICT', `${target}: is a device, FIFO or socket, not a regular file; baler will not replace it`);
  }
  if (!opts.leftoversRemoved) await removeDeadTempFiles(target);
  const tempPath = ownedTempName(target);
  let fh: FileHandle;
  try {
    fh = await open(tempPath, 'wx', opts.mode ?? 0o644);
  } catch (err) {
    throw fromSystemError(err, dirname(target));
  }
  const stream = new SyncedFileStream(fh, { what: target });
  let state: 'open' | 'committed' | 'discarded' = 'open';
  const discard = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'discarded';
    unregister();
    stream.destroy();
    await fh.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
  };
  const unregister = onInterruptCleanup(discard);
  const commit = async (): Promise<void> => {
    if (state !== 'open') return;
    try {
      if (!stream.writableEnded) stream.end();
      await finished(stream);
      await stream.settled();
      await fh.sync();
      await fh.close();
      if (!opts.overwrite) {
        // refuse to clobber something that appeared while we were writing
        const exists = await open(target, 'r').then((h) => h.close().then(() => true), () => false);
        if (exists) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      }
      await rename(tempPath, target);
      state = 'committed';
      unregister();
      await fsyncDir(dirname(target));
    } catch (err) {
      await discard();
      throw fromSystemError(err, target);
    }
  };
  return { target, tempPath, stream, commit, discard, [Symbol.asyncDispose]: discard };
}
