import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { parseImageName } from '../../model/image-name.js';
import { MediaTypes } from '../../model/media-types.js';
import { readIndexDocument } from '../../store/index-file.js';
import { withLayoutLock } from '../../store/lock.js';
import type { LayoutWriter } from '../../store/writer.js';
import type { CommitResult, ImageRef, ImageSink, SinkCaps } from '../types.js';

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
 * Writes into an OCI layout through store/writer.ts (shared by the embedded store and `oci:DIR`).
 * With `oci:DIR:IMAGE` every image written is recorded under ref.name IMAGE, as skopeo does, plus
 * io.containerd.image.name when IMAGE is a full reference.
 */
export class LayoutSink implements ImageSink {
  readonly caps = layoutSinkCaps;
  private readonly fixedName: ImageName | undefined;
  private committed = false;

  private readonly ready: Promise<void>;

  /**
   * `layout.ready`: the layout being made (or checked) while the caller goes on, e.g. fetching manifests
   * from a registry; every write waits for it and fails with its error. `layout.created`: the directory
   * this sink's opening created. Disposed without a commit, the sink then removes it again (unless another
   * writer has committed an image into it meanwhile), so a failed or interrupted save leaves nothing there.
   */
  constructor(
    readonly ref: ImageRef,
    private readonly writer: LayoutWriter,
    private readonly fixedRefName?: string,
    private readonly layout: { ready?: Promise<void>; created?: string } = {},
  ) {
    this.fixedName = fixedRefName === undefined ? undefined : nameIfReference(fixedRefName);
    this.ready = layout.ready ?? Promise.resolve();
    this.ready.catch(() => undefined); // reported by the first write (or nobody, when nothing is written)
  }

  async hasBlob(d: Digest): Promise<boolean> {
    await this.ready;
    return this.writer.hasBlob(d);
  }

  async putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    await this.ready;
    return this.writer.putBlob(body, info, signal);
  }

  async putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    await this.ready;
    return this.writer.putManifest(bytes, d);
  }

  async addImage(d: Descriptor, name?: ImageName): Promise<void> {
    await this.ready;
    if (this.fixedRefName !== undefined) {
      this.writer.addImage(this.fixedName ? { descriptor: d, name: this.fixedName, refName: this.fixedRefName } : { descriptor: d, refName: this.fixedRefName });
      return;
    }
    this.writer.addImage(name ? { descriptor: d, name } : { descriptor: d });
  }

  async commit(): Promise<CommitResult> {
    await this.ready;
    const result = await this.writer.commit();
    this.committed = true;
    return result;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.writer.dispose();
    if (!this.committed && this.layout.created !== undefined) await removeIfNoImages(this.layout.created);
  }
}

/** Removes a layout whose index lists no image (under its lock, so a writer committing now keeps its image). */
async function removeIfNoImages(root: string): Promise<void> {
  try {
    await withLayoutLock(root, async () => {
      if ((await readIndexDocument(root)).manifests.length === 0) await rm(root, { recursive: true, force: true });
    });
  } catch {
    // left in place: an empty layout (plus unreferenced blobs) is valid, only untidy
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
