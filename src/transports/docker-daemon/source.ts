import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import { spoolToFile } from '../../io/spool.js';
import { makeTempDir, type TempDir } from '../../io/temp.js';
import type { Descriptor } from '../../model/descriptor.js';
import { dockerArchiveTransport } from '../docker-archive/transport.js';
import type { ImageRef, ImageSource, OpenOptions, SourceEntry } from '../types.js';
import type { DockerEngine } from './client.js';
import { LayersByDiffId } from './layers-by-diff-id.js';

/**
 * Images of a running daemon: `GET /images/get` (docker save) is spooled to a temp file and read with
 * the docker-archive source, so the daemon's exact config and layer bytes come through. With an image
 * in the ref only that image is saved; without one, every image (the whole daemon: can be large).
 */
export class DockerDaemonSource implements ImageSource {
  private inner: Promise<ImageSource> | undefined;
  private temp: TempDir | undefined;
  private byDiffId: LayersByDiffId | undefined;

  constructor(
    readonly ref: ImageRef,
    private readonly engine: DockerEngine,
    private readonly o: OpenOptions = {},
  ) {}

  private archive(): Promise<ImageSource> {
    this.inner ??= (async () => {
      // only what the caller will ask for (o.wanted), else every image; a word the daemon does not know
      // (a manifest digest…) makes it export everything and lets the pipeline choose
      const wanted = this.ref.image !== undefined ? [this.ref.image] : [...(this.o.wanted ?? [])];
      this.temp = await makeTempDir('baler-docker-save-');
      let body: Readable | undefined;
      if (wanted.length > 0) {
        body = await this.engine.exportImages(wanted, this.o.signal).catch((err: unknown) => {
          if (this.ref.image !== undefined || !(err instanceof BalerError) || err.code !== 'E_NOT_FOUND') throw err;
          return undefined;
        });
      }
      if (!body) {
        const names = await this.allImageNames();
        if (names.length === 0) throw new BalerError('E_NOT_FOUND', `${this.engine.label}: holds no images`);
        body = await this.engine.exportImages(names, this.o.signal);
      }
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
    const archive = await this.archive();
    try {
      return await archive.fetchBlob(d, signal);
    } catch (err) {
      // a layer asked for by diff_id (a delta's left-out layer, pipeline/delta-load.ts) that the containerd
      // image store saved compressed: serve the stored blob decompressed (the caller verifies it against d)
      if (!(err instanceof BalerError) || err.code !== 'E_NOT_FOUND') throw err;
      this.byDiffId ??= new LayersByDiffId(archive, this.engine.label);
      const plain = await this.byDiffId.open(d.digest, signal);
      if (!plain) throw err;
      return plain;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const inner = this.inner;
    this.inner = undefined;
    if (inner) await (await inner.catch(() => undefined))?.[Symbol.asyncDispose]();
    await this.temp?.remove();
  }
}
