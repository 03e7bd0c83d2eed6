import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { BlobLease, waitForRemovers, type RemoverWait } from './lease.js';
import { walkReachable } from './reachability.js';

/**
 * A reader's lease (save, export, verify, the TUI reading a store or `oci:DIR`): the blobs of the
 * images it resolved stay while it reads, whatever `rm` and `prune` do meanwhile; the prune that runs
 * after it has finished (or the next one) removes them. Written like a writer's lease (store/lease.ts),
 * pid-named and removed on dispose, so a reader that was killed holds nothing.
 *
 * A removal may already be under way when the lease is written: its rename-aside of a blob may come
 * after the reader has looked, and the reader would then open nothing (or an open file's ctime would
 * change under a checked read). So after writing the lease the reader waits out any remover that read
 * the leases before (waitForRemovers), and only then resolves again and checks that what it resolved
 * is leased and present: from then on no remover takes it. An image removed before the lease counted
 * is simply not found any more (a clean "no image" instead of a missing file halfway).
 *
 * A lease that cannot be written (a read-only store, a mounted disk, no room) is not a reason to fail
 * a read: it reads without one, as before leases. Nothing is ever made for a lease (no blobs/sha256),
 * so reading never makes a store.
 */
export class ReadLease {
  private readonly lease: BlobLease;
  private readonly held = new Set<Digest>();
  private unavailable = false;

  /** `wait`: what the reader tells its user while a remover keeps it waiting (store/lease.ts waitForRemovers). */
  constructor(
    private readonly root: string,
    private readonly wait: RemoverWait = {},
  ) {
    this.lease = new BlobLease(root, false);
  }

  /**
   * `resolve` reads what the store holds (read again once the lease is written); `chosen` says which
   * top-level descriptors of it the reader will read. Returns what `resolve` gave last, once every blob
   * those reach is leased and was present after the lease counted (or a lease cannot be had).
   */
  async resolveLeased<T>(resolve: () => Promise<T>, chosen: (resolved: T) => readonly Descriptor[]): Promise<T> {
    let resolved = await resolve();
    /** The last walk, while it may stand for the next: every manifest it met was read. */
    let lastWalk: { tops: string; reached: Digest[] } | undefined;
    for (let round = 0; round < ROUNDS && !this.unavailable; round++) {
      const tops = chosen(resolved);
      const topsKey = tops.map((d) => d.digest).join(' ');
      // manifests are content-addressed: the same tops, all read last time, reach the same blobs; a
      // manifest missing then may be back now (a remover put it back on seeing the lease), so walk again
      const reached =
        lastWalk?.tops === topsKey
          ? lastWalk.reached
          : await walkReachable(
              this.root,
              tops.map((descriptor, position) => ({ descriptor, position })),
            ).then((walk) => {
              const complete = walk.missing.length === 0 && walk.notIncluded.length === 0 && walk.unreadable.length === 0;
              const all = [...walk.reachable.keys()];
              lastWalk = complete ? { tops: topsKey, reached: all } : undefined;
              return all;
            });
      const fresh = reached.filter((d) => !this.held.has(d));
      // all leased and waited for (below), so looked at after the lease counted: present ones stay,
      // a missing one is damage for the read to report
      if (fresh.length === 0) return resolved;
      if (!(await this.hold(fresh))) return resolved;
      await waitForRemovers(this.root, this.wait);
      resolved = await resolve();
    }
    return resolved;
  }

  /** Keeps a long read's lease from being taken for a leftover (BlobLease.renew). */
  renew(): Promise<void> {
    return this.lease.renew();
  }

  async release(): Promise<void> {
    this.held.clear();
    await this.lease.release();
  }

  private async hold(digests: readonly Digest[]): Promise<boolean> {
    try {
      await this.lease.holdAll(digests);
    } catch {
      // a read-only or full store: read without a lease rather than not at all
      this.unavailable = true;
      await this.lease.release();
      return false;
    }
    for (const d of digests) this.held.add(d);
    return true;
  }
}

/** Resolutions before a reader settles for what it has (each is a lease write and a re-read). */
const ROUNDS = 3;
