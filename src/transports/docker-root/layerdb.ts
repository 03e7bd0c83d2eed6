import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BalerError, fromSystemError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { hexOf, parseDigest } from '../../model/digest.js';
import type { StorageDriver } from './drivers.js';

/** One entry of `image/<driver>/layerdb/sha256/<chainid>/` (formats.md §5). */
export interface LayerDbEntry {
  chainId: Digest;
  diffId: Digest;
  cacheId: string;
  parent?: Digest;
  /** Bytes of the layer's files as Docker counted them (`size`; what `docker images` adds up). */
  size?: number;
  /** Path of the gzip'd tar-split records, when the file exists. */
  tarSplitPath?: string;
  dir: string;
}

/** A container's layers: `layerdb/mounts/<container id>/`. */
export interface MountEntry {
  containerId: string;
  mountId: string;
  initId?: string;
  /** Chain ID of the image's top layer; absent for a container of an image without layers. */
  parent?: Digest;
}

const ID_RE = /^[0-9a-f]{64}$/;

async function readSmall(path: string, optional: true): Promise<string | undefined>;
async function readSmall(path: string, optional?: false): Promise<string>;
async function readSmall(path: string, optional = false): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if (st.size > 4096) throw new BalerError('E_FORMAT', `${path}: larger than 4096 bytes`);
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromSystemError(err, path);
  }
}

/** A driver-internal id used as a directory name; refuse anything that could walk out of the driver dir. */
function parseCacheId(s: string, what: string): string {
  if (!/^[0-9a-zA-Z_.-]+$/.test(s) || s === '.' || s === '..') throw new BalerError('E_FORMAT', `${what}: invalid id ${JSON.stringify(s)}`);
  return s;
}

export function layerDbDir(root: string, driver: StorageDriver): string {
  return join(root, 'image', driver, 'layerdb');
}

export async function readLayerDbEntry(root: string, driver: StorageDriver, chainId: Digest): Promise<LayerDbEntry> {
  const dir = join(layerDbDir(root, driver), 'sha256', hexOf(chainId));
  try {
    await stat(dir);
  } catch (err) {
    const e = fromSystemError(err, dir);
    if (e.code === 'E_NOT_FOUND') throw new BalerError('E_NOT_FOUND', `${root}: layer ${chainId} is missing from the layer database (${dir})`);
    throw e;
  }
  const diffId = parseDigest(await readSmall(join(dir, 'diff')), join(dir, 'diff'));
  const cacheId = parseCacheId(await readSmall(join(dir, 'cache-id')), join(dir, 'cache-id'));
  const parentText = await readSmall(join(dir, 'parent'), true);
  const sizeText = await readSmall(join(dir, 'size'), true);
  const tarSplit = join(dir, 'tar-split.json.gz');
  const hasTarSplit = await stat(tarSplit).then((s) => s.isFile(), () => false);
  const entry: LayerDbEntry = { chainId, diffId, cacheId, dir };
  if (parentText) entry.parent = parseDigest(parentText, join(dir, 'parent'));
  if (hasTarSplit) entry.tarSplitPath = tarSplit;
  if (sizeText !== undefined && /^\d+$/.test(sizeText)) entry.size = Number(sizeText);
  return entry;
}

export async function readMountEntry(root: string, driver: StorageDriver, containerId: string): Promise<MountEntry> {
  if (!ID_RE.test(containerId)) throw new BalerError('E_FORMAT', `invalid container id ${JSON.stringify(containerId)}`);
  const dir = join(layerDbDir(root, driver), 'mounts', containerId);
  const mountId = parseCacheId(await readSmall(join(dir, 'mount-id')), join(dir, 'mount-id'));
  const out: MountEntry = { containerId, mountId };
  const initId = await readSmall(join(dir, 'init-id'), true);
  if (initId) out.initId = parseCacheId(initId, join(dir, 'init-id'));
  const parent = await readSmall(join(dir, 'parent'), true);
  if (parent) out.parent = parseDigest(parent, join(dir, 'parent'));
  return out;
}
