import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listFilesRecursive } from './temp-dirs.js';

/** What a failed command must not change in a store: its index (names) and the presence of temp files. */
export interface StoreState {
  index: string | undefined;
  files: string[];
}

export async function storeState(storeDir: string): Promise<StoreState> {
  const index = await readFile(join(storeDir, 'index.json'), 'utf8').catch(() => undefined);
  return { index, files: await listFilesRecursive(storeDir) };
}

/** Names of files that look like an interrupted write (atomic-file temps, spools, lock leftovers). */
export function tempLeftovers(files: readonly string[]): string[] {
  return files.filter((f) => /baler-tmp|\.tmp$|\.partial$|(^|\/)tmp\/|\.spool|ingest\//.test(f));
}

/** The image names an OCI index.json lists (both annotation styles), for "no new name" checks. */
export function namesInIndex(indexJson: string | undefined): string[] {
  if (!indexJson) return [];
  const idx = JSON.parse(indexJson) as { manifests?: Array<{ annotations?: Record<string, string> }> };
  return (idx.manifests ?? [])
    .map((m) => m.annotations?.['io.containerd.image.name'] ?? m.annotations?.['org.opencontainers.image.ref.name'] ?? '')
    .filter(Boolean)
    .sort();
}
