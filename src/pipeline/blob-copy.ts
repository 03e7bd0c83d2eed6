import { createReadStream } from 'node:fs';
import { Readable, pipeline, type Duplex } from 'node:stream';
import { SNIFF_BYTES, compressor, decompressor, peekStream, sniffCompression, type Compression } from '../codecs/index.js';
import { BalerError, isAbortError } from '../errors.js';
import { CountingStream, VerifyingStream, isVouchedFor, sha256OfStream, vouchFor } from '../io/hashing.js';
import { spoolToFile } from '../io/spool.js';
import type { BlobInfo, Descriptor } from '../model/descriptor.js';
import type { Digest } from '../model/digest.js';
import { shortId } from '../model/digest.js';
import { formatBytes } from '../model/byte-size.js';
import type { LayerCompression } from '../model/media-types.js';
import { layerMediaType } from '../model/media-types.js';
import type { ImageSink, ImageSource } from '../transports/types.js';
import { openCheckedBlobFile } from './checked-blob-file.js';
import type { PrehashedBlobFiles } from './prehashed-blob-files.js';
import { DeferredPassThrough } from './deferred-pass-through.js';
import { DiffIdTee } from './diff-id-tee.js';
import { verifiedDiffIds } from './verified-diff-ids.js';
import { checkPresentLayer, type PresentLayerFacts } from './present-layer-check.js';
import type { BlobState } from './events.js';
import { cancelled, fetchLayer, type FetchedLayer, type FetchReport } from './fetch-verified.js';
import { decideLayer, layerCompressionClaimed } from './plan.js';
import { ProgressMeter } from './progress-meter.js';

const IGNORED_REPORT: FetchReport = { warn: () => undefined, note: () => undefined };

export interface LayerJob {
  readonly source: ImageSource;
  readonly sink: ImageSink;
  readonly layer: Descriptor;
  /** rootfs.diff_ids[i] of the image config: what the uncompressed content must hash to. */
  readonly diffId: Digest;
  /** Names the source, image and layer in errors: `docker-archive:/x.tar: imga:1: layer 2`. */
  readonly what: string;
  readonly asked: LayerCompression | 'keep' | undefined;
  readonly level?: number;
  /** A private temp dir for spooling (created on first use by the caller). */
  readonly spoolDir: () => Promise<string>;
  readonly signal?: AbortSignal;
  readonly onState: (state: BlobState, done: number, total?: number) => void;
  /** Blob files of the plan already being hashed (a sequential sink): take this layer's from there. */
  readonly prehashed?: PrehashedBlobFiles;
  /** Where fetchLayer says how the layer is fetched (save --resume continuing a blob, or why it could not). */
  readonly report?: FetchReport;
  /** When a compressed layer's diff_id is checked (CopyRequest.diffIds); 'always' when absent. */
  readonly diffIds?: DiffIdCheck;
}

/**
 * 'always': every layer's uncompressed content is hashed against rootfs.diff_ids, which for a layer kept
 * compressed means inflating it on the side only to check it. 'when-converting': only a layer this copy
 * decompresses anyway is checked; a layer kept compressed is checked against its own (compressed) digest,
 * as skopeo copy does, and its diff_id where it is unpacked (load, docker, containerd, podman) or by verify.
 */
export type DiffIdCheck = 'always' | 'when-converting';

/** A layer as the sink now holds it. */
export interface CopiedLayer {
  readonly digest: Digest;
  readonly size: number;
  /** Compression of the stored bytes (as the descriptor claims it, when the bytes were kept). */
  readonly compression: Compression;
  /** True when the stored bytes differ from the source's (digest, size and media type change). */
  readonly converted: boolean;
  /** The sink had the blob already; nothing was written (it may have been read to check its diff_id). */
  readonly skipped: boolean;
  /**
   * The diff_id this blob's content is proven to hash to (checked now, or vouched for by its digest or a
   * verified pair); undefined when it was not checked ('when-converting' and kept compressed).
   */
  readonly provenDiffId: Digest | undefined;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/**
 * Moves one layer from source to sink as a chain of named steps (architecture.md rule 5):
 * skip if present → fetch → sniff → report progress → verify the source digest → check the diff_id
 * (decompressing on the side, or while converting) → convert for the sink → spool if the sink needs
 * the size first → put. Any failure leaves the sink without the blob (putBlob's contract).
 */
export async function copyLayer(job: LayerJob): Promise<CopiedLayer> {
  const { layer, sink } = job;

  const diffWhat = diffIdMismatchWhat(job.what, job.diffId);
  // === skip a layer the sink already has (only when the bytes would be kept as they are), once its
  // content is known to match this image's diff_id when the copy checks diff_ids (present-layer-check.ts)
  const claimed = layerCompressionClaimed(layer);
  if (claimed && decideLayer(claimed, sink.caps, job.asked).kind === 'keep' && (await sink.hasBlob(layer.digest))) {
    job.prehashed?.drop(layer.digest);
    let facts: PresentLayerFacts = { proven: claimed === 'none' && layer.digest === job.diffId ? job.diffId : undefined, bytesRead: 0 };
    if (job.diffIds !== 'when-converting') {
      const pairs = verifiedDiffIds();
      const onProgress = (done: number): void => job.onState('hashing', done, layer.size);
      facts = await checkPresentLayer({ source: job.source, sink, layer, diffId: job.diffId, what: job.what, diffWhat, pairs, onProgress, ...(job.signal ? { signal: job.signal } : {}) }).catch((err: unknown) => {
        throw explain(err, err, job.signal);
      });
    }
    job.onState('skipped-present', 0, layer.size);
    return { digest: layer.digest, size: layer.size, compression: claimed, converted: false, skipped: true, provenDiffId: facts.proven, bytesRead: facts.bytesRead, bytesWritten: 0 };
  }
  if (job.signal?.aborted) throw cancelled(job.signal);

  // === fetch and sniff the compression the bytes really have (media types lie: formats.md §2.3)
  // a layer the source has as a local file is hashed on a worker thread while this one copies it
  // (its hash may have started ahead, while earlier blobs were copied: prehashed-blob-files.ts)
  let resumed: FetchedLayer['resumed'];
  let raw = (await job.prehashed?.take(layer, job.what)) ?? (await openCheckedBlobFile(job.source, layer, job.what));
  if (!raw) {
    const fetched = await fetchLayer(job.source, sink, layer, job.what, job.report ?? IGNORED_REPORT, job.signal);
    raw = fetched.stream;
    resumed = fetched.resumed;
  }
  let sniffed: { fetched: Readable; actual: Compression; action: ReturnType<typeof decideLayer> };
  try {
    const { head, stream } = await peekStream(raw, SNIFF_BYTES);
    const actual = sniffCompression(head);
    sniffed = { fetched: stream, actual, action: decideLayer(actual, sink.caps, job.asked) };
  } catch (err) {
    // a refused layer (E_UNSUPPORTED) must not leave its file open, nor a worker still hashing it
    raw.destroy();
    throw err;
  }
  const { fetched, actual, action } = sniffed;
  const stages: Array<Readable | Duplex> = [fetched];

  // === report progress (bytes read from the source)
  job.onState('copying', 0, layer.size);
  const meter = new ProgressMeter((done) => job.onState('copying', done, layer.size));
  stages.push(meter);

  // === verify against the source digest (a source whose stream already fails before its end when the
  // bytes are wrong vouches for it, io/hashing.ts: then only count, instead of hashing every byte twice)
  stages.push(isVouchedFor(raw, layer.digest, layer.size) ? new CountingStream() : new VerifyingStream(layer.digest, layer.size, job.what));

  // === verify the uncompressed content against the config's diff_id, converting if the sink needs it
  let info: BlobInfo;
  // kept bytes keep their descriptor as it is (a lying media type included, formats.md §2.3), so a
  // second copy that skips the blob as present writes the very same manifest
  let storedCompression: Compression = claimed ?? actual;
  // what the last stage's bytes are already checked against (the sink then need not hash them again)
  let vouched: { digest: Digest; size: number | undefined } | undefined;
  // a compressed layer verified before needs no decompression for its diff_id (why: verified-diff-ids.ts)
  const pairs = actual !== 'none' ? verifiedDiffIds() : undefined;
  // true when this copy decompresses and checks the diff_id behind the source check: a pair to remember
  let checksPair = action.kind === 'convert' && actual !== 'none';
  // what the stored content is proven to hash to once the copy succeeds (CopiedLayer.provenDiffId)
  let provenDiffId: Digest | undefined = job.diffId;
  if (action.kind === 'keep') {
    // an uncompressed layer's digest IS its diff_id: the source check above covers both, unless they differ
    if (actual === 'none' && job.diffId !== layer.digest) stages.push(new VerifyingStream(job.diffId, undefined, diffWhat));
    else if (actual !== 'none' && job.diffIds === 'when-converting') provenDiffId = undefined;
    else if (actual !== 'none' && !(await pairs?.knows(layer.digest, actual, job.diffId))) {
      stages.push(new DiffIdTee(actual, job.diffId, diffWhat));
      checksPair = true;
    }
    info = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
    vouched = { digest: layer.digest, size: layer.size };
  } else {
    // === decompress or recompress for the sink
    // the hop lets the threadpool inflate the next chunk while this thread hashes the last one
    stages.push(decompressor(actual, job.what), new DeferredPassThrough(), new VerifyingStream(job.diffId, undefined, diffWhat));
    if (action.to !== 'none') stages.push(compressor(action.to, job.level));
    storedCompression = action.to;
    // uncompressed bytes hash to the diff_id, so that digest is known before writing
    info = action.to === 'none' ? { mediaType: layerMediaType('oci', 'none'), digest: job.diffId } : { mediaType: layerMediaType('oci', action.to) };
    if (action.to === 'none') vouched = { digest: job.diffId, size: undefined };
  }

  let firstError: unknown;
  const body = pipeline(stages as [Readable, ...Duplex[]], (err: NodeJS.ErrnoException | null) => {
    if (err && firstError === undefined) firstError = err;
  }) as unknown as Readable;
  if (vouched) vouchFor(body, vouched.digest, vouched.size);

  try {
    // === spool when the sink must know the size before the bytes
    let put: Readable = body;
    if (sink.caps.needsSizeFirst && info.size === undefined) {
      const spooled = await spoolToFile(body, await job.spoolDir(), `${(info.digest ?? layer.digest).slice(7)}.${Math.random().toString(36).slice(2)}`, job.signal);
      info = { ...info, digest: spooled.digest, size: spooled.size };
      put = createReadStream(spooled.path, { highWaterMark: 1024 * 1024 });
    }

    // === write to the sink (it verifies digest and size again while writing, when known)
    const stored = await sink.putBlob(put, info, job.signal);
    if (checksPair) await pairs?.remember(layer.digest, actual, job.diffId);
    job.onState('verified', meter.bytes, layer.size);
    return {
      digest: stored.digest,
      size: stored.size,
      compression: storedCompression,
      converted: action.kind === 'convert' || stored.digest !== layer.digest,
      skipped: false,
      provenDiffId,
      bytesRead: meter.bytes,
      bytesWritten: stored.size,
    };
  } catch (err) {
    body.destroy();
    const why = explain(firstError ?? err, err, job.signal);
    if (resumed && why instanceof BalerError && ['E_DIGEST_MISMATCH', 'E_FORMAT', 'E_TRUNCATED'].includes(why.code)) {
      // the kept start may be what is wrong (a bad digest, or bytes a decoder refused before the digest was
      // known): a later --resume must not start from it again
      resumed.forget();
      throw new BalerError(why.code, `${why.message} (its first ${formatBytes(resumed.have)} were kept from an interrupted save; they are dropped, so the next run fetches the whole blob)`, { cause: why });
    }
    // a decoder fails before the source digest is known; a corrupted blob is an integrity error, not bad input
    if (action.kind === 'convert' && why instanceof BalerError && (why.code === 'E_FORMAT' || why.code === 'E_TRUNCATED')) {
      throw (await sourceDigestProblem(job)) ?? why;
    }
    throw why;
  }
}

/** How a layer whose content does not hash to its config's diff_id is named in the error. */
export function diffIdMismatchWhat(what: string, diffId: Digest): string {
  return `${what}: uncompressed content does not match rootfs.diff_ids (${shortId(diffId)})`;
}

/** Re-reads the source blob to tell a corrupted blob (digest mismatch) from a well-hashed but malformed one. */
async function sourceDigestProblem(job: LayerJob): Promise<BalerError | undefined> {
  try {
    const got = await sha256OfStream(await job.source.fetchBlob(job.layer, job.signal));
    if (got.size !== job.layer.size) {
      return new BalerError('E_DIGEST_MISMATCH', `${job.what}: size mismatch, expected ${job.layer.size} bytes, got ${got.size}`);
    }
    if (got.digest !== job.layer.digest) {
      return new BalerError('E_DIGEST_MISMATCH', `${job.what}: digest mismatch, expected ${job.layer.digest}, got ${got.digest}`);
    }
  } catch {
    // the original error says enough
  }
  return undefined;
}

/** Prefer the pipeline's own BalerError (digest mismatch…) over what the sink saw ("premature close"). */
function explain(first: unknown, fromSink: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return cancelled(signal);
  if (first instanceof BalerError) return first;
  if (fromSink instanceof BalerError) return fromSink;
  if (isAbortError(first)) return cancelled(signal);
  return first ?? fromSink;
}

/** Stores a config the pipeline already verified, unless the sink has it. */
export async function copyConfig(sink: ImageSink, d: Descriptor, bytes: Uint8Array, signal?: AbortSignal): Promise<'copied' | 'skipped'> {
  if (await sink.hasBlob(d.digest)) return 'skipped';
  await sink.putBlob(Readable.from([Buffer.from(bytes)]), { mediaType: d.mediaType, digest: d.digest, size: d.size }, signal);
  return 'copied';
}
