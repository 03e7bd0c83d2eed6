import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { shortId } from '../../model/digest.js';
import type { LayerTars } from '../../tar/flatten/emit.js';
import { findContainer, listContainers, type StoredContainer } from './containers.js';
import { dirTarStream } from './dir-tar.js';
import { detectStorageDriver, layerDataDir, mountDataDir } from './drivers.js';
import { readLayerDbEntry, readMountEntry, type LayerDbEntry } from './layerdb.js';
import { planLayerTar, regenerateLayerTar } from './layer-tar.js';

export interface ContainerLayers {
  container: StoredContainer;
  /** Layers whose flattening (tar/flatten) is the container's file system, as `docker export` writes it. */
  layers: LayerTars;
}

export interface ContainerLayerOptions {
  signal?: AbortSignal;
  onWarning?: (code: string, message: string) => void;
}

/** The image layers under a container, base first, following layerdb `parent` links from its top chain ID. */
async function imageLayerChain(root: string, driver: 'overlay2' | 'vfs', top: Digest | undefined): Promise<LayerDbEntry[]> {
  const out: LayerDbEntry[] = [];
  for (let chain = top; chain !== undefined; ) {
    if (out.length > 1000) throw new BalerError('E_FORMAT', `${root}: layer chain of ${top} does not end (a parent loop?)`);
    const e = await readLayerDbEntry(root, driver, chain);
    out.push(e);
    chain = e.parent;
  }
  return out.reverse();
}

/**
 * A container of an offline Docker data root as layers to flatten (formats.md §5.2):
 *  vfs      — `vfs/dir/<mount-id>` already is the merged file system: one layer, the directory as it is;
 *  overlay2 — the image layers (regenerated from tar-split; from their diff dir if that fails), then the
 *             init layer `<mount-id>-init/diff` and the read-write layer `<mount-id>/diff`, whose char 0/0
 *             whiteouts and opaque directories become tar whiteouts.
 * Nothing is written to the data root.
 */
export async function openContainerLayers(root: string, want: string, o: ContainerLayerOptions = {}): Promise<ContainerLayers> {
  const driver = await detectStorageDriver(root);
  const container = findContainer(await listContainers(root), want, root);
  const mount = await readMountEntry(root, driver, container.id);
  const label = `container ${container.name || container.id.slice(0, 12)}`;
  const common = { ...(o.signal ? { signal: o.signal } : {}), ...(o.onWarning ? { onWarning: o.onWarning } : {}) };
  if (driver === 'vfs') {
    const dir = mountDataDir(root, driver, mount.mountId);
    return {
      container,
      layers: { count: 1, what: () => `${label} (${dir})`, open: async () => dirTarStream({ dir, mode: 'rootfs', what: `${label} (${dir})`, ...common }) },
    };
  }
  const opens: Array<{ what: string; open: () => Readable }> = [];
  for (const e of await imageLayerChain(root, driver, mount.parent)) {
    const dir = layerDataDir(root, driver, e.cacheId);
    const what = `${label}: image layer ${shortId(e.diffId)}`;
    const tarSplit = e.tarSplitPath;
    const exact = tarSplit !== undefined && (await planLayerTar(tarSplit, dir)).problem === undefined;
    opens.push({
      what,
      open: exact ? () => regenerateLayerTar(tarSplit, dir, what, o.signal) : () => dirTarStream({ dir, mode: 'overlay-diff', what, ...common }),
    });
  }
  for (const id of [mount.initId ?? `${mount.mountId}-init`, mount.mountId]) {
    const dir = mountDataDir(root, driver, id);
    const what = `${label}: ${id.endsWith('-init') ? 'init' : 'read-write'} layer (${dir})`;
    opens.push({ what, open: () => dirTarStream({ dir, mode: 'overlay-diff', what, ...common }) });
  }
  return {
    container,
    layers: {
      count: opens.length,
      what: (i) => opens[i]?.what ?? `${label}: layer ${i}`,
      open: async (i) => {
        const l = opens[i];
        if (!l) throw new BalerError('E_INTERNAL', `Internal error: ${label} has no layer ${i}`);
        return l.open();
      },
    },
  };
}
