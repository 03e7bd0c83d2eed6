import { appendFile, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fromSystemError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { isDigest } from '../model/digest.js';
import { onInterruptCleanup } from '../io/cleanup.js';
import { tempBlobName } from './blobs.js';
import { blobsDir } from './layout.js';

/**
 * A writer's claim on blobs it has put or found present but not yet published in index.json, so a
 * concurrent prune leaves them alone (containerd's leases, as a file). It is a temp-named file in
 * blobs/sha256 ending in `.lease`, one digest per line: fsck ignores it like any temp file, prune
 * honours it while its pid is alive and deletes it once the writer is gone.
 */
export const LEASE_SUFFIX = '.lease';

export function isLeaseName(name: string): boolean {
  return name.endsWith(LEASE_SUFFIX);
}

export class BlobLease {
  private path: string | undefined;
  private unregister: (() => void) | undefined;

  constructor(private readonly root: string) {}

  /** The lease file, once something is held (a writer's own lease does not protect blobs from itself). */
  get file(): string | undefined {
    return this.path;
  }

  /** Records `d` before the caller relies on the blob; appends are atomic lines (O_APPEND). */
  async hold(d: Digest): Promise<void> {
    if (!this.path) {
      this.path = join(blobsDir(this.root), `${tempBlobName()}${LEASE_SUFFIX}`);
      const path = this.path;
      this.unregister = onInterruptCleanup(() => unlink(path).catch(() => undefined));
    }
    try {
      await appendFile(this.path, `${d}\n`);
    } catch (err) {
      throw fromSystemError(err, this.path);
    }
  }

  async release(): Promise<void> {
    const path = this.path;
    this.path = undefined;
    this.unregister?.();
    this.unregister = undefined;
    if (path) await unlink(path).catch(() => undefined);
  }
}

/** The digests a live lease file protects (garbage lines are ignored). */
export async function readLease(path: string): Promise<Digest[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter(isDigest);
}
