import type { Digest } from '../../model/digest.js';
import { jsonBytes } from '../../model/json-limits.js';
import { MediaTypes, layerMediaType, type LayerCompression } from '../../model/media-types.js';

export interface SynthesizedLayer {
  /** From the layer file's magic bytes, never from its name. */
  compression: LayerCompression;
  /** diff_id for an uncompressed layer, sha256 of the file for a compressed one. */
  digest: Digest;
  size: number;
}

/**
 * Pure: the OCI manifest Docker 25 generates for a legacy archive item (formats.md §1.2 "Generated OCI
 * manifest"), byte for byte: key order schemaVersion, mediaType, config{mediaType,digest,size},
 * layers[{mediaType,digest,size}], compact JSON, no trailing newline. Same input, same digest.
 */
export function synthesizeOciManifest(config: { digest: Digest; size: number }, layers: readonly SynthesizedLayer[]): Buffer {
  return jsonBytes({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: layerMediaType('oci', l.compression), digest: l.digest, size: l.size })),
  });
}
