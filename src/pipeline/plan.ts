/**
 * Pure planning for the copy pipeline (architecture.md rule 6): which images a selector means, which
 * platform of an index to take, what each layer must become for the sink, and how many bytes the
 * whole copy moves. No I/O here; copy.ts fetches, this file decides.
 */
import { BalerError } from '../errors.js';
import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import { familiarName, parseImageName, repositoryOf, sameName } from '../model/image-name.js';
import type { LayerCompression, MediaType } from '../model/media-types.js';
import { MediaTypes, declaredLayerCompression, isIndexMediaType } from '../model/media-types.js';
import type { Platform } from '../model/platform.js';
import { formatPlatform, platformMatches } from '../model/platform.js';
import { isAttestationEntry } from '../model/attestation.js';
import { resolveImage } from '../store/resolve.js';
import type { SinkCaps } from '../transports/types.js';

/** One top-level entry of a source, after its manifest was fetched (so its image ID is known). */
export interface ListedImage {
  descriptor: Descriptor;
  /** Manifest digest (top level). */
  readonly digest: Digest;
  /** Config digest for an image manifest; the index digest for an index (as `ls` shows it). */
  readonly id: Digest;
  readonly names: ImageName[];
  readonly kind: 'image' | 'index';
}

export type ImageSelector = { kind: 'all' } | { kind: 'refs'; refs: string[] };

export interface SelectedImage {
  readonly image: ListedImage;
  /** The names the copy gives it in the sink. */
  names: ImageName[];
}

/** Entries of one image under several names (hybrid index.json repeats a digest per tag) become one. */
export function groupByDigest(entries: readonly ListedImage[]): ListedImage[] {
  const byDigest = new Map<Digest, ListedImage>();
  for (const e of entries) {
    const seen = byDigest.get(e.digest);
    if (!seen) {
      byDigest.set(e.digest, { ...e, names: [...e.names] });
      continue;
    }
    for (const n of e.names) if (!seen.names.some((x) => sameName(x, n))) seen.names.push(n);
  }
  return [...byDigest.values()];
}

/**
 * Resolves a selector against what a source lists, docker's way: a name selects that name (a bare
 * repository with no tag selects every tag of it, like `docker save imgb`), an image ID or manifest
 * digest selects the image with all its names. Each image appears once, with the union of the names
 * that selected it. Unknown refs: E_NOT_FOUND "no such image: X in <source>".
 */
export function selectImages(listed: readonly ListedImage[], select: ImageSelector, sourceLabel: string): SelectedImage[] {
  const images = groupByDigest(listed);
  if (select.kind === 'all') return images.map((image) => ({ image, names: [...image.names] }));
  const out = new Map<Digest, SelectedImage>();
  const add = (image: ListedImage, names: readonly ImageName[]): void => {
    const s = out.get(image.digest) ?? { image, names: [] };
    for (const n of names) if (!s.names.some((x) => sameName(x, n))) s.names.push(n);
    out.set(image.digest, s);
  };
  for (const ref of select.refs) {
    const wholeRepo = allTagsOfRepository(images, ref);
    if (wholeRepo.length) {
      for (const [image, names] of wholeRepo) add(image, names);
      continue;
    }
    try {
      const hit = resolveImage(images, ref);
      add(hit.image, hit.by === 'name' && hit.name ? [hit.name] : hit.image.names);
    } catch (err) {
      if (err instanceof BalerError && err.code === 'E_NOT_FOUND') {
        throw new BalerError('E_NOT_FOUND', `no such image: ${ref} in ${sourceLabel}`, { cause: err });
      }
      throw err;
    }
  }
  return [...out.values()];
}

/** `imgb` (no tag, no digest) means every tag of docker.io/library/imgb when `imgb:latest` does not exist. */
function allTagsOfRepository(images: readonly ListedImage[], ref: string): Array<[ListedImage, ImageName[]]> {
  let wanted: ImageName;
  try {
    wanted = parseImageName(ref);
  } catch {
    return [];
  }
  if (wanted.tag !== undefined || wanted.digest !== undefined) return [];
  const latest = { ...wanted, tag: 'latest' };
  if (images.some((i) => i.names.some((n) => sameName(n, latest)))) return [];
  const repo = repositoryOf(wanted);
  const hits: Array<[ListedImage, ImageName[]]> = [];
  for (const image of images) {
    const names = image.names.filter((n) => repositoryOf(n) === repo && n.tag !== undefined);
    if (names.length) hits.push([image, names]);
  }
  return hits;
}

/** Replaces the names of a single-image copy (`load --tag`). */
export function applyRename(selected: SelectedImage[], rename: ImageName | undefined): SelectedImage[] {
  if (!rename) return selected;
  if (selected.length !== 1) {
    throw new BalerError('E_USAGE', `--tag needs exactly one image, but the source holds ${selected.length}; name the image to load`);
  }
  return selected.map((s) => ({ ...s, names: [rename] }));
}

/** Attestation and other non-image entries buildkit puts in an index (formats.md §2.4). */
export { isAttestationEntry };

/**
 * A whole index keeps its runnable children and, alongside, its attestation entries (copied as they are
 * when the manifest they describe is written unchanged: attestations.ts); one child never carries them.
 */
export type IndexDecision = { keep: 'index'; children: Descriptor[]; attestations: Descriptor[] } | { keep: 'child'; child: Descriptor };

/**
 * What to copy of a multi-platform index: the whole index when the sink keeps indexes and no platform
 * was asked for, else the one manifest matching `want` (or the host).
 * No match: E_NOT_FOUND listing the platforms the index offers.
 */
export function decideIndex(
  index: { manifests: readonly Descriptor[] },
  caps: Pick<SinkCaps, 'keepsIndexes'>,
  asked: Platform | undefined,
  host: Platform,
  label: string,
): IndexDecision {
  const runnable = index.manifests.filter((d) => !isAttestationEntry(d));
  if (caps.keepsIndexes && !asked) return { keep: 'index', children: runnable, attestations: index.manifests.filter(isAttestationEntry) };
  const want = asked ?? host;
  const withPlatform = runnable.filter((d) => d.platform);
  const match = withPlatform.find((d) => d.platform && platformMatches(want, d.platform));
  if (match) return { keep: 'child', child: match };
  if (!asked && runnable.length === 1 && runnable[0] && !runnable[0].platform) return { keep: 'child', child: runnable[0] };
  const offered = withPlatform.map((d) => formatPlatform(d.platform as Platform));
  throw new BalerError(
    'E_NOT_FOUND',
    `${label}: no manifest for platform ${formatPlatform(want)}; available: ${offered.length ? offered.join(', ') : 'none with a platform'}`,
  );
}

/** A layer's wanted result: keep the source bytes, or convert to `to`. */
export type LayerAction = { kind: 'keep' } | { kind: 'convert'; to: LayerCompression };

/**
 * What a layer whose bytes are compressed as `actual` must become. `asked` is --layers; undefined or
 * 'keep' means "as the source has it, if the sink takes that". xz/bzip2 layers are never kept by a
 * sink, so they convert to the sink's first choice.
 */
export function decideLayer(actual: string, caps: Pick<SinkCaps, 'layerCompressions'>, asked: LayerCompression | 'keep' | undefined): LayerAction {
  const accepted = caps.layerCompressions as readonly string[];
  if (asked !== undefined && asked !== 'keep') return actual === asked ? { kind: 'keep' } : { kind: 'convert', to: asked };
  if (accepted.includes(actual)) return { kind: 'keep' };
  const first = caps.layerCompressions[0];
  if (!first) throw new BalerError('E_INTERNAL', 'Internal error: sink accepts no layer compression');
  return { kind: 'convert', to: first };
}

/** Fails early when --layers asks for something the sink cannot store. */
export function checkLayerRequest(caps: Pick<SinkCaps, 'layerCompressions'>, asked: LayerCompression | 'keep' | undefined, sinkLabel: string): void {
  if (asked === undefined || asked === 'keep') return;
  if (!caps.layerCompressions.includes(asked)) {
    throw new BalerError('E_UNSUPPORTED', `--layers ${asked}: ${sinkLabel} cannot store ${asked} layers (it takes ${caps.layerCompressions.join(', ')})`);
  }
}

/** Manifest flavour to write: the source's when the sink takes it, else the sink's first; zstd needs OCI. */
export function decideManifestType(source: MediaType, caps: Pick<SinkCaps, 'manifestTypes'>, layerCompressions: readonly string[], label: string): MediaType {
  const needsOci = layerCompressions.includes('zstd');
  const ok = (t: MediaType): boolean => caps.manifestTypes.includes(t) && !(needsOci && t === MediaTypes.dockerManifest);
  if (ok(source)) return source;
  const choice = caps.manifestTypes.find((t) => !isIndexMediaType(t) && ok(t));
  if (!choice) {
    throw new BalerError('E_UNSUPPORTED', `${label}: the destination only takes Docker manifests, which cannot describe zstd layers; use --layers gzip or an OCI destination`);
  }
  return choice;
}

/** The index flavour to write for a kept index. */
export function decideIndexType(source: MediaType, caps: Pick<SinkCaps, 'manifestTypes'>): MediaType {
  if (caps.manifestTypes.includes(source)) return source;
  return caps.manifestTypes.find((t) => isIndexMediaType(t)) ?? MediaTypes.ociIndex;
}

export function layerCompressionClaimed(d: Descriptor): LayerCompression | undefined {
  return declaredLayerCompression(d.mediaType);
}

/** A blob the copy may move, with every image that references it (for dedupe and savings). */
export interface PlannedBlob {
  readonly digest: Digest;
  readonly size: number;
  readonly role: 'config' | 'layer';
}

/**
 * Bytes the copy reads: every distinct blob once. sharedBytes = what dedupe saves, i.e. the size of
 * each blob times (number of selected images using it − 1).
 */
export function plannedBytes(perImage: readonly (readonly PlannedBlob[])[]): { totalBytes: number; sharedBytes: number; blobs: number } {
  const uses = new Map<Digest, { size: number; images: number }>();
  for (const blobs of perImage) {
    const once = new Map(blobs.map((b) => [b.digest, b] as const));
    for (const b of once.values()) {
      const u = uses.get(b.digest) ?? { size: b.size, images: 0 };
      u.images++;
      uses.set(b.digest, u);
    }
  }
  let totalBytes = 0;
  let sharedBytes = 0;
  for (const u of uses.values()) {
    totalBytes += u.size;
    sharedBytes += u.size * (u.images - 1);
  }
  return { totalBytes, sharedBytes, blobs: uses.size };
}

/** How an image is called in messages: its first name, else its short ID. */
export function imageLabel(names: readonly ImageName[], id: Digest): string {
  const first = names[0];
  return first ? familiarName(first) : id.slice(0, 'sha256:'.length + 12);
}
