/**
 * The image index and buildkit attestation shapes (image-spec image-index; formats.md §2.4), written once
 * for every test that builds an index by hand: the OCI layout with attestations (attested-layout.ts), the
 * pipeline's attestation tests, and the sparse index of a Docker >= 25 save. Independent of src/.
 */
import { MT, sha256Hex } from './image-archives.js';

export const IN_TOTO = 'application/vnd.in-toto+json';

/** A descriptor as JSON holds it (digest = "sha256:<hex>"). */
export interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

/** The descriptor of `bytes`, with `extra` (platform, annotations) after the digest and size. */
export function descriptorOf(mediaType: string, bytes: Uint8Array, extra: Partial<IndexEntry> = {}): IndexEntry {
  return { mediaType, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length, ...extra };
}

/** An OCI image index's exact bytes, listing `manifests` in order (an index.json is one too). */
export function ociIndexBytes(manifests: readonly IndexEntry[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests }));
}

/** The index entry buildkit adds for the attestation manifest `attestation` about platform manifest `subject`. */
export function attestationEntry(attestation: { digest: string; size: number }, subject: string): IndexEntry {
  return {
    mediaType: MT.ociManifest,
    digest: attestation.digest,
    size: attestation.size,
    annotations: { 'vnd.docker.reference.digest': subject, 'vnd.docker.reference.type': 'attestation-manifest' },
    platform: { architecture: 'unknown', os: 'unknown' },
  };
}

export interface BuildkitAttestation {
  /** The in-toto statement (the one layer), the unknown/unknown config and the manifest: exact bytes. */
  statement: Buffer;
  statementEntry: IndexEntry;
  config: Buffer;
  manifest: Buffer;
  /** The manifest's entry in the image index. */
  entry: IndexEntry;
}

/**
 * An attestation manifest as `docker buildx build --attest type=provenance` writes it: an OCI manifest
 * whose config is a small unknown/unknown config and whose one layer is an in-toto statement about the
 * platform manifest `subject` (a digest), called `subjectName` (a purl).
 */
export function buildkitAttestation(subject: string, subjectName: string): BuildkitAttestation {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name: subjectName, digest: { sha256: subject.replace(/^sha256:/, '') } }],
      predicate: { builder: { id: '' }, buildType: 'https://mobyproject.org/buildkit@v1', metadata: { buildInvocationID: 'baler-test' } },
    }),
  );
  const statementEntry = descriptorOf(IN_TOTO, statement, { annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } });
  const config = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statementEntry.digest] } }));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: descriptorOf(MT.ociConfig, config), layers: [statementEntry] }));
  return { statement, statementEntry, config, manifest, entry: attestationEntry(descriptorOf(MT.ociManifest, manifest), subject) };
}
