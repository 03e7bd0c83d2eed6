import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BalerError, fromSystemError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { digestFromHex } from '../model/digest.js';
import { isOwnerGone } from '../io/owner.js';
import { isTempBlobName, parseTempNameBeside } from '../io/temp-name.js';
import { isStaleTemp } from './blobs.js';
import { indexEntries, readIndexDocument } from './index-file.js';
import { blobsDir } from './layout.js';
import { leasedDigests, removeUnleased } from './lease.js';
import { withLayoutLock } from './lock.js';
import { walkReachable } from './reachability.js';

/**
 * `baler prune`: deletes blobs no index entry reaches plus temp files of writers that are gone.
 * Runs under the layout lock, so the index cannot gain entries meanwhile, and spares blobs that
 * live writers hold in a lease (uploaded or found present, not yet committed; store/lease.ts says
 * why no lease is missed). Should a blob still go missing under a writer, its commit (under the
 * same lock) fails cleanly instead of publishing an entry with a hole.
 */
export interface PrunedFile {
  name: string;
  digest?: Digest;
  size: number;
}

export interface PruneResult {
  blobs: PrunedFile[];
  temps: PrunedFile[];
  bytes: number;
  dryRun: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** Temp files beside index.json / oci-layout (io/atomic-file.ts) made before they carried a pid. */
const STALE_ROOT_TEMP_MS = 60 * 1000;

export async function pruneLayout(root: string, opts: { dryRun: boolean }): Promise<PruneResult> {
  return withLayoutLock(root, async () => {
    const entries = indexEntries(await readIndexDocument(root));
    const walk = await walkReachable(root, entries);
    const first = walk.unreadable[0];
    if (first) {
      // Unknown children could be deleted by mistake; refuse rather than guess.
      throw new BalerError('E_STORE_CORRUPT', `${root}: cannot prune, manifest ${first.digest} (${first.from}) is unreadable: ${first.message}; run 'baler fsck'`);
    }
    const result: PruneResult = { blobs: [], temps: [], bytes: 0, dryRun: opts.dryRun };
    const now = Date.now();
    const dir = blobsDir(root);
    // no blobs/sha256 (a removal of an empty layout killed halfway, store/layout.ts): nothing to prune there
    const names = await readdir(dir).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
      throw fromSystemError(err, dir);
    });
    const candidates: (PrunedFile & { digest: Digest })[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      if (isTempBlobName(name)) {
        if (isStaleTemp(name, st.mtimeMs, now)) result.temps.push({ name: join('blobs', 'sha256', name), size: st.size });
        continue;
      }
      if (!HEX64.test(name)) continue; // not ours to judge
      const digest = digestFromHex(name);
      if (!walk.reachable.has(digest)) candidates.push({ name: join('blobs', 'sha256', name), digest, size: st.size });
    }
    for (const name of await readdir(root)) {
      const temp = parseTempNameBeside(name);
      if (!temp) continue;
      const st = await stat(join(root, name)).catch(() => undefined);
      const deadOwner = temp.kind === 'owned' && isOwnerGone(temp.owner.pid, temp.owner.tag);
      if (st?.isFile() && (deadOwner || now - st.mtimeMs > STALE_ROOT_TEMP_MS)) result.temps.push({ name, size: st.size });
    }
    // blobs live writers have put or counted on but not yet published stay (store/lease.ts)
    if (opts.dryRun) {
      const leased = await leasedDigests(root);
      result.blobs = candidates.filter((c) => !leased.has(c.digest));
    } else {
      const removed = new Set(await removeUnleased(root, candidates.map((c) => c.digest)));
      result.blobs = candidates.filter((c) => removed.has(c.digest));
    }
    for (const f of [...result.blobs, ...result.temps]) {
      result.bytes += f.size;
      if (!opts.dryRun && f.digest === undefined) {
        await unlink(join(root, f.name)).catch((err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromSystemError(err, join(root, f.name));
        });
      }
    }
    return result;
  });
}
