import { BalerError, fromSystemError } from '../errors.js';
import { lockPath } from './layout.js';

/**
 * The one writer lock of a layout: held only while index.json is read, changed and replaced, and
 * while prune deletes blobs. A `mkdir` lock (proper-lockfile) whose mtime is refreshed while held,
 * so a lock left by a killed process goes stale and is taken over. Layouts written by other tools
 * have no lock of their own; baler takes the same `index.json.lock` beside their index.
 */
export interface HeldLock {
  /** Throws when the lock was lost (refresh failed or it went stale): do not write the index then. */
  assertHeld(): void;
}

const STALE_MS = 10_000;

export async function withLayoutLock<T>(root: string, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  // Loaded by the first lock, not at start-up: proper-lockfile with graceful-fs and signal-exit is the
  // costliest package to load (~10 ms), and reading a store (save, export, ls) takes no lock.
  const { default: lockfile } = await import('proper-lockfile');
  try {
    release = await lockfile.lock(root, {
      lockfilePath: lockPath(root),
      realpath: false,
      stale: STALE_MS,
      update: STALE_MS / 4,
      // long enough to outwait a stale lock left by a crash, then take it over
      retries: { retries: 80, factor: 1.3, minTimeout: 20, maxTimeout: 1000, randomize: true },
      onCompromised: (err: Error) => {
        compromised = err;
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new BalerError('E_LOCKED', `${root}: locked by another process (${lockPath(root)}); try again when it finishes`, { cause: err });
    }
    throw fromSystemError(err, lockPath(root));
  }
  const held: HeldLock = {
    assertHeld() {
      if (compromised) throw new BalerError('E_LOCKED', `${root}: lost the lock ${lockPath(root)} (${compromised.message}); nothing was changed`);
    },
  };
  try {
    return await fn(held);
  } finally {
    await release().catch(() => undefined);
  }
}
