import { Writable, type Duplex, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SNIFF_BYTES, peekStream, sniffCompression } from '../codecs/index.js';
import { VerifyingStream } from '../io/hashing.js';
import type { Digest } from '../model/digest.js';
import type { ImageSink, ImageSource } from '../transports/types.js';
import type { Descriptor } from '../model/descriptor.js';
import { DiffIdTee } from './diff-id-tee.js';
import { layerCompressionClaimed } from './plan.js';
import { ProgressMeter } from './progress-meter.js';
import type { VerifiedDiffIds } from './verified-diff-ids.js';

/**
 * A layer the destination already holds is not written again, but the digest it is found by says
 * nothing about the diff_id the image now being copied claims for it: another image may have brought
 * the blob with a true diff_id while this config lies (a store that holds a base layer, a registry
 * that has the blob, a --resume partial kept by a run that did not check). So before such a layer
 * counts as present, its content must be known to hash to this diff_id. The bytes are read from the
 * destination's own copy where it can give one (the same bytes: it was found by their digest; local,
 * where the source may be a registry), else from the source. Their first bytes say what they really
 * are: an uncompressed blob whose digest is the diff_id, or a pair the verified-pair cache vouches for,
 * costs nothing more; anything else is read once and checked, without writing it.
 */
export interface PresentLayerCheck {
  readonly source: ImageSource;
  readonly sink: ImageSink;
  readonly layer: Descriptor;
  readonly diffId: Digest;
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
  // what docker save and Docker's store hold: a tar whose digest is its diff_id; nothing to open
  const claimed = layerCompressionClaimed(layer);
  if (claimed === 'none' && layer.digest === diffId) return { proven: diffId, bytesRead: 0 };
  // a pair the cache vouches for under the claimed compression: nothing to open (a registry sink cannot
  // give its copy back, and fetching from the source only to sniff would cost a request per layer)
  if (claimed !== undefined && claimed !== 'none' && (await c.pairs?.knows(layer.digest, claimed, diffId))) return { proven: diffId, bytesRead: 0 };
  const raw = await readableCopy(c);
  // a delta archive leaves out what the destination holds, which may not read it back (a registry):
  // its base was checked by presence (delta-check.ts)
  if (raw === undefined) return { proven: undefined, bytesRead: 0 };
  let head: Buffer;
  let stream: Readable;
  try {
    ({ head, stream } = await peekStream(raw, SNIFF_BYTES));
  } catch (err) {
    raw.destroy();
    throw err;
  }
  const actual = sniffCompression(head);
  if ((actual === 'none' && layer.digest === diffId) || (actual !== 'none' && (await c.pairs?.knows(layer.digest, actual, diffId)))) {
    stream.destroy();
    return { proven: diffId, bytesRead: 0 };
  }
  const meter = new ProgressMeter(c.onProgress);
  const stages: Duplex[] = [meter, new VerifyingStream(layer.digest, layer.size, c.what)];
  stages.push(actual === 'none' ? new VerifyingStream(diffId, undefined, c.diffWhat) : new DiffIdTee(actual, diffId, c.diffWhat));
  const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });
  await pipeline([stream, ...stages, discard], c.signal ? { signal: c.signal } : {});
  if (actual !== 'none') await c.pairs?.remember(layer.digest, actual, diffId);
  return { proven: diffId, bytesRead: meter.bytes };
}

/** The destination's copy of the layer, else the source's; undefined when neither can give it. */
async function readableCopy(c: PresentLayerCheck): Promise<Readable | undefined> {
  const stored = await c.sink.openStoredBlob?.(c.layer.digest);
  if (stored) return stored;
  if (c.source.holdsBlob && !(await c.source.holdsBlob(c.layer.digest))) return undefined;
  return c.source.fetchBlob(c.layer, c.signal);
}
