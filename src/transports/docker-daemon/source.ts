import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import { spoolToFile } from '../../io/spool.js';
import { makeTempDir, type TempDir } from '../../io/temp.js';
import type { Descriptor } from '../../model/descriptor.js';
import { dockerArchiveTransport } from '../docker-archive/transport.js';
import type { CommitResult, ImageRef, ImageSink, ImageSource, OpenOptions, SinkCaps, SourceEntry } from '../types.js';
import type { Digest } from '../../model/digest.js';
import type { BlobInfo } from '../../model/descriptor.js';
import type { ImageName } from '../../model/image-name.js';
import type { DockerEngine } from './client.js';

/**
 * Images of a running daemon: `GET /images/get` (docker save) is spooled to a temp file and read with
 * the docker-archive source, so the daemon's exact config and layer bytes come through. With an image
 * in the ref only that image is saved; without one, every image (the whole daemon: can be large).
 */
export class DockerDaemonSource implements ImageSource {
  private inner: Promise<ImageSource> | undefined;
  private temp: TempDir | undefined;

  constructor(
    readonly ref: ImageRef,
    private readonly engine: DockerEngine,
    private readonly o: OpenOptions = {},
  ) {}

  private archive(): Promise<ImageSource> {
    this.inner ??= (async () => {
      const names = this.ref.image !== undefined ? [this.ref.image] : await this.allImageNames();
      if (names.length === 0) throw new BalerError('E_NOT_FOUND', `${this.engine.label}: holds no images`);
      this.temp = await makeTempDir('baler-docker-save-');
      const body = await this.engine.exportImages(names, this.o.signal);
      const spooled = await spoolToFile(body, this.temp.path, 'save.tar', this.o.signal);
      return dockerArchiveTransport.parse(`docker-archive:${spooled.path}`).openSource(this.o.signal ? { signal: this.o.signal } : {});
    })();
    return this.inner;
  }

  /** Tags for named images (so names survive), IDs for the rest. */
  private async allImageNames(): Promise<string[]> {
    const out: string[] = [];
    for (const img of await this.engine.listImages()) {
      if (img.repoTags.length > 0) out.push(...img.repoTags);
      else if (img.id) out.push(img.id);
    }
    return out;
  }

  async list(): Promise<SourceEntry[]> {
    return (await this.archive()).list();
  }

  async fetchManifest(d: Descriptor): Promise<Uint8Array> {
    return (await this.archive()).fetchManifest(d);
  }

  async fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    return (await this.archive()).fetchBlob(d, signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const inner = this.inner;
    this.inner = undefined;
    if (inner) await (await inner.catch(() => undefined))?.[Symbol.asyncDispose]();
    await this.temp?.remove();
  }
}

/**
 * `--into docker`: the images are written as a docker-archive to a temp file by the docker-archive sink,
 * then POSTed to `/images/load` at commit. Nothing reaches the daemon before commit.
 */
export class DockerDaemonSink implements ImageSink {
  readonly caps: SinkCaps;

  private constructor(
    readonly ref: ImageRef,
    private readonly engine: DockerEngine,
    private readonly inner: ImageSink,
    private readonly file: string,
    private readonly temp: TempDir,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.caps = inner.caps;
  }

  static async open(ref: ImageRef, engine: DockerEngine, o: OpenOptions = {}): Promise<DockerDaemonSink> {
    await engine.ping(); // fail before any work when the daemon is not there
    const temp = await makeTempDir('baler-docker-load-');
    try {
      const file = `${temp.path}/load.tar`;
      const inner = await dockerArchiveTransport.parse(`docker-archive:${file}`).openSink({ overwrite: true });
      return new DockerDaemonSink(ref, engine, inner, file, temp, o.signal);
    } catch (err) {
      await temp.remove();
      throw err;
    }
  }

  hasBlob(d: Digest): Promise<boolean> {
    return this.inner.hasBlob(d);
  }

  putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    return this.inner.putBlob(body, info, signal);
  }

  putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    return this.inner.putManifest(bytes, d);
  }

  addImage(d: Descriptor, name?: ImageName): Promise<void> {
    return this.inner.addImage(d, name);
  }

  async commit(): Promise<CommitResult> {
    await this.inner.commit();
    const size = (await stat(this.file)).size;
    await this.engine.loadImages(createReadStream(this.file, { highWaterMark: 1024 * 1024 }), size, this.signal);
    return { moved: [], location: this.engine.label };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.inner[Symbol.asyncDispose]();
    } finally {
      await this.temp.remove();
    }
  }
}
