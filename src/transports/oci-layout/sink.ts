import type { Readable } from 'node:stream';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { parseImageName } from '../../model/image-name.js';
import { MediaTypes } from '../../model/media-types.js';
import { openBlob } from '../../store/blobs.js';
import { ensureLayout, layoutToMake } from '../../store/layout.js';
import { Store } from '../../store/store.js';
import type { LayoutWriter } from '../../store/writer.js';
import type { CommitResult, ImageRef, ImageSink, OpenOptions, SinkCaps } from '../types.js';

/** An OCI layout keeps what it is given: every layer compression, indexes, many images, parallel puts. */
export const layoutSinkCaps: SinkCaps = {
  manifestTypes: [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerList],
  layerCompressions: ['none', 'gzip', 'zstd'],
  needsSizeFirst: false,
  parallelPuts: true,
  multiImage: true,
  keepsIndexes: true,
};

/**
 * How a sink treats its layout directory. `toMake`: DIR is not a layout yet (absent, or an empty
 * directory); the first write makes it one, so a command refused before writing (a delta whose base
 * is missing) leaves DIR as it was. `keepBlobs`: disposed without a commit, keep the verified blobs
 * for a rerun (load --resume); otherwise they are taken back, and a layout this sink made is removed
 * again when nothing else is in it. `signal`: stops a long adoptBlob (a copy across file systems).
 */
export interface LayoutPlan {
  toMake?: 'absent' | 'empty';
  keepBlobs?: boolean;
  signal?: AbortSignal;
}

/** Opens a sink on the layout at `root` (the embedded store or `oci:DIR`): an existing one is checked now. */
export async function openLayoutSink(ref: ImageRef, root: string, o: OpenOptions | undefined, refName?: string): Promise<LayoutSink> {
  const toMake = await layoutToMake(root);
  if (!toMake) await ensureLayout(root); // refuses at once a directory that holds something else
  const keepBlobs = o?.resume === true && o.removeIfUncommitted !== true;
  return new LayoutSink(ref, new Store(root).writer(root), refName, { ...(toMake ? { toMake } : {}), keepBlobs, ...(o?.signal ? { signal: o.signal } : {}) });
}

/**
 * Writes into an OCI layout through store/writer.ts (shared by the embedded store and `oci:DIR`).
 * With `oci:DIR:IMAGE` every image written is recorded under ref.name IMAGE, as skopeo does, plus
 * io.containerd.image.name when IMAGE is a full reference.
 */
export class LayoutSink implements ImageSink {
  readonly caps = layoutSinkCaps;
  private readonly fixedName: ImageName | undefined;
  private committed = false;
  /** Making the layout, once the first write asks for it (plan.toMake). */
  private made: Promise<void> | undefined;

  constructor(
    readonly ref: ImageRef,
    private readonly writer: LayoutWriter,
    private readonly fixedRefName?: string,
    private readonly plan: LayoutPlan = {},
  ) {
    this.fixedName = fixedRefName === undefined ? undefined : nameIfReference(fixedRefName);
  }

  private ready(): Promise<void> {
    if (!this.plan.toMake) return Promise.resolve();
    this.made ??= ensureLayout(this.writer.root);
    return this.made;
  }

  async hasBlob(d: Digest): Promise<boolean> {
    // a layout not made yet holds nothing; asking must not make it
    if (this.plan.toMake && this.made === undefined) return false;
    await this.ready();
    return this.writer.hasBlob(d);
  }

  /** The layout's file of a blob it holds (the same bytes as the source's: hasBlob is by digest). */
  async openStoredBlob(d: Digest): Promise<Readable | undefined> {
    if (this.plan.toMake && this.made === undefined) return undefined;
    return openBlob(this.writer.root, d).catch(() => undefined);
  }

  async putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    await this.ready();
    return this.writer.putBlob(body, info, signal);
  }

  /**
   * save --resume (resume/oci-dir-sink.ts): moves a blob file verified in the partial directory into the
   * layout (store/writer.ts adoptBlob); false when the layout holds the blob already (the file stays).
   * `syncDir: false`: the caller adopts many and fsyncs the blobs directory once after the last.
   */
  async adoptBlob(file: string, d: Digest, o: { syncDir?: boolean } = {}): Promise<boolean> {
    await this.ready();
    return this.writer.adoptBlob(file, d, { ...o, ...(this.plan.signal ? { signal: this.plan.signal } : {}) });
  }

  async putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    await this.ready();
    return this.writer.putManifest(bytes, d);
  }

  async addImage(d: Descriptor, name?: ImageName): Promise<void> {
    if (this.fixedRefName !== undefined) {
      this.writer.addImage(this.fixedName ? { descriptor: d, name: this.fixedName, refName: this.fixedRefName } : { descriptor: d, refName: this.fixedRefName });
      return;
    }
    this.writer.addImage(name ? { descriptor: d, name } : { descriptor: d });
  }

  async commit(): Promise<CommitResult> {
    await this.ready();
    const result = await this.writer.commit();
    this.committed = true;
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.committed || this.plan.keepBlobs) {
      await this.writer.dispose();
      return;
    }
    const made = this.made ? await this.made.then(() => true, () => false) : false;
    await this.writer.abandon(made && this.plan.toMake ? { unmake: this.plan.toMake } : {});
  }
}

/** `imga:1` or `ghcr.io/x/y:2` are names; a bare tag like `latest` is only a ref.name. */
function nameIfReference(s: string): ImageName | undefined {
  if (!/[:@/]/.test(s)) return undefined;
  try {
    const n = parseImageName(s);
    return n.tag !== undefined || n.digest !== undefined ? n : undefined;
  } catch {
    return undefined;
  }
}
