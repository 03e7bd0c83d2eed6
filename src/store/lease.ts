import { appendFile, mkdir, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { BalerError, fromSystemError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { hexOf, isDigest } from '../model/digest.js';
import { fsyncDir } from '../io/atomic-file.js';
import { onInterruptCleanup } from '../io/cleanup.js';
import { isLeaseName, LEASE_SUFFIX, tempBlobName } from '../io/temp-name.js';
import { isStaleTemp } from './blobs.js';
import { blobPath, blobsDir, lockPath } from './layout.js';
import { withLayoutLock } from './lock.js';

/**
 * A writer's claim on blobs it has put or found present but not yet published in index.json, or a
 * reader's on the blobs of the images it resolved (store/read-lease.ts), so a concurrent prune or
 * take-back leaves them alone (containerd's leases, as a file). It is a temp-named file in
 * blobs/sha256 ending in `.lease`, one digest per line: fsck ignores it like any temp file, prune
 * honours it while its pid is alive and deletes it once the holder is gone.
 *
 * The protocol that makes a lease safe without a lock per blob: a writer records a digest before it
 * relies on the blob (before it looks for it, before it renames its copy into place); a remover
 * (removeUnleased) first renames a blob out of the way and only then reads the leases again. Either
 * the remover's second read sees the lease (and puts the blob back), or the lease came later, and
 * with it the writer's look or rename, which then finds no blob or places its own copy. So removal
 * never takes a blob a writer relies on, barring a crash of the remover inside that window: then the
 * blob stays under its temp name, the writer's commit fails cleanly (the blob is missing) and a later
 * prune removes the temp file.
 */

export class BlobLease {
  private path: string | undefined;
  private unregister: (() => void) | undefined;
  private writtenAt = 0;

  /**
   * `remakesBlobsDir`: a writer makes blobs/sha256 again when a failed writer removed it meanwhile; a
   * reader's lease (store/read-lease.ts) never makes anything, so a store being removed stays removed.
   */
  constructor(
    private readonly root: string,
    private readonly remakesBlobsDir = true,
  ) {}

  /** The lease file, once something is held (a writer's own lease does not protect blobs from itself). */
  get file(): string | undefined {
    return this.path;
  }

  /**
   * Makes the lease file (empty) if there is none yet. While it exists blobs/sha256 is not empty, so a
   * writer that failed and removes the layout it made (transports/oci-layout/sink.ts) leaves it standing.
   */
  async open(): Promise<void> {
    await this.append('');
  }

  /** Records `d` before the caller relies on the blob; appends are atomic lines (O_APPEND). */
  async hold(d: Digest): Promise<void> {
    await this.append(`${d}\n`);
  }

  /** Records every digest of `ds` in one append. */
  async holdAll(ds: readonly Digest[]): Promise<void> {
    if (ds.length > 0) await this.append(ds.map((d) => `${d}\n`).join(''));
  }

  /**
   * A lease file older than a day is taken for a leftover whatever its pid (blobs.ts isStaleTemp, pids
   * are reused): a holder that may run that long renews it now and then, which costs a utimes an hour.
   */
  async renew(): Promise<void> {
    const now = Date.now();
    if (!this.path || now - this.writtenAt < RENEW_MS) return;
    this.writtenAt = now;
    await utimes(this.path, now / 1000, now / 1000).catch(() => undefined);
  }

  private async append(text: string): Promise<void> {
    if (!this.path) {
      this.path = join(blobsDir(this.root), `${tempBlobName()}${LEASE_SUFFIX}`);
      const path = this.path;
      this.unregister = onInterruptCleanup(() => unlink(path).catch(() => undefined));
    }
    // blobs/sha256 may be gone: a failed writer that made this layout removed it again just now
    for (let attempt = 0; ; attempt++) {
      try {
        await appendFile(this.path, text);
        this.writtenAt = Date.now();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !this.remakesBlobsDir || attempt >= 5) throw fromSystemError(err, this.path);
        await mkdir(blobsDir(this.root), { recursive: true }).catch(() => undefined);
      }
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

const RENEW_MS = 3600 * 1000;

/** The digests a lease file protects (garbage lines are ignored). */
async function readLease(path: string): Promise<Digest[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter(isDigest);
}

/** The digests the lease files of live writers hold, other than the lease named `ownName`. */
export async function leasedDigests(root: string, ownName?: string): Promise<Set<Digest>> {
  const dir = blobsDir(root);
  const held = new Set<Digest>();
  const now = Date.now();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name === ownName || !isLeaseName(name)) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile() || isStaleTemp(name, st.mtimeMs, now)) continue;
    for (const d of await readLease(join(dir, name))) held.add(d);
  }
  return held;
}

/** What a reader waiting for a remover (waitForRemovers) tells its user. */
export interface RemoverWait {
  /** Called once the wait has lasted a second: the user sees why nothing happens meanwhile. */
  onWaiting?: (message: string) => void;
  /** Called when the lock could not be had in the end: the read goes on without waiting any longer. */
  onGaveUp?: (message: string) => void;
}

/** How long a reader waits for a remover before it says so. */
const WAITING_NOTICE_MS = 1000;

/**
 * Returns once no remover that may have read the leases before the caller's lease was written is still
 * at work: removers read leases only under the layout lock, so when the lock is free now any such
 * remover is done, and otherwise taking the lock waits it out (a lock left by a killed process goes
 * stale and is taken over). A blob present after this stays while the lease is held; one found missing
 * was removed before the lease counted. A lock that cannot be had (a read-only store) is not waited for.
 *
 * A lock still held when withLayoutLock gives up (a long prune, or something that is not a remover
 * refreshing it) does not fail the read: the read goes on, said in one warning. Failing would not be
 * safer: every blob is still checked against its digest as it is read, so the worst a remover can do
 * now is make the read fail on a missing blob, which is what failing here would do to every read, also
 * to the ones whose blobs the remover leaves alone (as `docker save` beside a `docker image prune`
 * gives the images the prune keeps). The lock names no process (proper-lockfile's mkdir lock holds no
 * pid), so the messages name the lock file, which the user can look at.
 */
export async function waitForRemovers(root: string, o: RemoverWait = {}): Promise<void> {
  const held = await stat(lockPath(root)).then(
    () => true,
    () => false,
  );
  if (!held) return;
  const notice = setTimeout(() => o.onWaiting?.(`${root}: waiting for another baler that holds ${lockPath(root)} (a prune removing blobs from the store) before reading…`), WAITING_NOTICE_MS);
  try {
    await withLayoutLock(root, async () => undefined);
  } catch (err) {
    if (err instanceof BalerError && err.code === 'E_LOCKED') {
      o.onGaveUp?.(`${root}: ${lockPath(root)} is still held by another process; reading without waiting for it, so a blob it removes now fails this read`);
    }
  } finally {
    clearTimeout(notice);
  }
}

/**
 * Removes the blobs `digests` that no live writer leases (callers hold the layout lock and have
 * checked that the index does not reach them). Each is renamed to a temp name first, then the leases
 * are read again and a blob leased meanwhile is put back (see the protocol above). `ownLease`: the
 * caller's own lease file, which does not protect blobs from the caller. Returns what was removed.
 * Should a rename or unlink fail partway, every blob still aside is put back before the error goes
 * on: keeping a blob is always safe, prune decides about it again.
 */
export async function removeUnleased(root: string, digests: readonly Digest[], ownLease?: string): Promise<Digest[]> {
  const dir = blobsDir(root);
  const leasedBefore = await leasedDigests(root, ownLease);
  /** Blobs renamed aside and not yet decided (put back or unlinked). */
  const aside = new Map<Digest, string>();
  const removed: Digest[] = [];
  try {
    for (const digest of digests) {
      if (leasedBefore.has(digest)) continue;
      const temp = join(dir, tempBlobName());
      try {
        await rename(blobPath(root, digest), temp);
        aside.set(digest, temp);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromSystemError(err, blobPath(root, digest));
      }
    }
    if (aside.size === 0) return [];
    const leasedNow = await leasedDigests(root, ownLease);
    for (const [digest, temp] of aside) {
      try {
        // same name, same bytes: putting it back over a copy a writer placed meanwhile changes nothing
        if (leasedNow.has(digest)) await rename(temp, blobPath(root, digest));
        else {
          await unlink(temp);
          removed.push(digest);
        }
      } catch (err) {
        throw fromSystemError(err, join(dir, hexOf(digest)));
      }
      aside.delete(digest);
    }
  } finally {
    // what cannot go back stays under its temp name: the blob is missing, which a writer's commit
    // notices (it fails cleanly), and prune removes the temp file once this process is gone
    for (const [digest, temp] of aside) await rename(temp, blobPath(root, digest)).catch(() => undefined);
    await fsyncDir(dir);
  }
  return removed;
}
