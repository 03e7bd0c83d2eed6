import { rmdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import type { BlobInfo, Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { sha256Of } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import { fullName } from '../model/image-name.js';
import { hasBlob, moveBlobIn, placeBlob, writeBytesBlob } from './blobs.js';
import { discardUnpublished } from './discard.js';
import { addImageToIndex, type NameMove } from './index-edit.js';
import { readIndexDocument, writeIndexLocked, type IndexEntry } from './index-file.js';
import { blobsDir, indexFile, layoutFilesPresent, ociLayoutFile, restoreLayoutFiles } from './layout.js';
import { BlobLease } from './lease.js';
import { withLayoutLock } from './lock.js';
import { walkReachable } from './reachability.js';

/**
 * Writes images into a layout (the embedded store or an `oci:` directory) in the order that keeps
 * it consistent through crashes: blobs and manifests land first (each atomically, verified), and
 * only commit() touches index.json, under the lock, re-reading it so concurrent writers all keep
 * their images. Dropping a writer without commit never changes the index: dispose() keeps the
 * verified blobs (unreferenced, for a rerun to reuse or prune to remove); abandon() takes back the
 * ones this writer added (store/discard.ts).
 */
export interface PendingImage {
  descriptor: Descriptor;
  name?: ImageName;
  refName?: string;
}

export interface CommitOutcome {
  moved: NameMove[];
  location: string;
}

export class LayoutWriter {
  private readonly pending: PendingImage[] = [];
  private state: 'open' | 'committed' | 'disposed' = 'open';
  private readonly lease: BlobLease;
  /** Blobs whose files this writer made (not those it found present): what abandon() may take back. */
  private readonly created = new Set<Digest>();

  constructor(
    readonly root: string,
    private readonly location: string,
  ) {
    this.lease = new BlobLease(root);
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new BalerError('E_INTERNAL', `Internal error: ${this.root}: writer used after ${this.state}`);
  }

  /** A present blob is leased first, so a concurrent prune does not take it before commit. */
  async hasBlob(d: Digest): Promise<boolean> {
    this.assertOpen();
    await this.lease.hold(d);
    return hasBlob(this.root, d);
  }

  async putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    this.assertOpen();
    // leased before the blob can appear under its digest: known, now; otherwise once the bytes tell it
    if (info.digest) await this.lease.hold(info.digest);
    else await this.lease.open();
    const claim = info.digest ? undefined : (d: Digest): Promise<void> => this.lease.hold(d);
    const { descriptor, created } = await placeBlob(this.root, body, info, signal, claim);
    if (created) this.created.add(descriptor.digest);
    return descriptor;
  }

  /**
   * Moves a blob file verified elsewhere (an oci-dir save --resume's partial) into the layout as blob
   * `d`, leased as a put blob is; false when the layout holds it already (the file stays). abandon()
   * does not take it back: it was moved, not copied, so the layout holds its only copy.
   */
  async adoptBlob(file: string, d: Digest, o: { signal?: AbortSignal; syncDir?: boolean } = {}): Promise<boolean> {
    if (await this.hasBlob(d)) return false;
    await moveBlobIn(this.root, file, d, o);
    return true;
  }

  async putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    this.assertOpen();
    const got = sha256Of(bytes);
    if (got !== d.digest || bytes.byteLength !== d.size) {
      throw new BalerError('E_DIGEST_MISMATCH', `manifest ${d.digest}: got ${bytes.byteLength} bytes hashing to ${got}, expected ${d.size} bytes`);
    }
    await this.lease.hold(d.digest);
    if (await hasBlob(this.root, d.digest)) return;
    await writeBytesBlob(this.root, bytes, d);
    this.created.add(d.digest);
  }

  /** Queues an index entry; `refName` forces the exact ref.name (oci:DIR:IMAGE). */
  addImage(image: PendingImage): void {
    this.assertOpen();
    this.pending.push(image);
  }

  async commit(): Promise<CommitOutcome> {
    this.assertOpen();
    const moved = await withLayoutLock(this.root, async (lock) => {
      // Under the lock: everything the new entries reach must exist (a concurrent prune may
      // have removed an unreferenced blob we counted on).
      const entries: IndexEntry[] = this.pending.map((p, i) => ({ descriptor: p.descriptor, position: i }));
      const walk = await walkReachable(this.root, entries);
      const missing = walk.missing[0] ?? walk.unreadable[0];
      if (missing) {
        throw new BalerError('E_CONFLICT', `${this.root}: blob ${missing.digest} vanished before commit (removed by a concurrent prune?); nothing was changed, run the command again`);
      }
      // a writer that failed and made this layout may have removed its files meanwhile (lease.ts open())
      await restoreLayoutFiles(this.root);
      const doc = await readIndexDocument(this.root);
      const moves: NameMove[] = [];
      for (const p of this.pending) {
        const move = addImageToIndex(doc, p.descriptor, p.name, p.refName !== undefined ? { refName: p.refName } : {});
        if (move) moves.push(move);
      }
      await writeIndexLocked(this.root, doc, lock);
      return collapseMoves(moves);
    });
    this.state = 'committed';
    await this.lease.release();
    return { moved, location: this.location };
  }

  /** Without commit: the index is untouched; blobs written stay, unreferenced, for a rerun or prune. */
  async dispose(): Promise<void> {
    const open = this.state === 'open';
    if (open) this.state = 'disposed';
    try {
      // the blobs kept may stand alone: a failed writer that made the layout removed its files meanwhile
      if (open && this.lease.file !== undefined && !(await layoutFilesPresent(this.root))) {
        await withLayoutLock(this.root, () => restoreLayoutFiles(this.root));
      }
    } catch {
      // best effort: the next writer makes the layout again (store/layout.ts ensureLayout)
    } finally {
      await this.lease.release();
    }
  }

  /**
   * Without commit: the index is untouched and the blobs this writer added are removed again, except
   * those another writer relies on meanwhile. Best effort: a blob that cannot be removed now (the lock
   * is busy, a manifest in the index is unreadable) stays for prune. `unmake`: this writer made the
   * layout (from an absent or an empty directory), which is then unmade if it holds nothing else.
   * Returns how many blobs were removed.
   */
  async abandon(o: { unmake?: 'absent' | 'empty' } = {}): Promise<number> {
    const open = this.state === 'open';
    if (open) this.state = 'disposed';
    let removed = 0;
    try {
      removed = open ? (await discardUnpublished(this.root, [...this.created], this.lease.file)).length : 0;
    } catch {
      // kept for prune
    } finally {
      this.created.clear();
      await this.lease.release();
    }
    if (open && o.unmake) await removeIfEmpty(this.root, o.unmake);
    return removed;
  }
}

/**
 * Undoes the making of a layout that holds no image and no blob (under its lock, so a writer committing
 * now keeps its image): an absent DIR is removed, an empty one emptied again. Only the names a layout is
 * made of are removed, none recursively: anything else found there (put by another tool meanwhile, or a
 * blob, temp or lease of another writer) makes a removal fail, and it all stays.
 */
async function removeIfEmpty(root: string, was: 'absent' | 'empty'): Promise<void> {
  try {
    const emptied = await withLayoutLock(root, async () => {
      if ((await readIndexDocument(root)).manifests.length > 0) return false;
      await rmdir(blobsDir(root)); // ENOTEMPTY: another writer's blobs, temps or lease
      await rmdir(dirname(blobsDir(root)));
      await unlink(ociLayoutFile(root));
      await unlink(indexFile(root));
      return true;
    });
    // after the lock is gone (its directory lives in DIR): fails, and keeps DIR, unless DIR is empty
    if (emptied && was === 'absent') await rmdir(root);
  } catch {
    // left in place: an empty layout is valid, only untidy
  }
}

/** One move per name: from the first old image to the final new one; a name moved back is no move. */
function collapseMoves(moves: NameMove[]): NameMove[] {
  const byName = new Map<string, NameMove>();
  for (const m of moves) {
    const key = fullName(m.name);
    const prev = byName.get(key);
    byName.set(key, prev ? { name: m.name, from: prev.from, to: m.to } : m);
  }
  return [...byName.values()].filter((m) => m.from !== m.to);
}
