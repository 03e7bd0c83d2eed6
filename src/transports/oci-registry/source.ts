import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import type { ImageRef, ImageSource, SourceEntry } from '../types.js';
import { downloadBlob, downloadBlobFrom } from './blob-download.js';
import type { RegistryClient } from './client.js';
import { whyNotContainerImage } from './container-image.js';
import { fetchManifestDocument, getManifest, type FetchedManifest } from './manifests.js';
import { listPaged } from './paged-list.js';
import { formatRegistryReference, type RegistryReference } from './reference.js';

/** A tag of the listed repository that names an OCI artifact, not an image (cosign signature, SBOM…). */
export const ARTIFACT_SKIPPED_WARNING = 'W_ARTIFACT_SKIPPED';

/**
 * Images of one repository: `REPO:TAG` or `REPO@DIGEST` is that image; `REPO` alone is every tag
 * (`/tags/list`, following `Link: <…>; rel="next"` pages). Names are `HOST/REPO:TAG`; an image asked by
 * digest has no name. Manifests fetched while listing are kept so copying does not fetch them again.
 * Listing every tag leaves out, with a warning, the tags of other OCI artifacts (`skopeo sync` copies
 * images); such a tag named on its own is an error naming it.
 */
export class RegistrySource implements ImageSource {
  private readonly manifests = new Map<Digest, Buffer>();

  constructor(
    readonly ref: ImageRef,
    private readonly client: RegistryClient,
    private readonly target: RegistryReference,
    private readonly signal?: AbortSignal,
    private readonly onWarning?: (code: string, message: string) => void,
  ) {}

  private get repo(): string {
    return this.target.repo;
  }

  async list(): Promise<SourceEntry[]> {
    if (this.target.digest !== undefined) {
      const m = await this.fetchImage(this.target.digest);
      // the descriptor carries the asked digest, so the pipeline checks the registry's bytes against it
      return [{ descriptor: { ...m.descriptor, digest: this.target.digest }, names: [] }];
    }
    const entry = (tag: string, m: FetchedManifest): SourceEntry => ({ descriptor: m.descriptor, names: [{ domain: this.target.host, path: this.repo, tag }] });
    if (this.target.tag !== undefined) return [entry(this.target.tag, await this.fetchImage(this.target.tag))];
    const tags = await this.listTags();
    const entries: SourceEntry[] = [];
    for (const tag of tags) {
      const { manifest, notImage } = await this.fetchTop(tag);
      if (notImage === undefined) entries.push(entry(tag, manifest));
      else this.onWarning?.(ARTIFACT_SKIPPED_WARNING, `${notImage.label}: left out, not a container image (${notImage.why})`);
    }
    if (entries.length === 0) {
      throw new BalerError('E_NOT_FOUND', `${this.client.label(this.repo)}: none of its ${tags.length} tag(s) is a container image`);
    }
    return entries;
  }

  /** The image the reference names; another OCI artifact there is an error naming the reference. */
  private async fetchImage(reference: string): Promise<FetchedManifest> {
    const { manifest, notImage } = await this.fetchTop(reference);
    if (notImage !== undefined) throw new BalerError('E_UNSUPPORTED', `${notImage.label}: not a container image (${notImage.why}); baler copies images only`);
    return manifest;
  }

  /** A top-level manifest, kept for the copy when it is an image; else why not, and the reference to name. */
  private async fetchTop(reference: string): Promise<{ manifest: FetchedManifest; notImage?: { label: string; why: string } }> {
    const manifest = await fetchManifestDocument(this.client, this.repo, reference, this.signal);
    const why = whyNotContainerImage(manifest.descriptor.mediaType, manifest.doc);
    if (why !== undefined) {
      const label = formatRegistryReference({ ...this.target, ...(reference === this.target.digest ? {} : { tag: reference }) });
      return { manifest, notImage: { label, why } };
    }
    this.manifests.set(manifest.descriptor.digest, manifest.bytes);
    return { manifest };
  }

  async listTags(): Promise<string[]> {
    const tags = await listPaged(this.client, `/v2/${this.repo}/tags/list`, this.repo, 'tags', this.signal);
    if (tags.length === 0) throw new BalerError('E_NOT_FOUND', `${this.client.label(this.repo)}: the repository has no tags`);
    return tags;
  }

  async fetchManifest(d: Descriptor): Promise<Uint8Array> {
    return this.manifests.get(d.digest) ?? (await getManifest(this.client, this.repo, d.digest, this.signal)).bytes;
  }

  fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    return downloadBlob(this.client, this.repo, d, signal ?? this.signal);
  }

  fetchBlobFrom(d: Descriptor, from: number, signal?: AbortSignal): Promise<{ from: number; stream: Readable }> {
    return downloadBlobFrom(this.client, this.repo, d, from, signal ?? this.signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.client.close();
  }
}
