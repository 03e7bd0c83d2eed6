import { readdir, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fromSystemError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { fsyncDir } from '../io/atomic-file.js';
import { isTempBlobName } from './blobs.js';
import { isStaleTemp } from './gc.js';
import { indexEntries, readIndexDocument } from './index-file.js';
import { blobPath, blobsDir } from './layout.js';
import { isLeaseName, readLease } from './lease.js';
import { withLayoutLock } from './lock.js';
import { walkReachable } from './reachability.js';

/**
 * Takes back blobs a writer added for images it did not commit (a failed or interrupted load), so
 * the layout is left as it was rather than waiting for prune. Under the layout lock, like prune, and
 * with prune's rules: a blob the index reaches (another writer committed an image using it) or that
 * another live writer leases (it put the same blob or counted on it) stays. `ownLease` is the
 * writer's own lease file, which must not protect its blobs from itself. Returns what was removed;
 * when a manifest in the index cannot be read, nothing is (what it reaches is unknown).
 */
export async function discardUnpublished(root: string, digests: readonly Digest[], ownLease: string | undefined): Promise<Digest[]> {
  if (digests.length === 0) return [];
  return withLayoutLock(root, async () => {
    const walk = await walkReachable(root, indexEntries(await readIndexDocument(root)));
    if (walk.unreadable.length > 0) return [];
    const leased = await leasedByOthers(root, ownLease === undefined ? undefined : basename(ownLease));
    const removed: Digest[] = [];
    for (const d of digests) {
      if (walk.reachable.has(d) || leased.has(d)) continue;
      try {
        await unlink(blobPath(root, d));
        removed.push(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromSystemError(err, blobPath(root, d));
      }
    }
    if (removed.length > 0) await fsyncDir(blobsDir(root));
    return removed;
  });
}

/** The digests that lease files of live writers (other than `ownName`) hold. */
async function leasedByOthers(root: string, ownName: string | undefined): Promise<Set<Digest>> {
  const dir = blobsDir(root);
  const held = new Set<Digest>();
  const now = Date.now();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === ownName || !isTempBlobName(name) || !isLeaseName(name)) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile() || isStaleTemp(name, st.mtimeMs, now)) continue;
    for (const d of await readLease(join(dir, name))) held.add(d);
  }
  return held;
}
