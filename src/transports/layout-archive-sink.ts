import type { Readable, Writable } from 'node:stream';
import { BalerError } from '../errors.js';
import { readAtMost } from '../io/read-all.js';
import { DELTA_ANNOTATION, DELTA_FILE, serializeDeltaManifest, type DeltaManifest } from '../model/delta-manifest.js';
import type { BlobInfo, Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { fullName, parseImageName, type ImageName } from '../model/image-name.js';
import { serializeIndex } from '../model/index-manifest.js';
import { JsonLimits } from '../model/json-limits.js';
import { annotationsForName } from '../model/layout-names.js';
import { isConfigMediaType, MediaTypes } from '../model/media-types.js';
import { openArchiveOutput, type ArchiveOutput } from './archive-output.js';
import { LayoutTarWriter } from './layout-tar-writer.js';
import type { CommitResult, ImageRef, ImageSink, KeptBlobPrefix, OpenOptions, SinkCaps } from './types.js';

export interface RecordedImage {
  descriptor: Descriptor;
  names: ImageName[];
}

/**
 * What the docker-archive and oci-archive sinks share: one OCI layout written as a tar into an atomic
 * file (or stdout), blobs stored once, index.json with one entry per name (annotationsForName) or one
 * bare entry for an unnamed image. Subclasses add their caps and extra top-level files.
 */
export abstract class LayoutArchiveSink implements ImageSink {
  abstract readonly caps: SinkCaps;
  protected readonly images = new Map<Digest, RecordedImage>();
  protected readonly manifests = new Map<Digest, Buffer>();
  /** Configs are small; kept so the docker flavour can name top layers in `repositories`. */
  protected readonly configs = new Map<Digest, Buffer>();
  protected readonly writer: LayoutTarWriter;
  /** Set when the archive is a delta: layer blobs its manifests name but it leaves out. */
  protected delta: DeltaManifest | undefined;
  private state: 'open' | 'committed' | 'discarded' = 'open';
  private failure: unknown;

  protected constructor(
    readonly ref: ImageRef,
    private readonly output: ArchiveOutput,
    protected readonly what: string,
  ) {
    this.writer = new LayoutTarWriter(output.stream, what, output.journal);
  }

  protected static async output(ref: ImageRef, o: OpenOptions & { stdout?: Writable }): Promise<ArchiveOutput> {
    const opts: Parameters<typeof openArchiveOutput>[1] = {};
    if (o.overwrite) opts.overwrite = true;
    if (o.outerCompression) opts.outerCompression = o.outerCompression;
    if (o.stdout) opts.stdout = o.stdout;
    if (o.splitSize !== undefined) opts.splitSize = o.splitSize;
    if (o.resume) opts.resume = true;
    if (o.onPartialLocked) opts.onPartialLocked = o.onPartialLocked;
    return openArchiveOutput(ref.location, opts);
  }

  async hasBlob(d: Digest): Promise<boolean> {
    // a config kept by --resume is put again (not rewritten) so its bytes are here for extraFiles()
    const resumed = this.writer.resumedMediaType(d);
    if (resumed !== undefined && isConfigMediaType(resumed)) return false;
    return this.writer.has(d);
  }

  keptBlobPrefix(d: Digest): KeptBlobPrefix | { dropped: string } | undefined {
    const p = this.output.journal?.partialBlob;
    return p?.digest === d ? p : undefined;
  }

  putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    return this.failOnError(() => this.putBlobOnce(body, info, signal));
  }

  private async putBlobOnce(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    this.assertOpen();
    if (isConfigMediaType(info.mediaType)) {
      const bytes = await readAtMost(body, JsonLimits.config, `${this.what}: config ${info.digest ?? ''}`.trimEnd());
      if (info.size !== undefined && bytes.length !== info.size) {
        throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: config ${info.digest ?? ''}: size mismatch, expected ${info.size} bytes, got ${bytes.length}`);
      }
      const d = await this.writer.putBytes(bytes, info.mediaType, info.digest);
      this.configs.set(d.digest, bytes);
      return d;
    }
    return this.writer.putBlob(body, info, signal);
  }

  putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    return this.failOnError(() => this.putManifestOnce(bytes, d));
  }

  private async putManifestOnce(bytes: Uint8Array, d: Descriptor): Promise<void> {
    this.assertOpen();
    this.checkManifest(bytes, d);
    if (bytes.length !== d.size) {
      throw new BalerError('E_DIGEST_MISMATCH', `${this.what}: manifest ${d.digest}: size mismatch, expected ${d.size} bytes, got ${bytes.length}`);
    }
    await this.writer.putBytes(bytes, d.mediaType, d.digest);
    this.manifests.set(d.digest, Buffer.from(bytes));
  }

  /** Subclass hook: refuse manifests the format cannot hold (E_UNSUPPORTED). */
  protected checkManifest(_bytes: Uint8Array, _d: Descriptor): void {}

  /**
   * `docker-archive:x.tar:NAME` as a destination names what is written NAME (containers/image does the
   * same); otherwise the name given by the pipeline is used. A name added again moves to the new image.
   */
  async addImage(d: Descriptor, name?: ImageName): Promise<void> {
    this.assertOpen();
    if (!this.manifests.has(d.digest)) {
      throw new BalerError('E_INTERNAL', `Internal error: ${this.what}: addImage(${d.digest}) before putManifest`);
    }
    const effective = this.ref.image !== undefined ? parseImageName(this.ref.image, { defaultTag: 'latest' }) : name;
    let img = this.images.get(d.digest);
    if (!img) {
      img = { descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size }, names: [] };
      if (d.platform) img.descriptor.platform = d.platform;
      this.images.set(d.digest, img);
    }
    if (!effective) return;
    const key = fullName(effective);
    for (const other of this.images.values()) other.names = other.names.filter((n) => fullName(n) !== key);
    img.names.push(effective);
  }

  markDelta(delta: DeltaManifest): void {
    this.assertOpen();
    this.delta = delta;
  }

  /** A blob the archive holds, or (in a delta) says it leaves out on purpose. */
  protected isWrittenOrExpected(d: Digest): boolean {
    return this.writer.has(d) || (this.delta?.expected.some((e) => e.digest === d) ?? false);
  }

  async commit(): Promise<CommitResult> {
    this.assertOpen();
    try {
      await this.writer.start();
      await this.writer.addFile('index.json', this.indexJson());
      for (const [name, bytes] of this.extraFiles()) await this.writer.addFile(name, bytes);
      if (this.delta) await this.writer.addFile(DELTA_FILE, serializeDeltaManifest(this.delta));
      await this.writer.finish();
      await this.output.commit();
      this.state = 'committed';
    } catch (err) {
      this.failure ??= err;
      await this.discard();
      throw err;
    }
    return { moved: [], location: this.output.location ?? (this.ref.location === '-' ? 'stdout' : this.ref.location) };
  }

  /** Subclass hook: files written after index.json (docker: manifest.json, repositories). */
  protected extraFiles(): Array<[string, Buffer]> {
    return [];
  }

  /** One entry per name; an unnamed image gets one entry without annotations (formats.md §1.2). */
  private indexJson(): Buffer {
    const manifests: Descriptor[] = [];
    for (const img of this.images.values()) {
      if (img.names.length === 0) manifests.push(img.descriptor);
      for (const n of img.names) manifests.push({ ...img.descriptor, annotations: annotationsForName(n) });
    }
    return serializeIndex({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests, ...(this.delta ? { annotations: { [DELTA_ANNOTATION]: DELTA_FILE } } : {}) });
  }

  /**
   * A tar cannot take back an entry: the first failed write discards the whole output at once (nothing
   * is left at the target) and every later call repeats that failure.
   */
  private async failOnError<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (this.state === 'open') {
        this.failure = err;
        await this.discard();
      }
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.failure !== undefined) {
      const f = this.failure;
      const msg = f instanceof Error ? f.message : String(f);
      throw new BalerError(f instanceof BalerError ? f.code : 'E_IO', `${this.what}: not written, an earlier step failed: ${msg}`, { cause: f });
    }
    if (this.state !== 'open') throw new BalerError('E_INTERNAL', `Internal error: ${this.what}: sink used after ${this.state === 'committed' ? 'commit' : 'dispose'}`);
  }

  private async discard(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'discarded';
    await this.writer.abort();
    await this.output.discard();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.discard();
  }
}
