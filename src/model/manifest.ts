import { BalerError } from '../errors.js';
import type { Descriptor } from './descriptor.js';
import { descriptorJson, parseDescriptor } from './descriptor.js';
import { expectArray, expectObject, jsonBytes, parseJsonBytes, stringRecord, JsonLimits } from './json-limits.js';
import { MediaTypes, isConfigMediaType, isEncryptedLayer, isLayerMediaType } from './media-types.js';

/** OCI image manifest or Docker schema2 manifest (the same shape). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export function parseImageManifest(bytes: Uint8Array, what = 'manifest', mediaTypeHint?: string): ImageManifest {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.schemaVersion === 1) throw new BalerError('E_UNSUPPORTED', `${what}: Docker schema1 manifests are not supported`);
  if (o.schemaVersion !== 2) throw new BalerError('E_FORMAT', `${what}: schemaVersion must be 2`);
  const mediaType = typeof o.mediaType === 'string' ? o.mediaType : (mediaTypeHint ?? MediaTypes.ociManifest);
  if (mediaType !== MediaTypes.ociManifest && mediaType !== MediaTypes.dockerManifest) {
    throw new BalerError('E_UNSUPPORTED', `${what}: unsupported manifest media type ${JSON.stringify(mediaType)}`);
  }
  if ('manifests' in o) throw new BalerError('E_FORMAT', `${what}: is an index, not an image manifest`);
  const config = parseDescriptor(o.config, `${what}.config`);
  const layers = expectArray(o.layers, `${what}.layers`).map((l, i) => parseDescriptor(l, `${what}.layers[${i}]`));
  for (const [i, l] of layers.entries()) {
    if (isEncryptedLayer(l.mediaType)) throw new BalerError('E_UNSUPPORTED', `${what}: layer ${i} is encrypted (${l.mediaType})`);
    if (!isLayerMediaType(l.mediaType)) throw new BalerError('E_UNSUPPORTED', `${what}: layer ${i} has unknown media type ${JSON.stringify(l.mediaType)}`);
  }
  const m: ImageManifest = { schemaVersion: 2, mediaType, config, layers };
  const ann = stringRecord(o.annotations, `${what}.annotations`);
  if (ann) m.annotations = ann;
  if (o.subject) m.subject = parseDescriptor(o.subject, `${what}.subject`);
  if (typeof o.artifactType === 'string') m.artifactType = o.artifactType;
  return m;
}

/** True when the manifest describes a runnable image rather than an artifact (signature, SBOM…). */
export function isRunnableImage(m: ImageManifest): boolean {
  return isConfigMediaType(m.config.mediaType) && m.artifactType === undefined;
}

export function serializeManifest(m: ImageManifest): Buffer {
  const out: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: m.mediaType,
    config: descriptorJson(m.config),
    layers: m.layers.map(descriptorJson),
  };
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = m.annotations;
  return jsonBytes(out);
}
