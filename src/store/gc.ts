import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BalerError, fromSystemError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { digestFromHex } from '../model/digest.js';
import { isTempBlobName, tempBlobOwner } from './blobs.js';
import { indexEntries, readIndexDocument } from './index-file.js';
import { blobsDir } from './layout.js';
import { isLeaseName, readLease } from './lease.js';
import { withLayoutLock } from './lock.js';
import { walkReachable } from './reachability.js';
import { isOwnerGone, tagOfTempHex } from '../io/owner.js';

/**
 * `baler prune`: deletes blobs no index entry reaches plus temp files of writers that are gone.
 * Runs under the layout lock, so the index cannot gain entries meanwhile, and spares blobs that
 * live writers hold in a lease (uploaded or found present, not yet committed). Should a blob still
 * go missing under a writer, its commit (under the same lock) fails cleanly instead of publishing
 * an entry with a hole.
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
/** A temp file of a live process is left alone unless it is this old (pid reuse, other hosts). */
const STALE_TEMP_MS = 24 * 3600 * 1000;
/** Temp files beside index.json / oci-layout (io/atomic-file.ts) made before they carried a pid. */
const STALE_ROOT_TEMP_MS = 60 * 1000;

/** Whether prune removes this temp blob: its writer is gone (fsck notes these too). */
export function isStaleTemp(name: string, mtimeMs: number, now: number): boolean {
  const owner = tempBlobOwner(name);
  if (now - mtimeMs > STALE_TEMP_MS) return true;
  return owner !== undefined && isOwnerGone(owner.pid, owner.tag);
}

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
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      throw fromSystemError(err, dir);
    }
    // blobs live writers have put or counted on but not yet published (store/lease.ts)
    const leased = new Set<Digest>();
    const candidates: PrunedFile[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      if (isTempBlobName(name)) {
        if (isStaleTemp(name, st.mtimeMs, now)) result.temps.push({ name: join('blobs', 'sha256', name), size: st.size });
        else if (isLeaseName(name)) for (const d of await readLease(path)) leased.add(d);
        continue;
      }
      if (!HEX64.test(name)) continue; // not ours to judge
      const digest = digestFromHex(name);
      if (!walk.reachable.has(digest)) candidates.push({ name: join('blobs', 'sha256', name), digest, size: st.size });
    }
    result.blobs = candidates.filter((c) => c.digest === undefined || !leased.has(c.digest));
    for (const name of await readdir(root)) {
      const owner = /^\..+\.baler-tmp-(?:(\d+)-)?([0-9a-f]+)$/.exec(name);
      if (!owner) continue;
      const st = await stat(join(root, name)).catch(() => undefined);
      const deadOwner = owner[1] !== undefined && isOwnerGone(Number(owner[1]), tagOfTempHex(owner[2] as string));
      if (st?.isFile() && (deadOwner || now - st.mtimeMs > STALE_ROOT_TEMP_MS)) result.temps.push({ name, size: st.size });
    }
    for (const f of [...result.blobs, ...result.temps]) {
      result.bytes += f.size;
      if (!opts.dryRun) {
        await unlink(join(root, f.name)).catch((err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromSystemError(err, join(root, f.name));
        });
      }
    }
    return result;
  });
}
