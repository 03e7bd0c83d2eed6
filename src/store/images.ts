import type { Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import { fullName } from '../model/image-name.js';
import { parseImageConfig } from '../model/image-config.js';
import { JsonLimits } from '../model/json-limits.js';
import { Annotations, nameFromIndexEntry } from '../model/layout-names.js';
import type { Platform } from '../model/platform.js';
import { hasBlob, readBlobBytes } from './blobs.js';
import type { IndexEntry } from './index-file.js';
import { manifestReferences } from './references.js';
import type { ResolvableImage } from './resolve.js';

/**
 * One image as `ls` shows it: every index.json entry with the same top-level digest grouped, with
 * all its names, its ID (config digest; the index digest for a multi-platform index), platforms,
 * creation time and size (sum of the distinct blobs it reaches, as stored).
 */
export interface StoreImage extends ResolvableImage {
  readonly digest: Digest;
  readonly id: Digest;
  readonly names: ImageName[];
  /** Every ref.name annotation as written (bare tags like "latest" included), for `oci:DIR:IMAGE`. */
  readonly refNames: string[];
  /** The entry's descriptor without name annotations. */
  readonly descriptor: Descriptor;
  readonly kind: 'image' | 'index';
  readonly platforms: Platform[];
  /** An index's platforms the store does not hold (a sparse index); absent when it holds them all. */
  readonly notIncluded?: Platform[];
  readonly created?: string;
  readonly size: number;
  /** Set when a blob could not be read; `baler fsck` says more. */
  readonly broken?: string;
}

function stripNames(d: Descriptor): Descriptor {
  if (!d.annotations) return d;
  const ann = { ...d.annotations };
  delete ann[Annotations.refName];
  delete ann[Annotations.containerdName];
  const { annotations: _drop, ...rest } = d;
  return Object.keys(ann).length ? { ...rest, annotations: ann } : rest;
}

interface ImageFacts {
  configDigest: Digest;
  platform?: Platform;
  created?: string;
}

async function imageFacts(root: string, manifest: Digest, sizes: Map<Digest, number>): Promise<ImageFacts> {
  const bytes = await readBlobBytes(root, manifest, JsonLimits.manifest);
  const refs = manifestReferences(bytes, `manifest ${manifest}`);
  let configDigest: Digest | undefined;
  for (const r of refs.refs) {
    sizes.set(r.digest, r.size);
    if (r.role === 'config') configDigest = r.digest;
  }
  if (!configDigest) return { configDigest: manifest };
  try {
    const config = parseImageConfig(await readBlobBytes(root, configDigest, JsonLimits.config), `config ${configDigest}`);
    const facts: ImageFacts = { configDigest, platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) } };
    if (typeof config.created === 'string') facts.created = config.created;
    return facts;
  } catch {
    // artifact configs (signatures, attestations) are not image configs: no platform or date
    return { configDigest };
  }
}

async function describe(root: string, d: Descriptor, names: ImageName[], refNames: string[]): Promise<StoreImage> {
  const descriptor = stripNames(d);
  const sizes = new Map<Digest, number>([[d.digest, d.size]]);
  try {
    const refs = manifestReferences(await readBlobBytes(root, d.digest, JsonLimits.manifest), `manifest ${d.digest}`);
    if (refs.kind !== 'index') {
      const facts = await imageFacts(root, d.digest, sizes);
      const size = [...sizes.values()].reduce((a, b) => a + b, 0);
      return { digest: d.digest, id: facts.configDigest, names, refNames, descriptor, kind: 'image', platforms: facts.platform ? [facts.platform] : [], ...(facts.created ? { created: facts.created } : {}), size };
    }
    const platforms: Platform[] = [];
    const notIncluded: Platform[] = [];
    let created: string | undefined;
    for (const child of refs.refs) {
      // a sparse index (formats.md §1.3, Docker's containerd store): a child manifest the store lacks is a
      // platform not included, listed apart and not counted in the size
      if (child.role === 'manifest' && !(await hasBlob(root, child.digest))) {
        if (child.platform && child.platform.os !== 'unknown') notIncluded.push(child.platform);
        continue;
      }
      sizes.set(child.digest, child.size);
      if (child.role !== 'manifest') continue;
      const facts = await imageFacts(root, child.digest, sizes);
      // the index's word on a child's platform first (what docker shows), else its config's
      const platform = child.platform ?? facts.platform;
      if (platform && platform.os !== 'unknown') platforms.push(platform);
      if (facts.created && (!created || facts.created > created)) created = facts.created;
    }
    const size = [...sizes.values()].reduce((a, b) => a + b, 0);
    return { digest: d.digest, id: d.digest, names, refNames, descriptor, kind: 'index', platforms, ...(notIncluded.length ? { notIncluded } : {}), ...(created ? { created } : {}), size };
  } catch (err) {
    const size = [...sizes.values()].reduce((a, b) => a + b, 0);
    return { digest: d.digest, id: d.digest, names, refNames, descriptor, kind: 'image', platforms: [], size, broken: (err as Error).message };
  }
}

/** Groups index entries by top-level digest (first appearance order) and describes each image. */
export async function describeImages(root: string, entries: readonly IndexEntry[]): Promise<StoreImage[]> {
  const groups = new Map<Digest, { descriptor: Descriptor; names: ImageName[]; refNames: string[] }>();
  for (const e of entries) {
    let g = groups.get(e.descriptor.digest);
    if (!g) {
      g = { descriptor: e.descriptor, names: [], refNames: [] };
      groups.set(e.descriptor.digest, g);
    }
    const refName = e.descriptor.annotations?.[Annotations.refName];
    if (refName !== undefined) g.refNames.push(refName);
    const n = nameFromIndexEntry(e.descriptor);
    if (n && !g.names.some((x) => fullName(x) === fullName(n))) g.names.push(n);
  }
  const out: StoreImage[] = [];
  for (const g of groups.values()) out.push(await describe(root, g.descriptor, g.names, g.refNames));
  return out;
}
