import { ExitCode } from '../../errors.js';
import type { LayerCompression } from '../../model/media-types.js';
import type { ExportTarget } from '../../pipeline/export.js';
import { exportContainer, findContainerToExport, type ContainerPlace } from '../../pipeline/export-container.js';
import type { PathFilter } from '../../tar/flatten/plan.js';
import { liveDaemonOf } from '../../transports/docker-daemon/client.js';
import { DockerDaemonRef, dockerDaemonRefAt } from '../../transports/docker-daemon/transport.js';
import { dockerRootTransport } from '../../transports/docker-root/transport.js';
import type { ImageRef } from '../../transports/types.js';
import { formatBytes } from '../render/units.js';
import { WrittenProgressLine } from '../render/written-progress-line.js';
import type { CommandContext } from '../spec.js';
import { printJson } from '../store-context.js';

export interface ExportPlan {
  ref: ImageRef;
  image?: string;
  to: ExportTarget;
  compression: LayerCompression;
  level?: number;
  filter?: PathFilter;
}

/**
 * `--from docker|docker-root:DIR` narrowed to the one image SOURCE names, so the daemon saves only that
 * image (not all of them) and the data root resolves only its layers. Other places are left as they are.
 */
export function narrowToImage(ref: ImageRef, image: string): ImageRef {
  if (ref.image !== undefined) return ref;
  if (ref instanceof DockerDaemonRef) return dockerDaemonRefAt(ref.location, image, ref.offlineRoot);
  if (ref.transport.name === 'docker-root') return dockerRootTransport.parse(`docker-root:${ref.location}:${image}`);
  return ref;
}

/**
 * Containers live in a Docker data root or a daemon; other sources only hold images. `fallback` says why
 * a daemon's data root is read instead of the daemon (told once: here for a container, by the source for an image).
 */
async function containerPlaceOf(ref: ImageRef): Promise<{ place: ContainerPlace; fallback?: string } | undefined> {
  if (ref.transport.name === 'docker-root') return { place: { kind: 'docker-root', root: ref.location } };
  if (!(ref instanceof DockerDaemonRef)) return undefined;
  const place = await ref.reach();
  if (place.kind === 'daemon') return { place };
  return { place: { kind: 'docker-root', root: place.root }, fallback: place.reason };
}

/**
 * `baler export --from docker-root:DIR|docker CONTAINER`: when SOURCE names a container there, writes
 * its file system like `docker export` and returns the exit code; undefined when SOURCE is not a
 * container (the caller exports it as an image). Containers win over images of the same name.
 */
export async function exportIfContainer(ctx: CommandContext, plan: ExportPlan): Promise<ExitCode | undefined> {
  if (plan.image === undefined) return undefined;
  const where = await containerPlaceOf(plan.ref);
  const container = where && (await findContainerToExport(where.place, plan.image));
  if (!container) return undefined;
  const quiet = ctx.flags.bool('quiet');
  if (where.fallback && !quiet) ctx.io.stderr.write(`baler: warning: ${where.fallback}\n`);
  const live = where.place.kind === 'docker-root' && !where.fallback ? await liveDaemonOf(where.place.root) : undefined;
  if (live && !quiet) ctx.io.stderr.write(`baler: warning: ${live}\n`);
  // pass 1 of a container export reads no file and the daemon's stream has no known size: bytes and speed
  const progress = !quiet && !ctx.flags.bool('json') && ctx.io.stderr.isTTY ? new WrittenProgressLine(ctx.io.stderr, `Exporting container ${container.name || container.id.slice(0, 12)}`) : undefined;
  const report = await exportContainer({
    container,
    to: plan.to,
    ...(progress ? { onWritten: (bytes: number) => progress.update(bytes) } : {}),
    compression: plan.compression,
    ...(plan.level !== undefined ? { level: plan.level } : {}),
    ...(plan.filter ? { filter: plan.filter } : {}),
    signal: ctx.io.signal,
    warn: (_code, message) => {
      progress?.finish();
      if (!quiet) ctx.io.stderr.write(`baler: warning: ${message}\n`);
    },
  }).finally(() => progress?.finish());
  if (ctx.flags.bool('json')) printJson(ctx.io, report);
  else if (!quiet) {
    const files = report.entries !== undefined ? ` (${report.entries} entries, ${formatBytes(report.fileBytes ?? 0)} of files)` : '';
    const packed = report.compression === 'none' ? '' : ` (${report.compression}, ${formatBytes(report.bytesWritten)})`;
    ctx.io.stderr.write(`Exported container ${report.container}${files} from ${report.from} to ${report.location}${packed}\n`);
  }
  return ExitCode.ok;
}
