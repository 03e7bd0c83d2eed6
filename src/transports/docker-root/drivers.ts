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
    const containerdStore = await containerdStoreOf(root);
    if (containerdStore) {
      throw new BalerError(
        'E_UNSUPPORTED',
        `${root}: this Docker uses the containerd image store (the default since Docker 29), so its images are in containerd's content store (${containerdStore}), not in the data root; baler cannot read that offline: start the daemon and use --from docker`,
      );
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

const isDir = (p: string): Promise<boolean> => stat(p).then((s) => s.isDirectory(), () => false);

/**
 * For a data root without image/: where its images are when it belongs to a Docker with the containerd
 * image store, else undefined. A graphdriver daemon creates image/<driver>/ at its first start, so a root
 * that has a daemon's other state (engine-id, containers/, its own containerd/) but no image/ is one whose
 * images went to containerd: the containerd dockerd started itself keeps them under ROOT/containerd/daemon;
 * a system containerd (Docker 29 packages) under its own root, namespace "moby".
 */
export async function containerdStoreOf(root: string): Promise<string | undefined> {
  const managed = join(root, 'containerd', 'daemon', 'io.containerd.content.v1.content');
  if (await isDir(managed)) return managed;
  const daemonState = [isDir(join(root, 'containerd')), isDir(join(root, 'containers')), stat(join(root, 'engine-id')).then(() => true, () => false)];
  if (!(await Promise.all(daemonState)).some(Boolean)) return undefined;
  return 'the system containerd\'s root, /var/lib/containerd by default, namespace moby';
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
