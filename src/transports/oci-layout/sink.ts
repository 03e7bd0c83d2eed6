import type { Readable } from 'node:stream';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { parseImageName } from '../../model/image-name.js';
import { MediaTypes } from '../../model/media-types.js';
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

  constructor(
    readonly ref: ImageRef,
    private readonly writer: LayoutWriter,
    private readonly fixedRefName?: string,
  ) {
    this.fixedName = fixedRefName === undefined ? undefined : nameIfReference(fixedRefName);
  }

  hasBlob(d: Digest): Promise<boolean> {
    return this.writer.hasBlob(d);
  }

  putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    return this.writer.putBlob(body, info, signal);
  }

  putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
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
    return this.writer.commit();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.writer.dispose();
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
