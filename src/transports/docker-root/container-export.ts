import type { Readable, Writable } from 'node:stream';
import { emitFlattened, scanLayers, type EmitResult } from '../../tar/flatten/emit.js';
import { planFlatten, type PathFilter } from '../../tar/flatten/plan.js';
import type { TarHeader } from '../../tar/header.js';
import { TarWriter } from '../../tar/write.js';
import type { StoredContainer } from './containers.js';
import { openContainerLayers, type ContainerLayerOptions } from './container-layers.js';

export interface ContainerExportResult extends EmitResult {
  container: StoredContainer;
  /** Bytes of files that later layers hide (deleted or replaced), left out. */
  reclaimedBytes: number;
}

export interface ContainerExportOptions extends ContainerLayerOptions {
  /** --include/--exclude: which paths to write. */
  filter?: PathFilter;
}

/**
 * `docker export` without the daemon: the container's merged file system as one flat tar (no whiteouts,
 * hard links kept), flattened with the shared two-pass flattener (tar/flatten). Ends `out`; the caller
 * owns it (an atomic file, stdout…) and must not publish it if this rejects.
 */
export async function writeContainerExport(root: string, container: string, out: Writable, o: ContainerExportOptions = {}): Promise<ContainerExportResult> {
  const opened = await openContainerLayers(root, container, o);
  // pass 1 reads headers only: skeleton tars, so every file is read once, in pass 2
  const tree = await scanLayers(opened.skeletons, o.signal);
  const plan = planFlatten(tree, o.filter);
  const writer = new DockerExportTarWriter(out);
  const result = await emitFlattened(opened.layers, plan, writer, o.signal);
  await writer.finish();
  if (!out.writableEnded) out.end();
  return { ...result, container: opened.container, reclaimedBytes: plan.reclaimedBytes };
}

/** Writes directory names ending in "/", as `docker export` (Go's archive/tar) does: `tar -tvf` then lists the same names. */
class DockerExportTarWriter extends TarWriter {
  override add(h: TarHeader, body?: Readable | Uint8Array): Promise<void> {
    return super.add(h.type === 'dir' && !h.name.endsWith('/') ? { ...h, name: `${h.name}/` } : h, body);
  }
}
