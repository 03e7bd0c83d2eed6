import { pipeline, type Readable } from 'node:stream';
import { decompressAuto, decompressor } from '../../codecs/index.js';
import { readAtMost } from '../../io/read-all.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import { parseImageConfig } from '../../model/image-config.js';
import { parseIndexManifest } from '../../model/index-manifest.js';
import { JsonLimits } from '../../model/json-limits.js';
import { parseImageManifest } from '../../model/manifest.js';
import { declaredLayerCompression, isIndexMediaType } from '../../model/media-types.js';
import type { ImageSource } from '../types.js';

/**
 * A layer of a `docker save` archive by its diff_id, uncompressed. Docker's graphdriver store saves every
 * layer uncompressed (blob digest = diff_id), so "the layer with diff_id X" is blob X there. Its containerd
 * image store saves layers as it keeps them: a pulled image's layers stay gzip, under their compressed
 * digest. This finds the stored blob whose config diff_id is X and serves it decompressed; the caller
 * verifies the bytes against X as for any blob, so a wrong match cannot pass.
 */
export class LayersByDiffId {
  private stored: Promise<Map<Digest, Descriptor>> | undefined;

  constructor(
    private readonly archive: ImageSource,
    private readonly label: string,
  ) {}

  /** The uncompressed layer whose diff_id is `diffId`, or undefined when no image in the archive has it. */
  async open(diffId: Digest, signal?: AbortSignal): Promise<Readable | undefined> {
    this.stored ??= this.index();
    const blob = (await this.stored).get(diffId);
    if (!blob) return undefined;
    const body = await this.archive.fetchBlob(blob, signal);
    const what = `${this.label}: layer ${blob.digest} (diff_id ${diffId})`;
    const declared = declaredLayerCompression(blob.mediaType);
    if (declared === undefined) return (await decompressAuto(body, what)).stream;
    if (declared === 'none') return body;
    const plain = decompressor(declared, what);
    pipeline(body, plain, () => undefined); // a failure of either side reaches the consumer through `plain`
    return plain;
  }

  /** diff_id -> stored layer descriptor, over every image (and every image of an index) the archive lists. */
  private async index(): Promise<Map<Digest, Descriptor>> {
    const out = new Map<Digest, Descriptor>();
    const visit = async (d: Descriptor): Promise<void> => {
      const what = `${this.label}: manifest ${d.digest}`;
      const bytes = await this.archive.fetchManifest(d);
      if (isIndexMediaType(d.mediaType)) {
        for (const child of parseIndexManifest(bytes, what, d.mediaType).manifests) await visit(child);
        return;
      }
      const manifest = parseImageManifest(bytes, what, d.mediaType);
      const configWhat = `${this.label}: config ${manifest.config.digest}`;
      const config = parseImageConfig(await readAtMost(await this.archive.fetchBlob(manifest.config), JsonLimits.config, configWhat), configWhat);
      manifest.layers.forEach((layer, i) => {
        const diffId = config.rootfs.diff_ids[i] as Digest | undefined;
        if (diffId && !out.has(diffId)) out.set(diffId, layer);
      });
    };
    for (const entry of await this.archive.list()) await visit(entry.descriptor);
    return out;
  }
}
