import { BalerError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import { sha256Of } from '../../model/digest.js';
import { JsonLimits, parseJsonBytes } from '../../model/json-limits.js';
import { MediaTypes, isImageManifestMediaType, isIndexMediaType } from '../../model/media-types.js';
import type { RegistryClient } from './client.js';
import { readSmallBody } from './http.js';

/** Sent on every manifest GET/HEAD: without the full list old registries down-convert to schema 1 (formats.md §8). */
export const MANIFEST_ACCEPT = [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerList].join(', ');

export interface FetchedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
}

/** A manifest as the registry sent it, whatever its type: the parsed document is kept for a closer look. */
export interface FetchedDocument extends FetchedManifest {
  readonly doc: unknown;
}

/**
 * `GET /v2/<repo>/manifests/<tag|digest>`: the exact bytes, their digest and media type (the document's own
 * `mediaType` when it has one, else Content-Type). Capped at JsonLimits.manifest; schema 1 is refused.
 * Any other type is returned: a tag may name an OCI artifact the caller leaves out.
 */
export async function fetchManifestDocument(client: RegistryClient, repo: string, reference: string, signal?: AbortSignal): Promise<FetchedDocument> {
  const action = `GET manifest ${reference}`;
  const res = await client.expect({ method: 'GET', path: `/v2/${repo}/manifests/${reference}`, repo, action, headers: { Accept: MANIFEST_ACCEPT }, ...(signal ? { signal } : {}) }, [200]);
  const bytes = await readSmallBody(res, JsonLimits.manifest + 1);
  const label = manifestLabel(client, repo, reference);
  if (bytes.length > JsonLimits.manifest) throw new BalerError('E_FORMAT', `${label}: larger than ${JsonLimits.manifest} bytes`);
  const contentType = String(res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const doc = parseJsonBytes(bytes, label) as { mediaType?: unknown; schemaVersion?: unknown };
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : contentType;
  if (doc.schemaVersion === 1 || mediaType === MediaTypes.dockerSchema1 || mediaType === MediaTypes.dockerSchema1Signed) {
    throw new BalerError('E_UNSUPPORTED', `${label}: Docker schema 1 manifests are not supported`);
  }
  return { descriptor: { mediaType, digest: sha256Of(bytes), size: bytes.length }, bytes, doc };
}

/** fetchManifestDocument for an image manifest or an index; any other type is refused. */
export async function getManifest(client: RegistryClient, repo: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
  const { descriptor, bytes } = await fetchManifestDocument(client, repo, reference, signal);
  if (!isImageManifestMediaType(descriptor.mediaType) && !isIndexMediaType(descriptor.mediaType)) {
    throw new BalerError('E_UNSUPPORTED', `${manifestLabel(client, repo, reference)}: unsupported manifest type ${JSON.stringify(descriptor.mediaType)}`);
  }
  return { descriptor, bytes };
}

function manifestLabel(client: RegistryClient, repo: string, reference: string): string {
  return `${client.label(repo)}: manifest ${reference}`;
}

/** What a manifest needs in the same repository before a registry accepts it. */
export interface ManifestNeeds {
  readonly blobs: Digest[];
  readonly manifests: Digest[];
}

/** The blobs (config, layers) of an image manifest, or the child manifests of an index. */
export function manifestNeeds(bytes: Uint8Array, d: Descriptor): ManifestNeeds {
  const doc = parseJsonBytes(bytes, `manifest ${d.digest}`) as { config?: { digest?: unknown }; layers?: Array<{ digest?: unknown }>; manifests?: Array<{ digest?: unknown }> };
  const digests = (list: Array<{ digest?: unknown }> | undefined): Digest[] => (list ?? []).map((x) => x.digest).filter((x): x is Digest => typeof x === 'string');
  if (isIndexMediaType(d.mediaType)) return { blobs: [], manifests: digests(doc.manifests) };
  return { blobs: [...digests(doc.config ? [doc.config] : []), ...digests(doc.layers)], manifests: [] };
}
