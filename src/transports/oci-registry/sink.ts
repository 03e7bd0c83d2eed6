import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { MediaTypes } from '../../model/media-types.js';
import type { CommitResult, ImageRef, ImageSink, NameMove, SinkCaps } from '../types.js';
import { mountBlob, uploadBlob } from './blob-upload.js';
import type { RegistryClient } from './client.js';
import { drain } from './http.js';
import { MANIFEST_ACCEPT, manifestNeeds, type ManifestNeeds } from './manifests.js';
import { listPaged } from './paged-list.js';
import { formatRegistryReference, type RegistryReference } from './reference.js';

/** A registry stores what it is given: any layer compression, both manifest families, indexes. */
export const registrySinkCaps = (multiImage: boolean): SinkCaps => ({
  manifestTypes: [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerList],
  layerCompressions: ['gzip', 'zstd', 'none'],
  needsSizeFirst: false,
  parallelPuts: true,
  multiImage,
  keepsIndexes: true,
});

interface HeldManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly needs: ManifestNeeds;
}

interface PendingTag {
  readonly repo: string;
  readonly tag: string;
  readonly manifest: HeldManifest;
}

/**
 * Pushes into a registry. `registry://HOST/REPO:TAG` (or `@DIGEST`) takes one image, pushed to REPO under
 * that tag. `registry://HOST/PREFIX` takes many: an image named `docker.io/library/app:1` goes to
 * `HOST/PREFIX/library/app:1` (PREFIX + its repository path + its tag; the source registry's host is
 * dropped), so every repository of an air-gapped mirror keeps its path.
 *
 * Blobs go to the repository of the image being copied (startImage); a blob this run already put in
 * another repository of the registry is mounted (cross-repo mount) instead of uploaded again. Manifests are
 * pushed by digest, children before an index; tags are written only at commit(), so an interrupted push
 * moves no tag (blobs and untagged manifests already pushed stay, as with docker push).
 */
export class RegistrySink implements ImageSink {
  readonly caps: SinkCaps;
  private readonly single: boolean;
  private currentRepo: string;
  private readonly blobRepos = new Map<Digest, Set<string>>();
  private readonly manifestRepos = new Map<Digest, Set<string>>();
  private readonly manifests = new Map<Digest, HeldManifest>();
  private readonly tags: PendingTag[] = [];
  private started = false;
  private catalog: Promise<string[]> | undefined;

  constructor(
    readonly ref: ImageRef,
    private readonly client: RegistryClient,
    private readonly target: RegistryReference,
    private readonly opts: { chunkSize?: number; signal?: AbortSignal } = {},
  ) {
    this.single = target.tag !== undefined || target.digest !== undefined;
    this.caps = registrySinkCaps(!this.single);
    this.currentRepo = target.repo;
  }

  /** The repository an image name maps to under the PREFIX rule. */
  repositoryFor(name: ImageName): string {
    return this.target.repo ? `${this.target.repo}/${name.path}` : name.path;
  }

  destinationName(name: ImageName | undefined): string | undefined {
    if (this.single) {
      const t = this.target;
      return `${t.host}/${t.repo}${t.tag !== undefined ? `:${t.tag}` : t.digest !== undefined ? `@${t.digest}` : ''}`;
    }
    if (!name) return undefined;
    return `${this.target.host}/${this.repositoryFor(name)}${name.tag !== undefined ? `:${name.tag}` : name.digest !== undefined ? `@${name.digest}` : ''}`;
  }

  async startImage(names: readonly ImageName[]): Promise<void> {
    this.started = true;
    this.currentRepo = this.imageRepository(names);
  }

  /** One image's blobs and manifests go into its own repository through this view, while others copy too. */
  async forImage(names: readonly ImageName[]): Promise<ImageSink> {
    this.started = true;
    return new RegistryImageView(this, this.imageRepository(names));
  }

  private imageRepository(names: readonly ImageName[]): string {
    if (this.single) return this.target.repo;
    const first = names[0];
    if (!first) {
      throw new BalerError('E_USAGE', `${this.ref.toString()}: an image without a name cannot be pushed under a prefix; name it (load --tag NAME) or push to registry://HOST/REPO:TAG`);
    }
    return this.repositoryFor(first);
  }

  private repo(): string {
    if (!this.currentRepo) throw new BalerError('E_USAGE', `${this.ref.toString()}: no repository to push into; give registry://HOST/REPO[:TAG]`);
    return this.currentRepo;
  }

  private record(map: Map<Digest, Set<string>>, d: Digest, repo: string): void {
    const set = map.get(d) ?? new Set<string>();
    set.add(repo);
    map.set(d, set);
  }

  private isIn(map: Map<Digest, Set<string>>, d: Digest, repo: string): boolean {
    return map.get(d)?.has(repo) === true;
  }

  /** Present in the current repository (HEAD), or mounted there from another repository this run used. */
  async hasBlob(d: Digest): Promise<boolean> {
    if (!this.single && !this.started) return this.hasBlobUnderPrefix(d);
    return this.hasBlobIn(this.repo(), d);
  }

  /** hasBlob for a given repository (RegistryImageView). */
  async hasBlobIn(repo: string, d: Digest): Promise<boolean> {
    if (this.isIn(this.blobRepos, d, repo)) return true;
    const signal = this.opts.signal ? { signal: this.opts.signal } : {};
    const res = await this.client.expect({ method: 'HEAD', path: `/v2/${repo}/blobs/${d}`, repo, action: `HEAD blob ${d}`, ...signal }, [200, 404]);
    drain(res);
    if (res.status === 200) {
      this.record(this.blobRepos, d, repo);
      return true;
    }
    return this.mountFromElsewhere(repo, d);
  }

  /**
   * Before any image is started (a delta load checking its base) a PREFIX sink cannot know the repository:
   * the blob counts as present when a repository under PREFIX (from /v2/_catalog) has it, and that
   * repository is remembered, so the copy mounts it from there into the image's own repository.
   */
  private async hasBlobUnderPrefix(d: Digest): Promise<boolean> {
    if (this.blobRepos.has(d)) return true;
    const under = this.target.repo ? `${this.target.repo}/` : '';
    this.catalog ??= listPaged(this.client, '/v2/_catalog', this.target.repo, 'repositories', this.opts.signal).then((all) => all.filter((r) => r.startsWith(under)));
    for (const repo of await this.catalog) {
      const res = await this.client.expect({ method: 'HEAD', path: `/v2/${repo}/blobs/${d}`, repo, action: `HEAD blob ${d}`, ...(this.opts.signal ? { signal: this.opts.signal } : {}) }, [200, 404]);
      drain(res);
      if (res.status === 200) {
        this.record(this.blobRepos, d, repo);
        return true;
      }
    }
    return false;
  }

  private async mountFromElsewhere(repo: string, d: Digest): Promise<boolean> {
    const from = [...(this.blobRepos.get(d) ?? [])][0];
    if (from === undefined || !(await mountBlob(this.client, repo, d, from, this.opts.signal))) return false;
    this.record(this.blobRepos, d, repo);
    return true;
  }

  putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    return this.putBlobIn(this.repo(), body, info, signal);
  }

  /** putBlob into a given repository (RegistryImageView). */
  async putBlobIn(repo: string, body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    const s = signal ?? this.opts.signal;
    const stored = await uploadBlob(this.client, repo, body, info, { ...(this.opts.chunkSize !== undefined ? { chunkSize: this.opts.chunkSize } : {}), ...(s ? { signal: s } : {}) });
    this.record(this.blobRepos, stored.digest, repo);
    return stored;
  }

  putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    return this.putManifestIn(this.repo(), bytes, d);
  }

  /** putManifest into a given repository (RegistryImageView). */
  async putManifestIn(repo: string, bytes: Uint8Array, d: Descriptor): Promise<void> {
    this.manifests.set(d.digest, { descriptor: d, bytes: Buffer.from(bytes), needs: manifestNeeds(bytes, d) });
    await this.pushTree(repo, d.digest);
  }

  /** Puts a manifest (children first) by digest into `repo`, mounting blobs it needs from other repositories. */
  private async pushTree(repo: string, digest: Digest): Promise<HeldManifest> {
    const m = this.manifests.get(digest);
    if (!m) throw new BalerError('E_INTERNAL', `Internal error: ${this.ref.toString()}: manifest ${digest} named before it was put`);
    if (this.isIn(this.manifestRepos, digest, repo)) return m;
    for (const child of m.needs.manifests) await this.pushTree(repo, child);
    for (const blob of m.needs.blobs) {
      // not known here and not mountable: the PUT below says MANIFEST_BLOB_UNKNOWN, naming it
      if (!this.isIn(this.blobRepos, blob, repo)) await this.mountFromElsewhere(repo, blob);
    }
    await this.putManifestBytes(repo, digest, m);
    this.record(this.manifestRepos, digest, repo);
    return m;
  }

  private async putManifestBytes(repo: string, reference: string, m: HeldManifest): Promise<void> {
    const res = await this.client.expect(
      { method: 'PUT', path: `/v2/${repo}/manifests/${reference}`, repo, push: true, action: `PUT manifest ${reference}`, headers: { 'Content-Type': m.descriptor.mediaType }, body: m.bytes, ...(this.opts.signal ? { signal: this.opts.signal } : {}) },
      [200, 201, 202],
    );
    drain(res);
  }

  get manifestDigest(): Digest | undefined {
    return this.single ? this.target.digest : undefined;
  }

  async addImage(d: Descriptor, name?: ImageName): Promise<void> {
    let repo: string;
    let tag: string | undefined;
    if (this.single) {
      repo = this.target.repo;
      tag = this.target.tag;
      if (this.target.digest !== undefined && d.digest !== this.target.digest) {
        // the pipeline checks a kept manifest before copying (manifestDigest); this catches a rewritten one
        throw new BalerError('E_USAGE', `${this.ref.toString()}: the image's manifest digest is ${d.digest}, not the one in the reference`);
      }
    } else {
      if (!name) throw new BalerError('E_USAGE', `${this.ref.toString()}: image ${d.digest} has no name to push it under`);
      repo = this.repositoryFor(name);
      tag = name.tag;
    }
    const manifest = await this.pushTree(repo, d.digest);
    if (tag !== undefined) this.tags.push({ repo, tag, manifest });
  }

  /** Writes the tags; a tag that named another manifest before is reported as moved. */
  async commit(): Promise<CommitResult> {
    const moved: NameMove[] = [];
    for (const t of this.tags) {
      const before = await this.currentTagDigest(t.repo, t.tag);
      await this.putManifestBytes(t.repo, t.tag, t.manifest);
      if (before !== undefined && before !== t.manifest.descriptor.digest) {
        moved.push({ name: { domain: this.target.host, path: t.repo, tag: t.tag }, from: before, to: t.manifest.descriptor.digest });
      }
    }
    const where = this.tags.length === 1 && this.tags[0] ? `${formatRegistryReference({ ...this.target, repo: this.tags[0].repo, tag: this.tags[0].tag })}` : this.ref.toString();
    return { moved, location: where };
  }

  private async currentTagDigest(repo: string, tag: string): Promise<Digest | undefined> {
    const res = await this.client.expect({ method: 'HEAD', path: `/v2/${repo}/manifests/${tag}`, repo, action: `HEAD manifest ${tag}`, headers: { Accept: MANIFEST_ACCEPT }, ...(this.opts.signal ? { signal: this.opts.signal } : {}) }, [200, 404]);
    drain(res);
    const d = res.headers['docker-content-digest'];
    return res.status === 200 && typeof d === 'string' ? (d as Digest) : undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.client.close();
  }
}

/**
 * RegistrySink.forImage: blobs and manifests of one image go into its repository; naming, commit and
 * disposal stay with the sink (the pipeline calls those on the sink itself).
 */
class RegistryImageView implements ImageSink {
  readonly ref: ImageRef;
  readonly caps: SinkCaps;

  constructor(
    private readonly sink: RegistrySink,
    private readonly repo: string,
  ) {
    this.ref = sink.ref;
    this.caps = sink.caps;
  }

  hasBlob(d: Digest): Promise<boolean> {
    return this.sink.hasBlobIn(this.repo, d);
  }

  putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    return this.sink.putBlobIn(this.repo, body, info, signal);
  }

  putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    return this.sink.putManifestIn(this.repo, bytes, d);
  }

  addImage(d: Descriptor, name?: ImageName): Promise<void> {
    return this.sink.addImage(d, name);
  }

  commit(): Promise<CommitResult> {
    return this.sink.commit();
  }

  destinationName(name: ImageName | undefined): string | undefined {
    return this.sink.destinationName(name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // the sink owns the connection; it is disposed once, by whoever opened it
  }
}
