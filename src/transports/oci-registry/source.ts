import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import type { ImageRef, ImageSource, SourceEntry } from '../types.js';
import { downloadBlob } from './blob-download.js';
import type { RegistryClient } from './client.js';
import { getManifest } from './manifests.js';
import { listPaged } from './paged-list.js';
import type { RegistryReference } from './reference.js';

/**
 * Images of one repository: `REPO:TAG` or `REPO@DIGEST` is that image; `REPO` alone is every tag
 * (`/tags/list`, following `Link: <…>; rel="next"` pages). Names are `HOST/REPO:TAG`; an image asked by
 * digest has no name. Manifests fetched while listing are kept so copying does not fetch them again.
 */
export class RegistrySource implements ImageSource {
  private readonly manifests = new Map<Digest, Buffer>();

  constructor(
    readonly ref: ImageRef,
    private readonly client: RegistryClient,
    private readonly target: RegistryReference,
    private readonly signal?: AbortSignal,
  ) {}

  private get repo(): string {
    return this.target.repo;
  }

  async list(): Promise<SourceEntry[]> {
    if (this.target.digest !== undefined) {
      const m = await this.fetch(this.target.digest);
      // the descriptor carries the asked digest, so the pipeline checks the registry's bytes against it
      return [{ descriptor: { ...m.descriptor, digest: this.target.digest }, names: [] }];
    }
    const tags = this.target.tag !== undefined ? [this.target.tag] : await this.listTags();
    const entries: SourceEntry[] = [];
    for (const tag of tags) {
      const m = await this.fetch(tag);
      const name: ImageName = { domain: this.target.host, path: this.repo, tag };
      entries.push({ descriptor: m.descriptor, names: [name] });
    }
    return entries;
  }

  private async fetch(reference: string): Promise<{ descriptor: Descriptor }> {
    const m = await getManifest(this.client, this.repo, reference, this.signal);
    this.manifests.set(m.descriptor.digest, m.bytes);
    return m;
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

  async [Symbol.asyncDispose](): Promise<void> {
    this.client.close();
  }
}
