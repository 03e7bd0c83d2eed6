import { BalerError } from '../errors.js';
import type { Digest } from '../model/digest.js';
import { isDigest, shortId } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import { familiarName, parseImageName, repositoryOf, sameName } from '../model/image-name.js';

/** What the resolver needs of an image: any list of images (store, archive, layout) can be resolved. */
export interface ResolvableImage {
  /** Top-level manifest or index digest. */
  readonly digest: Digest;
  /** Image ID: the config digest (the index digest for a multi-platform index). */
  readonly id: Digest;
  readonly names: readonly ImageName[];
}

export interface Resolved<T> {
  image: T;
  /** How the query matched: a name (then `name` is the one matched), an image ID, or a manifest digest. */
  by: 'name' | 'id' | 'digest';
  name?: ImageName;
}

const SHORT_ID = /^(?:sha256:)?([0-9a-f]{4,64})$/;

/**
 * docker's lookup order, as a pure function: a full `sha256:` digest (image ID or manifest digest),
 * then a name (`imga`, `imga:1`, `docker.io/library/imga:1`, `imga@sha256:…`), then a unique
 * image-ID prefix of at least 4 hex digits, then (none) a unique manifest-digest prefix. Ambiguous prefixes -> E_CONFLICT listing candidates;
 * nothing -> E_NOT_FOUND "no such image: X".
 */
export function resolveImage<T extends ResolvableImage>(images: readonly T[], query: string): Resolved<T> {
  const q = query.trim();
  if (isDigest(q)) {
    const byId = unique(images.filter((i) => i.id === q));
    if (byId.length > 1) throw ambiguous(query, byId);
    if (byId[0]) return { image: byId[0], by: 'id' };
    const byDigest = images.find((i) => i.digest === q);
    if (byDigest) return { image: byDigest, by: 'digest' };
    throw notFound(query);
  }
  const named = matchName(images, q);
  if (named) return named;
  const m = SHORT_ID.exec(q);
  if (m?.[1]) {
    const prefix = `sha256:${m[1]}`;
    const hits = unique(images.filter((i) => i.id.startsWith(prefix)));
    if (hits.length === 1 && hits[0]) return { image: hits[0], by: 'id' };
    if (hits.length > 1) throw ambiguous(query, hits);
    // Docker's containerd image store shows the manifest digest as IMAGE ID, so its prefixes select too
    const byDigest = unique(images.filter((i) => i.digest.startsWith(prefix)));
    if (byDigest.length === 1 && byDigest[0]) return { image: byDigest[0], by: 'digest' };
    if (byDigest.length > 1) throw ambiguous(query, byDigest);
  }
  throw notFound(query);
}

/**
 * Candidates by ID, with a name when they have one; images sharing one config (the same image
 * stored with gzip and zstd layers) also show their manifest digest, the unambiguous handle.
 */
function ambiguous(query: string, hits: readonly ResolvableImage[]): BalerError {
  const sameId = new Set(hits.map((i) => i.id)).size < hits.length;
  const list = hits
    .map((i) => {
      const extra = [i.names[0] ? familiarName(i.names[0]) : undefined, sameId ? `manifest ${i.digest}` : undefined].filter(Boolean).join(', ');
      return `${shortId(i.id)}${extra ? ` (${extra})` : ''}`;
    })
    .join(', ');
  return new BalerError('E_CONFLICT', `image ID ${isDigest(query) ? '' : 'prefix '}${JSON.stringify(query)} is ambiguous: ${list}`);
}

function notFound(query: string): BalerError {
  return new BalerError('E_NOT_FOUND', `no such image: ${query}`);
}

function unique<T extends ResolvableImage>(images: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const i of images) if (!seen.has(i.digest)) seen.set(i.digest, i);
  return [...seen.values()];
}

function matchName<T extends ResolvableImage>(images: readonly T[], q: string): Resolved<T> | undefined {
  let wanted: ImageName;
  try {
    wanted = parseImageName(q, { defaultTag: 'latest' });
  } catch {
    return undefined;
  }
  if (wanted.digest) {
    // repo@sha256:… names the image whose manifest digest that is, under that repository
    const repo = repositoryOf(wanted);
    for (const image of images) {
      if (image.digest !== wanted.digest) continue;
      const n = image.names.find((x) => repositoryOf(x) === repo);
      if (n) return { image, by: 'digest', name: n };
    }
    return undefined;
  }
  for (const image of images) {
    const n = image.names.find((x) => x.digest === undefined && sameName(x, wanted));
    if (n) return { image, by: 'name', name: n };
  }
  return undefined;
}
