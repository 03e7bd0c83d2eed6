import type { Readable } from 'node:stream';
import { BalerError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { shortId } from '../../model/digest.js';
import type { LayerTars } from '../../tar/flatten/emit.js';
import { findContainer, listContainers, type StoredContainer } from './containers.js';
import { dirTarStream } from './dir-tar.js';
import { detectStorageDriver, layerDataDir, mountDataDir } from './drivers.js';
import { readLayerDbEntry, readMountEntry, type LayerDbEntry } from './layerdb.js';
import { planLayerTar, regenerateLayerTar, skeletonLayerTar } from './layer-tar.js';

export interface ContainerLayers {
  container: StoredContainer;
  /** Layers whose flattening (tar/flatten) is the container's file system, as `docker export` writes it. */
  layers: LayerTars;
  /** The same layers with zeros for file contents (no file is read): enough for pass 1, which only reads headers. */
  skeletons: LayerTars;
}

interface LayerOpener {
  what: string;
  open: () => Readable;
  skeleton: () => Readable;
}

function layerTarsOf(openers: readonly LayerOpener[], label: string, pick: (l: LayerOpener) => () => Readable): LayerTars {
  return {
    count: openers.length,
    what: (i) => openers[i]?.what ?? `${label}: layer ${i}`,
    open: async (i) => {
      const l = openers[i];
      if (!l) throw new BalerError('E_INTERNAL', `Internal error: ${label} has no layer ${i}`);
      return pick(l)();
    },
  };
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
  const opens: LayerOpener[] = [];
  const fromDir = (dir: string, mode: 'rootfs' | 'overlay-diff', what: string): LayerOpener => ({
    what,
    open: () => dirTarStream({ dir, mode, what, ...common }),
    skeleton: () => dirTarStream({ dir, mode, what, skeleton: true, ...common }),
  });
  const done = (): ContainerLayers => ({ container, layers: layerTarsOf(opens, label, (l) => l.open), skeletons: layerTarsOf(opens, label, (l) => l.skeleton) });
  if (driver === 'vfs') {
    const dir = mountDataDir(root, driver, mount.mountId);
    opens.push(fromDir(dir, 'rootfs', `${label} (${dir})`));
    return done();
  }
  for (const e of await imageLayerChain(root, driver, mount.parent)) {
    const dir = layerDataDir(root, driver, e.cacheId);
    const what = `${label}: image layer ${shortId(e.diffId)}`;
    const tarSplit = e.tarSplitPath;
    const plan = tarSplit !== undefined ? await planLayerTar(tarSplit, dir) : undefined;
    const size = plan?.size ?? 0;
    opens.push(
      tarSplit !== undefined && plan?.problem === undefined
        ? { what, open: () => regenerateLayerTar(tarSplit, dir, what, { size, ...(o.signal ? { signal: o.signal } : {}) }), skeleton: () => skeletonLayerTar(tarSplit, what, o.signal) }
        : fromDir(dir, 'overlay-diff', what),
    );
  }
  for (const id of [mount.initId ?? `${mount.mountId}-init`, mount.mountId]) {
    const dir = mountDataDir(root, driver, id);
    opens.push(fromDir(dir, 'overlay-diff', `${label}: ${id.endsWith('-init') ? 'init' : 'read-write'} layer (${dir})`));
  }
  return done();
}
