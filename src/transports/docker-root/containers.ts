import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BalerError, fromSystemError } from '../../errors.js';
import type { Digest } from '../../model/digest.js';
import { isDigest } from '../../model/digest.js';
import { expectObject, isObject, JsonLimits, parseJsonBytes } from '../../model/json-limits.js';

/** A container as `containers/<id>/config.v2.json` records it (formats.md §5). */
export interface StoredContainer {
  id: string;
  /** Without Docker's leading "/". */
  name: string;
  /** Image ID the container was created from. */
  imageId?: Digest;
  /** The image as the user named it at `docker create` (Config.Image). */
  imageRef?: string;
  created?: string;
  state: 'running' | 'paused' | 'restarting' | 'dead' | 'exited' | 'created';
  exitCode: number;
  /** docker ps-style status: "Created", "Exited (0)", "Up" (as of the last write by dockerd). */
  status: string;
  driver?: string;
  /** The container's runtime config (config.v2.json `Config`: Cmd, Env, Labels…), kept for commit. */
  runtimeConfig?: Record<string, unknown>;
  /** The process it ran: `Path` followed by `Args`. */
  command: string[];
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Reads one config.v2.json; pure apart from the bytes given. */
export function parseContainerConfig(bytes: Uint8Array, what: string): StoredContainer {
  const o = expectObject(parseJsonBytes(bytes, what, JsonLimits.config), what);
  const id = typeof o.ID === 'string' ? o.ID : '';
  if (!/^[0-9a-f]{64}$/.test(id)) throw new BalerError('E_FORMAT', `${what}: missing container ID`);
  const s = isObject(o.State) ? o.State : {};
  const exitCode = typeof s.ExitCode === 'number' ? s.ExitCode : 0;
  const startedAt = typeof s.StartedAt === 'string' ? s.StartedAt : ZERO_TIME;
  const state: StoredContainer['state'] =
    s.Running === true ? (s.Paused === true ? 'paused' : s.Restarting === true ? 'restarting' : 'running')
    : s.Dead === true ? 'dead'
    : startedAt.startsWith('0001-') ? 'created'
    : 'exited';
  const status = { running: 'Up', paused: 'Up (Paused)', restarting: 'Restarting', dead: 'Dead', exited: `Exited (${exitCode})`, created: 'Created' }[state];
  const args = Array.isArray(o.Args) ? o.Args.filter((a): a is string => typeof a === 'string') : [];
  const command = typeof o.Path === 'string' && o.Path !== '' ? [o.Path, ...args] : args;
  const c: StoredContainer = { id, name: typeof o.Name === 'string' ? o.Name.replace(/^\//, '') : '', state, exitCode, status, command };
  if (isDigest(o.Image)) c.imageId = o.Image;
  const cfg = isObject(o.Config) ? o.Config : {};
  if (typeof cfg.Image === 'string') c.imageRef = cfg.Image;
  if (isObject(o.Config)) c.runtimeConfig = o.Config;
  if (typeof o.Created === 'string') c.created = o.Created;
  if (typeof o.Driver === 'string') c.driver = o.Driver;
  return c;
}

/** Every container of the data root, newest first (as `docker ps -a`); a container dir without config is skipped. */
export async function listContainers(root: string): Promise<StoredContainer[]> {
  const dir = join(root, 'containers');
  let ids: string[];
  try {
    ids = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fromSystemError(err, dir);
  }
  const out: StoredContainer[] = [];
  for (const id of ids) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    const path = join(dir, id, 'config.v2.json');
    let bytes: Buffer;
    try {
      if ((await stat(path)).size > JsonLimits.config) throw new BalerError('E_FORMAT', `${path}: larger than ${JsonLimits.config} bytes`);
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw fromSystemError(err, path);
    }
    out.push(parseContainerConfig(bytes, path));
  }
  return out.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.id.localeCompare(b.id));
}

/** Finds a container by name (with or without "/"), full ID or unique ID prefix, as docker does. */
export function findContainer(all: readonly StoredContainer[], want: string, root: string): StoredContainer {
  const name = want.replace(/^\//, '');
  const exact = all.find((c) => c.id === want || c.name === name);
  if (exact) return exact;
  const byPrefix = /^[0-9a-f]+$/.test(want) ? all.filter((c) => c.id.startsWith(want)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw new BalerError('E_CONFLICT', `${root}: container ID prefix ${JSON.stringify(want)} is ambiguous`);
  throw new BalerError('E_NOT_FOUND', `${root}: no such container ${JSON.stringify(want)}`);
}

/** The container `want` names in the data root, or undefined when it names none (it may be an image). */
export async function lookupContainer(root: string, want: string): Promise<StoredContainer | undefined> {
  try {
    return findContainer(await listContainers(root), want, root);
  } catch (err) {
    if (err instanceof BalerError && err.code === 'E_NOT_FOUND') return undefined;
    throw err;
  }
}
