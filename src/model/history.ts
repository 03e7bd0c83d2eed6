import type { Digest } from './digest.js';
import type { HistoryEntry, ImageConfig } from './image-config.js';

export interface HistoryRow {
  entry: HistoryEntry;
  /** Index into rootfs.diff_ids, or undefined for an empty (metadata-only) step. */
  layerIndex?: number;
  diffId?: Digest;
}

/**
 * Maps history entries onto layers: non-empty entries take diff_ids in order (formats.md §3.1).
 * Images without history get one synthetic row per layer so every layer is shown.
 */
export function historyRows(config: ImageConfig): HistoryRow[] {
  const diffIds = config.rootfs.diff_ids;
  const entries = config.history ?? [];
  if (entries.length === 0) return diffIds.map((d, i) => ({ entry: {}, layerIndex: i, diffId: d }));
  const rows: HistoryRow[] = [];
  let next = 0;
  for (const entry of entries) {
    if (entry.empty_layer) rows.push({ entry });
    else {
      const d = diffIds[next];
      rows.push(d === undefined ? { entry } : { entry, layerIndex: next, diffId: d });
      next++;
    }
  }
  for (; next < diffIds.length; next++) {
    const d = diffIds[next];
    if (d) rows.push({ entry: {}, layerIndex: next, diffId: d });
  }
  return rows;
}
