/**
 * In-memory source and sink that follow the transport contract (src/transports/types.ts), for testing
 * the pipeline on exact bytes without any file format. The sink verifies what it is given, keeps
 * nothing of a failed putBlob and publishes only on commit(), like the real sinks must.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { BalerError } from '../../../src/errors.js';
import { readAtMost } from '../../../src/io/read-all.js';
import type { BlobInfo, Descriptor } from '../../../src/model/descriptor.js';
import type { Digest } from '../../../src/model/digest.js';
import { sha256Of } from '../../../src/model/digest.js';
import type { ImageName } from '../../../src/model/image-name.js';
import { fullName, parseImageName } from '../../../src/model/image-name.js';
import { MediaTypes } from '../../../src/model/media-types.js';
import type { CommitResult, ImageRef, ImageSink, ImageSource, NameMove, SinkCaps, SourceEntry, Transport } from '../../../src/transports/types.js';

function memRef(label: string): ImageRef {
  const transport: Transport = { name: 'store', parse: () => ref };
  const ref: ImageRef = {
    transport,
    location: label,
    toString: () => label,
    openSource: () => Promise.reject(new Error('not used')),
    openSink: () => Promise.reject(new Error('not used')),
  };
  return ref;
}

export interface BuiltLayer {
  bytes: Buffer;
  diffId: Digest;
  descriptor: Descriptor;
}

/** A layer whose "tar" is just `content` (the pipeline never parses layer tars). */
export function makeLayer(content: string | Buffer, compression: 'none' | 'gzip' = 'none'): BuiltLayer {
  const plain = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const bytes = compression === 'gzip' ? gzipSync(plain) : plain;
  return {
    bytes,
    diffId: sha256Of(plain),
    descriptor: { mediaType: compression === 'gzip' ? MediaTypes.ociLayerGzip : MediaTypes.ociLayer, digest: sha256Of(bytes), size: bytes.length },
  };
}

export interface BuiltImage {
  manifest: Buffer;
  descriptor: Descriptor;
  config: Buffer;
  configDigest: Digest;
  layers: BuiltLayer[];
}

export function makeImage(layers: BuiltLayer[], opts: { arch?: string; diffIds?: Digest[]; created?: string } = {}): BuiltImage {
  const config = Buffer.from(
    JSON.stringify({
      architecture: opts.arch ?? 'amd64',
      os: 'linux',
      created: opts.created ?? '2026-01-01T00:00:00Z',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map((l) => l.diffId) },
    }),
  );
  const cfgDesc: Descriptor = { mediaType: MediaTypes.ociConfig, digest: sha256Of(config), size: config.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: cfgDesc, layers: layers.map((l) => l.descriptor) }));
  return {
    manifest,
    descriptor: { mediaType: MediaTypes.ociManifest, digest: sha256Of(manifest), size: manifest.length },
    config,
    configDigest: cfgDesc.digest,
    layers,
  };
}

export function makeIndex(images: Array<{ image: BuiltImage; platform: { os: string; architecture: string; variant?: string } }>): { bytes: Buffer; descriptor: Descriptor } {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: images.map(({ image, platform }) => ({ ...image.descriptor, platform })),
    }),
  );
  return { bytes, descriptor: { mediaType: MediaTypes.ociIndex, digest: sha256Of(bytes), size: bytes.length } };
}

/** A source holding raw blobs by digest; `chunk` splits every blob into tiny reads. */
export class MemorySource implements ImageSource {
  readonly ref: ImageRef;
  readonly blobs = new Map<string, Buffer>();
  readonly entries: SourceEntry[] = [];
  fetchedBlobs: string[] = [];

  constructor(label = 'mem:src', private readonly chunk = 321) {
    this.ref = memRef(label);
  }

  addImage(img: BuiltImage, names: string[] = []): this {
    this.addBlobs(img);
    this.entries.push({ descriptor: img.descriptor, names: names.map((n) => parseImageName(n, { defaultTag: 'latest' })) });
    return this;
  }

  addBlobs(img: BuiltImage): void {
    this.blobs.set(img.descriptor.digest, img.manifest);
    this.blobs.set(img.configDigest, img.config);
    for (const l of img.layers) this.blobs.set(l.descriptor.digest, l.bytes);
  }

  addIndex(index: { bytes: Buffer; descriptor: Descriptor }, images: BuiltImage[], names: string[]): this {
    for (const i of images) this.addBlobs(i);
    this.blobs.set(index.descriptor.digest, index.bytes);
    this.entries.push({ descriptor: index.descriptor, names: names.map((n) => parseImageName(n, { defaultTag: 'latest' })) });
    return this;
  }

  async list(): Promise<SourceEntry[]> {
    return this.entries;
  }

  async fetchManifest(d: Descriptor): Promise<Uint8Array> {
    const b = this.blobs.get(d.digest);
    if (!b) throw new BalerError('E_NOT_FOUND', `mem: no manifest ${d.digest}`);
    return b;
  }

  async fetchBlob(d: Descriptor): Promise<Readable> {
    const b = this.blobs.get(d.digest);
    if (!b) throw new BalerError('E_NOT_FOUND', `mem: no blob ${d.digest}`);
    this.fetchedBlobs.push(d.digest);
    const chunks: Buffer[] = [];
    for (let i = 0; i < b.length; i += this.chunk) chunks.push(b.subarray(i, i + this.chunk));
    return Readable.from(chunks);
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}

export const ociStoreCaps: SinkCaps = {
  manifestTypes: [MediaTypes.ociManifest, MediaTypes.dockerManifest, MediaTypes.ociIndex, MediaTypes.dockerList],
  layerCompressions: ['none', 'gzip', 'zstd'],
  needsSizeFirst: false,
  parallelPuts: true,
  multiImage: true,
  keepsIndexes: true,
};

export const dockerArchiveCaps: SinkCaps = {
  manifestTypes: [MediaTypes.ociManifest],
  layerCompressions: ['none'],
  needsSizeFirst: true,
  parallelPuts: false,
  multiImage: true,
  keepsIndexes: false,
};

/** A sink keeping everything in memory; `committed` holds only what commit() published. */
export class MemorySink implements ImageSink {
  readonly ref: ImageRef;
  readonly pending = new Map<string, Buffer>();
  readonly infos: BlobInfo[] = [];
  readonly manifests = new Map<string, Buffer>();
  readonly names: Array<{ name?: ImageName; d: Descriptor }> = [];
  committed: { blobs: Map<string, Buffer>; names: Map<string, Descriptor>; unnamed: Descriptor[] } | undefined;
  /** Names already published before this copy (to test name moves). */
  readonly existing = new Map<string, Digest>();
  putCalls = 0;
  maxConcurrentPuts = 0;
  private inFlight = 0;

  constructor(
    readonly caps: SinkCaps = ociStoreCaps,
    readonly present = new Map<string, Buffer>(),
    label = 'mem:dst',
  ) {
    this.ref = memRef(label);
  }

  async hasBlob(d: Digest): Promise<boolean> {
    return this.present.has(d) || this.pending.has(d);
  }

  async putBlob(body: Readable, info: BlobInfo): Promise<Descriptor> {
    this.putCalls++;
    this.inFlight++;
    this.maxConcurrentPuts = Math.max(this.maxConcurrentPuts, this.inFlight);
    try {
      if (this.caps.needsSizeFirst && info.size === undefined) throw new Error('size-first sink got a blob of unknown size');
      const bytes = await readAtMost(body, 64 * 1024 * 1024, 'blob');
      const digest = sha256Of(bytes);
      if (info.digest && info.digest !== digest) throw new BalerError('E_DIGEST_MISMATCH', `mem sink: expected ${info.digest}, got ${digest}`);
      if (info.size !== undefined && info.size !== bytes.length) throw new BalerError('E_DIGEST_MISMATCH', 'mem sink: size');
      this.infos.push(info);
      this.pending.set(digest, bytes);
      return { mediaType: info.mediaType, digest, size: bytes.length };
    } finally {
      this.inFlight--;
    }
  }

  async putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    if (sha256Of(bytes) !== d.digest) throw new Error('manifest bytes do not match descriptor');
    this.manifests.set(d.digest, Buffer.from(bytes));
  }

  async addImage(d: Descriptor, name?: ImageName): Promise<void> {
    this.names.push(name ? { name, d } : { d });
  }

  async commit(): Promise<CommitResult> {
    const names = new Map<string, Descriptor>();
    const unnamed: Descriptor[] = [];
    const moved: NameMove[] = [];
    for (const n of this.names) {
      if (!n.name) {
        unnamed.push(n.d);
        continue;
      }
      const old = this.existing.get(fullName(n.name));
      if (old && old !== n.d.digest) moved.push({ name: n.name, from: old, to: n.d.digest });
      names.set(fullName(n.name), n.d);
    }
    this.committed = { blobs: new Map([...this.pending, ...this.manifests]), names, unnamed };
    return { moved, location: this.ref.toString() };
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}
