import type { Digest } from '../model/digest.js';
import type { ImageName } from '../model/image-name.js';
import type { NameMove } from '../transports/types.js';

export interface PlannedImage {
  names: ImageName[];
  /** Top-level manifest or index digest in the source. */
  digest: Digest;
  /** Config digest (= image ID) of each image manifest under it. */
  ids: Digest[];
  platforms: string[];
  layers: number;
  bytes: number;
}

export type BlobState = 'queued' | 'hashing' | 'copying' | 'verified' | 'skipped-present';

/**
 * Everything the pipeline reports; the CLI line printer, the JSON renderer and the TUI are
 * subscribers (architecture.md rule 7). `done`/`total` are bytes read from the source.
 */
export type CopyEvent =
  | { kind: 'plan'; images: PlannedImage[]; totalBytes: number; sharedBytes: number; blobs: number }
  | {
      kind: 'blob';
      digest: Digest;
      role: 'layer' | 'config' | 'manifest';
      state: BlobState;
      done: number;
      total?: number;
      /** With 'skipped-present': a delta (save --have/--since) leaves the layer out because the destination has it. */
      leftOut?: true;
    }
  | { kind: 'image-done'; names: ImageName[]; id: Digest; digest: Digest }
  | { kind: 'name-moved'; move: NameMove }
  | { kind: 'warning'; code: string; message: string }
  /** How the copy goes about something, not a problem: save --resume saying where it continues a blob. */
  | { kind: 'note'; code: string; message: string; continued?: ContinuedBlob };

/** A blob --resume continued from the start an interrupted run had written: only `size - kept` bytes were fetched. */
export interface ContinuedBlob {
  digest: Digest;
  size: number;
  kept: number;
}

export type CopyEventHandler = (e: CopyEvent) => void;
