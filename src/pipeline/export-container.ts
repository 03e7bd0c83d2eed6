/**
 * `baler export` of a container (what `docker export` does): from an offline Docker data root the
 * container's layers are flattened here (transports/docker-root/container-export.ts); from a live daemon
 * its own export stream (GET /containers/ID/export) is passed through, or, with --include/--exclude,
 * filtered by the same flattener (docker-daemon/filtered-export.ts). Either way the tar goes through
 * the same codec and atomic output as an image export (writeTarOutput).
 */
import { pipeline } from 'node:stream/promises';
import type { PathFilter } from '../tar/flatten/plan.js';
import { lookupContainer } from '../transports/docker-root/containers.js';
import { writeContainerExport } from '../transports/docker-root/container-export.js';
import type { DockerEngine } from '../transports/docker-daemon/client.js';
import { writeFilteredDaemonExport } from '../transports/docker-daemon/filtered-export.js';
import { writeTarOutput, type TarOutput } from './export.js';

/** Where containers live: an offline data root, or a running daemon. */
export type ContainerPlace = { kind: 'docker-root'; root: string } | { kind: 'daemon'; engine: DockerEngine };

export interface ContainerRef {
  place: ContainerPlace;
  id: string;
  name: string;
}

export interface ContainerExportRequest extends TarOutput {
  container: ContainerRef;
  filter?: PathFilter;
  warn?: (code: string, message: string) => void;
}

export interface ContainerExportReport {
  container: string;
  id: string;
  /** `docker-root:DIR` or the daemon's socket: which reader was used. */
  from: string;
  /** Entries and file bytes written (unknown for a daemon's own export stream). */
  entries?: number;
  fileBytes?: number;
  bytesWritten: number;
  compression: TarOutput['compression'];
  location: string;
}

/**
 * The container `query` names at `place`, or undefined when it names none. Containers win over images of
 * the same name (as `docker export`, which only takes containers); a query with `:`, `@` or `sha256:` can
 * only be an image (container names allow neither), so `NAME:TAG` always picks the image.
 */
export async function findContainerToExport(place: ContainerPlace, query: string): Promise<ContainerRef | undefined> {
  if (/[:@]/.test(query)) return undefined;
  if (place.kind === 'docker-root') {
    const c = await lookupContainer(place.root, query);
    return c && { place, id: c.id, name: c.name };
  }
  const c = await place.engine.findContainer(query);
  return c && { place, ...c };
}

export function containerPlaceLabel(place: ContainerPlace): string {
  return place.kind === 'docker-root' ? `docker-root:${place.root}` : place.engine.label;
}

export async function exportContainer(req: ContainerExportRequest): Promise<ContainerExportReport> {
  const { place, id, name } = req.container;
  const base = { container: name || id.slice(0, 12), id, from: containerPlaceLabel(place), compression: req.compression };
  if (place.kind === 'docker-root') {
    const { result, bytesWritten, location } = await writeTarOutput(req, (tar) =>
      writeContainerExport(place.root, id, tar, {
        ...(req.filter ? { filter: req.filter } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.warn ? { onWarning: req.warn } : {}),
      }),
    );
    return { ...base, entries: result.entries, fileBytes: result.bytes, bytesWritten, location };
  }
  const filter = req.filter;
  if (filter) {
    const { result, bytesWritten, location } = await writeTarOutput(req, (tar) => writeFilteredDaemonExport(place.engine, id, base.container, filter, tar, req.signal));
    return { ...base, entries: result.entries, fileBytes: result.bytes, bytesWritten, location };
  }
  const { bytesWritten, location } = await writeTarOutput(req, async (tar) => pipeline(await place.engine.exportContainer(id, req.signal), tar));
  return { ...base, bytesWritten, location };
}
