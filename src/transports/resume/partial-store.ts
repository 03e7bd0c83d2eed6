import type { Writable } from 'node:stream';
import type { PartialBytes, RawTap } from './verify-partial.js';

/**
 * Where `save --resume` keeps the bytes it writes until they are complete: one partial file
 * (partial-file.ts) or the partial parts of a split set (split/partial-parts.ts). The orchestration
 * (journal, verification, compression) is the same for both; resumable-output.ts does it.
 */
export interface PartialStore {
  /** What an earlier run left (size 0 when nothing), to be verified. */
  readonly existing: PartialBytes;
  /** Sees the existing bytes as they are verified (a split set hashes its parts from them). */
  readonly tap?: RawTap;
  /** Drops everything after `outOffset` (the verified prefix) and opens the writer that continues there. */
  continueAt(outOffset: number): Promise<StoreWriter>;
  /** Gives up before continueAt (a failed verification read): closes what was opened. */
  close(): Promise<void>;
}

export interface StoreWriter {
  readonly stream: Writable;
  /** How far (an offset in the written bytes) the file(s) hold everything written so far. */
  onDisk(): number;
  /** After the stream finished: fsync and put the result at its final name(s). */
  publish(): Promise<void>;
  /** After the stream ended or was destroyed: fsync what was written and leave it for the next --resume. */
  keep(): Promise<void>;
  /** Where the result is, when not at -o (a split set: its NAME.baler.json). */
  readonly location?: string;
}
