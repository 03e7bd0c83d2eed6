import type { Digest } from './digest.js';
import { parseDigest } from './digest.js';
import { expectObject, expectSize, expectString, stringRecord, expectArray } from './json-limits.js';
import type { MediaType } from './media-types.js';
import type { Platform } from './platform.js';
import { parsePlatformObject } from './platform.js';

export interface Descriptor {
  mediaType: MediaType;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  artifactType?: string;
}

/** What is known of a blob before it is written: digest and size may be unknown (c/image's "" and -1). */
export interface BlobInfo {
  mediaType: MediaType;
  digest?: Digest;
  size?: number;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  const o = expectObject(v, what);
  const d: Descriptor = {
    mediaType: expectString(o.mediaType, `${what}.mediaType`),
    digest: parseDigest(o.digest, `${what}.digest`),
    size: expectSize(o.size, `${what}.size`),
  };
  const ann = stringRecord(o.annotations, `${what}.annotations`);
  if (ann) d.annotations = ann;
  if (o.platform !== undefined && o.platform !== null) d.platform = parsePlatformObject(o.platform, `${what}.platform`);
  if (o.urls !== undefined && o.urls !== null) d.urls = expectArray(o.urls, `${what}.urls`).map((u, i) => expectString(u, `${what}.urls[${i}]`));
  if (typeof o.artifactType === 'string') d.artifactType = o.artifactType;
  return d;
}

/** A plain descriptor object for serialising (drops undefined keys so the JSON stays canonical). */
export function descriptorJson(d: Descriptor): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) out.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) out.annotations = d.annotations;
  if (d.platform) out.platform = d.platform;
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}
