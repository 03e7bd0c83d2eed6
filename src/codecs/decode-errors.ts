import type { Duplex } from 'node:stream';
import { BalerError } from '../errors.js';

/**
 * A fault of the compressed data itself. Its own class so that a caller guessing what a file holds
 * (transports/detect.ts) can tell "this gzip/zstd data is damaged" from "this is not an image archive".
 */
export class CompressedDataError extends BalerError {
  /**
   * The data's very first header was not well formed, so it may not be this codec's data at all (a text
   * file that starts with "BZh"). Set on its way out of a decompressor (first-header.ts).
   */
  badFirstHeader = false;
}

/**
 * Decompressors report failures in their own words (zlib's "unexpected end of file", zstd's
 * "Unknown frame descriptor"...). Users need one line naming their file, so every decoder's error is
 * rewritten here on its way out of the stream: E_TRUNCATED when the input ended early, else E_FORMAT.
 */
export function truncatedError(codec: string, what: string, cause?: unknown): BalerError {
  return new CompressedDataError('E_TRUNCATED', `${what}: truncated ${codec} data`, { cause });
}

export function corruptError(codec: string, what: string, detail: string, cause?: unknown): BalerError {
  return new CompressedDataError('E_FORMAT', `${what}: corrupt ${codec} data (${detail})`, { cause });
}

/**
 * Streams surface an error by passing it to `_destroy`, whose callback decides what is emitted; wrapping
 * that one method rewrites the error without re-plumbing the stream. AbortErrors, BalerErrors and
 * whatever `map` returns undefined for (errors injected from upstream by pipeline()) pass unchanged.
 */
export function mapStreamErrors<T extends Duplex>(s: T, map: (err: Error) => Error | undefined): T {
  const original = s._destroy.bind(s);
  s._destroy = (err: Error | null, cb: (error?: Error | null) => void): void => {
    const mapped = err && !(err instanceof BalerError) && err.name !== 'AbortError' ? (map(err) ?? err) : err;
    original(mapped, cb);
  };
  return s;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
