import { sniffCompression, type Compression } from '../../codecs/index.js';
import { BalerError } from '../../errors.js';
import { sha256OfStream } from '../../io/hashing.js';
import { isAttestationEntry } from '../../model/attestation.js';
import type { Descriptor } from '../../model/descriptor.js';
import { sha256Of, type Digest } from '../../model/digest.js';
import { parseImageConfig } from '../../model/image-config.js';
import { parseImageName, type ImageName } from '../../model/image-name.js';
import { isIndexMediaType, isImageManifestMediaType, MediaTypes } from '../../model/media-types.js';
import { parseImageManifest, type ImageManifest } from '../../model/manifest.js';
import { parseIndexManifest } from '../../model/index-manifest.js';
import { JsonLimits } from '../../model/json-limits.js';
import { nameFromIndexEntry } from '../../model/layout-names.js';
import type { TocEntry } from '../../tar/toc.js';
import { openArchiveFile, type ArchiveFile, type OpenArchiveOptions } from '../archive-file.js';
import { addNames, ArchiveSource, mergeByDigest } from '../archive-source.js';
import type { ImageRef, SourceEntry } from '../types.js';
import { parseManifestJson, type ManifestItem } from './manifest-json.js';
import { synthesizeOciManifest, type SynthesizedLayer } from './synthesized-manifest.js';

/** An image manifest the hybrid's index.json offers, with the names its entry carries. */
interface IndexedManifest {
  descriptor: Descriptor;
  manifest: ImageManifest;
  names: ImageName[];
  /** Set when index.json names an image index holding this manifest: the image is that index. */
  index?: Descriptor;
}

/**
 * docker-archive reader for every flavour (formats.md §1): Docker ≤24 legacy dirs (layer.tar symlinks),
 * skopeo/podman `<hex>.tar` files, podman multi-image, and the Docker ≥25 hybrid. manifest.json is the
 * authority; a hybrid's own OCI manifest is used when index.json has one for the item (or the image index
 * index.json names, when the item is one of its platforms), otherwise an OCI manifest is synthesised
 * exactly as Docker 25 would write it.
 */
export class DockerArchiveSource extends ArchiveSource {
  private readonly compressedDigests = new Map<string, Promise<Digest>>();
  private readonly decodedSizes = new Map<string, Promise<number>>();

  static async open(ref: ImageRef, o: OpenArchiveOptions = {}): Promise<DockerArchiveSource> {
    const archive = await openArchiveFile(ref.location, ref.location === '-' ? 'stdin' : ref.location, o);
    try {
      const kind = archive.kind();
      if (kind !== 'docker-archive') {
        const hint = kind === 'oci-archive' ? ' (it is an oci-archive)' : '';
        throw new BalerError('E_FORMAT', `${archive.what}: not a docker-archive, no manifest.json${hint}`);
      }
      return new DockerArchiveSource(ref, archive);
    } catch (err) {
      await archive.close();
      throw err;
    }
  }

  protected async listAll(): Promise<SourceEntry[]> {
    const what = this.archive.what;
    const bytes = await this.archive.readSmall(this.archive.resolve('manifest.json', 'manifest.json'), JsonLimits.manifest, 'manifest.json');
    const items = parseManifestJson(bytes, `${what}: manifest.json`);
    const indexed = await this.indexedManifests();
    const entries: SourceEntry[] = [];
    for (const [i, item] of items.entries()) entries.push(await this.entryFor(item, i, indexed));
    return mergeByDigest(entries);
  }

  private async entryFor(item: ManifestItem, i: number, indexed: IndexedManifest[]): Promise<SourceEntry> {
    const what = this.archive.what;
    const at = `manifest.json[${i}]`;
    const configEntry = this.archive.resolve(item.Config, `${at}.Config`);
    const configBytes = await this.archive.readSmall(configEntry, JsonLimits.config, `${at}.Config`);
    const config = parseImageConfig(configBytes, `${what}: ${configEntry.path}`);
    const configDigest = sha256Of(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (item.Layers.length !== diffIds.length) {
      throw new BalerError('E_FORMAT', `${what}: ${at}: layers length mismatch (${item.Layers.length} layers, config has ${diffIds.length} diff_ids)`);
    }
    const matches = indexed.filter((c) => c.manifest.config.digest === configDigest && c.manifest.layers.length === item.Layers.length);
    const match = matches[0];
    // a delta archive (baler-delta.json) leaves out layers on purpose; only those may be absent
    const layerEntries = item.Layers.map((p, j) => {
      const role = `${at}.Layers[${j}]`;
      const left = match?.manifest.layers[j];
      if (left && this.expectedExternal.has(left.digest)) return this.archive.find(p, role);
      return this.archive.resolve(p, role);
    });
    const names: ImageName[] = [];
    addNames(names, (item.RepoTags ?? []).map((t, j) => parseRepoTag(t, `${what}: ${at}.RepoTags[${j}]`)));
    this.members.set(configDigest, configEntry);

    let descriptor: Descriptor;
    if (match) {
      // Docker ≥25 with the containerd image store: index.json names the image index (its digest is the
      // image ID there) and manifest.json the platform manifest it saved; the image is the index, kept whole
      descriptor = match.index ?? match.descriptor;
      for (const m of matches) if (m.index?.digest === match.index?.digest) addNames(names, m.names);
      // layers the OCI manifest names but blobs/ lacks are served from the paths manifest.json gives
      for (const [j, l] of match.manifest.layers.entries()) {
        const entry = layerEntries[j];
        if (entry && !this.layout?.findBlob(l.digest)) this.members.set(l.digest, entry);
      }
    } else {
      const layers: SynthesizedLayer[] = [];
      for (const [j, entry] of layerEntries.entries()) {
        // without a matching index entry nothing was allowed to be absent, so every entry resolved
        layers.push(await this.describeLayer(entry as TocEntry, diffIds[j] as Digest, `${at}.Layers[${j}]`));
      }
      const manifest = synthesizeOciManifest({ digest: configDigest, size: configBytes.length }, layers);
      descriptor = { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length };
      this.generated.set(descriptor.digest, manifest);
      for (const [j, l] of layers.entries()) if (!this.decoded.has(l.digest)) this.members.set(l.digest, layerEntries[j] as TocEntry);
    }
    const entry: SourceEntry = { descriptor, names };
    if (typeof config.created === 'string') entry.created = config.created;
    return entry;
  }

  /** formats.md §3.4: an uncompressed layer's digest is its diff_id; a compressed file's is the hash of its bytes. */
  private async describeLayer(entry: TocEntry, diffId: Digest, role: string): Promise<SynthesizedLayer> {
    const c = sniffCompression(await this.archive.head(entry, 8));
    if (c === 'none') return { compression: 'none', digest: diffId, size: entry.size };
    if (c === 'gzip' || c === 'zstd') return { compression: c, digest: await this.compressedDigest(entry), size: entry.size };
    // xz/bzip2 layers load in Docker (formats.md §1.6) but OCI has no media type for them: serve them
    // decompressed, as the uncompressed layer their diff_id names (size learned by decompressing once)
    const size = await this.decodedSize(entry, c, role);
    this.decoded.set(diffId, { entry, compression: c });
    return { compression: 'none', digest: diffId, size };
  }

  private decodedSize(entry: TocEntry, c: Compression, role: string): Promise<number> {
    let n = this.decodedSizes.get(entry.path);
    if (!n) {
      n = sha256OfStream(this.openDecoded(entry, c)).then(
        (r) => r.size,
        (err: unknown) => {
          throw err instanceof BalerError ? err : new BalerError('E_FORMAT', `${this.archive.what}: ${role} (${entry.path}): ${String((err as Error)?.message ?? err)}`);
        },
      );
      this.decodedSizes.set(entry.path, n);
    }
    return n;
  }

  private compressedDigest(entry: TocEntry): Promise<Digest> {
    let d = this.compressedDigests.get(entry.path);
    if (!d) {
      d = sha256OfStream(this.archive.open(entry)).then((r) => r.digest);
      this.compressedDigests.set(entry.path, d);
    }
    return d;
  }

  /**
   * A hybrid's index.json image manifests, and those of the image indexes it names (one level; a child
   * the archive lacks is a platform not included, as in a sparse index Docker's containerd store saves).
   */
  private async indexedManifests(): Promise<IndexedManifest[]> {
    if (!this.layout) return [];
    const what = this.archive.what;
    const index = await this.layout.readIndex();
    const out: IndexedManifest[] = [];
    for (const d of index.manifests) {
      const names = [nameFromIndexEntry(d)].filter((n): n is ImageName => n !== undefined);
      if (isImageManifestMediaType(d.mediaType)) {
        const bytes = await this.layout.readManifest(d);
        out.push({ descriptor: plainDescriptor(d), manifest: parseImageManifest(bytes, `${what}: manifest ${d.digest}`, d.mediaType), names });
      } else if (isIndexMediaType(d.mediaType)) {
        const child = parseIndexManifest(await this.layout.readManifest(d), `${what}: index ${d.digest}`, d.mediaType);
        for (const m of child.manifests) {
          // an attestation (formats.md §2.4) is no platform of the image: manifest.json never lists one
          if (!isImageManifestMediaType(m.mediaType) || isAttestationEntry(m) || !this.layout.findBlob(m.digest)) continue;
          const bytes = await this.layout.readManifest(m);
          out.push({ descriptor: plainDescriptor(m), manifest: parseImageManifest(bytes, `${what}: manifest ${m.digest}`, m.mediaType), names, index: plainDescriptor(d) });
        }
      }
    }
    return out;
  }
}

function plainDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.platform) out.platform = d.platform;
  return out;
}

/** Docker load requires a tagged reference in RepoTags (formats.md §1.6); anything else is a broken archive. */
function parseRepoTag(tag: string, what: string): ImageName {
  let n: ImageName;
  try {
    n = parseImageName(tag);
  } catch (err) {
    throw new BalerError('E_FORMAT', `${what}: bad tag ${JSON.stringify(tag)} (${(err as Error).message})`, { cause: err });
  }
  if (n.tag === undefined) throw new BalerError('E_FORMAT', `${what}: bad tag ${JSON.stringify(tag)} (no tag)`);
  return n;
}
