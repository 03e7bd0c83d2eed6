import type { Writable } from 'node:stream';
import { emitFlattened, scanLayers, type EmitResult, type LayerTars } from '../../tar/flatten/emit.js';
import { planFlatten, type PathFilter } from '../../tar/flatten/plan.js';
import { TarWriter } from '../../tar/write.js';
import type { DockerEngine } from './client.js';

/**
 * `--include/--exclude` on a live daemon's container export. The daemon's export stream is already flat,
 * so it is treated as a one-layer image and goes through the shared two-pass flattener: the first request
 * reads headers only and decides what to keep (a directory stays when something below it does; a kept
 * hard link whose target was left out gets the file's bytes instead of a dangling link), the second
 * copies the kept files. That costs a second export request, only when a filter is given. A container
 * that changes between the two requests fails the export naming the entry (nothing is written at -o).
 * Ends `out`; the caller owns it.
 */
export async function writeFilteredDaemonExport(engine: DockerEngine, id: string, label: string, filter: PathFilter, out: Writable, signal?: AbortSignal): Promise<EmitResult> {
  const what = `container ${label} (export from ${engine.label})`;
  const stream: LayerTars = {
    count: 1,
    open: (_i, s) => engine.exportContainer(id, s ?? signal),
    what: () => what,
  };
  const tree = await scanLayers(stream, signal);
  const plan = planFlatten(tree, filter);
  const writer = new TarWriter(out);
  const result = await emitFlattened(stream, plan, writer, signal);
  await writer.finish();
  if (!out.writableEnded) out.end();
  return result;
}
