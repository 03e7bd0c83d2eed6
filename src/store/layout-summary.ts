import { readdir, readFile, stat } from 'node:fs/promises';
import { ownTempBlobPrefix } from '../io/temp-name.js';
import { blobsDir, indexFile } from './layout.js';

/**
 * What a layout holds, as a look at its files shows it, without judging it (no lock, no parsing): for
 * a caller that compares a layout before and after a write to say what the write left (the TUI's
 * aftermath). Nothing is made when DIR is absent.
 */
export interface LayoutSummary {
  readonly exists: boolean;
  /** index.json's text, undefined when there is none: equal texts, unchanged index. */
  readonly index: string | undefined;
  /** The blob files by name (hex digests; names not hidden). */
  readonly blobs: ReadonlySet<string>;
  /** Temp blob files this process is writing or left (io/temp-name.ts). */
  readonly ownTemps: ReadonlySet<string>;
  /** Every name in blobs/sha256, blobs, temps and leases of any writer. */
  readonly files: number;
}

export async function summarizeLayout(root: string): Promise<LayoutSummary> {
  const exists = (await stat(root).catch(() => undefined))?.isDirectory() ?? false;
  const index = exists ? await readFile(indexFile(root), 'utf8').catch(() => undefined) : undefined;
  const names = exists ? await readdir(blobsDir(root)).catch(() => [] as string[]) : [];
  const own = ownTempBlobPrefix();
  return {
    exists,
    index,
    blobs: new Set(names.filter((n) => !n.startsWith('.'))),
    ownTemps: new Set(names.filter((n) => n.startsWith(own))),
    files: names.length,
  };
}
