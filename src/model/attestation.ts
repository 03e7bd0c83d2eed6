/**
 * buildkit's attestation manifests (formats.md §2.4): an OCI image manifest whose layers are in-toto JSON
 * statements (provenance, SBOM), listed in an image index with platform unknown/unknown and annotations
 * naming the platform manifest it describes. Not an image: its layers are no tars and it never runs.
 */
import type { Descriptor } from './descriptor.js';
import { parseDescriptor } from './descriptor.js';
import type { Digest } from './digest.js';
import { isDigest } from './digest.js';
import { expectArray, expectObject, JsonLimits, parseJsonBytes } from './json-limits.js';
import { MediaTypes } from './media-types.js';

export const AttestationAnnotations = {
  /** `attestation-manifest` on an index entry that is one. */
  type: 'vnd.docker.reference.type',
  /** The digest of the platform manifest the attestation describes. */
  describes: 'vnd.docker.reference.digest',
} as const;

export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';

/** Attestation and other non-image entries buildkit puts in an index. */
export function isAttestationEntry(d: Descriptor): boolean {
  return d.platform?.os === 'unknown' || d.annotations?.[AttestationAnnotations.type] === 'attestation-manifest';
}

/** The platform manifest an attestation entry describes, when its annotation names one. */
export function attestedDigest(d: Descriptor): Digest | undefined {
  const v = d.annotations?.[AttestationAnnotations.describes];
  return isDigest(v) ? v : undefined;
}

export interface AttestationManifest {
  readonly config: Descriptor;
  readonly layers: Descriptor[];
}

/**
 * The blobs of an attestation manifest, or undefined when the bytes are not one: an OCI image manifest
 * with at least one layer, every layer an in-toto statement. Throws only on malformed JSON.
 */
export function parseAttestationManifest(bytes: Uint8Array, what: string): AttestationManifest | undefined {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.manifest), what);
  if (o.schemaVersion !== 2 || o.mediaType !== MediaTypes.ociManifest || 'manifests' in o) return undefined;
  const config = parseDescriptor(o.config, `${what}.config`);
  const layers = expectArray(o.layers, `${what}.layers`).map((l, i) => parseDescriptor(l, `${what}.layers[${i}]`));
  if (layers.length === 0 || !layers.every((l) => l.mediaType === IN_TOTO_MEDIA_TYPE)) return undefined;
  return { config, layers };
}
