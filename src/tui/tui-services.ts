import type { ArchiveCompression, LayerChoice, SaveFormat } from '../cli/command-line.js';
import type { LayerEntry } from '../image/layer-changes.js';
import type { Digest } from '../model/digest.js';
import type { CopyEventHandler } from '../pipeline/events.js';

/**
 * Everything the TUI asks of the rest of baler. The real implementation (services.ts) sits on the
 * transports and the copy pipeline; tests hand the screens a fake of this interface only.
 */

/**
 * `path`: an archive or layout, detected as `load -i` does; `docker-root`: an offline Docker data dir;
 * `docker`: the running daemon ($DOCKER_HOST or /var/run/docker.sock).
 */
export type SourceSpec = { kind: 'store' } | { kind: 'path'; path: string } | { kind: 'docker-root'; path: string } | { kind: 'docker' };

export interface SourceChoice {
  id: 'store' | 'path' | 'docker-root' | 'docker';
  label: string;
  available: boolean;
  /** Why it is unavailable, or where it points. */
  note?: string;
  /** Prefilled path for choices that ask for one. */
  defaultPath?: string;
}

export interface ImageLayerRef {
  digest: Digest;
  size: number;
}

export interface ImageRow {
  /** Top-level manifest (or index) digest: unique within a source. */
  key: Digest;
  /** Familiar names (`debian:12`); empty for an untagged image. */
  names: string[];
  /** Config digest of the image (the first one under an index). */
  id: Digest;
  /** Bytes as stored: config + layers. */
  size: number;
  created?: string;
  platform?: string;
  layers: ImageLayerRef[];
}

export interface LayerListing {
  digest: Digest;
  size: number;
  /** The history step that produced it (`created_by`), when the config records one. */
  createdBy?: string;
  /** The history entry's comment (e.g. a base layer imported from a tarball), when it has one. */
  comment?: string;
  entries: LayerEntry[];
}

export type TuiCopyRequest =
  | { kind: 'save'; source: SourceSpec; images: string[]; output: string; format: SaveFormat | 'oci-dir'; compression: LayerChoice; archive: ArchiveCompression; platform?: string }
  | { kind: 'load'; source: SourceSpec; images: string[]; platform?: string }
  /** Flattens one image's file system into a tar (pipeline/export.ts); one blob row per layer, each read twice. */
  | { kind: 'export'; source: SourceSpec; image: string; output: string; archive: ArchiveCompression; platform?: string };

export interface TuiCopyOutcome {
  images: number;
  bytesRead: number;
  bytesWritten: number;
  blobsCopied: number;
  blobsSkipped: number;
  durationMs: number;
  location: string;
  warnings: string[];
  /** sha256 of the written archive file, when the target is one file. */
  archiveSha256?: string;
  /** Extra lines for the Done screen (e.g. what export left out). */
  notes?: string[];
}

/**
 * What a copy that failed or was cancelled left where it writes, as found on disk after it stopped
 * (aftermath.ts). `left`: one phrase per thing found there; `clean`: the phrase when nothing was.
 */
export interface CopyAftermath {
  left: string[];
  clean: string;
}

/** copy() rejects with this when it could look at the destination afterwards. */
export class CopyFailure extends Error {
  constructor(
    readonly reason: unknown,
    readonly aftermath: CopyAftermath,
    /** Things done on the way that the user should hear about (a leftover sweep), as lines. */
    readonly notices: readonly string[] = [],
  ) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason });
    this.name = 'CopyFailure';
  }
}

export interface TuiServices {
  /** The store the TUI reads and writes, as resolved from --store / $BALER_STORE. */
  readonly storePath: string;
  /** `--store DIR` as the user gave it, to repeat in equivalent commands. */
  readonly storeFlag?: string;
  readonly cwd: string;
  /** Which actions the pipeline can do in this build. */
  readonly actions: { save: boolean; load: boolean; ociDir: boolean; export: boolean };
  sourceChoices(): SourceChoice[];
  /** File names completing a partly typed path (directories end in `/`). */
  completePath(partial: string): Promise<string[]>;
  /**
   * `onNotice`: lines about things done on the way (a sweep of dead balers' temp dirs when a compressed
   * archive is spooled), as they happen.
   */
  listImages(source: SourceSpec, signal?: AbortSignal, onNotice?: (line: string) => void): Promise<ImageRow[]>;
  /** Layers of one image, base first, with their tar headers. */
  listLayers(source: SourceSpec, image: ImageRow, signal?: AbortSignal): Promise<LayerListing[]>;
  /**
   * Runs the pipeline. On failure or abort it rejects, with a CopyFailure when it could check what
   * was left at the destination.
   */
  copy(req: TuiCopyRequest, onEvent: CopyEventHandler, signal: AbortSignal): Promise<TuiCopyOutcome>;
}
