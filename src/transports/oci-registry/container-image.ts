import { isConfigMediaType, isEncryptedLayer, isImageManifestMediaType, isIndexMediaType, isLayerMediaType } from '../../model/media-types.js';

/** The parts of a fetched manifest document that tell an image from another OCI artifact. */
interface ManifestShape {
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  layers?: Array<{ mediaType?: unknown }>;
}

/**
 * Why a tag's manifest is not a container image, or undefined when it is one (or an index of images).
 * Registries keep other OCI artifacts under tags beside images: cosign signatures (`sha256-….sig`) and
 * attestations (`.att`), SBOMs, helm charts. They are told apart the way containerd and skopeo do: by the
 * manifest type, `artifactType`, the config media type, then the layer media types (cosign writes an image
 * config but layers of its own type). Encrypted layers belong to an image baler cannot copy; that stays
 * the pipeline's error.
 */
export function whyNotContainerImage(mediaType: string, doc: unknown): string | undefined {
  const shape = (typeof doc === 'object' && doc !== null ? doc : {}) as ManifestShape;
  if (isIndexMediaType(mediaType)) {
    return typeof shape.artifactType === 'string' ? `it is an index of artifact type ${JSON.stringify(shape.artifactType)}` : undefined;
  }
  if (!isImageManifestMediaType(mediaType)) return `its manifest type is ${JSON.stringify(mediaType)}`;
  if (typeof shape.artifactType === 'string') return `its artifact type is ${JSON.stringify(shape.artifactType)}`;
  const config = shape.config?.mediaType;
  if (typeof config === 'string' && !isConfigMediaType(config)) return `its config media type is ${JSON.stringify(config)}`;
  for (const [i, layer] of (Array.isArray(shape.layers) ? shape.layers : []).entries()) {
    const mt = layer?.mediaType;
    if (typeof mt === 'string' && !isLayerMediaType(mt) && !isEncryptedLayer(mt)) return `layer ${i} has media type ${JSON.stringify(mt)}`;
  }
  return undefined;
}
