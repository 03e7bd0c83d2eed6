import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BalerError } from '../errors.js';
import { HashingStream } from '../io/hashing.js';
import type { BlobInfo, Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import type { CommitResult, ImageRef, ImageSink, SinkCaps } from '../transports/types.js';
import { layoutSinkCaps } from '../transports/oci-layout/sink.js';

/**
 * `baler verify`'s destination: takes everything as it is (every manifest type and compression, whole
 * indexes, so nothing is converted or narrowed), hashes what it is given and keeps nothing. The copy
 * pipeline in front of it does the real checking — manifest, config and layer digests, diff_ids,
 * manifest ↔ config agreement — so verify and load can never disagree about an archive.
 */
export class VerifyingNullSink implements ImageSink {
  readonly caps: SinkCaps = layoutSinkCaps;
  /** Every blob and manifest digest the pipeline handed over: what the images reference. */
  readonly received = new Set<Digest>();
  bytes = 0;

  constructor(
    readonly ref: ImageRef,
    /** A delta's left-out layers: reported present so the pipeline does not look for them. */
    private readonly expectedExternal: ReadonlySet<Digest> = new Set(),
  ) {}

  async hasBlob(d: Digest): Promise<boolean> {
    return this.expectedExternal.has(d);
  }

  async putBlob(body: Readable, info: BlobInfo, signal?: AbortSignal): Promise<Descriptor> {
    const hasher = new HashingStream();
    await pipeline(body, hasher, new Writable({ write: (_c, _e, cb) => cb() }), signal ? { signal } : {});
    const got = { digest: hasher.digest(), size: hasher.bytes };
    // the pipeline verified these bytes already; a second look costs one hash and catches a pipeline bug
    if ((info.digest !== undefined && got.digest !== info.digest) || (info.size !== undefined && got.size !== info.size)) {
      throw new BalerError('E_DIGEST_MISMATCH', `${this.ref.toString()}: blob ${info.digest ?? ''}: expected ${info.digest ?? '?'} (${info.size ?? '?'} bytes), got ${got.digest} (${got.size} bytes)`);
    }
    this.received.add(got.digest);
    this.bytes += got.size;
    return { mediaType: info.mediaType, digest: got.digest, size: got.size };
  }

  async putManifest(bytes: Uint8Array, d: Descriptor): Promise<void> {
    this.received.add(d.digest);
    this.bytes += bytes.byteLength;
  }

  async addImage(_d: Descriptor, _name?: ImageName): Promise<void> {}

  async commit(): Promise<CommitResult> {
    return { moved: [], location: this.ref.toString() };
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}
