import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onInterruptCleanup } from './cleanup.js';
import { removeDeadTempDirs } from './leftovers.js';
import { ownedTempDirPrefix } from './temp-name.js';

export function tempRoot(): string {
  return process.env.BALER_TMPDIR || tmpdir();
}

export interface TempDir extends AsyncDisposable {
  readonly path: string;
  remove(): Promise<void>;
}

/**
 * A private temp dir removed on dispose and on interrupt. A SIGKILL leaves it behind (a spooled stdin
 * can be the size of the archive), so its name carries our pid and the first one a process makes
 * removes those of balers that no longer run (io/leftovers.ts).
 */
export async function makeTempDir(prefix = 'baler-', parent = tempRoot()): Promise<TempDir> {
  await removeDeadTempDirs(parent);
  const path = await mkdtemp(join(parent, ownedTempDirPrefix(prefix)));
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    unregister();
    await rm(path, { recursive: true, force: true });
  };
  const unregister = onInterruptCleanup(remove);
  return { path, remove, [Symbol.asyncDispose]: remove };
}
