/**
 * Container lists (`baler ps`, the second table of `baler ls --from docker-root:DIR|docker`) in the
 * columns of `docker ps -a`, from either an offline data root or a running daemon.
 */
import { shortId } from '../../model/digest.js';
import type { StoredContainer } from '../../transports/docker-root/containers.js';
import type { EngineContainer } from '../../transports/docker-daemon/client.js';
import { renderTable } from './table.js';
import { formatRelativeTime } from './units.js';

export interface ContainerRow {
  id: string;
  name: string;
  /** The image as the user named it at create time (or a short ID). */
  image: string;
  imageId?: string;
  created?: Date;
  state: string;
  status: string;
}

export function rowFromStored(c: StoredContainer): ContainerRow {
  const row: ContainerRow = { id: c.id, name: c.name, image: c.imageRef ?? (c.imageId ? shortId(c.imageId) : ''), state: c.state, status: c.status };
  if (c.imageId) row.imageId = c.imageId;
  if (c.created) row.created = new Date(c.created);
  return row;
}

export function rowFromEngine(c: EngineContainer): ContainerRow {
  const row: ContainerRow = { id: c.id, name: c.name, image: c.image, state: c.state, status: c.status };
  if (c.imageId) row.imageId = c.imageId;
  if (c.created > 0) row.created = new Date(c.created * 1000);
  return row;
}

export function renderContainerTable(rows: readonly ContainerRow[]): string {
  return renderTable(rows, [
    { header: 'CONTAINER ID', cell: (c: ContainerRow) => c.id.slice(0, 12) },
    { header: 'IMAGE', cell: (c) => c.image },
    { header: 'CREATED', cell: (c) => (c.created && !Number.isNaN(c.created.getTime()) ? formatRelativeTime(c.created) : '') },
    { header: 'STATUS', cell: (c) => c.status },
    { header: 'NAMES', cell: (c) => c.name },
  ]);
}

/** --json shape of one container (docker's inspect-style capitalised keys, as `ls --json` uses). */
export function containerJson(c: ContainerRow): Record<string, unknown> {
  return { Id: c.id, Name: c.name, Image: c.image, ImageId: c.imageId ?? null, Created: c.created?.toISOString() ?? null, State: c.state, Status: c.status };
}
