import { basename } from 'node:path';
import type { Digest } from '../model/digest.js';
import { indexEntries, readIndexDocument } from './index-file.js';
import { layoutFilesPresent, restoreLayoutFiles } from './layout.js';
import { removeUnleased } from './lease.js';
import { withLayoutLock } from './lock.js';
import { walkReachable } from './reachability.js';

/**
 * Takes back blobs a writer added for images it did not commit (a failed or interrupted load), so
 * the layout is left as it was rather than waiting for prune. Under the layout lock, like prune, and
 * with prune's rules: a blob the index reaches (another writer committed an image using it) or that
 * another live writer leases (it put the same blob or counted on it) stays. `ownLease` is the
 * writer's own lease file, which must not protect its blobs from itself. Returns what was removed;
 * when a manifest in the index cannot be read, nothing is (what it reaches is unknown). Whatever it
 * removes, it leaves a layout behind (oci-layout and index.json written back when they are gone).
 */
export async function discardUnpublished(root: string, digests: readonly Digest[], ownLease: string | undefined): Promise<Digest[]> {
  // nothing to take back, and no layout file to write back (without a lease this writer made nothing there)
  if (digests.length === 0 && (ownLease === undefined || (await layoutFilesPresent(root)))) return [];
  return withLayoutLock(root, async () => {
    // A failed writer that made the layout may have removed it while this one had it open: this
    // writer's lease or blobs made blobs/sha256 again, alone. Made a layout again (empty, unless
    // another writer commits), so neither this take-back nor what is left depends on a missing
    // index.json; a sink that made the layout itself removes it after (transports/oci-layout/sink.ts).
    await restoreLayoutFiles(root);
    if (digests.length === 0) return [];
    const walk = await walkReachable(root, indexEntries(await readIndexDocument(root)));
    if (walk.unreadable.length > 0) return [];
    return removeUnleased(
      root,
      digests.filter((d) => !walk.reachable.has(d)),
      ownLease === undefined ? undefined : basename(ownLease),
    );
  });
}
