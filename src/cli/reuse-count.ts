import type { Digest } from '../model/digest.js';
import type { CopyEvent, CopyEventHandler } from '../pipeline/events.js';

/** What --resume reports: blobs the destination already had (verified earlier), not copied again. */
export interface ReuseCount {
  blobs: number;
  bytes: number;
}

/**
 * Counts the blobs the pipeline skipped as present, by listening to its events (each digest once),
 * and passes every event on to `next`.
 */
export function countReused(next?: CopyEventHandler): { handle: CopyEventHandler; result(): ReuseCount } {
  const seen = new Map<Digest, number>();
  return {
    handle(e: CopyEvent): void {
      if (e.kind === 'blob' && e.state === 'skipped-present' && !seen.has(e.digest)) seen.set(e.digest, e.total ?? e.done);
      next?.(e);
    },
    result(): ReuseCount {
      let bytes = 0;
      for (const n of seen.values()) bytes += n;
      return { blobs: seen.size, bytes };
    },
  };
}
