import { BalerError } from '../errors.js';
import type { Descriptor } from '../model/descriptor.js';
import type { IndexManifest } from '../model/index-manifest.js';
import type { Platform } from '../model/platform.js';
import { formatPlatform, platformMatches } from '../model/platform.js';
import type { ImageSource } from '../transports/types.js';
import { isAttestationEntry } from './plan.js';

/** The warning code of an index whose platforms the source does not include (verify shows it as a note). */
export const NOT_INCLUDED_WARNING = 'W_PLATFORM_NOT_INCLUDED';

export interface IncludedChildren {
  /** The index with only the included entries, in their order (the index itself when none is absent). */
  index: IndexManifest;
  notIncluded: Descriptor[];
}

/**
 * A sparse index (formats.md §1.3: Docker's containerd image store saves an image index with only the
 * platforms it pulled; the OCI image-layout spec allows a layout to lack referenced blobs): the children
 * the source holds, and those it does not. A missing child manifest means "platform not included"; a
 * missing blob of an included manifest stays an error (the copy fetches and verifies it).
 */
export async function includedChildren(source: ImageSource, index: IndexManifest, label: string): Promise<IncludedChildren> {
  if (!source.holdsBlob) return { index, notIncluded: [] };
  const included: Descriptor[] = [];
  const notIncluded: Descriptor[] = [];
  for (const d of index.manifests) ((await source.holdsBlob(d.digest)) ? included : notIncluded).push(d);
  if (notIncluded.length === 0) return { index, notIncluded };
  if (included.length === 0) {
    throw new BalerError('E_NOT_FOUND', `${label}: none of the ${index.manifests.length} manifests of index is included (${platformList(notIncluded)})`);
  }
  return { index: { ...index, manifests: included }, notIncluded };
}

/** "linux/arm64/v8, linux/s390x" (attestations and entries without a platform left out), or "no platform". */
export function platformList(entries: readonly Descriptor[]): string {
  const names = entries.filter((d) => d.platform && !isAttestationEntry(d)).map((d) => formatPlatform(d.platform as Platform));
  return names.length ? names.join(', ') : 'no platform';
}

/** The runnable platforms an index lists without including them (for a "not included" warning). */
export function runnableNotIncluded(notIncluded: readonly Descriptor[]): Descriptor[] {
  return notIncluded.filter((d) => !isAttestationEntry(d));
}

/** A clearer error than "no manifest for platform" when the platform asked for is listed but not included. */
export function notIncludedPlatformError(want: Platform, split: IncludedChildren, label: string): BalerError | undefined {
  if (!split.notIncluded.some((d) => d.platform && !isAttestationEntry(d) && platformMatches(want, d.platform))) return undefined;
  return new BalerError(
    'E_NOT_FOUND',
    `${label}: platform ${formatPlatform(want)} is listed in the index but not included here; included: ${platformList(split.index.manifests)}`,
  );
}
