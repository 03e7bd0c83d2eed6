import { BalerError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { parseDigest } from '../model/digest.js';
import { expectSize, isObject, parseJsonBytes, JsonLimits, type JsonObject } from '../model/json-limits.js';
import { isIndexMediaType } from '../model/media-types.js';
import type { Platform } from '../model/platform.js';
import { parsePlatformObject } from '../model/platform.js';

/**
 * What a manifest or index refers to, read leniently: garbage collection and fsck must follow
 * artifact manifests (attestations, signatures) whose layer types the image parser rejects, so
 * this only needs `digest` and `size` in `manifests`, `config`, `layers` and `blobs`.
 */
export type ReferenceRole = 'manifest' | 'config' | 'layer' | 'blob' | 'subject';

export interface BlobReference {
  digest: Digest;
  size: number;
  mediaType?: string;
  /** An index entry's platform, when it states a valid one. */
  platform?: Platform;
  role: ReferenceRole;
  /** Position within its list, for messages ("layer 2"). */
  position: number;
}

export interface ManifestReferences {
  kind: 'index' | 'image' | 'other';
  refs: BlobReference[];
}

function ref(v: unknown, role: ReferenceRole, position: number, what: string): BlobReference {
  if (!isObject(v)) throw new BalerError('E_FORMAT', `${what}: ${role} ${position} is not a descriptor`);
  const out: BlobReference = { digest: parseDigest(v.digest, `${what}: ${role} ${position} digest`), size: expectSize(v.size, `${what}: ${role} ${position} size`), role, position };
  if (typeof v.mediaType === 'string') out.mediaType = v.mediaType;
  if (isObject(v.platform)) {
    try {
      out.platform = parsePlatformObject(v.platform, `${what}: ${role} ${position} platform`);
    } catch {
      // a malformed platform does not stop gc or fsck
    }
  }
  return out;
}

function list(o: JsonObject, key: string, role: ReferenceRole, what: string): BlobReference[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new BalerError('E_FORMAT', `${what}: "${key}" is not an array`);
  return v.map((d, i) => ref(d, role, i, what));
}

export function manifestReferences(bytes: Uint8Array, what: string): ManifestReferences {
  const o = parseJsonBytes(bytes, what, JsonLimits.manifest);
  if (!isObject(o)) throw new BalerError('E_FORMAT', `${what}: expected a JSON object`);
  const refs: BlobReference[] = [];
  const isIndex = Array.isArray(o.manifests) || isIndexMediaType(typeof o.mediaType === 'string' ? o.mediaType : undefined);
  refs.push(...list(o, 'manifests', 'manifest', what));
  if (o.config !== undefined) refs.push(ref(o.config, 'config', 0, what));
  refs.push(...list(o, 'layers', 'layer', what));
  refs.push(...list(o, 'blobs', 'blob', what));
  return { kind: isIndex ? 'index' : o.config !== undefined ? 'image' : 'other', refs };
}
