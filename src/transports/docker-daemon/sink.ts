import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { makeTempDir, type TempDir } from '../../io/temp.js';
import type { BlobInfo, Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import type { ImageName } from '../../model/image-name.js';
import { dockerArchiveTransport } from '../docker-archive/transport.js';
import type { CommitResult, ImageRef, ImageSink, OpenOptions, SinkCaps } from '../types.js';
import type { DockerEngine } from './client.js';

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
