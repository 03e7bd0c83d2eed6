import type { Digest } from '../model/digest.js';
import type { CopyEvent, CopyEventHandler } from '../pipeline/events.js';

/**
 * What --resume reports (the `resumed` field of --json): `blobs`/`bytes`, whole blobs the destination
 * already had (verified earlier), not copied again; `continuedBlobs`/`keptBytes`, blobs an interrupted
 * save had cut short that were continued from their written start, and how many of their bytes that
 * start held (not fetched again).
 */
export interface ReuseCount {
  blobs: number;
  bytes: number;
  continuedBlobs: number;
  keptBytes: number;
}

/**
 * Counts the blobs the pipeline skipped as present and those it continued (each digest once), by
 * listening to its events, and passes every event on to `next`. `only`: the skipped blobs that count
 * (an oci-dir save: those its partial kept, not those DIR already held).
 */
export function countReused(next?: CopyEventHandler): { handle: CopyEventHandler; result(only?: (d: Digest) => boolean): ReuseCount } {
  const seen = new Map<Digest, number>();
  const continued = new Map<Digest, number>();
  return {
    handle(e: CopyEvent): void {
      if (e.kind === 'blob' && e.state === 'skipped-present' && !seen.has(e.digest)) seen.set(e.digest, e.total ?? e.done);
      if (e.kind === 'note' && e.continued && !continued.has(e.continued.digest)) continued.set(e.continued.digest, e.continued.kept);
      next?.(e);
    },
    result(only?: (d: Digest) => boolean): ReuseCount {
      const reused = only ? new Map([...seen].filter(([d]) => only(d))) : seen;
      return { blobs: reused.size, bytes: sum(reused), continuedBlobs: continued.size, keptBytes: sum(continued) };
    },
  };
}

function sum(m: ReadonlyMap<Digest, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}
