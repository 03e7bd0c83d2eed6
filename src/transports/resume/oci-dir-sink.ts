import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import { sha256Of, type Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { fsyncDir } from '../../io/atomic-file.js';
import { hasBlob, openBlob } from '../../store/blobs.js';
import { blobsDir } from '../../store/layout.js';
import type { LayoutSink } from '../oci-layout/sink.js';
import type { CommitResult, ImageRef, ImageSink, KeptBlobPrefix, OpenOptions, SinkCaps } from '../types.js';
import { OciDirPartial } from './oci-dir-partial.js';

/**
 * `save --format oci-dir -o DIR --resume`: blobs and manifests go to `DIR.baler-partial`
 * (oci-dir-partial.ts), and only commit() moves the ones this save's images use into DIR and writes
 * the index there through the ordinary layout sink, so the result is the same layout an uninterrupted
 * save writes. Disposed without a commit, the partial stays (its lock released) for the next --resume;
 * DIR is left as it was.
 */
export class OciDirResumeSink implements ImageSink {
  readonly caps: SinkCaps;
  /** Blobs of the partial that this save's images need (found kept, or written now): what commit() moves into DIR. */
  private readonly used = new Set<Digest>();
  /** Blobs DIR already held when the copy asked: leased only at commit(), so DIR is untouched until then. */
  private readonly inDir = new Set<Digest>();
  private committed = false;

  constructor(
    readonly ref: ImageRef,
    /** The layout directory, DIR. */
    private readonly dir: string,
    private readonly layout: LayoutSink,
    private readonly partial: OciDirPartial,
  ) {
    this.caps = layout.caps;
  }

  async hasBlob(d: Digest): Promise<boolean> {
    if (this.partial.has(d)) {
      this.used.add(d);
      return true;
    }
    // read-only: the layout's own hasBlob leases the blob, which writes a lease file into DIR
    if (!(await hasBlob(this.dir, d))) return false;
    this.inDir.add(d);
    return true;
  }

  /** The partial's verified copy of `d`, or DIR's (read-only: nothing is leased in DIR before commit). */
  async openStoredBlob(d: Digest): Promise<Readable | undefined> {
    if (this.partial.has(d)) return openBlob(this.partial.root, d).catch(() => undefined);
    return this.inDir.has(d) ? openBlob(this.dir, d).catch(() => undefined) : undefined;
  }

  /**
   * Whether an earlier run kept blob `d`: in the partial, or moved into DIR by its commit that then
   * failed; not a blob DIR held already. What counts as resumed.
   */
  keptEarlier(d: Digest): boolean {
    return this.partial.keptEarlier.has(d) || this.partial.movedEarlier.has(d);
  }

  keptBlobPrefix(d: Digest): KeptBlobPrefix | { dropped: string } | undefined {
    return this.partial.keptPrefix(d);
  }

  async putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    const stored = await this.partial.putBlob(body, info, signal);
    this.used.add(stored.digest);
    return stored;
  }

  async putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    const got = sha256Of(bytes);
    if (got !== d.digest || bytes.byteLength !== d.size) {
      throw new BalerError('E_DIGEST_MISMATCH', `manifest ${d.digest}: got ${bytes.byteLength} bytes hashing to ${got}, expected ${d.size} bytes`);
    }
    await this.partial.putBytes(bytes, d);
    this.used.add(d.digest);
  }

  addImage(d: Descriptor, name?: ImageName): Promise<void> {
    return this.layout.addImage(d, name);
  }

  /**
   * Leases the blobs DIR already held, moves the partial's blobs into DIR (each leased there, as a put
   * blob is), and writes the index. A blob of DIR's gone since the copy asked (a prune) is found first,
   * before anything moves, so that failure changes nothing. A failure after some blobs moved leaves them
   * in DIR, unreferenced: no rollback, which would rename blobs out of a layout without its lock. The
   * rerun finds them in DIR by name (hasBlob) and does not fetch them again, and counts them as resumed
   * (the partial lists them: recordMoving).
   */
  async commit(): Promise<CommitResult> {
    for (const d of [...this.inDir].sort()) {
      // leased, then looked for: once leased, no prune removes it before the index names it
      if (this.used.has(d) || (await this.layout.hasBlob(d))) continue;
      throw new BalerError('E_CONFLICT', `${this.dir}: blob ${d} vanished before commit (removed by a concurrent prune?); nothing was changed, run the command again`);
    }
    // a failure from here on leaves moved blobs in DIR: the partial lists them, so the rerun counts them as resumed
    if (this.used.size > 0) await this.partial.recordMoving(this.used);
    let adopted = false;
    for (const d of [...this.used].sort()) {
      if (await this.layout.adoptBlob(this.partial.fileOf(d), d, { syncDir: false })) adopted = true;
    }
    if (adopted) await fsyncDir(blobsDir(this.dir));
    const result = await this.layout.commit();
    this.committed = true;
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.layout[Symbol.asyncDispose]();
    } finally {
      if (this.committed) await this.partial.finish().catch(() => undefined);
      else await this.partial.keep();
    }
  }
}

/** Opens the layout sink the save publishes through, then the partial beside `dir` (taking its lock and re-hashing what it holds). */
export async function openOciDirResumeSink(ref: ImageRef, dir: string, o: OpenOptions, openLayout: () => Promise<LayoutSink>): Promise<OciDirResumeSink> {
  const layout = await openLayout();
  let partial: OciDirPartial;
  try {
    partial = await OciDirPartial.open(dir, o.signal, o.onPartialLocked);
  } catch (err) {
    await layout[Symbol.asyncDispose]();
    throw err;
  }
  const { blobs: n, starts } = partial.dropped;
  if (n > 0) o.onWarning?.('W_RESUME', `${partial.root}: ${n} kept blob${n === 1 ? '' : 's'} did not hash to ${n === 1 ? 'its' : 'their'} digest${n === 1 ? '' : 's'}; removed, and fetched again`);
  if (starts > 0) {
    o.onWarning?.('W_RESUME', `${partial.root}: the kept start of ${starts === 1 ? 'a blob' : `${starts} blobs`} cut short did not hash to what was recorded; removed, and fetched again whole`);
  }
  return new OciDirResumeSink(ref, dir, layout, partial);
}
