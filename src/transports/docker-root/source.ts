import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { Descriptor } from '../../model/descriptor.js';
import type { Digest } from '../../model/digest.js';
import { sha256Of, shortId } from '../../model/digest.js';
import { chainIds } from '../../model/ids.js';
import type { ImageConfig } from '../../model/image-config.js';
import { parseImageConfig } from '../../model/image-config.js';
import type { ImageName } from '../../model/image-name.js';
import { familiarName } from '../../model/image-name.js';
import { MediaTypes } from '../../model/media-types.js';
import { serializeManifest } from '../../model/manifest.js';
import { makeTempDir, type TempDir } from '../../io/temp.js';
import type { ImageRef, ImageSource, OpenOptions, SourceEntry } from '../types.js';
import { liveDaemonOf } from '../docker-daemon/client.js';
import { detectStorageDriver, layerDataDir, type StorageDriver } from './drivers.js';
import { imageMatches, selectionMatches } from './image-select.js';
import { readLayerDbEntry, type LayerDbEntry } from './layerdb.js';
import { planLayerTar, regenerateLayerTar, verifyLayerContent } from './layer-tar.js';
import { listStoredImages, readConfigBytes, readRepositories, type StoredImage } from './repositories.js';

export interface DockerRootSourceOptions extends OpenOptions {
  /**
   * Read every layer file once before promising a manifest, so a file whose content changed (CRC-64
   * mismatch) makes baler rebuild the layer from the directory instead of failing mid-copy. Doubles reads.
   */
  deepCheck?: boolean;
}

/** How one layer is served: regenerated exactly from tar-split, or rebuilt into a temp file. */
interface ServedLayer {
  digest: Digest;
  size: number;
  open(signal?: AbortSignal): Readable;
}

interface ResolvedImage {
  /** Config digest served (differs from the stored ID only when a layer had to be rebuilt). */
  id: Digest;
  storedId: Digest;
  config: Buffer;
  manifest: Buffer;
  manifestDigest: Digest;
  layers: ServedLayer[];
}

export interface VisibleImage {
  stored: StoredImage;
  names: ImageName[];
}

/** Drops unnamed images that are only a build step of another image, as `docker images` does. Pure. */
export function withoutBuildSteps(all: readonly VisibleImage[]): VisibleImage[] {
  const parents = new Set(all.map((v) => v.stored.parent).filter((p): p is Digest => p !== undefined));
  return all.filter((v) => v.names.length > 0 || !parents.has(v.stored.id));
}

/**
 * Reads images straight out of a stopped (or running) Docker data root, never writing to it. Each image is
 * offered as a Docker-25-style OCI manifest with uncompressed layers whose digests are the diff_ids
 * (formats.md §1.2), so `docker save` of the same image yields the same layer digests and image ID.
 */
export class DockerRootSource implements ImageSource {
  readonly warnings: string[] = [];
  private visible: Promise<VisibleImage[]> | undefined;
  private readonly resolved = new Map<Digest, Promise<ResolvedImage>>();
  private readonly layerByChain = new Map<Digest, Promise<ServedLayer>>();
  private readonly manifests = new Map<Digest, Buffer>();
  private readonly configs = new Map<Digest, Buffer>();
  private readonly layers = new Map<Digest, ServedLayer>();
  private temp: Promise<TempDir> | undefined;
  /** Names of every stored image (filled by images()), for messages. */
  private names = new Map<Digest, ImageName[]>();

  constructor(
    readonly ref: ImageRef,
    readonly root: string,
    readonly driver: StorageDriver,
    private readonly options: DockerRootSourceOptions = {},
  ) {}

  /** Images with their names; unnamed images that are only a build step of another image are hidden, as `docker images` does. */
  images(): Promise<VisibleImage[]> {
    this.visible ??= (async () => {
      const [stored, names] = await Promise.all([listStoredImages(this.root, this.driver), readRepositories(this.root, this.driver)]);
      this.names = names;
      const all = stored.map((s) => ({ stored: s, names: names.get(s.id) ?? [] }));
      const wanted = this.ref.image;
      if (wanted !== undefined) {
        const picked = all.filter((v) => imageMatches(wanted, v.stored.id, v.names));
        if (picked.length === 0) throw new BalerError('E_NOT_FOUND', `${this.ref.toString()}: no such image ${JSON.stringify(wanted)} in ${this.root}`);
        return picked;
      }
      // the caller's hint: resolve only the images it will ask for, unless one of its words matches none
      // here (a manifest digest from an earlier listing…): then list everything and let the pipeline choose
      const hint = this.options.wanted ?? [];
      const matching = (w: string): VisibleImage[] => all.filter((v) => selectionMatches(w, v.stored.id, v.names));
      if (hint.length > 0 && hint.every((w) => matching(w).length > 0)) return [...new Set(hint.flatMap(matching))];
      return withoutBuildSteps(all);
    })();
    return this.visible;
  }

  /**
   * One entry per visible image. Listing the whole root skips (with a warning) an image whose files are
   * damaged beyond repair, so one broken image does not hide the others; a named image fails instead.
   */
  async list(): Promise<SourceEntry[]> {
    const out: SourceEntry[] = [];
    for (const v of await this.images()) {
      let img: ResolvedImage;
      try {
        img = await this.resolve(v.stored.id);
      } catch (err) {
        if (this.ref.image !== undefined || !(err instanceof BalerError) || err.code === 'E_CANCELLED' || err.code === 'E_PATH_ESCAPE') throw err;
        this.warn('W_IMAGE_SKIPPED', `skipped image ${v.stored.id}${this.nameHint(v.stored.id)}: ${err.message}`);
        continue;
      }
      const entry: SourceEntry = {
        descriptor: { mediaType: MediaTypes.ociManifest, digest: img.manifestDigest, size: img.manifest.length },
        names: v.names,
      };
      const created = parseImageConfig(img.config, `${this.root}: image ${img.id}`).created;
      if (created) entry.created = created;
      out.push(entry);
    }
    return out;
  }

  async fetchManifest(d: Descriptor): Promise<Uint8Array> {
    const m = this.manifests.get(d.digest);
    if (!m) throw new BalerError('E_NOT_FOUND', `${this.ref.toString()}: no manifest ${d.digest} (list the images first)`);
    return m;
  }

  async fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable> {
    const config = this.configs.get(d.digest);
    if (config) return Readable.from([config], { objectMode: false });
    const layer = this.layers.get(d.digest);
    if (layer) return layer.open(signal);
    throw new BalerError('E_NOT_FOUND', `${this.ref.toString()}: no blob ${d.digest} in ${this.root}`);
  }

  /** Config bytes, layers and synthesized manifest of one stored image (memoised). */
  resolve(storedId: Digest): Promise<ResolvedImage> {
    let p = this.resolved.get(storedId);
    if (!p) {
      p = this.resolveUncached(storedId);
      this.resolved.set(storedId, p);
    }
    return p;
  }

  private async resolveUncached(storedId: Digest): Promise<ResolvedImage> {
    const what = `${this.root}: image ${shortId(storedId)}`;
    const stored = await readConfigBytes(this.root, this.driver, storedId);
    if (sha256Of(stored) !== storedId) throw new BalerError('E_DIGEST_MISMATCH', `${what}: config does not hash to its image ID (got ${sha256Of(stored)})`);
    const parsed = parseImageConfig(stored, what);
    const diffIds = parsed.rootfs.diff_ids;
    const chains = chainIds(diffIds);
    const layers: ServedLayer[] = [];
    for (const [i, chain] of chains.entries()) {
      const entry = await readLayerDbEntry(this.root, this.driver, chain);
      if (entry.diffId !== diffIds[i]) {
        throw new BalerError('E_FORMAT', `${what}: layer ${i} (${chain}) has diff ${entry.diffId} in the layer database, the config says ${diffIds[i]}`);
      }
      layers.push(await this.layer(entry, what));
    }
    const rebuilt = layers.some((l, i) => l.digest !== diffIds[i]);
    const config = rebuilt ? reidentifiedConfig(stored, parsed, layers.map((l) => l.digest)) : stored;
    const id = sha256Of(config);
    if (rebuilt) {
      this.warn('W_REIDENTIFIED', `${what}${this.nameHint(storedId)}: some layers were rebuilt from their directories, so the copy gets a new config and image ID ${id} (was ${storedId})`);
    }
    const manifest = serializeManifest({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: id, size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaTypes.ociLayer, digest: l.digest, size: l.size })),
    });
    const manifestDigest = sha256Of(manifest);
    this.manifests.set(manifestDigest, manifest);
    this.configs.set(id, config);
    for (const l of layers) this.layers.set(l.digest, l);
    return { id, storedId, config, manifest, manifestDigest, layers };
  }

  private nameHint(id: Digest): string {
    const names = this.names.get(id);
    return names && names.length > 0 ? ` (${names.map(familiarName).join(', ')})` : '';
  }


  private layer(entry: LayerDbEntry, what: string): Promise<ServedLayer> {
    let p = this.layerByChain.get(entry.chainId);
    if (!p) {
      p = this.layerUncached(entry, what);
      this.layerByChain.set(entry.chainId, p);
    }
    return p;
  }

  private async layerUncached(entry: LayerDbEntry, what: string): Promise<ServedLayer> {
    const dir = layerDataDir(this.root, this.driver, entry.cacheId);
    const label = `${what}: layer ${entry.diffId}`;
    let problem: string;
    if (entry.tarSplitPath) {
      const tarSplit = entry.tarSplitPath;
      const plan = await planLayerTar(tarSplit, dir).catch((err: unknown) => {
        // a damaged tar-split is like a missing one; an escaping name is an attack and stays an error
        if (err instanceof BalerError && (err.code === 'E_FORMAT' || err.code === 'E_TRUNCATED')) return { size: 0, files: 0, problem: err.message };
        throw err;
      });
      const deep = plan.problem === undefined && this.options.deepCheck ? await verifyLayerContent(tarSplit, dir, label, this.options.signal) : undefined;
      if (plan.problem === undefined && deep === undefined) {
        return { digest: entry.diffId, size: plan.size, open: (signal) => regenerateLayerTar(tarSplit, dir, label, { ...(signal ? { signal } : {}), expect: { digest: entry.diffId, size: plan.size } }) };
      }
      problem = plan.problem ?? deep ?? 'unknown';
    } else {
      problem = `${entry.dir}/tar-split.json.gz is missing`;
    }
    const parentDir = await this.parentDataDir(entry);
    const temp = await this.tempDir();
    // loaded only for a damaged store: the rebuild path pulls in the tar writer
    const { buildLayerTarFromDir } = await import('./dir-tar.js');
    const built = await buildLayerTarFromDir({
      dir,
      mode: this.driver === 'overlay2' ? 'overlay-diff' : parentDir !== undefined ? 'vfs-diff' : 'rootfs',
      ...(parentDir !== undefined ? { parentDir } : {}),
      tempDir: temp.path,
      what: label,
      onWarning: (code, message) => this.warn(code, message),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    this.warn(
      'W_LAYER_REBUILT',
      `${label}: cannot be regenerated byte for byte (${problem}); rebuilt it from ${dir}, new digest ${built.digest}`,
    );
    return { digest: built.digest, size: built.size, open: () => createReadStream(built.path, { highWaterMark: 1024 * 1024 }) };
  }

  /** vfs keeps full copies, so a layer's own changes are found by comparing with its parent's copy. */
  private async parentDataDir(entry: LayerDbEntry): Promise<string | undefined> {
    if (this.driver !== 'vfs' || !entry.parent) return undefined;
    const parent = await readLayerDbEntry(this.root, this.driver, entry.parent);
    return layerDataDir(this.root, this.driver, parent.cacheId);
  }

  private tempDir(): Promise<TempDir> {
    this.temp ??= makeTempDir('baler-docker-root-');
    return this.temp;
  }

  private warn(code: string, message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(code, message);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const t = this.temp;
    this.temp = undefined;
    if (t) await (await t).remove();
  }
}

/**
 * A new config whose rootfs lists the rebuilt layers' digests. Only used when the stored bytes cannot be
 * kept (formats.md §3.3: any rewrite changes the image ID, which the warning tells the user).
 */
function reidentifiedConfig(stored: Buffer, parsed: ImageConfig, diffIds: Digest[]): Buffer {
  const raw = JSON.parse(stored.toString('utf8')) as Record<string, unknown>;
  raw.rootfs = { ...(raw.rootfs as Record<string, unknown>), type: parsed.rootfs.type, diff_ids: diffIds };
  return Buffer.from(JSON.stringify(raw), 'utf8');
}

export async function openDockerRootSource(ref: ImageRef, o: DockerRootSourceOptions = {}): Promise<DockerRootSource> {
  const driver = await detectStorageDriver(ref.location);
  const live = await liveDaemonOf(ref.location);
  if (live) o.onWarning?.('W_DAEMON_RUNNING', live);
  return new DockerRootSource(ref, ref.location, driver, o);
}
