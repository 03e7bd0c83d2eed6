import type { Writable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import { parseImageConfig } from '../../model/image-config.js';
import { parseImageManifest } from '../../model/manifest.js';
import { declaredLayerCompression, isImageManifestMediaType, MediaTypes } from '../../model/media-types.js';
import { LayoutArchiveSink } from '../layout-archive-sink.js';
import type { ImageRef, OpenOptions, SinkCaps } from '../types.js';
import { serializeManifestJson, serializeRepositories, type ManifestJsonImage } from './manifest-json.js';

/**
 * docker-archive writer: the Docker ≥25 hybrid (formats.md §1.2 and "[R] Writer recipe"), loadable by
 * Docker 20.10 … 29, podman and skopeo: an OCI layout plus `manifest.json` (blobs/sha256 paths,
 * familiar RepoTags or null, no LayerSources) and `repositories`. Layers stay uncompressed or gzip:
 * Docker ≤24 rejects zstd.
 */
export class DockerArchiveSink extends LayoutArchiveSink {
  readonly caps: SinkCaps = {
    manifestTypes: [MediaTypes.ociManifest, MediaTypes.dockerManifest],
    layerCompressions: ['none', 'gzip'],
    needsSizeFirst: true,
    parallelPuts: false,
    multiImage: true,
    keepsIndexes: false,
  };

  static async open(ref: ImageRef, o: OpenOptions & { stdout?: Writable } = {}): Promise<DockerArchiveSink> {
    const what = ref.location === '-' ? 'stdout' : ref.location;
    return new DockerArchiveSink(ref, await LayoutArchiveSink.output(ref, o), what);
  }

  protected override checkManifest(bytes: Uint8Array, d: Descriptor): void {
    if (!isImageManifestMediaType(d.mediaType)) {
      throw new BalerError('E_UNSUPPORTED', `${this.what}: docker-archive holds single-platform images only, not ${d.mediaType} (pick a platform)`);
    }
    const m = parseImageManifest(bytes, `${this.what}: manifest ${d.digest}`, d.mediaType);
    for (const [i, l] of m.layers.entries()) {
      if (declaredLayerCompression(l.mediaType) === 'zstd') {
        throw new BalerError('E_UNSUPPORTED', `${this.what}: layer ${i} of ${d.digest} is zstd-compressed; docker-archive keeps layers uncompressed or gzip (Docker ≤24 rejects zstd)`);
      }
    }
  }

  protected override extraFiles(): Array<[string, Buffer]> {
    const items: Array<ManifestJsonImage & { topDiffId?: Digest }> = [];
    for (const img of this.images.values()) {
      const bytes = this.manifests.get(img.descriptor.digest) as Buffer;
      const m = parseImageManifest(bytes, `${this.what}: manifest ${img.descriptor.digest}`, img.descriptor.mediaType);
      for (const d of [m.config, ...m.layers]) {
        if (!this.isWrittenOrExpected(d.digest)) {
          throw new BalerError('E_INTERNAL', `Internal error: ${this.what}: blob ${d.digest} of ${img.descriptor.digest} was never written`);
        }
      }
      const item: ManifestJsonImage & { topDiffId?: Digest } = { config: m.config.digest, layers: m.layers.map((l) => l.digest), names: img.names };
      const top = this.topDiffId(m.config.digest) ?? m.layers[m.layers.length - 1]?.digest;
      if (top) item.topDiffId = top;
      items.push(item);
    }
    const files: Array<[string, Buffer]> = [['manifest.json', serializeManifestJson(items)]];
    const repositories = serializeRepositories(items);
    if (repositories) files.push(['repositories', repositories]);
    return files;
  }

  private topDiffId(config: Digest): Digest | undefined {
    const bytes = this.configs.get(config);
    if (!bytes) return undefined;
    const diffIds = parseImageConfig(bytes, `${this.what}: config ${config}`).rootfs.diff_ids;
    return diffIds[diffIds.length - 1];
  }
}
