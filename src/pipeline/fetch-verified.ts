import { BalerError, isAbortError } from '../errors.js';
import { readAtMost } from '../io/read-all.js';
import type { Descriptor } from '../model/descriptor.js';
import { sha256Of } from '../model/digest.js';
import { JsonLimits } from '../model/json-limits.js';
import type { ImageSource } from '../transports/types.js';

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
  return new BalerError('E_CANCELLED', 'interrupted; nothing partial was left behind');
}
