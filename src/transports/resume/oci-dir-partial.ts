import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fromSystemError } from '../../errors.js';
import { createAtomicFile } from '../../io/atomic-file.js';
import { sha256OfFile } from '../../io/hashing.js';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import { digestFromHex, hexOf, isDigest, type Digest } from '../../model/digest.js';
import { placeBlob, writeBytesBlob } from '../../store/blobs.js';
import { blobPath, blobsDir } from '../../store/layout.js';
import type { KeptBlobPrefix } from '../types.js';
import { dropPart, keptPartOf, type Checkpoint, PART_MIN_SIZE, partDigestHex, partPrefix, readCheckpoint, writeBlobPart } from './oci-dir-blob-part.js';
import { lockPartial, lockPathFor, type PartialLock } from './partial-lock.js';
import { partialPathFor } from './save-journal.js';

/**
 * `save --format oci-dir -o DIR --resume` keeps what it writes in `DIR.baler-partial/blobs/sha256/<hex>`
 * (a small blob written under an owner-tagged temp name, verified, fsynced, renamed: store/blobs.ts; a
 * large one as `<hex>.part` with checkpoints, so a rerun can continue it: oci-dir-blob-part.ts) and
 * moves it into DIR only when the whole save is done, so DIR never holds a half-written image and an
 * interrupted run leaves its verified blobs for the next one. The next --resume re-hashes every kept
 * blob before using it; one that does not hash to its name is removed and fetched again. The partial
 * is held under `DIR.baler-partial.lock` (partial-lock.ts) by the one save using it.
 */
export interface OciDirKept {
  readonly blobs: number;
  readonly bytes: number;
  /** Large blobs cut short: how much of each a checkpoint names. */
  readonly started: readonly { readonly digest: Digest; readonly have: number; readonly size: number }[];
  /** Blobs a commit that then failed had already moved into DIR (not re-hashed: DIR holds them). */
  readonly movedIntoDir: number;
}

/** The partial directory of `save --format oci-dir -o DIR --resume`: `DIR.baler-partial`, beside DIR. */
export function ociDirPartialPath(dir: string): string {
  return partialPathFor(dir);
}

/**
 * In the partial: the blobs a commit moves into DIR, one digest a line, written before the first one
 * moves. A commit that fails after moving some leaves them in DIR, unreferenced; the rerun finds them
 * there, and this list tells it they are this save's earlier work (resumed), not blobs DIR held before.
 */
const MOVED_LIST = 'moved-into-dir';

async function readMovedList(root: string): Promise<Set<Digest>> {
  const text = await readFile(join(root, MOVED_LIST), 'utf8').catch(() => '');
  return new Set(text.split('\n').filter(isDigest));
}

export class OciDirPartial {
  /** Blobs an earlier run kept that re-hashed: what this save reuses from the partial. */
  readonly keptEarlier: ReadonlySet<Digest>;
  /** Blobs an earlier run's failed commit had moved into DIR (MOVED_LIST). */
  readonly movedEarlier: ReadonlySet<Digest>;
  /** Blobs in the partial, complete and verified (by this run's hashing or its writing). */
  private readonly verified = new Map<Digest, number>();
  /** What an earlier run kept that did not re-hash (removed): whole blobs, and starts of blobs cut short. */
  readonly dropped: { readonly blobs: number; readonly starts: number };
  /** Verified starts of large blobs an earlier run was writing (oci-dir-blob-part.ts). */
  private readonly parts: Map<Digest, Checkpoint>;
  /** Large blobs being written now as `.part` files (a second put of one digest goes to a temp file). */
  private readonly writing = new Set<Digest>();

  private constructor(
    /** The layout the save writes (DIR). */
    private readonly dir: string,
    /** The partial directory (`DIR.baler-partial`). */
    readonly root: string,
    private readonly lock: PartialLock,
    kept: ReadonlyMap<Digest, number>,
    dropped: { blobs: number; starts: number },
    parts: Map<Digest, Checkpoint>,
    moved: ReadonlySet<Digest>,
  ) {
    for (const [d, size] of kept) this.verified.set(d, size);
    this.keptEarlier = new Set(kept.keys());
    this.movedEarlier = moved;
    this.dropped = dropped;
    this.parts = parts;
  }

  /** Takes the partial's lock and re-hashes what an earlier run kept there. */
  static async open(dir: string, signal?: AbortSignal, onLocked?: () => Promise<void>): Promise<OciDirPartial> {
    const root = partialPathFor(dir);
    // the partial and its lock sit beside DIR: its parents are made as a plain save makes them
    await mkdir(dirname(dir), { recursive: true }).catch((err: unknown) => {
      throw fromSystemError(err, dirname(dir));
    });
    const lock = await lockPartial(dir);
    try {
      await onLocked?.();
      const { kept, dropped, droppedStarts, parts } = await verifyKept(root, signal);
      return new OciDirPartial(dir, root, lock, kept, { blobs: dropped, starts: droppedStarts }, parts, await readMovedList(root));
    } catch (err) {
      await lock.release();
      throw fromSystemError(err, root);
    }
  }

  has(d: Digest): boolean {
    return this.verified.has(d);
  }

  fileOf(d: Digest): string {
    return blobPath(this.root, d);
  }

  /** The verified start of a large blob an earlier run was writing, for the pipeline to fetch only the rest. */
  keptPrefix(d: Digest): KeptBlobPrefix | undefined {
    const ck = this.parts.get(d);
    return ck ? partPrefix(this.root, d, ck, () => this.parts.delete(d)) : undefined;
  }

  /** Writes a blob into the partial (verified against a known digest and size while written). */
  async putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    try {
      return await this.place(body, info, signal);
    } catch (err) {
      throw fromSystemError(err, this.root);
    }
  }

  private async place(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    const d = info.digest;
    if (d !== undefined && info.size !== undefined && info.size >= PART_MIN_SIZE && !this.writing.has(d)) {
      this.writing.add(d);
      try {
        await mkdir(blobsDir(this.root), { recursive: true });
        await writeBlobPart(this.root, body, d, info.size, signal);
      } finally {
        this.writing.delete(d);
      }
      this.parts.delete(d);
      this.verified.set(d, info.size);
      return { mediaType: info.mediaType, digest: d, size: info.size };
    }
    const { descriptor } = await placeBlob(this.root, body, info, signal);
    this.verified.set(descriptor.digest, descriptor.size);
    return descriptor;
  }

  /** Writes manifest bytes the caller has checked against `d`. */
  async putBytes(bytes: Uint8Array, d: Descriptor): Promise<void> {
    if (this.verified.has(d.digest)) return;
    await writeBytesBlob(this.root, bytes, d).catch((err: unknown) => {
      throw fromSystemError(err, this.root);
    });
    this.verified.set(d.digest, d.size);
  }

  /** Before a commit moves `digests` into DIR: recorded (with what an earlier commit moved) for a rerun after a failure. */
  async recordMoving(digests: Iterable<Digest>): Promise<void> {
    const all = [...new Set([...this.movedEarlier, ...digests])].sort();
    try {
      await mkdir(this.root, { recursive: true });
      const file = await createAtomicFile(join(this.root, MOVED_LIST), { overwrite: true, leftoversRemoved: true });
      file.stream.end(all.map((d) => `${d}\n`).join(''));
      await file.commit();
    } catch (err) {
      throw fromSystemError(err, this.root);
    }
  }

  /** The save failed or was interrupted: everything verified stays for the next --resume (a partial holding none goes). */
  async keep(): Promise<void> {
    try {
      if (!(await ociDirPartialSummary(this.dir))) await rm(this.root, { recursive: true, force: true });
    } catch {
      // an empty partial left over is only untidy; the next run removes or uses it
    } finally {
      await this.lock.release();
    }
  }

  /** The save is done and its blobs were moved into DIR: the partial goes. */
  async finish(): Promise<void> {
    try {
      await rm(this.root, { recursive: true, force: true });
    } finally {
      await this.lock.release();
    }
  }
}

/**
 * Re-hashes every blob file of an earlier run (its temp files, which only a dead writer can have left
 * since we hold the lock, are removed). A file whose content does not hash to its name is removed.
 */
async function verifyKept(root: string, signal?: AbortSignal): Promise<{ kept: Map<Digest, number>; dropped: number; droppedStarts: number; parts: Map<Digest, Checkpoint> }> {
  const kept = new Map<Digest, number>();
  const parts = new Map<Digest, Checkpoint>();
  let dropped = 0;
  let droppedStarts = 0;
  const dir = blobsDir(root);
  const names = await readdir(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
    throw err;
  });
  for (const name of names.sort()) {
    signal?.throwIfAborted();
    const path = join(dir, name);
    const partHex = partDigestHex(name);
    if (partHex !== undefined) {
      const d = digestFromHex(partHex);
      if (names.includes(partHex)) {
        await dropPart(root, d); // the blob is complete: its part is only a leftover
        continue;
      }
      const ck = await keptPartOf(root, d);
      if (ck === 'damaged') droppedStarts++;
      else if (ck) parts.set(d, ck);
      continue;
    }
    if (name.endsWith('.part.json')) {
      if (!names.includes(name.slice(0, -'.json'.length))) await rm(path, { force: true });
      continue;
    }
    const named = /^[0-9a-f]{64}$/.test(name) ? digestFromHex(name) : undefined;
    if (!named) {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    const st = await stat(path);
    const got = st.isFile() ? await sha256OfFile(path) : undefined;
    if (got?.digest === named) {
      kept.set(named, got.size);
      continue;
    }
    dropped++;
    await rm(path, { recursive: true, force: true });
  }
  return { kept, dropped, droppedStarts, parts };
}

/**
 * What `DIR.baler-partial` holds (before it is verified): complete blob files, the start of a large
 * blob cut short (its checkpoint, a hint until re-hashed), and the blobs a failed commit moved into DIR;
 * undefined when it holds none of these.
 */
export async function ociDirPartialSummary(dir: string): Promise<OciDirKept | undefined> {
  const root = partialPathFor(dir);
  const blobs = blobsDir(root);
  const all = await readdir(blobs).catch(() => [] as string[]);
  const names = all.filter((n) => /^[0-9a-f]{64}$/.test(n));
  let bytes = 0;
  for (const n of names) bytes += (await stat(join(blobs, n)).catch(() => undefined))?.size ?? 0;
  const started: { digest: Digest; have: number; size: number }[] = [];
  for (const n of all) {
    const hex = partDigestHex(n);
    if (hex === undefined) continue;
    const ck = await readCheckpoint(root, digestFromHex(hex));
    if (ck) started.push({ digest: digestFromHex(hex), have: ck.have, size: ck.size });
  }
  // the list names every blob the commit was to move: one still here (the commit failed before moving it,
  // or DIR held it already) or no longer in DIR (DIR removed since) was not moved, or is gone
  const here = new Set(names);
  const movedIntoDir = [...(await readMovedList(root))].filter((d) => !here.has(hexOf(d)) && existsSync(blobPath(dir, d))).length;
  return names.length > 0 || started.length > 0 || movedIntoDir > 0 ? { blobs: names.length, bytes, started, movedIntoDir } : undefined;
}

/** A save without --resume starts over: an earlier run's `DIR.baler-partial` is removed (under its lock). */
export async function removeOciDirLeftover(dir: string): Promise<void> {
  // the usual case, nothing left over, touches nothing (no lock file either)
  if (!existsSync(partialPathFor(dir)) && !existsSync(lockPathFor(dir))) return;
  const lock = await lockPartial(dir);
  try {
    await rm(partialPathFor(dir), { recursive: true, force: true });
  } catch (err) {
    throw fromSystemError(err, partialPathFor(dir));
  } finally {
    await lock.release();
  }
}
