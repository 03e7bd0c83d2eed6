import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import { makeTempDir, type TempDir } from '../../io/temp.js';
import type { Descriptor } from '../../model/descriptor.js';
import { sha256Of, type Digest } from '../../model/digest.js';
import { MediaTypes } from '../../model/media-types.js';
import { serializeManifest } from '../../model/manifest.js';
import type { ImageRef, ImageSource, OpenOptions, SourceEntry } from '../types.js';
import { lookupContainer, type StoredContainer } from './containers.js';
import { buildLayerTarFromDir, type DirLayerTar } from './dir-tar.js';
import { detectStorageDriver, mountDataDir } from './drivers.js';
import { readMountEntry } from './layerdb.js';
import { openDockerRootSource, type DockerRootSource } from './source.js';
import { dockerRootTransport } from './transport.js';

export interface CommitOptions extends OpenOptions {
  /** `docker commit -m`. */
  message?: string;
  /** `docker commit -a`. */
  author?: string;
}

/**
 * `docker commit` without the daemon: the container's image plus one layer holding the container's own
 * changes (the read-write layer against the init layer, as Docker diffs it: overlay2 char 0/0 and opaque
 * dirs become whiteouts; vfs compares `<mount-id>` with `<mount-id>-init`). Offered as a one-image source
 * so any sink (the store, an archive, a daemon) can take it through the copy pipeline. The new layer is
 * written to a temp file first: its digest must be known before the config names it.
 */
export class ContainerCommitSource implements ImageSource {
  private constructor(
    readonly ref: ImageRef,
    readonly container: StoredContainer,
    private readonly base: DockerRootSource,
    private readonly layer: DirLayerTar,
    private readonly config: Buffer,
    private readonly manifest: Buffer,
    private readonly temp: TempDir,
  ) {}

  static async open(root: string, want: string, o: CommitOptions = {}): Promise<ContainerCommitSource> {
    const driver = await detectStorageDriver(root);
    const container = await lookupContainer(root, want);
    if (!container) throw new BalerError('E_NOT_FOUND', `${root}: no such container ${JSON.stringify(want)}`);
    if (!container.imageId) throw new BalerError('E_FORMAT', `${root}: container ${container.name} records no image`);
    const mount = await readMountEntry(root, driver, container.id);
    const ref = containerRef(root, container);
    const base = await openDockerRootSource(baseRef(root, container.imageId), o);
    const temp = await makeTempDir('baler-commit-');
    try {
      const image = await base.resolve(container.imageId);
      const what = `container ${container.name || container.id.slice(0, 12)}`;
      const rw = mountDataDir(root, driver, mount.mountId);
      const layer = await buildLayerTarFromDir({
        dir: rw,
        mode: driver === 'overlay2' ? 'overlay-diff' : 'vfs-diff',
        ...(driver === 'vfs' ? { parentDir: mountDataDir(root, driver, mount.initId ?? `${mount.mountId}-init`) } : {}),
        tempDir: temp.path,
        what: `${what}: read-write layer (${rw})`,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onWarning ? { onWarning: o.onWarning } : {}),
      });
      const config = committedConfig(image.config, container, layer.digest, o);
      const manifest = serializeManifest({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, digest: sha256Of(config), size: config.length },
        layers: [...image.layers.map((l) => ({ mediaType: MediaTypes.ociLayer, digest: l.digest, size: l.size })), { mediaType: MediaTypes.ociLayer, digest: layer.digest, size: layer.size }],
      });
      return new ContainerCommitSource(ref, container, base, layer, config, manifest, temp);
    } catch (err) {
      await temp.remove();
      await base[Symbol.asyncDispose]();
      throw err;
    }
  }

  /** The image ID the commit gets. */
  get id(): Digest {
    return sha256Of(this.config);
  }

  async list(): Promise<SourceEntry[]> {
    return [{ descriptor: { mediaType: MediaTypes.ociManifest, digest: sha256Of(this.manifest), size: this.manifest.length }, names: [] }];
  }

  async fetchManifest(d: Descriptor): Promise<Uint8Array> {
    if (d.digest !== sha256Of(this.manifest)) throw new BalerError('E_NOT_FOUND', `${this.ref.toString()}: no manifest ${d.digest}`);
    return this.manifest;
  }

  async fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    if (d.digest === this.id) return Readable.from([this.config], { objectMode: false });
    if (d.digest === this.layer.digest) return createReadStream(this.layer.path, { highWaterMark: 1024 * 1024 });
    return this.base.fetchBlob(d, signal);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.base[Symbol.asyncDispose]();
    } finally {
      await this.temp.remove();
    }
  }
}

/** The image config Docker's commit writes: the image's, plus the container's config, a history entry and the new diff_id. */
function committedConfig(imageConfig: Buffer, c: StoredContainer, diffId: Digest, o: CommitOptions): Buffer {
  const raw = JSON.parse(imageConfig.toString('utf8')) as Record<string, unknown>;
  const created = new Date().toISOString();
  const rootfs = raw.rootfs as { type: string; diff_ids: string[] };
  const history = Array.isArray(raw.history) ? [...(raw.history as unknown[])] : [];
  const entry: Record<string, unknown> = { created, created_by: c.command.join(' ') };
  if (o.author) entry.author = o.author;
  if (o.message) entry.comment = o.message;
  history.push(entry);
  const out: Record<string, unknown> = { ...raw, created, container: c.id, history, rootfs: { type: rootfs.type, diff_ids: [...rootfs.diff_ids, diffId] } };
  if (c.runtimeConfig) {
    out.config = c.runtimeConfig;
    out.container_config = c.runtimeConfig;
  }
  if (o.author) out.author = o.author;
  if (o.message) out.comment = o.message;
  else delete out.comment;
  return Buffer.from(JSON.stringify(out), 'utf8');
}

function containerRef(root: string, c: StoredContainer): ImageRef {
  return dockerRootTransport.parse(`docker-root:${root}:${c.name || c.id}`);
}

function baseRef(root: string, imageId: Digest): ImageRef {
  return dockerRootTransport.parse(`docker-root:${root}:${imageId}`);
}
