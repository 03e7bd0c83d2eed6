import { BalerError } from '../errors.js';
import type { Descriptor } from './descriptor.js';
import { descriptorJson, parseDescriptor } from './descriptor.js';
import { expectArray, expectObject, jsonBytes, parseJsonBytes, stringRecord, JsonLimits } from './json-limits.js';
import { MediaTypes } from './media-types.js';

/** OCI image index or Docker manifest list. */
export interface IndexManifest {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export function parseIndexManifest(bytes: Uint8Array, what = 'index', mediaTypeHint?: string): IndexManifest {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.schemaVersion !== 2) throw new BalerError('E_FORMAT', `${what}: schemaVersion must be 2`);
  const mediaType = typeof o.mediaType === 'string' ? o.mediaType : (mediaTypeHint ?? MediaTypes.ociIndex);
  if (mediaType !== MediaTypes.ociIndex && mediaType !== MediaTypes.dockerList) {
    throw new BalerError('E_UNSUPPORTED', `${what}: unsupported index media type ${JSON.stringify(mediaType)}`);
  }
  if (o.manifests === undefined) throw new BalerError('E_FORMAT', `${what}: missing "manifests"`);
  const manifests = expectArray(o.manifests, `${what}.manifests`).map((d, i) => parseDescriptor(d, `${what}.manifests[${i}]`));
  const idx: IndexManifest = { schemaVersion: 2, mediaType, manifests };
  const ann = stringRecord(o.annotations, `${what}.annotations`);
  if (ann) idx.annotations = ann;
  return idx;
}

export function serializeIndex(idx: IndexManifest): Buffer {
  const out: Record<string, unknown> = { schemaVersion: 2, mediaType: idx.mediaType, manifests: idx.manifests.map(descriptorJson) };
  if (idx.annotations && Object.keys(idx.annotations).length) out.annotations = idx.annotations;
  return jsonBytes(out);
}

/** Sniffs whether raw manifest bytes are an index or an image manifest. */
export function manifestKind(bytes: Uint8Array, what: string): 'index' | 'image' {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.mediaType === MediaTypes.ociIndex || o.mediaType === MediaTypes.dockerList || Array.isArray(o.manifests)) return 'index';
  return 'image';
}
