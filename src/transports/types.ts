import type { Readable } from 'node:stream';
import type { DeltaManifest } from '../model/delta-manifest.js';
import type { BlobInfo, Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import type { LayerCompression, MediaType } from '../model/media-types.js';
import type { PositionedReader } from '../tar/toc.js';

/**
 * c/image's transport triple: a Transport parses a reference string into an ImageRef, which opens a
 * source (read) or a sink (write) for one storage place. Spec strings look like
 * `docker-archive:/tmp/x.tar`, `oci:/srv/layout`, `oci-archive:x.tar`, `store` (see transports/registry.ts).
 */
export type TransportName = 'store' | 'docker-archive' | 'oci-archive' | 'oci' | 'docker-root' | 'docker' | 'registry' | 'rootfs';

export interface Transport {
  readonly name: TransportName;
  parse(spec: string): ImageRef;
}

export interface OpenOptions {
  signal?: AbortSignal;
  /** Sinks only: replace an existing file at the target (save -o over an old archive). */
  overwrite?: boolean;
  /** Sinks writing a single file: wrap the whole output in this codec. */
  outerCompression?: LayerCompression;
  /** Sinks writing a single file: cut it into numbered parts of at most this many bytes (save --split). */
  splitSize?: number;
  /**
   * Sinks writing a single file: keep a journaled partial file and continue an interrupted one (save --resume).
   * Layouts (store, oci:DIR): a failed or interrupted load keeps its verified blobs for the next run, which
   * skips them (load --resume); without it they are taken back and a layout the sink made is removed.
   */
  resume?: boolean;
  /** Sinks making a new directory (oci:DIR): remove it again when nothing was committed, even with `resume`. */
  removeIfUncommitted?: boolean;
  /** save --resume: called once the partial's lock is held, before what it keeps is re-hashed (to say so). */
  onPartialLocked?: () => Promise<void>;
  /**
   * Sources: called for a problem the source works around (e.g. docker-root rebuilt a layer and the image
   * gets a new ID); the caller shows it like a pipeline warning. Sources may also keep their own list.
   */
  onWarning?: (code: string, message: string) => void;
  /**
   * Sources: the images the caller will ask for (names or IDs as the user typed them), so a source whose
   * listing is costly (a daemon exporting, a data root planning every layer) can skip the others. A hint:
   * list() may still return more, and must when it cannot tell what an entry matches.
   */
  wanted?: readonly string[];
  /**
   * Sources: the caller lists what the source holds and reads manifests and configs at most, no layer
   * (the TUI's image rows, inventory). The store then takes no read lease: nothing is written for a
   * listing, and it never waits for a prune (a manifest removed meanwhile fails that one row or walk).
   */
  listOnly?: boolean;
}

export interface ImageRef {
  readonly transport: Transport;
  /** The path or location part, e.g. the archive file. */
  readonly location: string;
  /** An image named inside the location (`docker-archive:x.tar:app:1` → `app:1`), when given. */
  readonly image?: string;
  toString(): string;
  openSource(o?: OpenOptions): Promise<ImageSource>;
  openSink(o?: OpenOptions): Promise<ImageSink>;
}

/** One image (or multi-platform index) a source holds, with every name it carries there. */
export interface SourceEntry {
  /** Top-level descriptor: an image manifest or an index. */
  descriptor: Descriptor;
  /** Names the image has in the source; empty for an image known only by ID. */
  names: ImageName[];
  /** Source-specific extras worth showing (created time, size on disk…). */
  created?: string;
}

/** The first `have` bytes of a blob that an interrupted save wrote, checked against its journal. */
export interface KeptBlobPrefix {
  readonly digest: Digest;
  readonly size: number;
  readonly have: number;
  /** Where the bytes were kept, for messages. */
  readonly what: string;
  /** The kept bytes, read from disk (once). */
  open(): Readable;
  /** The blob failed its digest although it started from these bytes: no later --resume may start from them. */
  forget(): void;
}

/**
 * A place images are read from. Sources are untrusted: they return raw bytes and the pipeline
 * verifies every digest and size. Dispose releases file handles and temp files.
 */
export interface ImageSource extends AsyncDisposable {
  readonly ref: ImageRef;
  list(): Promise<SourceEntry[]>;
  /** Raw manifest or index bytes for a descriptor found via list() or a parent index. NOT verified. */
  fetchManifest(d: Descriptor): Promise<Uint8Array>;
  /** Raw blob bytes (config or layer) as stored. NOT verified. */
  fetchBlob(d: Descriptor, signal?: AbortSignal): Promise<Readable>;
  /**
   * Sources that can start a blob at an offset (a registry, with `Range`): the blob from byte `from`,
   * or, when the source served all of it anyway (a registry ignoring Range), from byte 0 — `from` says
   * which. NOT verified.
   */
  fetchBlobFrom?(d: Descriptor, from: number, signal?: AbortSignal): Promise<{ from: number; stream: Readable }>;
  /**
   * Archives and layouts only: a small top-level file beside index.json (e.g. `baler-delta.json`),
   * undefined when absent. NOT verified; callers parse it with a size cap.
   */
  readTopLevelFile?(name: string): Promise<Uint8Array | undefined>;
  /**
   * Archives and layouts only: whether the source holds this blob. An OCI layout may lack the manifests of
   * an index's other platforms (Docker's containerd image store saves only the platforms it has): such a
   * child is "not included", not an error. Sources without it are taken to hold everything they reference.
   */
  holdsBlob?(d: Digest): Promise<boolean>;
  /** Archives and layouts only: every blob stored under `blobs/sha256/` (verify notes unreferenced ones). */
  storedBlobs?(): Promise<Digest[]>;
  /**
   * A source that checks its input as a whole while it is read (a split set's part sha256s): called by
   * the copy after its last read and before the sink commits; throws naming what is damaged.
   */
  confirmIntact?(signal?: AbortSignal): Promise<void>;
  /** Same sources: the error to report for a failed copy (the damaged part that caused it, else `err`). */
  explainFailure?(err: unknown, signal?: AbortSignal): Promise<unknown>;
  /**
   * Layouts only: the blob as a local file read by offset, so a tar's headers can be read without its
   * bodies; undefined when it is not a plain file of the descriptor's size. NOT verified.
   */
  openBlobFile?(d: Descriptor): Promise<BlobFile | undefined>;
}

/** A blob file read by offset (ImageSource.openBlobFile). */
export interface BlobFile extends PositionedReader {
  readonly size: number;
  /**
   * The open file descriptor, when the file is a real one: a worker thread may hash the same file by
   * position while the main thread copies it (io/file-sha256-thread.ts). Valid until close().
   */
  readonly fd?: number;
  close(): Promise<void>;
}

export interface SinkCaps {
  /** Manifest media types the sink can store; the pipeline converts otherwise. */
  readonly manifestTypes: readonly MediaType[];
  /** Layer compressions the sink accepts as they are; others are converted to the first one. */
  readonly layerCompressions: readonly LayerCompression[];
  /** The sink writes a tar stream and must know a blob's size before its bytes (spool if unknown). */
  readonly needsSizeFirst: boolean;
  /** putBlob may be called concurrently. */
  readonly parallelPuts: boolean;
  /** More than one image may be written. */
  readonly multiImage: boolean;
  /** Keeps multi-platform indexes (false: the pipeline must pick one platform). */
  readonly keepsIndexes: boolean;
}

export interface NameMove {
  name: ImageName;
  from: Digest;
  to: Digest;
}

export interface CommitResult {
  /** Names that pointed at another image before this commit (docker's "tag moved" notice). */
  moved: NameMove[];
  /** Where the result can be found, for the user (a file path, a layout dir, "store"). */
  location: string;
}

/**
 * A place images are written to. Call order: putBlob for every blob, then putManifest (children
 * before an index), then addName, then commit. Disposing without commit() rolls back and leaves
 * nothing behind.
 */
export interface ImageSink extends AsyncDisposable {
  readonly ref: ImageRef;
  readonly caps: SinkCaps;
  /**
   * A sink that takes one image under a digest reference (registry://HOST/REPO@sha256:…): the digest its
   * manifest must have. The pipeline refuses another one before copying anything.
   */
  readonly manifestDigest?: Digest | undefined;
  hasBlob(d: Digest): Promise<boolean>;
  /**
   * save --resume: the start of blob `d` that an interrupted run had written, re-hashed and kept, so only
   * the rest is fetched (the pipeline then puts the whole blob as usual); or why it could not be kept.
   */
  keptBlobPrefix?(d: Digest): KeptBlobPrefix | { dropped: string } | undefined;
  /**
   * save --resume, a sink whose hasBlob also answers for blobs the destination held before this save
   * (an OCI layout): whether `d` is an interrupted run's work, which is what counts as resumed. Absent:
   * every blob hasBlob found counts.
   */
  keptEarlier?(d: Digest): boolean;
  /**
   * A local sink's own copy of blob `d` (one hasBlob found), to read back: checking the diff_id of a
   * layer the destination already holds reads it from here instead of fetching it from the source again
   * (pipeline/present-layer-check.ts). Undefined when the sink cannot read it back.
   */
  openStoredBlob?(d: Digest): Promise<Readable | undefined>;
  /**
   * Optional: announces the names of the image whose blobs and manifests come next (before its first
   * hasBlob/putBlob). A registry sink uses it to push each image into its own repository.
   */
  startImage?(names: readonly ImageName[]): Promise<void>;
  /**
   * Optional, instead of startImage: a view of this sink that takes one image's blobs and manifests (a
   * registry: into that image's repository), so the pipeline can copy several images at once. Images are
   * still named (addImage) and committed on the sink itself, in order.
   */
  forImage?(names: readonly ImageName[]): Promise<ImageSink>;
  /**
   * Stores a blob. `info.digest`/`info.size` may be unknown; when known, the sink verifies them while
   * writing and throws E_DIGEST_MISMATCH without keeping anything. Returns the stored descriptor.
   */
  putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor>;
  /** Stores manifest or index bytes (already verified by the pipeline). */
  putManifest(bytes: Uint8Array, d: Descriptor): Promise<void>;
  /** Records an image (top-level descriptor) under a name; `name` undefined = keep it unnamed. */
  addImage(d: Descriptor, name?: ImageName): Promise<void>;
  /**
   * Archive sinks only: the archive is a delta (model/delta-manifest.ts). Its manifests name the
   * `expected` layer blobs, which are never put. Called once, after every putManifest, before commit.
   */
  markDelta?(delta: DeltaManifest): void;
  commit(): Promise<CommitResult>;
  /**
   * Where an image written under `name` ends up, when that differs from the name itself (a registry
   * prefix sink: `imga:1` → `10.0.0.5:5000/mirror/library/imga:1`), so the CLI can say so. Optional.
   */
  destinationName?(name: ImageName | undefined): string | undefined;
}
