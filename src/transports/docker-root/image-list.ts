import type { Digest } from '../../model/digest.js';
import { chainIds } from '../../model/ids.js';
import { parseImageConfig } from '../../model/image-config.js';
import type { ImageName } from '../../model/image-name.js';
import { detectStorageDriver, type StorageDriver } from './drivers.js';
import { readLayerDbEntry } from './layerdb.js';
import { listStoredImages, readConfigBytes, readRepositories } from './repositories.js';
import { withoutBuildSteps } from './source.js';

/** One line of `baler ls --from docker-root:DIR`, as `docker images` would show it. */
export interface RootImageRow {
  id: Digest;
  names: ImageName[];
  created?: string;
  /** Sum of the layers' `size` files (what `docker images` shows); undefined when one is missing. */
  size?: number;
}

/**
 * The images of a data root with created time and size, read from configs and the layer database only
 * (no layer content is touched, so listing a large root is quick). Build-step images are hidden.
 */
export async function listRootImages(root: string, driver?: StorageDriver): Promise<RootImageRow[]> {
  const d = driver ?? (await detectStorageDriver(root));
  const [stored, names] = await Promise.all([listStoredImages(root, d), readRepositories(root, d)]);
  const rows: RootImageRow[] = [];
  for (const v of withoutBuildSteps(stored.map((s) => ({ stored: s, names: names.get(s.id) ?? [] })))) {
    const config = parseImageConfig(await readConfigBytes(root, d, v.stored.id), `${root}: image ${v.stored.id}`);
    const row: RootImageRow = { id: v.stored.id, names: v.names };
    if (config.created) row.created = config.created;
    let size: number | undefined = 0;
    for (const chain of chainIds(config.rootfs.diff_ids)) {
      const entry = await readLayerDbEntry(root, d, chain).catch(() => undefined);
      size = entry?.size === undefined || size === undefined ? undefined : size + entry.size;
    }
    if (size !== undefined) row.size = size;
    rows.push(row);
  }
  return rows.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.id.localeCompare(b.id));
}
