import { BalerError } from '../errors.js';
import { DELTA_KIND, DELTA_VERSION, type DeltaBase, type DeltaManifest, type ExpectedBlob } from '../model/delta-manifest.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { InventoryIndex } from '../model/inventory.js';
import type { LayerCompression } from '../model/media-types.js';
import type { ImageSink } from '../transports/types.js';
import type { CopiedLayer } from './blob-copy.js';
import { decideLayer, layerCompressionClaimed } from './plan.js';

/**
 * `save --have/--since`: decides, layer by layer, what the destination already holds and records
 * the left-out layers for baler-delta.json. A layer is left out only when its bytes would be kept as
 * they are (no conversion), so its descriptor — and the manifest, and the manifest digest — stays
 * exactly what a full archive would carry; the inventory then decides by blob digest or by diff_id
 * (model/inventory.ts). Configs and manifests are always written.
 */
export class DeltaRecorder {
  private readonly expected = new Map<Digest, ExpectedBlob>();

  constructor(
    private readonly have: InventoryIndex,
    private readonly base: DeltaBase,
  ) {}

  /** Fails before any work when the destination cannot say it is a delta. */
  checkSink(sink: ImageSink): void {
    if (!sink.markDelta) {
      throw new BalerError('E_UNSUPPORTED', `${sink.ref.toString()}: a delta (--have/--since) can only be written as a docker-archive or oci-archive file`);
    }
  }

  /**
   * The layer as the sink will "hold" it when the destination has it already, else undefined (copy it).
   * `image` names the image for "which image needs it".
   */
  tryOmit(layer: Descriptor, diffId: Digest, sink: ImageSink, asked: LayerCompression | 'keep' | undefined, image: string): CopiedLayer | undefined {
    const claimed = layerCompressionClaimed(layer);
    if (!claimed || decideLayer(claimed, sink.caps, asked).kind !== 'keep') return undefined;
    if (!this.have.hasLayer({ digest: layer.digest, diffId })) return undefined;
    const seen = this.expected.get(layer.digest);
    if (seen) {
      if (!seen.images.includes(image)) seen.images.push(image);
    } else {
      this.expected.set(layer.digest, { digest: layer.digest, size: layer.size, diffId, mediaType: layer.mediaType, images: [image] });
    }
    // the pair matched the receiving side's inventory; nothing here read the content
    return { digest: layer.digest, size: layer.size, compression: claimed, converted: false, skipped: true, provenDiffId: undefined, bytesRead: 0, bytesWritten: 0 };
  }

  /**
   * What was left out so far: for the save report (and `save --json`'s `delta`). The layers are left
   * out because the destination has them, which `leftOutBecause` says for scripts; the report's
   * blobsSkipped still counts them, as it always did.
   */
  summary(): { base: string; leftOut: number; leftOutBytes: number; leftOutBecause: 'at destination' } {
    let bytes = 0;
    for (const e of this.expected.values()) bytes += e.size;
    return { base: this.base.source, leftOut: this.expected.size, leftOutBytes: bytes, leftOutBecause: 'at destination' };
  }

  /** Tells the sink what it leaves out; called once before commit. */
  markSink(sink: ImageSink): DeltaManifest {
    const delta: DeltaManifest = { kind: DELTA_KIND, version: DELTA_VERSION, base: this.base, expected: [...this.expected.values()] };
    if (!sink.markDelta) throw new BalerError('E_INTERNAL', `Internal error: ${sink.ref.toString()}: markDelta missing after checkSink`);
    sink.markDelta(delta);
    return delta;
  }
}
