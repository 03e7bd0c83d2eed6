import { Writable, type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SNIFF_BYTES, peekStream, sniffCompression, type Compression } from '../codecs/index.js';
import { VerifyingStream } from '../io/hashing.js';
import type { Digest } from '../model/digest.js';
import type { ImageSource } from '../transports/types.js';
import type { Descriptor } from '../model/descriptor.js';
import { DiffIdTee } from './diff-id-tee.js';
import { ProgressMeter } from './progress-meter.js';
import type { VerifiedDiffIds } from './verified-diff-ids.js';

/**
 * A layer the destination already holds is not written again, but the digest it is found by says
 * nothing about the diff_id the image now being copied claims for it: another image may have brought
 * the blob with a true diff_id while this config lies (a store that holds a base layer, a registry
 * that has the blob, a --resume partial kept by a run that did not check). So before such a layer
 * counts as present, its content must be known to hash to this diff_id: an uncompressed blob whose
 * digest is the diff_id, or a pair the verified-pair cache vouches for, costs nothing; anything else
 * is read from the source once and checked, without writing it.
 */
export interface PresentLayerCheck {
  readonly source: ImageSource;
  readonly layer: Descriptor;
  readonly diffId: Digest;
  /** Compression the descriptor claims (what the cache is asked about before any byte is read). */
  readonly claimed: Compression;
  readonly what: string;
  /** The message a wrong diff_id fails with (as copyLayer words it). */
  readonly diffWhat: string;
  readonly pairs: VerifiedDiffIds | undefined;
  readonly signal?: AbortSignal;
  readonly onProgress: (done: number) => void;
}

/** What the check found: the diff_id now proven (undefined when it could not be read here) and the bytes read. */
export interface PresentLayerFacts {
  readonly proven: Digest | undefined;
  readonly bytesRead: number;
}

export async function checkPresentLayer(c: PresentLayerCheck): Promise<PresentLayerFacts> {
  const { layer, diffId } = c;
  if (c.claimed === 'none' && layer.digest === diffId) return { proven: diffId, bytesRead: 0 };
  if (c.claimed !== 'none' && (await c.pairs?.knows(layer.digest, c.claimed, diffId))) return { proven: diffId, bytesRead: 0 };
  // a delta archive leaves out what the destination holds: nothing to read it from here (its base was
  // checked by presence, delta-check.ts)
  if (c.source.holdsBlob && !(await c.source.holdsBlob(layer.digest))) return { proven: undefined, bytesRead: 0 };

  const raw = await c.source.fetchBlob(layer, c.signal);
  let head: Buffer;
  let stream: Readable;
  try {
    ({ head, stream } = await peekStream(raw, SNIFF_BYTES));
  } catch (err) {
    raw.destroy();
    throw err;
  }
  const actual = sniffCompression(head);
  const meter = new ProgressMeter(c.onProgress);
  const stages: Duplex[] = [meter, new VerifyingStream(layer.digest, layer.size, c.what)];
  stages.push(actual === 'none' ? new VerifyingStream(diffId, undefined, c.diffWhat) : new DiffIdTee(actual, diffId, c.diffWhat));
  const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });
  await pipeline([stream, ...stages, discard], c.signal ? { signal: c.signal } : {});
  if (actual !== 'none') await c.pairs?.remember(layer.digest, actual, diffId);
  return { proven: diffId, bytesRead: meter.bytes };
}
