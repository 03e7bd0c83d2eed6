import type { Writable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import { isAttestationEntry, parseAttestationManifest } from '../../model/attestation.js';
import type { Digest } from '../../model/digest.js';
import { parseImageConfig } from '../../model/image-config.js';
import { parseImageManifest } from '../../model/manifest.js';
import { parseIndexManifest } from '../../model/index-manifest.js';
import { declaredLayerCompression, isImageManifestMediaType, isIndexMediaType, MediaTypes } from '../../model/media-types.js';
import { hostPlatform, platformMatches } from '../../model/platform.js';
import { LayoutArchiveSink } from '../layout-archive-sink.js';
import type { ImageRef, OpenOptions, SinkCaps } from '../types.js';
import { serializeManifestJson, serializeRepositories, type ManifestJsonImage } from './manifest-json.js';

/**
 * docker-archive writer: the Docker ≥25 hybrid (formats.md §1.2 and "[R] Writer recipe"), loadable by
 * Docker 20.10 … 29, podman and skopeo: an OCI layout plus `manifest.json` (blobs/sha256 paths,
 * familiar RepoTags or null, no LayerSources) and `repositories`. Layers stay uncompressed or gzip:
 * Docker ≤24 rejects zstd. A multi-platform index is kept whole in index.json (its digest is the image ID
 * under the containerd image store), manifest.json lists one platform of it (platformManifest).
 */
export class DockerArchiveSink extends LayoutArchiveSink {
  readonly caps: SinkCaps = {
    manifestTypes: [MediaTypes.ociManifest, MediaTypes.dockerManifest, MediaTypes.ociIndex, MediaTypes.dockerList],
    layerCompressions: ['none', 'gzip'],
    needsSizeFirst: true,
    parallelPuts: false,
    multiImage: true,
    keepsIndexes: true,
  };

  static async open(ref: ImageRef, o: OpenOptions & { stdout?: Writable } = {}): Promise<DockerArchiveSink> {
    const what = ref.location === '-' ? 'stdout' : ref.location;
    return new DockerArchiveSink(ref, await LayoutArchiveSink.output(ref, o), what);
  }

  protected override checkManifest(bytes: Uint8Array, d: Descriptor): void {
    if (isIndexMediaType(d.mediaType)) return;
    if (!isImageManifestMediaType(d.mediaType)) {
      throw new BalerError('E_UNSUPPORTED', `${this.what}: docker-archive cannot hold a ${d.mediaType}`);
    }
    // an attestation of a kept index (formats.md §2.4): in-toto layers, no tars; manifest.json never lists it
    if (parseAttestationManifest(bytes, `${this.what}: manifest ${d.digest}`)) return;
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
      const platform = this.platformManifest(img.descriptor);
      const bytes = this.manifests.get(platform.digest) as Buffer;
      const m = parseImageManifest(bytes, `${this.what}: manifest ${platform.digest}`, platform.mediaType);
      for (const d of [m.config, ...m.layers]) {
        if (!this.isWrittenOrExpected(d.digest)) {
          throw new BalerError('E_INTERNAL', `Internal error: ${this.what}: blob ${d.digest} of ${platform.digest} was never written`);
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

  /**
   * The image manifest manifest.json lists for an image: the manifest itself, or for a multi-platform index
   * (index.json names it, as Docker ≥25 with the containerd store writes) one platform it includes, the
   * host's if written, else the first, never an attestation: what Docker's containerd exporter lists, and what
   * Docker ≤24 and the graphdriver store load (they read manifest.json only).
   */
  private platformManifest(d: Descriptor): Descriptor {
    if (!isIndexMediaType(d.mediaType)) return d;
    const index = parseIndexManifest(this.manifests.get(d.digest) as Buffer, `${this.what}: index ${d.digest}`, d.mediaType);
    const written = index.manifests.filter((m) => isImageManifestMediaType(m.mediaType) && !isAttestationEntry(m) && this.manifests.has(m.digest));
    const host = hostPlatform();
    const pick = written.find((m) => m.platform && platformMatches(host, m.platform)) ?? written[0];
    if (!pick) throw new BalerError('E_INTERNAL', `Internal error: ${this.what}: index ${d.digest} has no image manifest written`);
    return pick;
  }

  private topDiffId(config: Digest): Digest | undefined {
    const bytes = this.configs.get(config);
    if (!bytes) return undefined;
    const diffIds = parseImageConfig(bytes, `${this.what}: config ${config}`).rootfs.diff_ids;
    return diffIds[diffIds.length - 1];
  }
}
