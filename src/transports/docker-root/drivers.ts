import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BalerError, fromSystemError } from '../../errors.js';

/** Graph drivers whose on-disk layout baler reads (formats.md §5). */
export type StorageDriver = 'overlay2' | 'vfs';
const SUPPORTED: readonly StorageDriver[] = ['overlay2', 'vfs'];

/**
 * The driver in use is the one with a directory under `image/` (Docker keeps one image db per driver;
 * a root that was switched between drivers has several — then the one with images wins, overlay2 first).
 */
export async function detectStorageDriver(root: string): Promise<StorageDriver> {
  let names: string[];
  try {
    names = (await readdir(join(root, 'image'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    const e = fromSystemError(err, join(root, 'image'));
    if (e.code !== 'E_NOT_FOUND') throw e;
    // Docker >=29 defaults to the containerd image store: no image/<driver>/, blobs live in containerd
    if (await stat(join(root, 'containerd')).then((s) => s.isDirectory(), () => false)) {
      throw new BalerError('E_UNSUPPORTED', `${root}: uses the containerd image store (Docker 29 default), which baler cannot read offline yet; save with a running daemon (--from docker) instead`);
    }
    throw new BalerError('E_NOT_FOUND', `${root}: not a Docker data root (no image/ directory)`);
  }
  const supported = SUPPORTED.filter((d) => names.includes(d));
  if (supported.length > 1) {
    for (const d of supported) {
      const images = await readdir(join(root, 'image', d, 'imagedb', 'content', 'sha256')).catch(() => []);
      if (images.length > 0) return d;
    }
  }
  if (supported[0]) return supported[0];
  const other = names[0];
  if (other) throw new BalerError('E_UNSUPPORTED', `${root}: storage driver ${other} is not supported yet (supported: ${SUPPORTED.join(', ')})`);
  throw new BalerError('E_NOT_FOUND', `${root}: not a Docker data root (image/ holds no storage driver directory)`);
}

/** Directory holding the files of an image layer (`cache-id`) as tar-split expects them. */
export function layerDataDir(root: string, driver: StorageDriver, cacheId: string): string {
  return driver === 'overlay2' ? join(root, 'overlay2', cacheId, 'diff') : join(root, 'vfs', 'dir', cacheId);
}

/** Directory of a container's read-write layer (`mount-id`) or its init layer (`<mount-id>-init`). */
export function mountDataDir(root: string, driver: StorageDriver, mountId: string): string {
  return layerDataDir(root, driver, mountId);
}

/** True when every layer dir holds only that layer's changes (overlay2) rather than a full rootfs copy (vfs). */
export function storesDiffsOnly(driver: StorageDriver): boolean {
  return driver === 'overlay2';
}
