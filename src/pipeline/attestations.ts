/**
 * buildkit attestation manifests of an index kept whole (formats.md §2.4): copied as opaque artifacts,
 * their manifest bytes unchanged, so the index keeps its digest — what `skopeo copy --all` does, and what
 * `image@sha256:<index>` references and Docker's containerd image store (image ID = index digest) need.
 * Their layers are in-toto JSON, not tars: each blob is checked against its digest and size, nothing else.
 */
import { pipeline, type Readable } from 'node:stream';
import { BalerError } from '../errors.js';
import { VerifyingStream } from '../io/hashing.js';
import { attestedDigest, parseAttestationManifest, type AttestationManifest } from '../model/attestation.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { shortId } from '../model/digest.js';
import { isImageManifestMediaType } from '../model/media-types.js';
import type { ImageSink, ImageSource } from '../transports/types.js';
import { copyConfig } from './blob-copy.js';
import { cancelled, fetchVerifiedConfig } from './fetch-verified.js';

export interface AttestationNode {
  readonly kind: 'attestation';
  /** The index entry, as the index lists it (annotations and platform included). */
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  readonly manifest: AttestationManifest;
  readonly config: { readonly descriptor: Descriptor; readonly bytes: Uint8Array };
  /** The platform manifest it describes (vnd.docker.reference.digest), when the entry names one. */
  readonly describes?: Digest;
}

/** How an attestation is called in messages. */
export function attestationLabel(label: string, d: Descriptor): string {
  return `${label} (attestation ${shortId(d.digest)})`;
}

/**
 * The attestation an index entry holds, its manifest (`bytes`, verified by the caller) parsed and its
 * config fetched and verified; undefined when the manifest is not an attestation (left out, as before);
 * 'not-included' when the source (a sparse layout: included-children.ts) lacks one of its blobs.
 */
export async function loadAttestationNode(
  source: ImageSource,
  d: Descriptor,
  bytes: Uint8Array,
  what: string,
  signal?: AbortSignal,
): Promise<AttestationNode | 'not-included' | undefined> {
  if (!isImageManifestMediaType(d.mediaType)) return undefined;
  const manifest = parseAttestationManifest(bytes, `${what}: manifest`);
  if (!manifest) return undefined;
  const holds = source.holdsBlob?.bind(source);
  if (holds) {
    const held = await Promise.all([manifest.config, ...manifest.layers].map((b) => holds(b.digest)));
    if (held.includes(false)) return 'not-included';
  }
  const cfg = await fetchVerifiedConfig(source, manifest.config, `${what}: config ${manifest.config.digest}`, signal);
  const describes = attestedDigest(d);
  return { kind: 'attestation', descriptor: d, bytes, manifest, config: { descriptor: manifest.config, bytes: cfg }, ...(describes ? { describes } : {}) };
}

/**
 * The attestations that stay with the index: those describing a platform manifest written with its own
 * digest. An attestation naming no manifest stays only when every platform manifest is unchanged.
 */
export function attestationsToKeep(attestations: readonly AttestationNode[], unchanged: ReadonlySet<Digest>, allUnchanged: boolean): AttestationNode[] {
  return attestations.filter((a) => (a.describes ? unchanged.has(a.describes) : allUnchanged));
}

export interface AttestationCopy {
  blobsCopied: number;
  blobsSkipped: number;
  bytes: number;
}

/**
 * Puts an attestation's config and layers (each verified while read, skipped when the sink has it),
 * then its manifest with its original bytes. The caller puts the index after it.
 */
export async function copyAttestation(
  node: AttestationNode,
  o: { source: ImageSource; sink: ImageSink; what: string; signal?: AbortSignal; limit: <T>(task: () => Promise<T>) => Promise<T> },
): Promise<AttestationCopy> {
  const out: AttestationCopy = { blobsCopied: 0, blobsSkipped: 0, bytes: 0 };
  const count = (copied: boolean, size: number): void => {
    if (!copied) {
      out.blobsSkipped++;
      return;
    }
    out.blobsCopied++;
    out.bytes += size;
  };
  const cfg = node.config.descriptor;
  count((await o.limit(() => copyConfig(o.sink, cfg, node.config.bytes, o.signal))) === 'copied', cfg.size);
  for (const [i, layer] of node.manifest.layers.entries()) {
    count(await o.limit(() => copyOpaqueBlob(o.source, o.sink, layer, `${o.what}: layer ${i}`, o.signal)), layer.size);
  }
  await o.sink.putManifest(node.bytes, node.descriptor);
  out.bytes += node.bytes.byteLength;
  return out;
}

/** One blob, byte for byte, checked against its digest and size; false when the sink has it already. */
async function copyOpaqueBlob(source: ImageSource, sink: ImageSink, d: Descriptor, what: string, signal?: AbortSignal): Promise<boolean> {
  if (await sink.hasBlob(d.digest)) return false;
  if (signal?.aborted) throw cancelled(signal);
  const raw = await source.fetchBlob(d, signal);
  let failure: unknown;
  const body = pipeline(raw, new VerifyingStream(d.digest, d.size, what), (err) => {
    if (err && failure === undefined) failure = err;
  }) as Readable;
  try {
    await sink.putBlob(body, { mediaType: d.mediaType, digest: d.digest, size: d.size }, signal);
  } catch (err) {
    body.destroy();
    if (signal?.aborted) throw cancelled(signal);
    // the source check's own error (digest mismatch, truncation) says more than the sink's "premature close"
    throw failure instanceof BalerError ? failure : err;
  }
  return true;
}
