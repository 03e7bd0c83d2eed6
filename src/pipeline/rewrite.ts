/**
 * Pure manifest edits after layers were converted or the sink wants another manifest flavour. The
 * config bytes are never touched, so the image ID survives every copy (formats.md §3.2/§3.3); only
 * the manifest (and an index above it) gets new bytes and a new digest.
 */
import type { Descriptor } from '../model/descriptor.js';
import { sha256Of } from '../model/digest.js';
import type { IndexManifest } from '../model/index-manifest.js';
import { serializeIndex } from '../model/index-manifest.js';
import type { ImageManifest } from '../model/manifest.js';
import { serializeManifest } from '../model/manifest.js';
import type { MediaType } from '../model/media-types.js';
import { MediaTypes, declaredLayerCompression, layerMediaType } from '../model/media-types.js';
import type { CopiedLayer } from './blob-copy.js';

export interface ManifestBytes {
  readonly bytes: Uint8Array;
  readonly descriptor: Descriptor;
}

/** Annotations that describe one particular compressed byte stream and are wrong after recompressing. */
const STREAM_SPECIFIC_ANNOTATION = /^io\.containers\.zstd-chunked\./;

function flavourOf(mediaType: MediaType): 'oci' | 'docker' {
  return mediaType === MediaTypes.dockerManifest ? 'docker' : 'oci';
}

function configMediaType(flavour: 'oci' | 'docker', current: MediaType): MediaType {
  if (current !== MediaTypes.ociConfig && current !== MediaTypes.dockerConfig) return current;
  return flavour === 'docker' ? MediaTypes.dockerConfig : MediaTypes.ociConfig;
}

function rewriteLayer(orig: Descriptor, copied: CopiedLayer, flavour: 'oci' | 'docker', flavourChanged: boolean): Descriptor {
  const claimed = declaredLayerCompression(orig.mediaType);
  const compression = copied.compression === 'gzip' || copied.compression === 'zstd' ? copied.compression : 'none';
  if (!copied.converted && !flavourChanged && claimed === compression) return orig;
  const out: Descriptor = { mediaType: layerMediaType(flavour, compression), digest: copied.digest, size: copied.size };
  if (orig.urls?.length) out.urls = orig.urls;
  if (orig.annotations) {
    const kept = Object.entries(orig.annotations).filter(([k]) => !(copied.converted && STREAM_SPECIFIC_ANNOTATION.test(k)));
    if (kept.length) out.annotations = Object.fromEntries(kept);
  }
  return out;
}

/**
 * The manifest to write for an image: the source bytes unchanged when nothing changed (same digest),
 * else a new manifest of `targetType` with the stored layers' digests, sizes and media types.
 */
export function rewriteManifest(
  orig: ImageManifest,
  origBytes: Uint8Array,
  origDescriptor: Descriptor,
  layers: readonly CopiedLayer[],
  targetType: MediaType,
): ManifestBytes {
  const flavour = flavourOf(targetType);
  const flavourChanged = targetType !== orig.mediaType;
  const newLayers = orig.layers.map((l, i) => {
    const copied = layers[i];
    return copied ? rewriteLayer(l, copied, flavour, flavourChanged) : l;
  });
  const unchanged = !flavourChanged && newLayers.every((l, i) => l === orig.layers[i]);
  if (unchanged) return { bytes: origBytes, descriptor: origDescriptor };
  const next: ImageManifest = {
    ...orig,
    mediaType: targetType,
    config: { ...orig.config, mediaType: configMediaType(flavour, orig.config.mediaType) },
    layers: newLayers,
  };
  const bytes = serializeManifest(next);
  return { bytes, descriptor: withContent(origDescriptor, targetType, bytes) };
}

/** An index whose children were rewritten (or whose flavour the sink does not take) gets new bytes. */
export function rewriteIndex(
  orig: IndexManifest,
  origBytes: Uint8Array,
  origDescriptor: Descriptor,
  children: ReadonlyArray<{ from: Descriptor; to: Descriptor }>,
  targetType: MediaType,
): ManifestBytes {
  const sameChildren =
    children.length === orig.manifests.length && children.every((c, i) => c.from === orig.manifests[i] && c.to.digest === c.from.digest && c.to.mediaType === c.from.mediaType);
  if (sameChildren && targetType === orig.mediaType) return { bytes: origBytes, descriptor: origDescriptor };
  const manifests = children.map(({ from, to }) => {
    const d: Descriptor = { ...from, mediaType: to.mediaType, digest: to.digest, size: to.size };
    return d;
  });
  const bytes = serializeIndex({ ...orig, mediaType: targetType, manifests });
  return { bytes, descriptor: withContent(origDescriptor, targetType, bytes) };
}

function withContent(d: Descriptor, mediaType: MediaType, bytes: Uint8Array): Descriptor {
  const out: Descriptor = { mediaType, digest: sha256Of(bytes), size: bytes.byteLength };
  if (d.platform) out.platform = d.platform;
  return out;
}
