import { Readable } from 'node:stream';
import { BalerError, isAbortError } from '../errors.js';
import { readAtMost } from '../io/read-all.js';
import type { Descriptor } from '../model/descriptor.js';
import { sha256Of } from '../model/digest.js';
import { JsonLimits } from '../model/json-limits.js';
import type { ImageSink, ImageSource, KeptBlobPrefix } from '../transports/types.js';
import { formatBytes } from '../model/byte-size.js';
import type { ContinuedBlob } from './events.js';

/**
 * Sources are untrusted (architecture.md rule 3): every manifest and config is read under a size cap
 * and must hash to its descriptor before anything parses it.
 */
export function checkBytes(bytes: Uint8Array, d: Descriptor, what: string): void {
  if (bytes.byteLength !== d.size) {
    throw new BalerError('E_DIGEST_MISMATCH', `${what}: size mismatch, expected ${d.size} bytes, got ${bytes.byteLength}`);
  }
  const got = sha256Of(bytes);
  if (got !== d.digest) throw new BalerError('E_DIGEST_MISMATCH', `${what}: digest mismatch, expected ${d.digest}, got ${got}`);
}

export async function fetchVerifiedManifest(source: ImageSource, d: Descriptor, what: string): Promise<Uint8Array> {
  if (d.size > JsonLimits.manifest) throw new BalerError('E_FORMAT', `${what}: larger than ${JsonLimits.manifest} bytes`);
  const bytes = await source.fetchManifest(d);
  if (bytes.byteLength > JsonLimits.manifest) throw new BalerError('E_FORMAT', `${what}: larger than ${JsonLimits.manifest} bytes`);
  checkBytes(bytes, d, what);
  return bytes;
}

export async function fetchVerifiedConfig(source: ImageSource, d: Descriptor, what: string, signal?: AbortSignal): Promise<Buffer> {
  if (d.size > JsonLimits.config) throw new BalerError('E_FORMAT', `${what}: larger than ${JsonLimits.config} bytes`);
  try {
    const bytes = await readAtMost(await source.fetchBlob(d, signal), JsonLimits.config, what);
    checkBytes(bytes, d, what);
    return bytes;
  } catch (err) {
    if (isAbortError(err) && signal?.aborted) throw cancelled(signal);
    throw err;
  }
}

/** The error an aborted copy ends with: the signal's own BalerError when it carries one. */
export function cancelled(signal: AbortSignal | undefined): BalerError {
  const reason: unknown = signal?.reason;
  if (reason instanceof BalerError) return reason;
  return new BalerError('E_CANCELLED', 'interrupted', { leftBehind: { kept: 'nothing' } });
}

/** A layer's bytes as copyLayer reads them; `resumed` when they start with a prefix an interrupted save kept. */
export interface FetchedLayer {
  readonly stream: Readable;
  readonly resumed?: KeptBlobPrefix;
}

/** How fetching a layer tells the user what it did instead of a plain fetch (save --resume). */
export interface FetchReport {
  warn(code: string, message: string): void;
  note(code: string, message: string, continued: ContinuedBlob): void;
}

/**
 * save --resume: when the sink kept the start of this blob from an interrupted run (re-hashed against
 * its journal), only the rest is fetched, with the source's ranged fetch, and the two are read as one
 * stream, which the pipeline verifies whole as usual. A source that serves the whole blob anyway, or
 * cannot start at an offset, is read from byte 0; `report` says in one line which of these happened: a
 * fallback as a warning, a continued blob as a note that also carries it as data, so --resume's summary
 * can count what was not fetched again.
 */
export async function fetchLayer(source: ImageSource, sink: ImageSink, d: Descriptor, what: string, report: FetchReport, signal?: AbortSignal): Promise<FetchedLayer> {
  const kept = sink.keptBlobPrefix?.(d.digest);
  if (!kept) return { stream: await source.fetchBlob(d, signal) };
  if ('dropped' in kept) {
    report.warn('W_RESUME', `${what}: ${kept.dropped}; fetching all ${formatBytes(d.size)} again`);
    return { stream: await source.fetchBlob(d, signal) };
  }
  const at = `${formatBytes(kept.have)} of ${formatBytes(d.size)}`;
  if (!source.fetchBlobFrom) {
    report.warn('W_RESUME', `${what}: the source cannot start a blob at an offset; fetching all ${formatBytes(d.size)} again instead of resuming at ${at}`);
    return { stream: await source.fetchBlob(d, signal) };
  }
  let rest: { from: number; stream: Readable };
  try {
    rest = await source.fetchBlobFrom(d, kept.have, signal);
  } catch (err) {
    if (signal?.aborted || isAbortError(err)) throw err;
    report.warn('W_RESUME', `${what}: the request for the rest failed (${(err as Error).message}); fetching all ${formatBytes(d.size)} again instead of resuming at ${at}`);
    return { stream: await source.fetchBlob(d, signal) };
  }
  if (rest.from !== kept.have) {
    report.warn('W_RESUME', `${what}: the source ignored the Range request (it sent the whole blob), so all ${formatBytes(d.size)} are fetched again instead of resuming at ${at}`);
    return { stream: rest.stream };
  }
  report.note('I_RESUME', `${what}: resuming at ${at}: the first ${formatBytes(kept.have)} re-hashed from ${kept.what}, the rest fetched with a Range request`, { digest: d.digest, size: d.size, kept: kept.have });
  const prefix = kept.open();
  const joined = Readable.from(
    (async function* () {
      try {
        yield* prefix;
        yield* rest.stream;
      } finally {
        prefix.destroy();
        rest.stream.destroy();
      }
    })(),
    { objectMode: false, highWaterMark: 1024 * 1024 },
  );
  // the generator's finally runs only when it is paused at a yield: a joined stream destroyed before it
  // was read, or while the rest stalls, must still release the file and the connection
  joined.once('close', () => {
    prefix.destroy();
    rest.stream.destroy();
  });
  return { stream: joined, resumed: kept };
}
