import { BalerError } from '../errors.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageConfig } from '../model/image-config.js';
import { configPlatform, parseImageConfig } from '../model/image-config.js';
import type { IndexManifest } from '../model/index-manifest.js';
import { manifestKind, parseIndexManifest } from '../model/index-manifest.js';
import type { ImageManifest } from '../model/manifest.js';
import { parseImageManifest } from '../model/manifest.js';
import { Annotations } from '../model/layout-names.js';
import { isIndexMediaType } from '../model/media-types.js';
import type { Platform } from '../model/platform.js';
import { formatPlatform, hostPlatform, platformMatches } from '../model/platform.js';
import type { ImageSource, SinkCaps } from '../transports/types.js';
import { attestedDigest } from '../model/attestation.js';
import { attestationLabel, loadAttestationNode, type AttestationNode } from './attestations.js';
import { fetchVerifiedConfig, fetchVerifiedManifest } from './fetch-verified.js';
import { includedChildren, NOT_INCLUDED_WARNING, notIncludedPlatformError, platformList, runnableNotIncluded } from './included-children.js';
import { decideIndex, type IndexDecision, type ListedImage } from './plan.js';

/** An image manifest with its verified config, ready to copy. */
export interface ImageNode {
  readonly kind: 'image';
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  readonly manifest: ImageManifest;
  readonly config: { readonly descriptor: Descriptor; readonly bytes: Uint8Array; readonly parsed: ImageConfig };
}

/** A multi-platform index kept whole, with the children that will be copied. */
export interface IndexNode {
  readonly kind: 'index';
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  /**
   * The parsed index, narrowed to the entries the source includes when it is sparse (included-children.ts):
   * children equal to these entries keep the original index bytes, absent platforms included.
   */
  readonly index: IndexManifest;
  readonly children: ImageNode[];
  /** Attestations the source holds, copied when the manifest they describe is written unchanged. */
  readonly attestations: AttestationNode[];
  /** Attestation entries that are not attestation manifests buildkit's way (left out, with a warning). */
  readonly attestationsLeftOut: number;
}

export type CopyNode = ImageNode | IndexNode;

/** Raw verified manifests by digest, so listing and copying fetch each once. */
export type ManifestCache = Map<Digest, Uint8Array>;

/** A top-level descriptor without the name annotations of the place it came from (the sink writes its own). */
export function withoutNameAnnotations(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.platform) out.platform = d.platform;
  if (d.annotations) {
    const rest = Object.entries(d.annotations).filter(([k]) => k !== Annotations.refName && k !== Annotations.containerdName);
    if (rest.length) out.annotations = Object.fromEntries(rest);
  }
  return out;
}

async function manifestBytes(source: ImageSource, d: Descriptor, what: string, cache: ManifestCache): Promise<Uint8Array> {
  const hit = cache.get(d.digest);
  if (hit) return hit;
  const bytes = await fetchVerifiedManifest(source, d, what);
  cache.set(d.digest, bytes);
  return bytes;
}

/**
 * Every top-level entry of a source with its image ID, so selectors can use IDs. An entry whose
 * manifest cannot be read is still listed (by its digest) and fails only if it is selected.
 */
export async function listImages(source: ImageSource, sourceLabel: string, cache: ManifestCache): Promise<Array<ListedImage & { problem?: unknown }>> {
  const entries = await source.list();
  const out: Array<ListedImage & { problem?: unknown }> = [];
  for (const e of entries) {
    const d = e.descriptor;
    try {
      const bytes = await manifestBytes(source, d, `${sourceLabel}: manifest ${d.digest}`, cache);
      if (isIndexMediaType(d.mediaType) || manifestKind(bytes, `${sourceLabel}: manifest ${d.digest}`) === 'index') {
        out.push({ descriptor: d, digest: d.digest, id: d.digest, names: e.names, kind: 'index' });
      } else {
        const m = parseImageManifest(bytes, `${sourceLabel}: manifest ${d.digest}`, d.mediaType);
        out.push({ descriptor: d, digest: d.digest, id: m.config.digest, names: e.names, kind: 'image' });
      }
    } catch (problem) {
      out.push({ descriptor: d, digest: d.digest, id: d.digest, names: e.names, kind: 'image', problem });
    }
  }
  return out;
}

export interface NodeOptions {
  readonly source: ImageSource;
  readonly caps: SinkCaps;
  readonly platform?: Platform;
  readonly label: string;
  readonly signal?: AbortSignal;
  readonly cache: ManifestCache;
  readonly warn: (code: string, message: string) => void;
}

async function loadImageNode(d: Descriptor, o: NodeOptions, what: string): Promise<ImageNode> {
  const bytes = await manifestBytes(o.source, d, `${what}: manifest`, o.cache);
  const manifest = parseImageManifest(bytes, `${what}: manifest`, d.mediaType);
  const cfgBytes = await fetchVerifiedConfig(o.source, manifest.config, `${what}: config ${manifest.config.digest}`, o.signal);
  const parsed = parseImageConfig(cfgBytes, `${what}: config`);
  if (parsed.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new BalerError(
      'E_FORMAT',
      `${what}: the manifest lists ${manifest.layers.length} layers but the config has ${parsed.rootfs.diff_ids.length} diff_ids`,
    );
  }
  return { kind: 'image', descriptor: d, bytes, manifest, config: { descriptor: manifest.config, bytes: cfgBytes, parsed } };
}

/**
 * Walks a selected entry: an image manifest as it is; an index kept whole when the sink keeps
 * indexes and no platform was asked for, else reduced to the one matching manifest.
 */
export async function loadNode(image: ListedImage & { problem?: unknown }, o: NodeOptions): Promise<CopyNode> {
  if (image.problem) throw image.problem;
  const top = withoutNameAnnotations(image.descriptor);
  if (image.kind === 'image') {
    const node = await loadImageNode(top, o, o.label);
    if (o.platform) {
      const have = configPlatform(node.config.parsed);
      if (!platformMatches(o.platform, have)) {
        o.warn('W_PLATFORM', `${o.label}: is ${formatPlatform(have)}, not ${formatPlatform(o.platform)}; copying it anyway`);
      }
    }
    return node;
  }
  const bytes = await manifestBytes(o.source, top, `${o.label}: index`, o.cache);
  // a sparse index: only the children the source includes are candidates; the index bytes stay as they are
  const split = await includedChildren(o.source, parseIndexManifest(bytes, `${o.label}: index`, top.mediaType), o.label);
  const index = split.index;
  let decision: IndexDecision;
  try {
    decision = decideIndex(index, o.caps, o.platform, hostPlatform(), o.label);
  } catch (err) {
    throw (err instanceof BalerError && err.code === 'E_NOT_FOUND' && notIncludedPlatformError(o.platform ?? hostPlatform(), split, o.label)) || err;
  }
  if (decision.keep === 'child') {
    const child = decision.child;
    if (isIndexMediaType(child.mediaType)) {
      throw new BalerError('E_UNSUPPORTED', `${o.label}: nested image indexes are not supported (${child.digest})`);
    }
    return loadImageNode(child, o, `${o.label} (${child.platform ? formatPlatform(child.platform) : child.digest})`);
  }
  const absent = runnableNotIncluded(split.notIncluded);
  if (absent.length) o.warn(NOT_INCLUDED_WARNING, `${o.label}: platform(s) ${platformList(absent)} of the index not included (kept in the index, not copied)`);
  const children: ImageNode[] = [];
  for (const child of decision.children) {
    if (isIndexMediaType(child.mediaType)) {
      throw new BalerError('E_UNSUPPORTED', `${o.label}: nested image indexes are not supported (${child.digest})`);
    }
    children.push(await loadImageNode(child, o, `${o.label} (${child.platform ? formatPlatform(child.platform) : child.digest})`));
  }
  const attestations: AttestationNode[] = [];
  let attestationsLeftOut = 0;
  // like an absent platform, an attestation of one, or one whose blobs the source lacks, stays listed and
  // is not copied: the index keeps its bytes (its digest is the image ID under containerd's store)
  const notIncluded = new Set<Descriptor>();
  const included = new Set(index.manifests.map((m) => m.digest));
  for (const entry of decision.attestations) {
    const what = attestationLabel(o.label, entry);
    const described = attestedDigest(entry);
    if (split.notIncluded.length && described && !included.has(described)) {
      notIncluded.add(entry);
      continue;
    }
    const node = isIndexMediaType(entry.mediaType) ? undefined : await loadAttestationNode(o.source, entry, await manifestBytes(o.source, entry, `${what}: manifest`, o.cache), what, o.signal);
    if (node === 'not-included') notIncluded.add(entry);
    else if (node) attestations.push(node);
    else attestationsLeftOut++;
  }
  const kept = notIncluded.size ? { ...index, manifests: index.manifests.filter((m) => !notIncluded.has(m)) } : index;
  return { kind: 'index', descriptor: top, bytes, index: kept, children, attestations, attestationsLeftOut };
}

/** The image manifests a node copies. */
export function imagesOf(node: CopyNode): ImageNode[] {
  return node.kind === 'image' ? [node] : node.children;
}
