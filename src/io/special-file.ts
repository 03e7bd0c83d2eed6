import { stat } from 'node:fs/promises';

/**
 * True when `path` exists and is a character or block device, a FIFO or a socket (symlinks followed):
 * a file to write INTO, never to replace. Renaming a finished temp file over `/dev/null` would swap the
 * device for a regular file, breaking every program on the machine that writes to it.
 */
export async function isSpecialFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}
